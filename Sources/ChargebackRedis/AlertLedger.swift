import ChargebackCore
import FoundationEssentials
import RedisClient

/// Where alerting keeps its state in Redis (`docs/redis-schema.md`): a once-marker per alert and
/// channel, claimed with `SET NX` before sending, so an alert goes out once however many instances
/// evaluate it, and an outbox of deliveries that failed, retried by later runs.
public struct AlertLedger: EvaluationMarkers {
    let redis: any RedisCommandRouter
    /// How long a once-marker lives: longer than any budget period, so a month's alert never repeats.
    let markerSeconds: Int

    public init(redis: any RedisCommandRouter, markerSeconds: Int = 40 * 86_400) {
        self.redis = redis
        self.markerSeconds = markerSeconds
    }

    /// True when this caller now owns the sending of `onceKey` on `channel`; false when someone did already.
    public func claim(onceKey: String, channel: String) async throws -> Bool {
        let key = AlertKeys.marker(onceKey: onceKey, channel: channel)
        let reply = try await redis.send(["SET", key, "1", "NX", "EX", String(markerSeconds)], key: key)
        if case .status = reply { return true }
        return false
    }

    /// A delivery to retry later (identifiers and the rendered payload, which holds no secret).
    public struct Pending: Codable, Sendable, Equatable {
        public var onceKey: String
        public var channel: String
        public var payload: String
        public var attempts: Int
        public var lastError: String

        public init(onceKey: String, channel: String, payload: String, attempts: Int, lastError: String) {
            self.onceKey = onceKey
            self.channel = channel
            self.payload = payload
            self.attempts = attempts
            self.lastError = lastError
        }
    }

    /// Queues `pending`; the outbox keeps the newest 1,000.
    public func park(_ pending: Pending) async throws {
        let line = try JSONEncoder().encode(pending)
        let key = AlertKeys.outbox
        // The payload is bytes (JSON), sent binary-safe; the rest is text.
        _ = try await redis.send([Array("RPUSH".utf8), Array(key.utf8), Array(line)], key: Array(key.utf8))
        _ = try await redis.send(["LTRIM", key, "-1000", "-1"], key: key)
    }

    /// Takes up to `count` parked deliveries off the outbox (a failed retry parks them again).
    public func takeParked(count: Int) async throws -> [Pending] {
        let key = AlertKeys.outbox
        var taken: [Pending] = []
        for _ in 0..<count {
            guard case let .bulk(line) = try await redis.send(["LPOP", key], key: key) else { break }
            if let pending = try? JSONDecoder().decode(Pending.self, from: Data(line)) { taken.append(pending) }
        }
        return taken
    }

    /// True when `key` was evaluated to the end by an earlier run.
    public func wasExamined(_ key: String) async throws -> Bool {
        let marker = AlertKeys.examined(key)
        return try await redis.send(["EXISTS", marker], key: marker) == .integer(1)
    }

    /// Records that `key` was evaluated and its alerts handed to the dispatcher.
    public func markExamined(_ key: String) async throws {
        let marker = AlertKeys.examined(key)
        _ = try await redis.send(["SET", marker, "1", "EX", String(markerSeconds)], key: marker)
    }
}
