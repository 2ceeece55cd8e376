import ChargebackCore
import Testing

/// `config/budgets.json` loads into exact values, with the documented defaults.
@Suite struct BudgetBookTests {
    static let example = """
    { "schemaVersion": 1,
      "timeZone": "Europe/Paris",
      "currency": "USD",
      "defaults": { "thresholds": [50, 80, 100], "forecastThreshold": 100 },
      "budgets": [
        { "id": "marketing", "scope": "costCenter", "target": "CC-1001", "monthlyAmount": "500.00",
          "thresholds": [50, 80, 100], "forecastThreshold": 100, "hardLimit": false, "channels": ["finops-teams"] },
        { "id": "support-bot", "scope": "subscription", "target": "support-bot", "monthlyAmount": "120", "channels": ["finops-webhook"] } ],
      "anomaly": { "factor": "3", "trailingDays": 14, "minimumDailyCost": "1.00", "channels": ["finops-webhook"] },
      "errorRate": { "threshold": "0.05", "minimumRequests": 100, "channels": ["finops-webhook"] },
      "channels": [
        { "id": "finops-teams", "kind": "teams", "urlFromEnvironment": "ALERT_TEAMS_URL" },
        { "id": "finops-webhook", "kind": "generic", "urlFromEnvironment": "ALERT_WEBHOOK_URL", "secretFromEnvironment": "ALERT_WEBHOOK_SECRET" },
        { "id": "finops-slack", "kind": "slack", "urlFromEnvironment": "ALERT_SLACK_URL" } ] }
    """

    @Test func theDocumentedExampleLoads() throws {
        let book = try BudgetBook.load(Array(Self.example.utf8))
        #expect(book.timeZone == "Europe/Paris")
        #expect(book.currency == "USD")
        #expect(book.budgets == [
            Budget(id: "marketing", scope: .costCenter, target: "CC-1001", monthlyAmount: Money(picos: 500_000_000_000_000),
                   thresholds: [50, 80, 100], forecastThreshold: 100, isHardLimit: false, channels: ["finops-teams"]),
            Budget(id: "support-bot", scope: .subscription, target: "support-bot", monthlyAmount: Money(picos: 120_000_000_000_000),
                   thresholds: [50, 80, 100], forecastThreshold: 100, isHardLimit: false, channels: ["finops-webhook"]),
        ])
        // minimumHistoryDays is not in the example: 7 by default.
        #expect(book.anomaly == AnomalyDetector(factorMicros: 3_000_000, trailingDays: 14, minimumDailyCost: Money(picos: 1_000_000_000_000),
                                                minimumHistoryDays: 7, channels: ["finops-webhook"], currency: "USD"))
        #expect(book.errorRate == ErrorRateCheck(thresholdMicros: 50_000, minimumRequests: 100, channels: ["finops-webhook"]))
        #expect(book.channels == [
            AlertChannel(id: "finops-teams", kind: .teams, urlEnvironmentVariable: "ALERT_TEAMS_URL"),
            AlertChannel(id: "finops-webhook", kind: .generic, urlEnvironmentVariable: "ALERT_WEBHOOK_URL",
                         secretEnvironmentVariable: "ALERT_WEBHOOK_SECRET"),
            AlertChannel(id: "finops-slack", kind: .slack, urlEnvironmentVariable: "ALERT_SLACK_URL"),
        ])
        #expect(book.channel(id: "finops-slack")?.kind == .slack)
        #expect(book.evaluator.currency == "USD")
    }

    @Test func optionalPartsTakeTheirDefaults() throws {
        let book = try BudgetBook.load(Array("""
        {"schemaVersion": 1, "currency": "EUR", "budgets": [{"id": "a", "scope": "subscription", "target": "s", "monthlyAmount": 120.5}]}
        """.utf8))
        #expect(book.timeZone == "UTC")
        #expect(book.anomaly == nil)
        #expect(book.errorRate == nil)
        #expect(book.channels.isEmpty)
        #expect(book.budgets.first?.thresholds == [50, 80, 100])
        #expect(book.budgets.first?.forecastThreshold == 100)
        #expect(book.budgets.first?.monthlyAmount == Money(exactText: "120.5"))
        #expect(book.budgets.first?.isHardLimit == false)
    }

    @Test func nullSwitchesTheForecastOffWhereAbsentInherits() throws {
        let book = try BudgetBook.load(Array("""
        {"schemaVersion": 1, "currency": "USD", "defaults": {"thresholds": [90], "forecastThreshold": null}, "budgets": [
          {"id": "inherits", "scope": "subscription", "target": "s", "monthlyAmount": "1"},
          {"id": "own", "scope": "subscription", "target": "s", "monthlyAmount": "1", "forecastThreshold": 150, "thresholds": [10, 20]},
          {"id": "off", "scope": "costCenter", "target": "c", "monthlyAmount": "1", "forecastThreshold": null, "hardLimit": true}]}
        """.utf8))
        #expect(book.budgets.map(\.forecastThreshold) == [nil, 150, nil])
        #expect(book.budgets.map(\.thresholds) == [[90], [10, 20], [90]])
        #expect(book.budgets.map(\.isHardLimit) == [false, false, true])
        let defaults = try BudgetBook.load(Array("""
        {"schemaVersion": 1, "currency": "USD", "budgets": [
          {"id": "off", "scope": "subscription", "target": "s", "monthlyAmount": "1", "forecastThreshold": null}]}
        """.utf8))
        #expect(defaults.budgets.first?.forecastThreshold == nil)
    }

    @Test func rangeBoundariesAreAccepted() throws {
        let book = try BudgetBook.load(Array("""
        {"schemaVersion": 1, "currency": "USD", "budgets": [
          {"id": "a.b_c-9", "scope": "subscription", "target": "s", "monthlyAmount": "0.000001", "thresholds": [1, 1000], "forecastThreshold": 1000}],
         "anomaly": {"factor": "1.000001", "trailingDays": 3}, "errorRate": {"threshold": "1", "minimumRequests": 1}}
        """.utf8))
        #expect(book.budgets.first?.monthlyAmount == Money(picos: 1_000_000))
        #expect(book.anomaly?.factorMicros == 1_000_001)
        #expect(book.anomaly?.minimumDailyCost == .zero)
        #expect(book.errorRate?.thresholdMicros == 1_000_000)
        let sixty = try BudgetBook.load(Array("""
        {"schemaVersion": 1, "currency": "USD", "budgets": [], "anomaly": {"factor": "1000", "trailingDays": 60}}
        """.utf8))
        #expect(sixty.anomaly?.trailingDays == 60)
        #expect(sixty.anomaly?.factorMicros == 1_000_000_000)
    }

    @Test func theOtherFilesAreCheckedAgainst() throws {
        let book = try BudgetBook.load(Array(Self.example.utf8))
        let centers = try CostCenters.load(json: Array(#"{"schemaVersion": 1, "costCenters": [{"id": "CC-1001"}]}"#.utf8))
        let usd = PriceBook(currency: "USD", name: "p", isIllustrative: false, deployments: [:], priceSets: [])
        try book.validate(against: usd, costCenters: centers)
        let eur = PriceBook(currency: "EUR", name: "p", isIllustrative: false, deployments: [:], priceSets: [])
        #expect(throws: ConfigurationFileError("budget book: currency 'USD' differs from the price book's 'EUR'")) {
            try book.validate(against: eur, costCenters: centers)
        }
        #expect(throws: ConfigurationFileError(
            "budget book: budgets[0] ('marketing'): target 'CC-1001' is not a cost center of the cost-center file")) {
            try book.validate(against: usd, costCenters: CostCenters())
        }
    }
}
