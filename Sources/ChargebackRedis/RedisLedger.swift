import ChargebackCore
import NIOConcurrencyHelpers
import RedisClient

/// The ledger in Redis: one atomic script per event (dedupe marker + hourly counters, `EVALSHA`
/// with an `EVAL` fallback on `NOSCRIPT`), and the day index of subscriptions for the rollup.
public final class RedisLedger: Ledger {
    let redis: any RedisCommandRouter
    let dedupeSeconds: Int
    let retentionSeconds: Int
    private let scriptSHA = NIOLockedValueBox<String?>(nil)
    /// (day, subscription) pairs this process has indexed; SADD is idempotent, this only saves round trips.
    private let indexed = NIOLockedValueBox<Set<String>>([])

    public init(redis: any RedisCommandRouter, dedupeDays: Int = 7, retentionDays: Int = 35) {
        self.redis = redis
        self.dedupeSeconds = dedupeDays * 86_400
        self.retentionSeconds = retentionDays * 86_400
    }

    public func record(_ event: UsageEvent) async throws -> RecordOutcome {
        let seen = LedgerKeys.seen(event)
        let hour = LedgerKeys.hour(subscription: event.subscriptionId, hour: LedgerKeys.hourText(event.timestamp))
        var arguments = [String(dedupeSeconds), String(retentionSeconds)]
        for (field, amount) in LedgerKeys.counters(for: event) { arguments += [field, String(amount)] }
        async let counted = evaluate(keys: [seen, hour], arguments: arguments)
        async let index: Void = ensureIndexed(day: event.timestamp.dayText, subscription: event.subscriptionId)
        let reply = try await counted
        try await index
        guard case let .integer(value) = reply else { throw RedisError.unexpectedReply("the record script answered \(reply)") }
        return value == 1 ? .recorded : .duplicate
    }

    func evaluate(keys: [String], arguments: [String]) async throws -> RedisReply {
        let routingKey = Array(keys[0].utf8)
        let tail = [String(keys.count)] + keys + arguments
        if let sha = scriptSHA.withLockedValue({ $0 }) {
            do {
                return try await redis.send((["EVALSHA", sha] + tail).map { Array($0.utf8) }, key: routingKey)
            } catch let RedisError.server(message) where message.hasPrefix("NOSCRIPT") {
                // A node that has not seen the script yet (restart, failover, another cluster node).
            }
        } else if case let .bulk(sha) = try await redis.send(["SCRIPT", "LOAD", RecordScript.source].map { Array($0.utf8) }, key: routingKey) {
            scriptSHA.withLockedValue { $0 = String(decoding: sha, as: UTF8.self) }
        }
        return try await redis.send((["EVAL", RecordScript.source] + tail).map { Array($0.utf8) }, key: routingKey)
    }

    func ensureIndexed(day: String, subscription: String) async throws {
        let marker = day + "|" + subscription
        guard !indexed.withLockedValue({ $0.contains(marker) }) else { return }
        let key = LedgerKeys.day(day)
        _ = try await redis.send(["SADD", key, subscription].map { Array($0.utf8) }, key: Array(key.utf8))
        _ = try await redis.send(["EXPIRE", key, String(retentionSeconds)].map { Array($0.utf8) }, key: Array(key.utf8))
        indexed.withLockedValue { set in
            if set.count > 100_000 { set.removeAll() }
            set.insert(marker)
        }
    }
}
