import ChargebackCore
import ChargebackRedis
import CivilCalendar
import Foundation
import Logging
import RedisClient
import TestSupport

/// Events on a UTC day of their own (so tests sharing a Redis never roll up each other's usage),
/// a small price book, and the rollup and report built on them.
struct MoneyHarness {
    let redis: any RedisCommandRouter
    var day: CivilDay
    var tag = String(UUID().uuidString.prefix(6).lowercased())
    let extractor = UsageExtractor()

    init(redis: any RedisCommandRouter) {
        self.redis = redis
        // A random day in 2031–2900 before the 28th (the next day is in the same month): no other test writes it.
        let random = CivilDay(daysSinceEpoch: Int64.random(in: 22_000...340_000))
        day = random.date.day >= 28 ? random.adding(days: -7) : random
    }

    static let book = """
    {"schemaVersion": 1, "name": "harness", "currency": "EUR",
     "deployments": {"chat": {"model": "gpt-4o", "deploymentType": "GlobalStandard"}},
     "prices": [{"model": "gpt-4o", "deploymentType": "GlobalStandard", "effectiveFrom": "2030-01-01",
                 "perMillionTokens": {"input": "2.50", "cachedInput": "1.25", "output": "10.00"}}]}
    """

    static let repricedBook = book.replacingOccurrences(of: "\"2.50\"", with: "\"2.00\"")

    func pricer(book: String = MoneyHarness.book) throws -> Pricer {
        let centers = try CostCenters.load(json: Array("""
        {"schemaVersion": 1, "costCenters": [{"id": "CC-1", "name": "Marketing"}], "subscriptions": {"\(subscription("a"))": "CC-1"}}
        """.utf8))
        return Pricer(book: try PriceBook.load(json: Array(book.utf8)), costCenters: centers)
    }

    func subscription(_ name: String) -> String { "sub-\(name)-\(tag)" }

    func rollup(book: String = MoneyHarness.book) throws -> Rollup {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return Rollup(reader: LedgerReader(redis: redis), store: SnapshotStore(redis: redis), pricer: try pricer(book: book), logger: logger)
    }

    func source() throws -> ReportSource {
        ReportSource(reader: LedgerReader(redis: redis), store: SnapshotStore(redis: redis), pricer: try pricer())
    }

    /// Records one chat call: `prompt` tokens of which `cached` cached, `completion` output tokens.
    @discardableResult
    func record(_ name: String, id: String, on recordDay: CivilDay? = nil, hour: Int = 10, deployment: String = "chat", prompt: Int, cached: Int = 0,
                completion: Int) async throws -> RecordOutcome {
        var builder = EnvelopeBuilder()
        builder.subscriptionId = subscription(name)
        builder.requestId = "req-\(tag)-\(id)"
        builder.timestamp = "\(recordDay ?? day)T\(hour < 10 ? "0" : "")\(hour):15:30Z"
        builder.path = "/openai/deployments/\(deployment)/chat/completions"
        builder.deployment = deployment
        builder.responseBody = """
        {"model":"gpt-4o","usage":{"prompt_tokens":\(prompt),"completion_tokens":\(completion),"prompt_tokens_details":{"cached_tokens":\(cached)}}}
        """
        return try await RedisLedger(redis: redis).record(try extractor.extract(builder.bytes))
    }

    var now: UTCTimestamp { UTCTimestamp(millisecondsSinceEpoch: (day.daysSinceEpoch + 2) * 86_400_000) }

    static func routers() throws -> [(String, any RedisCommandRouter)] {
        [
            ("plain", RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)),
            ("cluster", RedisClusterPool(seeds: [try RedisEndpoint.parse("redis://" + (try TestEnvironment.clusterNodes()[0]))], timeoutMilliseconds: 5000)),
        ]
    }

    static func redis(_ kind: String) throws -> any RedisCommandRouter {
        guard let router = try routers().first(where: { $0.0 == kind })?.1 else { throw TestEnvironment.Missing(description: "no router \(kind)") }
        return router
    }
}
