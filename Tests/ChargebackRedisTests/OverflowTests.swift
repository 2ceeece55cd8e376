import ChargebackCore
import ChargebackRedis
import RedisClient
import Testing
import TestSupport

@Suite("counters never overflow: an event that would pass 10^15 is refused whole")
struct OverflowTests {
    /// A replayed event (the spool holds numbers extraction no longer bounds) with `tokens` input tokens.
    func event(_ harness: LedgerHarness, _ index: Int, tokens: Int64) throws -> UsageEvent {
        var event = try harness.event(index)
        event.meters.inputTokens = tokens
        return event
    }

    @Test("the event that would take a counter past the ceiling is refused with counter_overflow, and nothing of it is written", arguments: ["plain", "cluster"])
    func refusedWhole(kind: String) async throws {
        let redis = try MoneyBackend.router(kind)
        let notices = NoticeLog()
        let ledger = RedisLedger(redis: redis, observe: { notices.append($0) })
        let harness = LedgerHarness()
        #expect(try await ledger.record(try event(harness, 1, tokens: 600_000_000_000_000)) == .recorded)
        let refused = try event(harness, 2, tokens: 600_000_000_000_000)
        let failure = await #expect(throws: LedgerFailure.self) { try await ledger.record(refused) }
        #expect(failure?.code == "counter_overflow")
        #expect(failure?.status == 422)
        #expect(failure?.isPermanent == true)
        let counters = try await harness.counters(redis)
        #expect(counters["gpt-4o", .quantity(.inputTokens)] == 600_000_000_000_000)
        #expect(counters["gpt-4o", .requests] == 1)
        #expect(try await redis.send([Array("EXISTS".utf8), Array(LedgerKeys.seen(refused).utf8)], key: Array(LedgerKeys.seen(refused).utf8)) == .integer(0))
        #expect(notices.all == [.refused(code: "counter_overflow")])
        await redis.close()
    }

    @Test("a counter already near Int64's limit: refused before HINCRBY could fail half-way through the script")
    func neverHalfWritten() async throws {
        let redis = try MoneyBackend.router("plain")
        let ledger = RedisLedger(redis: redis)
        let harness = LedgerHarness()
        let key = LedgerKeys.hour(subscription: harness.subscription, hour: "2926-11-29T10")
        _ = try await redis.send(["HSET", key, "gpt-4o|outputTokens", String(Int64.max - 5)].map { Array($0.utf8) }, key: Array(key.utf8))
        await #expect(throws: LedgerFailure.self) { try await ledger.record(try harness.event(1)) }
        let counters = try await harness.counters(redis)
        #expect(counters["gpt-4o", .requests] == nil)
        #expect(counters["gpt-4o", .quantity(.inputTokens)] == nil)
        #expect(counters["gpt-4o", .quantity(.outputTokens)] == Int64.max - 5)
        await redis.close()
    }

    @Test("one amount above the ceiling is refused before Redis is asked")
    func amountAboveCeiling() async throws {
        let ledger = RedisLedger(redis: RefusingRouter(try MoneyBackend.router("plain"), refusing: "SADD"))
        let harness = LedgerHarness()
        await #expect(throws: LedgerFailure.self) { try await ledger.record(try event(harness, 1, tokens: LedgerKeys.counterCeiling + 1)) }
        await #expect(throws: LedgerFailure.self) { try await ledger.record(try event(harness, 2, tokens: -1)) }
    }
}
