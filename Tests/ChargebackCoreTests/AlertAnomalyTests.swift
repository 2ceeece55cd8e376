import ChargebackCore
import CivilCalendar
import Testing

/// A day is anomalous when it costs more than factor × the exact trailing median and at least the minimum.
@Suite struct AlertAnomalyTests {
    func money(_ text: String) throws -> Money { try #require(Money(exactText: text)) }

    func detector(factor: Int64 = 3_000_000, trailingDays: Int = 3, minimum: String = "0") throws -> AnomalyDetector {
        AnomalyDetector(factorMicros: factor, trailingDays: trailingDays, minimumDailyCost: try money(minimum),
                        channels: ["finops-webhook"], currency: "USD")
    }

    let day = CivilDay(daysSinceEpoch: 20_769)  // 2026-11-12

    /// The examined day costing `cost`, after trailing days costing `trailing` (oldest first).
    func costs(_ trailing: [String], _ cost: String) throws -> [(CivilDay, Money)] {
        var list: [(CivilDay, Money)] = []
        for (position, text) in trailing.enumerated() {
            list.append((day.adding(days: Int64(position - trailing.count)), try money(text)))
        }
        list.append((day, try money(cost)))
        return list
    }

    @Test func oddCountMedianAndTheFactorBoundary() throws {
        let rule = try detector()
        // Median of 30, 10, 20 is 20; 3 × 20 = 60 is not above itself.
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: try costs(["30", "10", "20"], "60")) == nil)
        let alert = try #require(rule.check(subscription: "bot", day: day, dailyCosts: try costs(["30", "10", "20"], "60.000001")))
        #expect(alert.onceKey == "anomaly:bot:2026-11-12")
        #expect(alert.channels == ["finops-webhook"])
        #expect(alert.alert.kind == .costAnomaly)
        #expect(alert.alert.severity == .warning)
        #expect(alert.alert.title == "Cost anomaly on 'bot': 60.00 USD on 2026-11-12")
        #expect(alert.alert.summary == "Subscription 'bot' cost 60.00 USD on 2026-11-12, more than 3 × the median of its 3 previous days (20.00 USD).")
        #expect(alert.alert.facts.map(\.value) == ["bot", "2026-11-12", "60.00 USD", "20.00 USD", "3", "3 ×", "3.0 ×", "USD"])
    }

    @Test func evenCountMedianIsTheMeanOfTheMiddleTwo() throws {
        let rule = try detector(trailingDays: 4)
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: try costs(["10", "40", "20", "30"], "75")) == nil)
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: try costs(["10", "40", "20", "30"], "75.000001")) != nil)
        // Middle values 1 and 2 picos: the median is 1.5 picos, 3 × it is 4.5, compared without rounding.
        let picos: [(CivilDay, Money)] = [(day.adding(days: -4), Money(picos: 0)), (day.adding(days: -3), Money(picos: 1)),
                                                     (day.adding(days: -2), Money(picos: 2)), (day.adding(days: -1), Money(picos: 9))]
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: picos + [(day, Money(picos: 4))]) == nil)
        let alert = try #require(rule.check(subscription: "bot", day: day, dailyCosts: picos + [(day, Money(picos: 5))]))
        #expect(alert.alert.facts.first { $0.key == "ratioToMedian" }?.value == "3.3 ×")
    }

    @Test func missingDaysCountAsZero() throws {
        let rule = try detector(trailingDays: 4)
        // Only two of four trailing days had usage: 0, 0, 10, 10 → median 5; 15 is not above 15, 15.01 is.
        let sparse: [(CivilDay, Money)] = [(day.adding(days: -3), try money("10")), (day.adding(days: -1), try money("10"))]
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: sparse + [(day, try money("15"))]) == nil)
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: sparse + [(day, try money("15.01"))])?.alert.facts
            .first { $0.key == "median" }?.value == "5.00 USD")
        // A new subscription: the median is 0, any cost is above it (with no history required).
        #expect(rule.check(subscription: "new", day: day, dailyCosts: [(day, try money("0.01"))]) != nil)
        #expect(rule.check(subscription: "new", day: day, dailyCosts: []) == nil)
    }

    @Test func daysOutsideTheWindowAreIgnoredAndRepeatsAdded() throws {
        let rule = try detector(trailingDays: 3)
        let old: [(CivilDay, Money)] = [(day.adding(days: -4), try money("1000")), (day.adding(days: 1), try money("1000"))]
        let window = try costs(["10", "10", "10"], "30.01")
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: old + window) != nil)
        // 20 + 20 on the examined day is 40, above 3 × 10.
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: try costs(["10", "10", "10"], "20") + [(day, try money("20"))]) != nil)
    }

    @Test func theMinimumDailyCostKeepsSmallDaysQuiet() throws {
        let rule = try detector(minimum: "1.00")
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: try costs(["0.01", "0.01", "0.01"], "0.99")) == nil)
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: try costs(["0.01", "0.01", "0.01"], "1.00")) != nil)
    }

    @Test func aDecimalFactor() throws {
        let rule = try detector(factor: 2_500_000)
        #expect(rule.check(subscription: "bot", day: day, dailyCosts: try costs(["10", "10", "10"], "25")) == nil)
        let alert = rule.check(subscription: "bot", day: day, dailyCosts: try costs(["10", "10", "10"], "25.000001"))
        #expect(alert?.alert.summary.contains("more than 2.5 × the median") == true)
    }

    @Test func aNewSubscriptionNeedsHistoryBeforeItsDaysCanBeAnomalous() throws {
        var rule = try detector(trailingDays: 4)
        rule.minimumHistoryDays = 2
        // One earlier day with usage: not enough history, however large the day.
        #expect(rule.check(subscription: "new", day: day, dailyCosts: try costs(["0", "0", "0", "1"], "500")) == nil)
        #expect(rule.check(subscription: "new", day: day, dailyCosts: [(day, try money("500"))]) == nil)
        // Two: the median (0.5) applies again.
        #expect(rule.check(subscription: "new", day: day, dailyCosts: try costs(["0", "0", "1", "1"], "500")) != nil)
        #expect(rule.check(subscription: "new", day: day, dailyCosts: try costs(["0", "0", "1", "1"], "1.5")) == nil)
    }

    @Test func theBookDefaultsToAWeekOfHistoryAndRefusesMoreThanTheWindow() throws {
        func book(_ anomaly: String) throws -> BudgetBook {
            try BudgetBook.load(Array("""
            { "schemaVersion": 1, "currency": "USD", "budgets": [],
              "anomaly": \(anomaly), "channels": [ { "id": "hook", "kind": "generic", "urlFromEnvironment": "HOOK_URL" } ] }
            """.utf8))
        }
        #expect(try book(#"{ "factor": "3", "trailingDays": 14 }"#).anomaly?.minimumHistoryDays == 7)
        #expect(try book(#"{ "factor": "3", "trailingDays": 5 }"#).anomaly?.minimumHistoryDays == 5)
        #expect(try book(#"{ "factor": "3", "trailingDays": 14, "minimumHistoryDays": 0 }"#).anomaly?.minimumHistoryDays == 0)
        #expect(throws: ConfigurationFileError.self) { try book(#"{ "factor": "3", "trailingDays": 14, "minimumHistoryDays": 15 }"#) }
    }
}
