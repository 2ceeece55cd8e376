import ChargebackCore
import ChargebackUseCases
import CivilCalendar
import Foundation
import Testing
import TestSupport

/// The rollup's rules on the ports in memory (the Redis adapter meets the same contract:
/// ChargebackRedisTests/PortContractTests).
@Suite("Rollup: immutable, exactly priced daily snapshots")
struct RollupTests {
    @Test("a day is priced to the pico; a re-run without new events writes nothing")
    func firstRevisionThenNoOp() async throws {
        let harness = MoneyHarness()
        // a: 2 calls of 1,000 prompt (400 cached) + 200 output; b: 1 call of 10,000 prompt + 1,000 output.
        try await harness.record("a", id: "1", prompt: 1000, cached: 400, completion: 200)
        try await harness.record("a", id: "2", hour: 23, prompt: 1000, cached: 400, completion: 200)
        try await harness.record("a", id: "2", hour: 23, prompt: 1000, cached: 400, completion: 200)  // duplicate delivery
        try await harness.record("b", id: "3", prompt: 10_000, completion: 1000)
        let rollup = try harness.rollup()
        let first = try await rollup.run(harness.day, reprice: false, now: harness.now)
        #expect(first.outcome == .written(revision: 1, reason: "first rollup"))
        // a: input 1,200 × 2.50/1M = 0.003; cached 800 × 1.25/1M = 0.001; output 400 × 10/1M = 0.004 → 0.008.
        // b: 10,000 × 2.50/1M = 0.025; 1,000 × 10/1M = 0.01 → 0.035. Day: 0.043 EUR.
        let summary = try #require(first.summary)
        #expect(summary.cost == "0.043")
        #expect(summary.costByCostCenter["CC-1"] == "0.008")
        #expect(summary.costByCostCenter[CostCenters.unassigned] == "0.035")
        #expect(summary.currency == "EUR")
        #expect(summary.lines == 5)
        #expect(summary.unpricedLines == 0)
        let second = try await rollup.run(harness.day, reprice: false, now: harness.now)
        #expect(second.outcome == .unchanged(revision: 1))
        let stored = try #require(try await harness.backend.snapshots.latest(harness.day))
        #expect(stored.revision == 1)
        #expect(stored.lines.pricedCost == Money(exactText: "0.043"))
    }

    @Test("a late event makes revision 2 with the change; the month aggregate follows")
    func lateEvent() async throws {
        let harness = MoneyHarness()
        try await harness.record("a", id: "1", prompt: 1000, completion: 100)
        let rollup = try harness.rollup()
        _ = try await rollup.run(harness.day, reprice: false, now: harness.now)
        try await harness.record("a", id: "late", hour: 22, prompt: 3000, completion: 0)
        let revised = try await rollup.run(harness.day, reprice: false, now: harness.now)
        #expect(revised.outcome == .written(revision: 2, reason: "late events"))
        let changes = try #require(revised.summary?.changes)
        // Only the input line changed: +3,000 tokens × 2.50/1M = +0.0075.
        #expect(changes.count == 1)
        #expect(changes.first?.meter == "input")
        #expect(changes.first?.quantity == 3000)
        #expect(changes.first?.cost == "0.0075")
        let store = harness.backend.snapshots
        let month = try await store.monthLines(harness.day.month).filter { $0.key.subscription == harness.subscription("a") }
        // 4,000 input × 2.50/1M + 100 output × 10/1M = 0.01 + 0.001.
        #expect(month.pricedCost == Money(exactText: "0.011"))
        #expect(try await store.lines(harness.day, revision: 1).pricedCost == Money(exactText: "0.0035"))
    }

    @Test("three rollups of the same day at once (three instances) write one revision")
    func concurrentRuns() async throws {
        let harness = MoneyHarness()
        for index in 0..<20 { try await harness.record("s\(index % 4)", id: "\(index)", prompt: 100 + index, completion: 10) }
        let rollups = try (0..<3).map { _ in try harness.rollup() }
        let outcomes = try await withThrowingTaskGroup(of: Rollup.Outcome.self) { group in
            for rollup in rollups { group.addTask { try await rollup.run(harness.day, reprice: false, now: harness.now).outcome } }
            return try await group.reduce(into: [Rollup.Outcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { if case .written = $0 { return true } else { return false } }.count == 1)
        #expect(try await harness.backend.snapshots.latest(harness.day)?.revision == 1)
        let again = try await rollups[0].run(harness.day, reprice: false, now: harness.now)
        #expect(again.outcome == .unchanged(revision: 1))
    }

    @Test("a corrected price book changes nothing until a reprice is asked for, then says so")
    func reprice() async throws {
        let harness = MoneyHarness()
        try await harness.record("a", id: "1", prompt: 1_000_000, completion: 0)
        _ = try await harness.rollup().run(harness.day, reprice: false, now: harness.now)
        let corrected = try harness.rollup(book: MoneyHarness.repricedBook)
        #expect(try await corrected.run(harness.day, reprice: false, now: harness.now).outcome == .unchanged(revision: 1))
        let repriced = try await corrected.run(harness.day, reprice: true, now: harness.now)
        #expect(repriced.outcome == .written(revision: 2, reason: "repriced"))
        #expect(repriced.summary?.cost == "2.00")
        // The change moves 1M tokens from the 2.50 price to the 2.00 price: -2.50 and +2.00.
        #expect(repriced.summary?.changes?.compactMap(\.cost).sorted() == ["-2.50", "2.00"])
    }

    @Test("an empty closed day still gets a revision, so reports treat it as final")
    func emptyDay() async throws {
        let harness = MoneyHarness()
        let result = try await harness.rollup().run(harness.day, reprice: false, now: harness.now)
        #expect(result.outcome == .written(revision: 1, reason: "first rollup"))
        #expect(result.summary?.cost == "0.00")
    }

    @Test func dueDaysRespectTheGraceWindowAndCatchUp() throws {
        func days(_ now: String, grace: Int = 2, catchUp: Int = 3) throws -> [String] {
            Rollup.dueDays(now: try #require(UTCTimestamp.parse(now)), graceHours: grace, catchUpDays: catchUp).map(\.description)
        }
        #expect(try days("2026-11-30T01:15:00Z") == ["2026-11-26", "2026-11-27", "2026-11-28"])
        #expect(try days("2026-11-30T02:15:00Z") == ["2026-11-27", "2026-11-28", "2026-11-29"])
        #expect(try days("2026-03-01T03:00:00Z", catchUp: 1) == ["2026-02-28"])
    }
}
