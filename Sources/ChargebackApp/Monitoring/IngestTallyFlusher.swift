import ChargebackRedis
import ServiceLifecycle

/// Adds this instance's ingest counts to the shared hourly counts in Redis every few seconds, off
/// the ingest path; a failed write keeps the counts for the next pass, and the last pass runs at
/// shutdown.
public struct IngestTallyFlusher: Service, CustomStringConvertible {
    /// The name the service group logs (see `SpoolReplayer.description`).
    public var description: String { "IngestTallyFlusher" }
    let tally: IngestTally
    let store: IngestHealthStore
    let intervalMilliseconds: Int

    public init(tally: IngestTally, store: IngestHealthStore, intervalMilliseconds: Int = 10_000) {
        self.tally = tally
        self.store = store
        self.intervalMilliseconds = intervalMilliseconds
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMilliseconds)) }
            await flush()
        }
    }

    /// One pass; true when everything taken was written.
    @discardableResult
    public func flush() async -> Bool {
        let taken = tally.take()
        var unwritten: [Int64: IngestTally.Counts] = [:]
        for (hour, counts) in taken.sorted(by: { $0.key < $1.key }) {
            do {
                try await store.add(hour: hour, requests: counts.requests, errors: counts.errors)
            } catch {
                unwritten[hour] = counts
            }
        }
        tally.restore(unwritten)
        return unwritten.isEmpty
    }
}
