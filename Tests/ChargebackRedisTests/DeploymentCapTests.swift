import ChargebackCore
import ChargebackRedis
import CivilCalendar
import RedisClient
import Testing
import TestSupport

@Suite("deployments outside the price book: at most the cap per subscription and day, the rest as (unlisted)")
struct DeploymentCapTests {
    @Test("the 4th distinct unlisted deployment of a day is counted as (unlisted); listed ones never are", arguments: ["plain", "cluster"])
    func cap(kind: String) async throws {
        let redis = try MoneyBackend.router(kind)
        let harness = MoneyHarness(backend: .redis(redis))
        let notices = NoticeLog()
        let ledger = RedisLedger(redis: redis, deploymentCap: 3, listedDeployments: ["chat"], observe: { notices.append($0) })
        var request = 0
        func record(_ deployment: String, subscription: String = "a", on day: CivilDay? = nil) async throws {
            request += 1
            var builder = EnvelopeBuilder()
            builder.subscriptionId = harness.subscription(subscription)
            builder.requestId = "req-\(harness.tag)-cap-\(request)"
            builder.timestamp = "\(day ?? harness.day)T10:15:30Z"
            builder.path = "/openai/v1/chat/completions"
            builder.deployment = deployment
            builder.responseBody = #"{"model":"gpt-4o","usage":{"prompt_tokens":7,"completion_tokens":1}}"#
            #expect(try await ledger.record(try UsageExtractor().extract(builder.bytes)) == .recorded)
        }
        for name in ["x1", "x2", "x3", "x4", "x5", "x1", "chat", "x6"] { try await record(name) }
        try await record("x5", subscription: "b")
        try await record("x5", on: harness.day.adding(days: 1))
        let counters = try await ObjectHarness.counters(harness.subscription("a"), hour: "\(harness.day)T10", redis)
        #expect(counters["x1", .requests] == 2)
        #expect(counters["x2", .requests] == 1)
        #expect(counters["x3", .requests] == 1)
        #expect(counters["x4", .requests] == nil)
        #expect(counters["(unlisted)", .requests] == 3)
        #expect(counters["(unlisted)", .quantity(.inputTokens)] == 21)
        #expect(counters["chat", .requests] == 1)
        // Another subscription, and the next day, start with a cap of their own.
        #expect(try await ObjectHarness.counters(harness.subscription("b"), hour: "\(harness.day)T10", redis)["x5", .requests] == 1)
        #expect(try await ObjectHarness.counters(harness.subscription("a"), hour: "\(harness.day.adding(days: 1))T10", redis)["x5", .requests] == 1)
        #expect(notices.all == [.deploymentCapped, .deploymentCapped, .deploymentCapped])
        // The rollup prices what it can and shows (unlisted) as one unpriced line per meter.
        let summary = try #require(try await harness.rollup().run(harness.day, reprice: false, now: harness.now).summary)
        #expect(summary.unpricedLines > 0)
    }
}
