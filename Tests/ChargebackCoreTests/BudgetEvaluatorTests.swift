import ChargebackCore
import CivilCalendar
import Testing

/// Spend against a budget: exact percentages, thresholds, the linear forecast and the once-keys.
@Suite struct BudgetEvaluatorTests {
    let evaluator = BudgetEvaluator(currency: "USD")

    func money(_ text: String) throws -> Money { try #require(Money(exactText: text)) }

    func november() throws -> BudgetPeriod {
        BudgetPeriod.month(try #require(CivilMonth.parse("2026-11")), offsetSeconds: { _ in 0 })
    }

    func marketing(_ amount: String = "500", hardLimit: Bool = false, forecast: Int? = 100) throws -> Budget {
        Budget(id: "marketing", scope: .costCenter, target: "CC-1001", monthlyAmount: try money(amount), thresholds: [50, 80, 100],
               forecastThreshold: forecast, isHardLimit: hardLimit, channels: ["finops-teams"])
    }

    @Test func noSpendNoAlert() throws {
        let period = try november()
        let status = evaluator.evaluate(try marketing(), spend: .zero, period: period, now: period.startSeconds + 10 * 86_400)
        #expect(status.percent == "0.0")
        #expect(status.crossedThresholds.isEmpty)
        #expect(status.forecast == .zero)
        #expect(status.forecastPercent == "0.0")
        #expect(!status.isForecastOver)
        #expect(evaluator.alerts(for: status).isEmpty)
    }

    @Test func eightyTwoPointFourPercentCrossesFiftyAndEighty() throws {
        let period = try november()
        let status = evaluator.evaluate(try marketing(), spend: try money("412"), period: period, now: period.endSeconds)
        #expect(status.percent == "82.4")
        #expect(status.crossedThresholds == [50, 80])
        #expect(status.forecast == (try money("412")))
        #expect(!status.isForecastOver)
        let alerts = evaluator.alerts(for: status)
        #expect(alerts.map(\.onceKey) == ["budget:marketing:2026-11:threshold-50", "budget:marketing:2026-11:threshold-80"])
        #expect(alerts.map(\.alert.severity) == [.info, .warning])
        #expect(alerts.map(\.alert.kind) == [.budgetThreshold, .budgetThreshold])
        #expect(alerts.map(\.channels) == [["finops-teams"], ["finops-teams"]])
        let eighty = try #require(alerts.last).alert
        #expect(eighty.title == "Budget 'marketing' at 82.4 % (threshold 80 %)")
        #expect(eighty.summary == "Spend of cost center 'CC-1001' in 2026-11 is 412.00 USD, 82.4 % of its 500.00 USD monthly budget.")
        #expect(eighty.facts.map(\.key) == ["budget", "scope", "target", "period", "spend", "budgetAmount", "percent", "threshold",
                                            "forecast", "forecastPercent", "currency"])
        #expect(eighty.facts.map(\.value) == ["marketing", "costCenter", "CC-1001", "2026-11", "412.00 USD", "500.00 USD", "82.4 %", "80 %",
                                              "412.00 USD", "82.4 %", "USD"])
    }

    @Test func exactlyOneHundredPercentCrossesOneHundred() throws {
        let period = try november()
        let full = evaluator.evaluate(try marketing(), spend: try money("500"), period: period, now: period.endSeconds)
        #expect(full.percent == "100.0")
        #expect(full.crossedThresholds == [50, 80, 100])
        let alerts = evaluator.alerts(for: full)
        #expect(alerts.map(\.onceKey) == ["budget:marketing:2026-11:threshold-50", "budget:marketing:2026-11:threshold-80",
                                          "budget:marketing:2026-11:threshold-100", "budget:marketing:2026-11:forecast"])
        #expect(alerts.map(\.alert.severity) == [.info, .warning, .critical, .warning])
        // One millionth short of the amount: the percentage rounds to 100.0, the threshold is not reached.
        let short = evaluator.evaluate(try marketing(), spend: try money("499.999999"), period: period, now: period.endSeconds)
        #expect(short.percent == "100.0")
        #expect(short.crossedThresholds == [50, 80])
    }

    @Test func linearForecast() throws {
        let period = try november()
        let status = evaluator.evaluate(try marketing(), spend: try money("200"), period: period, now: period.startSeconds + 10 * 86_400)
        #expect(status.percent == "40.0")
        #expect(status.forecast == (try money("600")))
        #expect(status.forecastPercent == "120.0")
        #expect(status.isForecastOver)
        let alerts = evaluator.alerts(for: status)
        #expect(alerts.map(\.onceKey) == ["budget:marketing:2026-11:forecast"])
        let forecast = try #require(alerts.first).alert
        #expect(forecast.kind == .budgetForecast)
        #expect(forecast.severity == .warning)
        #expect(forecast.title == "Budget 'marketing' forecast at 120.0 % (threshold 100 %)")
        #expect(forecast.summary == "At this month's pace, spend of cost center 'CC-1001' would reach 600.00 USD by the end of 2026-11, "
            + "120.0 % of its 500.00 USD monthly budget (200.00 USD so far).")
        // No forecast threshold: the same pace raises nothing.
        let quiet = evaluator.evaluate(try marketing(forecast: nil), spend: try money("200"), period: period, now: period.startSeconds + 10 * 86_400)
        #expect(quiet.forecast == (try money("600")))
        #expect(!quiet.isForecastOver)
        #expect(evaluator.alerts(for: quiet).isEmpty)
    }

    @Test func thresholdAndForecastFireTogether() throws {
        let period = try november()
        let status = evaluator.evaluate(try marketing(), spend: try money("450"), period: period, now: period.startSeconds + 15 * 86_400)
        #expect(status.forecastPercent == "180.0")
        #expect(evaluator.alerts(for: status).map(\.onceKey) == [
            "budget:marketing:2026-11:threshold-50", "budget:marketing:2026-11:threshold-80", "budget:marketing:2026-11:forecast",
        ])
    }

    @Test func noForecastInTheFirstHour() throws {
        let period = try november()
        let early = evaluator.evaluate(try marketing(), spend: try money("100"), period: period, now: period.startSeconds + 3599)
        #expect(early.forecast == nil)
        #expect(early.forecastPercent == nil)
        #expect(!early.isForecastOver)
        #expect(evaluator.alerts(for: early).isEmpty)
        let before = evaluator.evaluate(try marketing(), spend: try money("100"), period: period, now: period.startSeconds - 60)
        #expect(before.forecast == nil)
        let hour = evaluator.evaluate(try marketing(), spend: try money("1"), period: period, now: period.startSeconds + 3600)
        #expect(hour.forecast == (try money("720")))
        #expect(hour.forecastPercent == "144.0")
        #expect(hour.isForecastOver)
    }

    @Test func exactMoneyAtTheSmallestAmounts() throws {
        let period = try november()
        let budget = Budget(id: "tiny", scope: .subscription, target: "s", monthlyAmount: try money("0.000003"), thresholds: [33, 34, 67])
        let third = evaluator.evaluate(budget, spend: try money("0.000001"), period: period, now: period.startSeconds + 7 * 3600)
        #expect(third.percent == "33.3")
        #expect(third.crossedThresholds == [33])
        // 1 µ × 720 h ÷ 7 h = 102.857… µ: 0.000102857142857 rounded half to even in picos.
        #expect(third.forecast == Money(picos: 102_857_143))
        #expect(third.forecastPercent == "3428.6")
        let twoThirds = evaluator.evaluate(budget, spend: try money("0.000002"), period: period, now: period.endSeconds)
        #expect(twoThirds.percent == "66.7")
        #expect(twoThirds.crossedThresholds == [33, 34])
        #expect(evaluator.alerts(for: twoThirds).first?.alert.facts.first { $0.key == "spend" }?.value == "0.00 USD")
    }

    @Test func hardLimit() throws {
        let period = try november()
        let over = evaluator.evaluate(try marketing(hardLimit: true), spend: try money("500"), period: period, now: period.endSeconds)
        #expect(over.isOverHardLimit)
        let last = try #require(evaluator.alerts(for: over).last { $0.alert.kind == .budgetThreshold }).alert
        #expect(last.summary.hasSuffix("monthly budget. The budget is a hard limit and it is reached."))
        #expect(last.facts.contains(Alert.Fact(key: "hardLimit", label: "Hard limit", value: "reached")))
        let under = evaluator.evaluate(try marketing(hardLimit: true), spend: try money("499.99"), period: period, now: period.endSeconds)
        #expect(!under.isOverHardLimit)
        #expect(evaluator.alerts(for: under).first?.alert.facts.contains(Alert.Fact(key: "hardLimit", label: "Hard limit", value: "not reached")) == true)
        #expect(!evaluator.evaluate(try marketing(), spend: try money("900"), period: period, now: period.endSeconds).isOverHardLimit)
    }

    @Test func thresholdSeverities() {
        #expect([1, 50, 79, 80, 99, 100, 150].map(Alert.Severity.init(threshold:)) == [.info, .info, .info, .warning, .warning, .critical, .critical])
        #expect(Alert.Severity.info < .warning && Alert.Severity.warning < .critical)
    }

    @Test func onceKeysNameBudgetPeriodAndEvent() throws {
        let period = BudgetPeriod.containing(1_798_761_600, offsetSeconds: { _ in 3600 })
        #expect(BudgetEvaluator.onceKey(budget: try marketing(), period: period, event: "threshold-100") == "budget:marketing:2027-01:threshold-100")
    }
}
