import ChargebackCore
import ChargebackUseCases
import CivilCalendar
import Foundation
import Testing
import TestSupport

/// A provisioned (PTU) deployment's hours shared by use: in the snapshot, the report and FOCUS, each
/// hour adding up to its cost exactly; the unused capacity to the owner or spread pro rata.
@Suite("PTU shared by use")
struct ProvisionedTests {
    static func book(unused: String) -> String {
        """
        {"schemaVersion": 1, "name": "ptu", "currency": "USD",
         "deployments": {"chat": {"model": "gpt-4o", "deploymentType": "GlobalStandard"},
                         "ptu": {"model": "gpt-4o", "deploymentType": "GlobalProvisionedManaged"}},
         "prices": [{"model": "gpt-4o", "deploymentType": "GlobalStandard", "effectiveFrom": "2030-01-01",
                     "perMillionTokens": {"input": "2.50", "cachedInput": "1.25", "output": "10.00"}}],
         "provisioned": [{"deployment": "ptu", "effectiveFrom": "2030-01-01", "ptus": 2, "perPTUHour": "1.50", "tokensPerPTUHour": 100000,
                          "outputTokenWeight": 4, "unused": "\(unused)", "owner": "PLATFORM", "version": "ptu reservation 2030"}]}
        """
    }

    /// One day: at 10:00, a 30k input + 10k output (weighs 70k) and b 50k input (50k) on `ptu`; a also on `chat`.
    func snapshot(unused: String) async throws -> (harness: MoneyHarness, lines: [ChargeLine]) {
        let harness = MoneyHarness()
        try await harness.record("a", id: "1", deployment: "ptu", prompt: 30_000, completion: 10_000)
        try await harness.record("b", id: "2", deployment: "ptu", prompt: 50_000, completion: 0)
        try await harness.record("a", id: "3", prompt: 1000, completion: 0)
        let rollup = try harness.rollup(book: Self.book(unused: unused))
        _ = try await rollup.run(harness.day, reprice: false, now: harness.now)
        let snapshot = try #require(try await harness.backend.snapshots.latest(harness.day))
        return (harness, snapshot.lines.filter { $0.key.subscription.hasSuffix(harness.tag) || $0.key.subscription == [HourlyUsage].unusedCapacity })
    }

    @Test("unused capacity to the owner: the used share by weighted tokens, the rest of the 48 PTU-hours to PLATFORM")
    func owner() async throws {
        let (harness, lines) = try await snapshot(unused: "owner")
        let provisioned = Dictionary(lines.filter { $0.key.meter == "provisioned" }.map { ($0.key.subscription, $0) }, uniquingKeysWith: { first, _ in first })
        // 120k weighted tokens of a 200k capacity: 60 % of the hour's 2 PTU-hours used, 7:5.
        #expect(provisioned[harness.subscription("a")]?.quantity == 700_000 && provisioned[harness.subscription("a")]?.cost == Money(exactText: "1.05"))
        #expect(provisioned[harness.subscription("b")]?.quantity == 500_000 && provisioned[harness.subscription("b")]?.cost == Money(exactText: "0.75"))
        let unused = try #require(provisioned[[HourlyUsage].unusedCapacity])
        #expect(unused.key.costCenter == "PLATFORM" && unused.quantity == 46_800_000 && unused.cost == Money(exactText: "70.20"))
        // The day's hours add up to 2 PTUs × 24 h × 1.50 exactly.
        #expect(provisioned.values.reduce(Money.zero) { $0 + ($1.cost ?? .zero) } == Money(exactText: "72"))
        // The PTU deployment's tokens are priced at 0 by the reservation (not unpriced); `chat` at its price.
        let tokens = lines.filter { $0.key.deployment == "ptu" && $0.key.meter != "provisioned" }
        #expect(!tokens.isEmpty && tokens.allSatisfy { $0.key.price?.micros == 0 && $0.key.price?.version == "ptu reservation 2030" })
        #expect(lines.contains { $0.key.deployment == "chat" && $0.cost == Money(exactText: "0.0025") })
    }

    @Test("pro rata: the users share all of the hours they used, to the millionth; hours nobody used are the owner's")
    func proRata() async throws {
        let (harness, lines) = try await snapshot(unused: "pro-rata")
        let provisioned = Dictionary(lines.filter { $0.key.meter == "provisioned" }.map { ($0.key.subscription, $0.quantity) }, uniquingKeysWith: +)
        // 2,000,000 millionths by 70k:50k = 1,166,666.67 and 833,333.33: the one left over goes to the larger remainder.
        #expect(provisioned[harness.subscription("a")] == 1_166_667 && provisioned[harness.subscription("b")] == 833_333)
        #expect(provisioned[[HourlyUsage].unusedCapacity] == 46_000_000)
        #expect(provisioned.values.reduce(0, +) == 48_000_000)
    }

    @Test("the report shows the lines and the FOCUS rows are commitment-style")
    func focus() async throws {
        let (harness, _) = try await snapshot(unused: "owner")
        let pricer = try harness.pricer(book: Self.book(unused: "owner"))
        let source = ReportSource(counters: harness.backend.counters, store: harness.backend.snapshots, pricer: pricer)
        let report = try await source.report(from: harness.day, to: harness.day, now: harness.now, costCenter: "PLATFORM", perDay: true)
        #expect(report.total == Money(exactText: "70.20"))
        let csv = FocusExport.render(report, context: .init(openAIResourceId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/a",
                                                            billingAccountId: "b", billingAccountName: "B", invoiceIssuer: "I"),
                                     ceilings: FocusExport.ceilings(pricer.book))
        let row = try #require(csv.split(separator: "\r\n").dropFirst().first)
        #expect(row.hasPrefix("70.20,") && row.contains(",Recurring,") && row.contains(",46.8,PTU-Hours,") && row.contains(",Committed,46.8,PTU-Hours,"), "\(row)")
        // The spec's column rules accept it (the checker the test command runs on the main job's export).
        let file = NSTemporaryDirectory() + "ptu-focus-" + UUID().uuidString + ".csv"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try await Spawn.run("/usr/bin/python3", [TestEnvironment.repositoryRoot + "/scripts/lib/check_focus.py", file], environment: ["PATH": "/usr/bin:/bin"])
        #expect(check.status == 0, "\(check.standardOutput) \(check.standardError)")
    }

    @Test("a provisioned entry the book cannot use is refused with the reason", arguments: [
        (#""deployment": "chat""#, "not a provisioned type"),
        (#""deployment": "nope""#, "is not in deployments"),
        (#""ptus": 0"#, "ptus must be"),
        (#""unused": "someone""#, "unused must be"),
        (#""perPTUHour": "-1""#, "perPTUHour"),
    ])
    func refused(change: String, reason: String) {
        let defaults = [#""deployment": "ptu""#, #""ptus": 2"#, #""unused": "owner""#, #""perPTUHour": "1.50""#]
        var book = Self.book(unused: "owner")
        let field = String(change.prefix { $0 != ":" })
        if let original = defaults.first(where: { $0.hasPrefix(field) }) { book = book.replacingOccurrences(of: original, with: change) }
        do {
            _ = try PriceBook.load(json: Array(book.utf8))
            Issue.record("accepted: \(change)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }
}

extension ProvisionedTests {
    @Test("a late event takes its share of the hour from the unused capacity: a new revision, never held back")
    func lateEvent() async throws {
        let (harness, _) = try await snapshot(unused: "owner")
        try await harness.record("b", id: "late", deployment: "ptu", prompt: 20_000, completion: 0)
        let result = try await harness.rollup(book: Self.book(unused: "owner")).run(harness.day, reprice: false, now: harness.now)
        guard case .written(revision: 2, _) = result.outcome else {
            Issue.record("expected revision 2, got \(result.outcome)")
            return
        }
        let lines = try #require(try await harness.backend.snapshots.latest(harness.day)).lines.filter { $0.key.meter == "provisioned" }
        // b now weighs 70k like a: 140k of 200k, 1,400,000 millionths shared 700k/700k; the hour still whole.
        #expect(lines.first { $0.key.subscription == harness.subscription("b") }?.quantity == 700_000)
        #expect(lines.reduce(0) { $0 + $1.quantity } == 48_000_000)
    }
}
