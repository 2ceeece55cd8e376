import ChargebackCore
import ChargebackRedis
import ChargebackUseCases
import CivilCalendar
import RedisClient
import Testing
import TestSupport

@Suite("dirty days: every late event reaches the snapshots while its day's counters are kept")
struct DirtyDayTests {
    @Test("an event for a day older than the catch-up window is in the snapshot after the next scheduled rollup", arguments: ["plain", "cluster"])
    func lateBeyondCatchUp(kind: String) async throws {
        let redis = try MoneyBackend.router(kind)
        let harness = MoneyHarness(backend: .redis(redis))
        try await harness.record("a", id: "1", prompt: 1000, completion: 100)
        let rollup = try harness.rollup()
        let first = try await rollup.runDue(now: harness.now, graceHours: 2, catchUpDays: 7)
        #expect(first.first { $0.day == harness.day }?.outcome == .written(revision: 1, reason: "first rollup"))
        // Ten days on, three past the 7-day catch-up window, a late event for the day arrives.
        try await harness.record("a", id: "late", hour: 22, prompt: 3000, completion: 0)
        let later = UTCTimestamp(millisecondsSinceEpoch: harness.now.millisecondsSinceEpoch + 10 * 86_400_000)
        #expect(!Rollup.dueDays(now: later, graceHours: 2, catchUpDays: 7).contains(harness.day))
        let results = try await rollup.runDue(now: later, graceHours: 2, catchUpDays: 7)
        #expect(results.first { $0.day == harness.day }?.outcome == .written(revision: 2, reason: "late events"))
        // 4,000 input × 2.50/1M + 100 output × 10/1M.
        #expect(try await SnapshotStore(redis: redis).latest(harness.day)?.lines.pricedCost == Money(exactText: "0.011"))
        // Rolled up, the day is clean: the next run leaves it alone.
        #expect(!(try await rollup.runDue(now: later, graceHours: 2, catchUpDays: 7)).contains { $0.day == harness.day })
    }

    @Test("the record script marks the day dirty with the counters; the rollup clears only the mark it read")
    func markWithCounters() async throws {
        let redis = try MoneyBackend.router("cluster")
        let harness = MoneyHarness(backend: .redis(redis))
        try await harness.record("a", id: "1", prompt: 10, completion: 1)
        try await harness.record("a", id: "2", prompt: 10, completion: 1)
        try await harness.record("a", id: "2", prompt: 10, completion: 1)
        let key = LedgerKeys.dirtyDays(subscription: harness.subscription("a"))
        func mark() async throws -> String? {
            try await redis.send(["HGET", key, harness.day.description].map { Array($0.utf8) }, key: Array(key.utf8)).text
        }
        #expect(try await mark() == "2")
        _ = try await harness.rollup().run(harness.day, reprice: false, now: harness.now)
        #expect(try await mark() == nil)
    }

    @Test("a late event for a day whose counters may have expired does not revise its snapshot, and is said once")
    func pastCounterRetention() async throws {
        let redis = try MoneyBackend.router("plain")
        let harness = MoneyHarness(backend: .redis(redis))
        try await harness.record("a", id: "1", prompt: 1000, completion: 100)
        let rollup = try harness.rollup()
        _ = try await rollup.run(harness.day, reprice: false, now: harness.now)
        try await harness.record("a", id: "late", prompt: 5000, completion: 0)
        try await harness.record("a", id: "recent", on: harness.day.adding(days: 35), prompt: 10, completion: 0)
        let later = UTCTimestamp(millisecondsSinceEpoch: (harness.day.daysSinceEpoch + 40) * 86_400_000)
        #expect(!(try await rollup.runDue(now: later, graceHours: 2, catchUpDays: 1)).contains { $0.day == harness.day })
        #expect(try await SnapshotStore(redis: redis).latest(harness.day)?.revision == 1)
        let key = LedgerKeys.dirtyDays(subscription: harness.subscription("a"))
        #expect(try await redis.send(["HEXISTS", key, harness.day.description].map { Array($0.utf8) }, key: Array(key.utf8)) == .integer(0))
    }

    @Test("when the day index cannot be written, nothing is counted: no counters the rollup could not find")
    func indexBeforeCounters() async throws {
        let redis = try MoneyBackend.router("plain")
        let harness = LedgerHarness()
        let event = try harness.event(1)
        let ledger = RedisLedger(redis: RefusingRouter(redis, refusing: "SADD"))
        await #expect(throws: RedisError.self) { try await ledger.record(event) }
        #expect(try await harness.counters(redis).isEmpty)
        #expect(try await RedisLedger(redis: redis).record(event) == .recorded)
        #expect(try await harness.counters(redis)["gpt-4o", .requests] == 1)
        await redis.close()
    }
}

/// A router that fails one command as a lost connection would, and passes the rest on.
struct RefusingRouter: RedisCommandRouter {
    let redis: any RedisCommandRouter
    let command: [UInt8]

    init(_ redis: any RedisCommandRouter, refusing command: String) {
        self.redis = redis
        self.command = Array(command.utf8)
    }

    func send(_ arguments: [[UInt8]], key: [UInt8]?) async throws -> RedisReply {
        try await send(arguments, key: key, durable: false)
    }

    func send(_ arguments: [[UInt8]], key: [UInt8]?, durable: Bool) async throws -> RedisReply {
        if arguments.first == command { throw RedisError.connection("refused by the test") }
        return try await redis.send(arguments, key: key, durable: durable)
    }

    func ping() async -> Bool { await redis.ping() }
    func close() async { await redis.close() }
}
