/// What recording an event did.
public enum RecordOutcome: String, Sendable, Codable {
    /// Counted now.
    case recorded
    /// Already counted under this `requestId`: not counted again.
    case duplicate
}

/// Where usage events are counted, exactly once per `requestId`. The Redis ledger implements it;
/// an acknowledged event must never be lost or counted twice.
public protocol Ledger: Sendable {
    /// Counts `event` unless its `requestId` was already counted.
    func record(_ event: UsageEvent) async throws -> RecordOutcome
}
