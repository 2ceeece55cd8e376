import ChargebackCore
import Logging
import ServiceLifecycle

/// The production ledger: the store first (Redis); when it is unreachable or refusing writes (a
/// `TransientStoreError` that says so), the event goes to the durable spool and is acknowledged
/// `spooled`. If the store's write ran but its reply was lost, the replay finds the dedupe marker:
/// counted once either way.
public final class SpoolingLedger: Ledger {
    let primary: any Ledger
    let spool: EventSpool
    let logger: Logger

    public init(primary: any Ledger, spool: EventSpool, logger: Logger) {
        self.primary = primary
        self.spool = spool
        self.logger = logger
    }

    public func record(_ event: UsageEvent) async throws -> RecordOutcome {
        do {
            return try await primary.record(event)
        } catch let error as any TransientStoreError where error.isTransient {
            logger.warning("redis unavailable; spooling", metadata: ["usage.request_id": "\(event.requestId)", "redis.error": "\(error.kind)"])
            try await spool.append(event)
            return .spooled
        }
    }
}

/// Replays the spool into the store once it answers again; stops at the first failure and tries later.
public struct SpoolReplayer: Service, CustomStringConvertible {
    /// The name the service group logs. Without it the group describes the value by reflection,
    /// field by field, which costs the handler's cold start about 6 ms of runtime type lookups.
    public var description: String { "SpoolReplayer" }
    let ledger: any Ledger
    let spool: EventSpool
    let logger: Logger
    let intervalMilliseconds: Int
    let journal: RelayJournal?
    let observe: @Sendable (Replay?) -> Void

    /// `observe` hears each pass that moved events (nil: a pass Redis refused), for metrics. Each pass
    /// first adopts the relay's orphaned write-ahead estimates (`journal`) into the spool.
    public init(ledger: any Ledger, spool: EventSpool, logger: Logger, intervalMilliseconds: Int = 1000, journal: RelayJournal? = nil,
                observe: @escaping @Sendable (Replay?) -> Void = { _ in }) {
        self.ledger = ledger
        self.spool = spool
        self.logger = logger
        self.intervalMilliseconds = intervalMilliseconds
        self.journal = journal
        self.observe = observe
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await replayOnce()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMilliseconds)) }
        }
    }

    /// One pass: true when the spool is empty afterwards.
    @discardableResult
    public func replayOnce() async -> Bool {
        do {
            let replay = try await replay()
            if replay.skipped > 0 { logger.error("spool lines unreadable; quarantined", metadata: ["spool.skipped": "\(replay.skipped)"]) }
            if replay.events > 0 {
                logger.info("spool replayed", metadata: ["spool.events": "\(replay.events)", "spool.duplicates": "\(replay.duplicates)"])
                observe(replay)
            }
            return true
        } catch {
            observe(nil)
            return false
        }
    }

    /// What one pass did: events replayed, how many of them Redis already had, unreadable lines
    /// (quarantined), events the ledger refused for good (quarantined).
    public struct Replay: Sendable, Equatable {
        public var events = 0
        public var duplicates = 0
        public var skipped = 0
        public var quarantined = 0
    }

    /// One pass that throws when Redis refuses; the spool is kept for the next pass then.
    public func replay() async throws -> Replay {
        if let journal {
            do {
                let adopted = try await journal.adoptOrphans()
                if adopted > 0 { logger.warning("relayed streams left unrecorded by a handler that died; their estimates spooled", metadata: ["relay.adopted": "\(adopted)"]) }
            } catch {
                logger.error("relay write-ahead estimates could not be spooled; kept for the next pass", metadata: ["error.type": "\(type(of: error))"])
            }
        }
        guard let (events, skipped) = try await spool.takeForReplay() else { return Replay() }
        var duplicates = 0
        var quarantined = 0
        for event in events {
            do {
                if try await ledger.record(event) == .duplicate { duplicates += 1 }
            } catch let failure as LedgerFailure where failure.isPermanent {
                // Refused for good (e.g. counter_overflow): retrying cannot succeed, and must not
                // hold back every event behind it.
                logger.error("spooled event refused; quarantined", metadata: ["usage.request_id": "\(event.requestId)", "error.code": "\(failure.code)"])
                try await spool.quarantine(event)
                quarantined += 1
            }
        }
        try await spool.finishReplay()
        return Replay(events: events.count, duplicates: duplicates, skipped: skipped, quarantined: quarantined)
    }
}
