/// What recording an event did.
public enum RecordOutcome: String, Sendable, Codable {
    /// Counted now.
    case recorded
    /// Already counted under this `requestId`: not counted again.
    case duplicate
    /// The store was unavailable: kept in the durable spool, counted once the store is back.
    case spooled
}

/// Where usage events are counted, exactly once per `requestId`. The Redis ledger implements it;
/// an acknowledged event must never be lost or counted twice.
public protocol Ledger: Sendable {
    /// Counts `event` unless its `requestId` was already counted.
    func record(_ event: UsageEvent) async throws -> RecordOutcome
}

/// A ledger failure the caller can name: `code` is stable (`spool_full`, `spool_unavailable`,
/// `ledger_unavailable`, `counter_overflow`), `message` is for people and never holds payload text.
public struct LedgerFailure: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    /// The HTTP status to answer: 503 when the store could not take the event (it may succeed
    /// later), 4xx when the event itself is refused (it never will; a replay should drop it).
    public let status: Int

    public init(code: String, message: String, status: Int = 503) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// True when retrying the same event cannot succeed.
    public var isPermanent: Bool { (400..<500).contains(status) }

    public var description: String { "\(code): \(message)" }
}

/// An error of a ledger's store that may mean "not now": unreachable, loading, a read-only replica
/// during a failover, out of memory. The spool keeps an event whose write failed this way and replays
/// it later; any other error is answered at once.
public protocol TransientStoreError: Error {
    /// True when the same write may succeed later.
    var isTransient: Bool { get }
    /// The error's kind without its text, for logs.
    var kind: String { get }
}
