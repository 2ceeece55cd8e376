import ChargebackCore
import Synchronization

/// Ingest counts and evaluation markers in memory, for the use-case tests (no Redis).
public final class InMemoryAlertState: IngestHealthSource, EvaluationMarkers {
    struct State {
        var counts: [Int64: (requests: Int64, errors: Int64)] = [:]
        var examined: Set<String> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds counts to an hour, as every instance does every few seconds.
    public func add(hour: Int64, requests: Int64, errors: Int64) {
        state.withLock { state in
            let current = state.counts[hour] ?? (0, 0)
            state.counts[hour] = (current.requests + requests, current.errors + errors)
        }
    }

    public func counts(hour: Int64) async throws -> (requests: Int64, errors: Int64) {
        state.withLock { $0.counts[hour] ?? (0, 0) }
    }

    public func wasExamined(_ key: String) async throws -> Bool {
        state.withLock { $0.examined.contains(key) }
    }

    public func markExamined(_ key: String) async throws {
        _ = state.withLock { $0.examined.insert(key) }
    }
}
