import ChargebackCore
import ChargebackMemory
import ChargebackUseCases
import CivilCalendar
import Foundation
import Logging
import Testing
import TestSupport

/// Budget spend is counted as the report counts it: a rolled-up day from its snapshot (a late event
/// waits for the next revision, as in the report), the open days from the hourly counters. On the
/// ports in memory: no Redis.
@Suite("budget spend from snapshots and counters")
struct BudgetSpendTests {
    let tag = String(UUID().uuidString.prefix(6).lowercased())
    let backend = MoneyBackend.memory()
    let alertState = InMemoryAlertState()
    let day: CivilDay

    init() throws {
        let random = CivilDay(daysSinceEpoch: Int64.random(in: 22_000...340_000))
        day = random.date.day >= 28 ? random.adding(days: -7) : random
    }

    func monitor(_ book: BudgetBook, zone: ZoneRules = .utc) -> BudgetMonitor {
        BudgetMonitor(book: book, zone: zone, reader: backend.counters, store: backend.snapshots, health: alertState, alerts: alertState)
    }

    var subscription: String { "sub-\(tag)" }

    func pricer() throws -> Pricer {
        let book = try PriceBook.load(json: Array("""
        {"schemaVersion": 1, "name": "spend", "currency": "USD",
         "deployments": {"chat": {"model": "gpt-4o", "deploymentType": "GlobalStandard"}},
         "prices": [{"model": "gpt-4o", "deploymentType": "GlobalStandard", "effectiveFrom": "2030-01-01",
                     "perMillionTokens": {"input": "2.50", "output": "10.00"}}]}
        """.utf8))
        let centers = try CostCenters.load(json: Array("""
        {"schemaVersion": 1, "costCenters": [{"id": "CC-\(tag)", "name": "Team"}], "subscriptions": {"\(subscription)": "CC-\(tag)"}}
        """.utf8))
        return Pricer(book: book, costCenters: centers)
    }

    /// `millions` million input tokens (2.50 USD each) on `on` at 10:15 UTC.
    func record(_ id: String, on recordDay: CivilDay, hour: Int = 10, millions: Int = 1) async throws {
        var builder = EnvelopeBuilder()
        builder.subscriptionId = subscription
        builder.requestId = "req-\(tag)-\(id)"
        builder.timestamp = "\(recordDay)T\(hour < 10 ? "0" : "")\(hour):15:30Z"
        builder.path = "/openai/deployments/chat/chat/completions"
        builder.deployment = "chat"
        builder.responseBody = #"{"model":"gpt-4o","usage":{"prompt_tokens":"# + String(millions * 1_000_000) + #","completion_tokens":0}}"#
        #expect(try await backend.ledger.record(try UsageExtractor().extract(builder.bytes)) == .recorded)
    }

    @Test("a closed day comes from its snapshot, today from the counters: the budget sees what the report shows")
    func snapshotThenCounters() async throws {
        let now = UTCTimestamp(millisecondsSinceEpoch: (day.daysSinceEpoch + 1) * 86_400_000 + 12 * 3_600_000)
        try await record("closed", on: day)
        try await record("today", on: day.adding(days: 1))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let reader = backend.counters, store = backend.snapshots, pricer = try pricer()
        let results = try await Rollup(counters: reader, store: store, pricer: pricer, logger: logger).runDue(now: now, graceHours: 1, catchUpDays: 1)
        #expect(results.map(\.day) == [day])
        // Late for the closed day: the counters move, the snapshot waits for the next rollup.
        try await record("late", on: day)

        let budget = Budget(id: "b-\(tag)", scope: .subscription, target: subscription, monthlyAmount: try #require(Money(exactText: "100")), channels: [])
        let book = BudgetBook(currency: "USD", budgets: [budget], channels: [])
        let monitor = monitor(book)
        let status = try #require(try await monitor.statuses(now: now, pricer: pricer).first)
        #expect(status.spend == Money(exactText: "5"))
        let report = try await ReportSource(counters: reader, store: store, pricer: pricer)
            .report(from: day.month.firstDay, to: day.adding(days: 1), now: now, costCenter: nil, perDay: false)
        #expect(report.total == status.spend)

        // After the next rollup the late event is in revision 2, and in both.
        _ = try await Rollup(counters: reader, store: store, pricer: pricer, logger: logger).runDue(now: now, graceHours: 1, catchUpDays: 1)
        #expect(try await monitor.statuses(now: now, pricer: pricer).first?.spend == Money(exactText: "7.5"))
    }

    @Test("anomalies wait for yesterday's snapshot, are weighed once per revision, and need a week of history")
    func anomaliesOncePerRevision() async throws {
        // `day` is "yesterday"; a week before it at 2.50 a day, then 25.00.
        let now = UTCTimestamp(millisecondsSinceEpoch: (day.daysSinceEpoch + 1) * 86_400_000 + 12 * 3_600_000)
        for back in 1...7 { try await record("history-\(back)", on: day.adding(days: -Int64(back))) }
        try await record("spike", on: day, millions: 10)
        let reader = backend.counters, store = backend.snapshots, pricer = try pricer(), alerts = alertState
        let anomaly = AnomalyDetector(factorMicros: 3_000_000, trailingDays: 7, minimumDailyCost: .zero, minimumHistoryDays: 7,
                                      channels: ["hook"], currency: "USD")
        let monitor = monitor(BudgetBook(currency: "USD", budgets: [], anomaly: anomaly, channels: []))
        // Not rolled up yet: nothing weighed.
        #expect(try await monitor.evaluate(now: now, pricer: pricer).examined.isEmpty)

        var logger = Logger(label: "test")
        logger.logLevel = .critical
        _ = try await Rollup(counters: reader, store: store, pricer: pricer, logger: logger).runDue(now: now, graceHours: 1, catchUpDays: 9)
        let first = try await monitor.evaluate(now: now, pricer: pricer)
        #expect(first.examined == ["anomaly:\(day):r1"])
        let spike = try #require(first.candidates.first { $0.onceKey == AnomalyDetector.onceKey(subscription: subscription, day: day) })
        #expect(spike.alert.facts.first { $0.key == "cost" }?.value == "25.00 USD")
        #expect(spike.alert.facts.first { $0.key == "median" }?.value == "2.50 USD")
        // Marked after dispatch: the next runs skip the day until a late event makes revision 2.
        try await alerts.markExamined(first.examined[0])
        #expect(try await monitor.evaluate(now: now, pricer: pricer).examined.isEmpty)
        try await record("late", on: day)
        _ = try await Rollup(counters: reader, store: store, pricer: pricer, logger: logger).runDue(now: now, graceHours: 1, catchUpDays: 1)
        #expect(try await monitor.evaluate(now: now, pricer: pricer).examined == ["anomaly:\(day):r2"])
    }

    @Test("a month in New York: the first UTC day is cut at local midnight, from the counters, though it is rolled up")
    func zoneBehindUTC() async throws {
        let month = day.month
        let now = UTCTimestamp(millisecondsSinceEpoch: (month.firstDay.daysSinceEpoch + 12) * 86_400_000 + 12 * 3_600_000)
        try await record("previous-month", on: month.firstDay.adding(days: -1))  // 05:15 local, the month before
        try await record("before-local-midnight", on: month.firstDay, hour: 3)  // 22:15 local on the last day of the month before
        try await record("first-local-day", on: month.firstDay)  // 05:15 local on the 1st
        try await record("second-day", on: month.firstDay.adding(days: 1))
        let reader = backend.counters, store = backend.snapshots, pricer = try pricer()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let rollup = Rollup(counters: reader, store: store, pricer: pricer, logger: logger)
        for back in 1...13 { _ = try await rollup.run(now.day.adding(days: -Int64(back)), reprice: false, now: now) }
        let budget = Budget(id: "b-\(tag)", scope: .subscription, target: subscription, monthlyAmount: try #require(Money(exactText: "100")), channels: [])
        let newYork = try ZoneRules(tzif: Array(try #require(FileManager.default.contents(atPath: "/usr/share/zoneinfo/America/New_York"))))
        let monitor = monitor(BudgetBook(timeZone: "America/New_York", currency: "USD", budgets: [budget], channels: []), zone: newYork)
        let status = try #require(try await monitor.statuses(now: now, pricer: pricer).first)
        #expect(status.period.id == month.description)
        #expect(status.spend == Money(exactText: "5"))
    }
}
