/// An alert a check found, and the channels it goes to. Every run of a check finds the same
/// candidates again; the caller claims `onceKey` (Redis `SET <onceKey> 1 NX` with an expiry longer
/// than the event's period) and sends only the candidates whose claim succeeded.
public struct AlertCandidate: Sendable, Hashable {
    /// What is sent.
    public var alert: Alert
    /// Ids of the budget book's channels to send it to.
    public var channels: [String]

    /// `alert`, to be sent to the channels with ids `channels`.
    public init(alert: Alert, channels: [String]) {
        self.alert = alert
        self.channels = channels
    }

    /// The key that makes the alert go out once: `budget:marketing:2026-11:threshold-80`.
    public var onceKey: String { alert.onceKey }
}
