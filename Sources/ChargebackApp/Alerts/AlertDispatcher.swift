import ChargebackCore
import ChargebackRedis
import FoundationEssentials

/// Sends alert candidates to their channels, each (alert, channel) once: the once-marker is claimed
/// in Redis before sending, so two instances evaluating the same budget send one message. A delivery
/// that fails after its retries is parked in the outbox and retried by later runs (`retryParked`).
public struct AlertDispatcher: Sendable {
    let ledger: AlertLedger
    let sender: WebhookSender
    let channels: [String: AlertChannel]
    let environment: [String: String]
    let telemetry: Telemetry?

    public init(ledger: AlertLedger, sender: WebhookSender, channels: [AlertChannel], environment: [String: String], telemetry: Telemetry? = nil) {
        self.ledger = ledger
        self.sender = sender
        self.channels = Dictionary(channels.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.environment = environment
        self.telemetry = telemetry
    }

    /// Sends each candidate to each of its channels; one line per delivery, for the function's log.
    public func dispatch(_ candidates: [AlertCandidate], sentAt: UTCTimestamp) async throws -> [String] {
        var lines: [String] = []
        for candidate in candidates {
            for channelID in candidate.channels {
                guard let channel = channels[channelID] else { continue }
                guard try await ledger.claim(onceKey: candidate.onceKey, channel: channelID) else {
                    telemetry?.alert(outcome: "already_sent")
                    lines.append("\(candidate.onceKey) → \(channelID): already sent")
                    continue
                }
                let payload = AlertPayload.render(candidate.alert, for: channel.kind, sentAt: sentAt.isoText)
                lines.append(try await deliver(payload, onceKey: candidate.onceKey, channel: channel, attempts: 0))
            }
        }
        return lines
    }

    /// Retries up to `count` parked deliveries.
    public func retryParked(count: Int = 50) async throws -> [String] {
        var lines: [String] = []
        for pending in try await ledger.takeParked(count: count) {
            // Another deployment's channel (two handlers sharing a Redis): not ours to drop.
            guard let channel = channels[pending.channel] else {
                try await ledger.park(pending)
                continue
            }
            lines.append(try await deliver(Array(pending.payload.utf8), onceKey: pending.onceKey, channel: channel, attempts: pending.attempts))
        }
        return lines
    }

    func deliver(_ payload: [UInt8], onceKey: String, channel: AlertChannel, attempts previous: Int) async throws -> String {
        guard let url = environment[channel.urlEnvironmentVariable], !url.isEmpty else {
            try await park(payload, onceKey: onceKey, channel: channel, attempts: previous, reason: "\(channel.urlEnvironmentVariable) is not set")
            telemetry?.alert(outcome: "not_configured")
            return "\(onceKey) → \(channel.id): not sent, \(channel.urlEnvironmentVariable) is not set (parked)"
        }
        let secret = channel.secretEnvironmentVariable.flatMap { environment[$0] }
        let outcome = await sender.send(payload, to: url, secret: secret, onceKey: onceKey) { Int64(Date().timeIntervalSince1970) }
        switch outcome {
        case let .delivered(status, attempts):
            telemetry?.alert(outcome: "delivered")
            return "\(onceKey) → \(channel.id): delivered (HTTP \(status), attempt \(attempts))"
        case let .failed(reason, attempts):
            try await park(payload, onceKey: onceKey, channel: channel, attempts: previous + attempts, reason: reason)
            telemetry?.alert(outcome: "failed")
            return "\(onceKey) → \(channel.id): failed after \(attempts) attempts (\(reason)); parked for a later run"
        }
    }

    /// Parks a failed delivery unless it has failed for about a day (48 runs × 3 attempts).
    func park(_ payload: [UInt8], onceKey: String, channel: AlertChannel, attempts: Int, reason: String) async throws {
        guard attempts < 144 else { return }
        try await ledger.park(AlertLedger.Pending(onceKey: onceKey, channel: channel.id, payload: String(decoding: payload, as: UTF8.self),
                                                  attempts: attempts, lastError: reason))
    }
}
