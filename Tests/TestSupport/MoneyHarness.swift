import ChargebackCore
import ChargebackMemory
import ChargebackUseCases
import CivilCalendar
import Foundation
import Logging

/// Where the money tests keep the ledger and the snapshots: in memory (the use-case tests), or in
/// Redis (`ChargebackRedisTests` builds that one; the contract suite runs over both).
public struct MoneyBackend: Sendable {
    public let ledger: any Ledger
    public let counters: any CounterSource
    public let snapshots: any SnapshotRepository

    public init(ledger: any Ledger, counters: any CounterSource, snapshots: any SnapshotRepository) {
        self.ledger = ledger
        self.counters = counters
        self.snapshots = snapshots
    }

    /// A fresh ledger and snapshot store in memory.
    public static func memory() -> MoneyBackend {
        let ledger = InMemoryLedger()
        return MoneyBackend(ledger: ledger, counters: ledger, snapshots: InMemorySnapshots())
    }
}

/// Events on a UTC day of their own (so tests sharing a Redis never roll up each other's usage),
/// a small price book, and the rollup and report built on them.
public struct MoneyHarness: Sendable {
    public let backend: MoneyBackend
    public var day: CivilDay
    public var tag = String(UUID().uuidString.prefix(6).lowercased())
    let extractor = UsageExtractor()

    public init(backend: MoneyBackend = .memory()) {
        self.backend = backend
        // A random day in 2031–2900 before the 28th (the next day is in the same month): no other test writes it.
        let random = CivilDay(daysSinceEpoch: Int64.random(in: 22_000...340_000))
        day = random.date.day >= 28 ? random.adding(days: -7) : random
    }

    public static let book = """
    {"schemaVersion": 1, "name": "harness", "currency": "EUR",
     "deployments": {"chat": {"model": "gpt-4o", "deploymentType": "GlobalStandard"}},
     "prices": [{"model": "gpt-4o", "deploymentType": "GlobalStandard", "effectiveFrom": "2030-01-01",
                 "perMillionTokens": {"input": "2.50", "cachedInput": "1.25", "output": "10.00"}}]}
    """

    public static let repricedBook = book.replacingOccurrences(of: "\"2.50\"", with: "\"2.00\"")

    public func pricer(book: String = MoneyHarness.book) throws -> Pricer {
        let centers = try CostCenters.load(json: Array("""
        {"schemaVersion": 1, "costCenters": [{"id": "CC-1", "name": "Marketing"}], "subscriptions": {"\(subscription("a"))": "CC-1"}}
        """.utf8))
        return Pricer(book: try PriceBook.load(json: Array(book.utf8)), costCenters: centers)
    }

    public func subscription(_ name: String) -> String { "sub-\(name)-\(tag)" }

    public func rollup(book: String = MoneyHarness.book) throws -> Rollup {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return Rollup(counters: backend.counters, store: backend.snapshots, pricer: try pricer(book: book), logger: logger)
    }

    public func source() throws -> ReportSource {
        ReportSource(counters: backend.counters, store: backend.snapshots, pricer: try pricer())
    }

    /// Records one chat call: `prompt` tokens of which `cached` cached, `completion` output tokens.
    @discardableResult
    public func record(_ name: String, id: String, on recordDay: CivilDay? = nil, hour: Int = 10, deployment: String = "chat", prompt: Int, cached: Int = 0,
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
        return try await backend.ledger.record(try extractor.extract(builder.bytes))
    }

    public var now: UTCTimestamp { UTCTimestamp(millisecondsSinceEpoch: (day.daysSinceEpoch + 2) * 86_400_000) }
}
