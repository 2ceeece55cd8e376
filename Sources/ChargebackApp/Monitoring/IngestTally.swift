import ChargebackCore
import NIOConcurrencyHelpers

/// Ingest requests and failures per UTC hour in this process, until the flusher adds them to the
/// shared counts in Redis (every instance does, so the error-rate alert sees the whole app).
public final class IngestTally: Sendable {
    /// Requests and failures of one hour.
    public struct Counts: Sendable, Equatable {
        public var requests: Int64 = 0
        public var errors: Int64 = 0
    }

    let counts = NIOLockedValueBox<[Int64: Counts]>([:])

    public init() {}

    /// Counts one request now; `failed` when it was refused or not recorded.
    public func add(failed: Bool, at now: UTCTimestamp = .now) {
        let hour = now.millisecondsSinceEpoch / 3_600_000
        counts.withLockedValue {
            $0[hour, default: Counts()].requests += 1
            if failed { $0[hour, default: Counts()].errors += 1 }
        }
    }

    /// Takes what was counted since the last call.
    public func take() -> [Int64: Counts] {
        counts.withLockedValue { counts in
            defer { counts = [:] }
            return counts
        }
    }

    /// Puts back counts a failed flush could not write (added to anything counted since).
    public func restore(_ taken: [Int64: Counts]) {
        counts.withLockedValue { counts in
            for (hour, value) in taken {
                counts[hour, default: Counts()].requests += value.requests
                counts[hour, default: Counts()].errors += value.errors
            }
        }
    }
}
