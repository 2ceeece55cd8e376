import ChargebackCore
import ChargebackRedis
import Foundation
import RedisClient
import Testing
import TestSupport

@Suite("erasure of one subscription")
struct EraseTests {
    @Test("every key of the subscription goes; other subscriptions stay", arguments: ["plain", "cluster"])
    func erases(kind: String) async throws {
        let redis: any RedisCommandRouter = kind == "plain"
            ? RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)
            : RedisClusterPool(seeds: [try RedisEndpoint.parse("redis://" + (try TestEnvironment.clusterNodes()[0]))], timeoutMilliseconds: 5000)
        let ledger = RedisLedger(redis: redis)
        let doomed = LedgerHarness()
        let kept = LedgerHarness()
        for index in 0..<5 {
            _ = try await ledger.record(try doomed.event(index))
            _ = try await ledger.record(try kept.event(index))
        }
        let today = try #require(UTCTimestamp.parse("2926-11-30T12:00:00Z"))
        let result = try await SubscriptionEraser(redis: redis).erase(doomed.subscription, today: today)
        // 5 dedupe markers, the hour's counters, the dirty days, the day's deployments outside the price book.
        #expect(result.keys == 8)
        #expect(result.indexEntries == 1)
        #expect(try await doomed.counters(redis).isEmpty)
        #expect(try await kept.counters(redis)["gpt-4o", .requests] == 5)
        let seen = LedgerKeys.seen(try doomed.event(0))
        #expect(try await redis.send([Array("EXISTS".utf8), Array(seen.utf8)], key: Array(seen.utf8)) == .integer(0))
        await redis.close()
    }
}
