import ChargebackCore
import RedisClient

/// Deletes every key of one subscription: its counters and dedupe markers (one hash tag, so one
/// cluster slot and node) and its entries in the day indexes of the retention window.
public struct SubscriptionEraser: Sendable {
    let redis: any RedisCommandRouter
    let retentionDays: Int

    public init(redis: any RedisCommandRouter, retentionDays: Int = 35) {
        self.redis = redis
        self.retentionDays = retentionDays
    }

    /// Erases `subscription`; returns how many keys were deleted and index entries removed.
    public func erase(_ subscription: String, today: UTCTimestamp) async throws -> (keys: Int, indexEntries: Int) {
        var deleted = 0
        try await redis.scanKeys(matching: LedgerKeys.subscriptionPattern(subscription),
                                 routing: LedgerKeys.dirtyDays(subscription: subscription)) { keys in
            for key in keys {
                if case let .integer(count) = try await redis.send(["DEL", key], key: key) { deleted += Int(count) }
            }
        }
        var removed = 0
        for offset in 0...retentionDays {
            let day = UTCTimestamp(millisecondsSinceEpoch: today.millisecondsSinceEpoch - Int64(offset) * 86_400_000).dayText
            let key = LedgerKeys.day(day)
            if case let .integer(count) = try await redis.send(["SREM", key, subscription], key: key) {
                removed += Int(count)
            }
        }
        return (deleted, removed)
    }
}
