import ChargebackCore
import Testing

/// Every rule of the budget file refuses with a sentence naming the place and the problem.
@Suite struct BudgetBookValidationTests {
    /// One malformed file and the refusal it must get.
    struct Case: Sendable, CustomTestStringConvertible {
        var json: String
        var message: String
        var testDescription: String { message }

        /// A valid book with one part replaced.
        init(head: String = #""schemaVersion": 1, "currency": "USD""#, budget: String = Self.budget, budgets: String? = nil,
             rules: String = "", channels: String = Self.channels, expect message: String) {
            json = "{\(head), \"budgets\": [\(budgets ?? budget)]\(rules), \"channels\": [\(channels)]}"
            self.message = message
        }

        init(raw: String, expect message: String) {
            json = raw
            self.message = message
        }

        static let budget = #"{"id": "a", "scope": "subscription", "target": "s", "monthlyAmount": "10", "channels": ["hook"]}"#
        static let channels = #"{"id": "hook", "kind": "generic", "urlFromEnvironment": "HOOK_URL", "secretFromEnvironment": "HOOK_SECRET"}"#

        static func budget(_ members: String) -> String {
            #"{"id": "a", "scope": "subscription", "target": "s", "monthlyAmount": "10", "# + members + "}"
        }
    }

    static let cases: [Case] = [
        Case(raw: "{", expect: "budget book: not valid JSON of the documented shape"),
        Case(raw: #"{"schemaVersion": 1, "currency": "USD"}"#, expect: "budget book: not valid JSON of the documented shape (the document: missing field 'budgets')"),
        Case(head: #""schemaVersion": 2, "currency": "USD""#, expect: "budget book: schemaVersion must be 1"),
        Case(head: #""schemaVersion": 1, "currency": "usd""#, expect: "budget book: currency 'usd' must be an ISO 4217 code such as USD"),
        Case(head: #""schemaVersion": 1, "currency": "USD", "timeZone": "Europe/Paris; rm""#,
             expect: "budget book: timeZone 'Europe/Paris; rm' must be an IANA zone name such as Europe/Paris"),
        Case(head: #""schemaVersion": 1, "currency": "USD", "colour": "red""#, expect: "budget book: the document: unknown field 'colour'"),
        Case(budget: #"{"id": "Marketing", "scope": "subscription", "target": "s", "monthlyAmount": "10"}"#,
             expect: "budget book: budgets[0].id: 'Marketing' must be 1 to 64 of a-z, 0-9, '.', '_', '-'"),
        Case(budget: #"{"id": "\#(String(repeating: "a", count: 65))", "scope": "subscription", "target": "s", "monthlyAmount": "10"}"#,
             expect: "budget book: budgets[0].id: '\(String(repeating: "a", count: 65))' must be 1 to 64"),
        Case(budget: #"{"id": "", "scope": "subscription", "target": "s", "monthlyAmount": "10"}"#, expect: "budget book: budgets[0].id: ''"),
        Case(budgets: Case.budget + "," + Case.budget, expect: "budget book: budgets[1] ('a'): id appears twice"),
        Case(budget: #"{"id": "a", "scope": "team", "target": "s", "monthlyAmount": "10"}"#,
             expect: "budget book: budgets[0] ('a').scope: 'team' must be subscription or costCenter"),
        Case(budget: #"{"id": "a", "scope": "subscription", "target": "", "monthlyAmount": "10"}"#,
             expect: "budget book: budgets[0] ('a').target: must not be empty"),
        Case(budget: #"{"id": "a", "scope": "subscription", "target": "s", "monthlyAmount": "0"}"#,
             expect: "budget book: budgets[0] ('a').monthlyAmount: must be more than 0"),
        Case(budget: #"{"id": "a", "scope": "subscription", "target": "s", "monthlyAmount": "-5"}"#,
             expect: "budget book: budgets[0] ('a').monthlyAmount: '-5' is negative"),
        Case(budget: #"{"id": "a", "scope": "subscription", "target": "s", "monthlyAmount": "1.0000001"}"#,
             expect: "budget book: budgets[0] ('a').monthlyAmount: '1.0000001' has more than 6 decimal places"),
        Case(budget: #"{"id": "a", "scope": "subscription", "target": "s", "monthlyAmount": "1e3"}"#,
             expect: "budget book: budgets[0] ('a').monthlyAmount: '1e3' is not a decimal number"),
        Case(budget: #"{"id": "a", "scope": "subscription", "target": "s", "monthlyAmount": "1000000000000"}"#,
             expect: "budget book: budgets[0] ('a').monthlyAmount: '1000000000000' is too large"),
        Case(budget: #"{"id": "a", "scope": "subscription", "target": "s"}"#,
             expect: "budget book: not valid JSON of the documented shape (budgets[0]: missing field 'monthlyAmount')"),
        Case(budget: Case.budget(#""thresholds": []"#), expect: "budget book: budgets[0] ('a').thresholds: must list at least one percentage"),
        Case(budget: Case.budget(#""thresholds": [0, 50]"#), expect: "budget book: budgets[0] ('a').thresholds: 0 is outside 1…1000"),
        Case(budget: Case.budget(#""thresholds": [50, 1001]"#), expect: "budget book: budgets[0] ('a').thresholds: 1001 is outside 1…1000"),
        Case(budget: Case.budget(#""thresholds": [80, 50]"#),
             expect: "budget book: budgets[0] ('a').thresholds: must be strictly ascending (50 after 80)"),
        Case(budget: Case.budget(#""thresholds": [50, 50]"#),
             expect: "budget book: budgets[0] ('a').thresholds: must be strictly ascending (50 after 50)"),
        Case(budget: Case.budget(#""thresholds": [50.5]"#), expect: "budget book: budgets[0].thresholds[0]: 50.5 is not a whole number"),
        Case(budget: Case.budget(#""forecastThreshold": 0"#),
             expect: "budget book: budgets[0] ('a').forecastThreshold: 0 is outside 1…1000 (null for none)"),
        Case(budget: Case.budget(#""forecastThreshold": 1001"#), expect: "budget book: budgets[0] ('a').forecastThreshold: 1001 is outside 1…1000"),
        Case(budget: Case.budget(#""treshold": [50]"#), expect: "budget book: budgets[0]: unknown field 'treshold'"),
        Case(budget: Case.budget(#""channels": ["nope"]"#), expect: "budget book: budgets[0] ('a').channels[0]: no channel has id 'nope'"),
        Case(budget: Case.budget(#""channels": ["hook", "hook"]"#),
             expect: "budget book: budgets[0] ('a').channels[1]: channel 'hook' is listed twice"),
        Case(head: #""schemaVersion": 1, "currency": "USD", "defaults": {"thresholds": [100, 50]}"#,
             expect: "budget book: defaults.thresholds: must be strictly ascending (50 after 100)"),
        Case(head: #""schemaVersion": 1, "currency": "USD", "defaults": {"forecastThreshold": 2000}"#,
             expect: "budget book: defaults.forecastThreshold: 2000 is outside 1…1000"),
        Case(channels: Case.channels + "," + Case.channels, expect: "budget book: channels[1] ('hook'): id appears twice"),
        Case(channels: #"{"id": "Hook", "kind": "generic", "urlFromEnvironment": "HOOK_URL"}"#,
             expect: "budget book: channels[0].id: 'Hook' must be 1 to 64"),
        Case(channels: #"{"id": "hook", "kind": "email", "urlFromEnvironment": "HOOK_URL"}"#,
             expect: "budget book: channels[0] ('hook').kind: 'email' must be generic, teams or slack"),
        Case(channels: #"{"id": "hook", "kind": "generic", "urlFromEnvironment": "hook_url"}"#,
             expect: "budget book: channels[0] ('hook').urlFromEnvironment: 'hook_url' is not an environment variable name ([A-Z][A-Z0-9_]*)"),
        Case(channels: #"{"id": "hook", "kind": "generic", "urlFromEnvironment": "1HOOK"}"#,
             expect: "budget book: channels[0] ('hook').urlFromEnvironment: '1HOOK' is not an environment variable name"),
        Case(channels: #"{"id": "hook", "kind": "generic", "urlFromEnvironment": ""}"#,
             expect: "budget book: channels[0] ('hook').urlFromEnvironment: '' is not an environment variable name"),
        Case(channels: #"{"id": "hook", "kind": "generic", "urlFromEnvironment": "HOOK_URL", "secretFromEnvironment": "HOOK-SECRET"}"#,
             expect: "budget book: channels[0] ('hook').secretFromEnvironment: 'HOOK-SECRET' is not an environment variable name"),
        Case(channels: #"{"id": "hook", "kind": "teams", "urlFromEnvironment": "HOOK_URL", "secretFromEnvironment": "HOOK_SECRET"}"#,
             expect: "budget book: channels[0] ('hook').secretFromEnvironment: only generic channels are signed"),
        Case(channels: #"{"id": "hook", "kind": "slack", "urlFromEnvironment": "HOOK_URL", "url": "https://hooks.slack.com/services/T/B/x"}"#,
             expect: "budget book: channels[0]: unknown field 'url' (webhook URLs and secrets never go in this file"),
        Case(rules: #", "anomaly": {"factor": "1", "trailingDays": 14}"#,
             expect: "budget book: anomaly.factor: '1' must be more than 1 and at most 1000"),
        Case(rules: #", "anomaly": {"factor": "1000.000001", "trailingDays": 14}"#,
             expect: "budget book: anomaly.factor: '1000.000001' must be more than 1 and at most 1000"),
        Case(rules: #", "anomaly": {"factor": "three", "trailingDays": 14}"#, expect: "budget book: anomaly.factor: 'three' is not a decimal number"),
        Case(rules: #", "anomaly": {"factor": "3", "trailingDays": 2}"#, expect: "budget book: anomaly.trailingDays: 2 is outside 3…60"),
        Case(rules: #", "anomaly": {"factor": "3", "trailingDays": 14.5}"#, expect: "budget book: anomaly.trailingDays: 14.5 is not a whole number"),
        Case(rules: #", "anomaly": {"factor": "3", "trailingDays": 61}"#, expect: "budget book: anomaly.trailingDays: 61 is outside 3…60"),
        Case(rules: #", "anomaly": {"factor": "3", "trailingDays": 14, "minimumDailyCost": "-1"}"#,
             expect: "budget book: anomaly.minimumDailyCost: '-1' is negative"),
        Case(rules: #", "anomaly": {"factor": "3", "trailingDays": 14, "channels": ["teams"]}"#,
             expect: "budget book: anomaly.channels[0]: no channel has id 'teams'"),
        Case(rules: #", "errorRate": {"threshold": "0", "minimumRequests": 100}"#,
             expect: "budget book: errorRate.threshold: '0' must be more than 0 and at most 1"),
        Case(rules: #", "errorRate": {"threshold": "1.000001", "minimumRequests": 100}"#,
             expect: "budget book: errorRate.threshold: '1.000001' must be more than 0 and at most 1"),
        Case(rules: #", "errorRate": {"threshold": "0.05", "minimumRequests": 0}"#,
             expect: "budget book: errorRate.minimumRequests: 0 must be at least 1"),
        Case(rules: #", "errorRate": {"threshold": "0.05", "minimumRequests": 10, "channels": ["x"]}"#,
             expect: "budget book: errorRate.channels[0]: no channel has id 'x'"),
        Case(rules: #", "errorRate": {"threshold": "0.05", "minimumRequests": 10, "webhookUrl": "x"}"#,
             expect: "budget book: errorRate: unknown field 'webhookUrl' (webhook URLs and secrets never go in this file"),
    ]

    @Test(arguments: cases) func refuses(_ refusal: Case) {
        do {
            _ = try BudgetBook.load(Array(refusal.json.utf8))
            Issue.record("accepted: \(refusal.json)")
        } catch {
            #expect(error.description.hasPrefix(refusal.message), "\(error.description)")
        }
    }

    @Test func theValidTemplateLoads() throws {
        let book = try BudgetBook.load(Array(Case(expect: "").json.utf8))
        #expect(book.budgets.map(\.id) == ["a"])
    }
}
