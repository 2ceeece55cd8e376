import ChargebackCore
import ChargebackUseCases
import CivilCalendar
import Foundation
import Testing
import TestSupport

/// The Azure cost export of `Fixtures/azure/` against a ledger in memory: two days of one account,
/// with a meter matched, calls outside APIM, a price drift, a PTU day, a meter the map does not know,
/// another resource's row and a reservation purchase (see each expectation).
@Suite("Reconciliation with an Azure cost export")
struct ReconciliationTests {
    static let book = """
    {"schemaVersion": 1, "name": "reconcile", "currency": "USD",
     "deployments": {"chat": {"model": "gpt-4o", "deploymentType": "GlobalStandard"},
                     "ptu": {"model": "gpt-4o", "deploymentType": "GlobalProvisionedManaged"}},
     "prices": [{"model": "gpt-4o", "deploymentType": "GlobalStandard", "effectiveFrom": "2030-01-01",
                 "perMillionTokens": {"input": "2.50", "cachedInput": "1.25", "output": "10.00"}}]}
    """
    static let account = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.CognitiveServices/accounts/local-openai"
    static let first = CivilDay.parse("2031-03-02") ?? CivilDay(daysSinceEpoch: 0)

    /// The book with the PTU deployment's hours priced and shared: 1 PTU at 0.90 an hour, 100k weighted tokens.
    static let provisionedBook = book.replacingOccurrences(of: #""prices":"#, with: """
        "provisioned": [{"deployment": "ptu", "effectiveFrom": "2030-01-01", "ptus": 1, "perPTUHour": "0.90", "tokensPerPTUHour": 100000,
                         "outputTokenWeight": 4, "unused": "owner", "owner": "PLATFORM"}],
        "prices":
        """)

    func outcome(tolerance: String = "0.01", book: String = ReconciliationTests.book) async throws -> Reconciliation.Outcome {
        let harness = MoneyHarness(backend: .memory(), day: Self.first, tag: "rec")
        let second = Self.first.adding(days: 1)
        // Day 1: a 2M input + 300k output, b 1M input + 100k output on `chat`.
        try await harness.record("a", id: "1", prompt: 2_000_000, completion: 300_000)
        try await harness.record("b", id: "2", prompt: 1_000_000, completion: 100_000)
        // Day 2: a 1M input on `chat`; on `ptu`, a 30k + 10k and b 50k + 10k tokens (unpriced: PTU is billed by the hour).
        try await harness.record("a", id: "3", on: second, prompt: 1_000_000, completion: 0)
        try await harness.record("a", id: "4", on: second, deployment: "ptu", prompt: 30_000, completion: 10_000)
        try await harness.record("b", id: "5", on: second, deployment: "ptu", prompt: 50_000, completion: 10_000)
        let centers = try CostCenters.load(json: Array("""
        {"schemaVersion": 1, "costCenters": [{"id": "CC-1", "name": "Marketing"}], "subscriptions": {"\(harness.subscription("a"))": "CC-1"}}
        """.utf8))
        let pricer = Pricer(book: try PriceBook.load(json: Array(book.utf8)), costCenters: centers)
        let source = ReportSource(counters: harness.backend.counters, store: harness.backend.snapshots, pricer: pricer)
        let export = try CostExport(bytes: try Fixture.bytes("azure/focus-cost-export-openai.csv"), resourceId: Self.account, costColumn: "BilledCost",
                                    currency: "USD")
        #expect(export.rows.count == 6 && export.otherRows == 1 && export.notCompared == ["Purchase": Money(exactText: "720")])
        let map = try InvoiceMeterMap.load(json: try Fixture.bytes("azure/meter-map.json"))
        let reconciler = InvoiceReconciler(source: source, reconciliation: Reconciliation(owner: "PLATFORM", tolerance: try #require(Money(exactText: tolerance))),
                                           map: map)
        return try await reconciler.run(export, now: harness.now).outcome
    }

    @Test("each difference becomes true-ups that add up to it exactly, shared by use or given to the owner")
    func fixture() async throws {
        let outcome = try await outcome()
        func trueUps(_ reason: Reconciliation.Reason) -> [String] {
            outcome.trueUps.filter { $0.reason == reason }.map { "\($0.key.day) \($0.key.meter) \($0.costCenter) \($0.subscription) \($0.deployment) \($0.amount.exactText)" }.sorted()
        }
        // Day 1 input: 3,000 × 1K tokens at 7.5E0 = the ledger's 3M tokens at 2.50/1M: matched.
        let input = try #require(outcome.comparisons.first { $0.key.day == Self.first && $0.key.meter == "input" && $0.key.deploymentType == "GlobalStandard" })
        #expect(input.reason == nil && input.invoiceQuantity == 3_000_000 && input.ledgerQuantity == 3_000_000 && input.difference == .zero)
        // Day 1 output: Azure billed 500k tokens (5.00), APIM saw 400k (4.00): 1.00 outside APIM, shared 3:1 by the tokens each used.
        #expect(trueUps(.outsideAPIM).contains("2031-03-02 output CC-1 sub-a-rec chat 0.75"))
        #expect(trueUps(.outsideAPIM).contains("2031-03-02 output unassigned sub-b-rec chat 0.25"))
        // Day 2 input: the same 1M tokens at 3.00 instead of 2.50: a price drift of 0.50, all a's.
        #expect(trueUps(.priceDrift) == ["2031-03-03 input CC-1 sub-a-rec chat 0.50"])
        // Day 2 cached input: 200k tokens (2.5E-01) nobody counted: the owner's.
        #expect(trueUps(.outsideAPIM).contains("2031-03-03 cachedInput PLATFORM (outside APIM)  0.25"))
        // Day 2 PTU: 24 PTU-hours (24.00) shared by the 100k tokens on provisioned gpt-4o: a 40%, b 60%, per meter line.
        #expect(trueUps(.provisioned) == [
            "2031-03-03 provisioned CC-1 sub-a-rec ptu 2.40", "2031-03-03 provisioned CC-1 sub-a-rec ptu 7.20",
            "2031-03-03 provisioned unassigned sub-b-rec ptu 12.00", "2031-03-03 provisioned unassigned sub-b-rec ptu 2.40",
        ])
        // A meter the map does not know: the owner's, never dropped.
        #expect(trueUps(.unmappedMeter) == ["2031-03-03 unmapped:Standard Text Records PLATFORM (outside APIM)  0.10"])
        // Everything adds up: invoice − ledger = Σ true-ups, to the pico.
        let sum = outcome.trueUps.reduce(Money.zero) { $0 + $1.amount }
        #expect(outcome.invoiceTotal == Money(exactText: "39.85") && outcome.ledgerTotal == Money(exactText: "14"))
        #expect(sum == outcome.invoiceTotal - outcome.ledgerTotal && sum == outcome.drift)
        #expect(abs(outcome.driftPercent - 64.868) < 0.001)
    }

    @Test("a PTU difference on a book that shares the hours goes to the ledger's PTU-hour lines, the owner's idle hours included")
    func provisionedShares() async throws {
        let outcome = try await outcome(book: Self.provisionedBook)
        // The ledger holds 24 PTU-hours at 0.90 = 21.60; Azure billed 24.00: 2.40 shared by PTU-hours.
        let second = Self.first.adding(days: 1)
        let comparison = try #require(outcome.comparisons.first { $0.key.meter == "provisioned" && $0.key.day == second })
        #expect(comparison.ledgerCost == Money(exactText: "21.6") && comparison.ledgerQuantity == 24_000_000 && comparison.reason == .provisioned)
        let shares = outcome.trueUps.filter { $0.reason == .provisioned && $0.key.day == second }
        // At 10:00 a weighs 70k and b 90k of a 100k capacity: the hour is all used, 437,500 and 562,500 millionths; 23 idle hours.
        #expect(Set(shares.map { "\($0.subscription) \($0.amount.exactText)" }) == ["sub-a-rec 0.04375", "sub-b-rec 0.05625", "(unused capacity) 2.30"])
        #expect(shares.allSatisfy { $0.deployment == "ptu" } && shares.reduce(Money.zero) { $0 + $1.amount } == Money(exactText: "2.4"))
        // Day 1: the book owes 24 idle hours (21.60), the invoice bills none: a credit, all on the idle-hours line.
        #expect(outcome.trueUps.filter { $0.reason == .provisioned && $0.key.day == Self.first }.map { "\($0.subscription) \($0.amount.exactText)" }
            == ["(unused capacity) -21.60"])
    }

    @Test("a tolerance leaves small differences alone")
    func tolerance() async throws {
        let outcome = try await outcome(tolerance: "1.00")
        // Only the differences above 1.00 stay: the PTU hours (24.00); the 1.00 of day 1 is not above it.
        #expect(Set(outcome.trueUps.map(\.reason)) == [.provisioned])
        #expect(outcome.comparisons.count { $0.reason != nil } == 1)
    }

    @Test("true-ups as FOCUS Adjustment rows, with the usage export's columns")
    func focusRows() async throws {
        let outcome = try await outcome()
        let csv = FocusExport.renderTrueUps(outcome.trueUps, currency: "USD", costCenters: try CostCenters.load(json: Array(#"{"schemaVersion": 1, "costCenters": [], "subscriptions": {}}"#.utf8)),
                                            context: .init(openAIResourceId: Self.account, billingAccountId: "b", billingAccountName: "B", invoiceIssuer: "I"))
        let lines = csv.split(separator: "\r\n")
        #expect(lines.first.map(String.init) == (FocusExport.focusColumns + FocusExport.customColumns).joined(separator: ","))
        #expect(lines.count == outcome.trueUps.count + 1)
        #expect(lines.dropFirst().allSatisfy { $0.contains(",Adjustment,") && $0.contains(",true-up,") })
        #expect(csv.contains(",\(Self.account)/deployments/ptu,"))
    }
}
