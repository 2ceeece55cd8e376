import ChargebackCore
import ChargebackUseCases
import CivilCalendar
import Foundation
import Testing
import TestSupport

@Suite("Reports from snapshots and live counters")
struct ReportSourceTests {
    @Test("a month: final days from the aggregate, the open day provisional, same arithmetic")
    func monthReport() async throws {
        let harness = MoneyHarness()
        let nextDay = MoneyHarness(backend: harness.backend, day: harness.day.adding(days: 1), tag: harness.tag)
        try await harness.record("a", id: "1", prompt: 2000, completion: 300)
        try await harness.record("b", id: "2", prompt: 4000, cached: 1000, completion: 0)
        try await nextDay.record("a", id: "3", prompt: 1000, completion: 0)
        _ = try await harness.rollup().run(harness.day, reprice: false, now: harness.now)
        // "Now" is during the next day: it is open, so provisional.
        let now = UTCTimestamp(millisecondsSinceEpoch: nextDay.day.startSecondsSinceEpoch * 1000 + 3_600_000)
        let month = harness.day.month
        let report = try await harness.source().report(from: month.firstDay, to: month.lastDay, now: now, costCenter: nil, perDay: false)
        let ours = report.lines.filter { $0.key.subscription.hasSuffix(harness.tag) }
        // Final: a 2,000 × 2.50/1M + 300 × 10/1M = 0.008; b 3,000 × 2.50/1M + 1,000 × 1.25/1M = 0.00875.
        // Provisional (next day): a 1,000 × 2.50/1M = 0.0025.
        let final = ours.filter { !$0.isProvisional }.compactMap(\.cost).reduce(Money.zero, +)
        let provisional = ours.filter(\.isProvisional).compactMap(\.cost).reduce(Money.zero, +)
        #expect(final == Money(exactText: "0.01675"))
        #expect(provisional == Money(exactText: "0.0025"))
        #expect(report.days.first { $0.day == harness.day }?.revision == 1)
        #expect(report.days.first { $0.day == nextDay.day }?.isProvisional == true)
        #expect(report.days.allSatisfy { $0.day <= nextDay.day })

        let scoped = try await harness.source().report(from: harness.day, to: nextDay.day, now: now, costCenter: "CC-1", perDay: true)
        #expect(scoped.lines.allSatisfy { $0.key.costCenter == "CC-1" })
        #expect(scoped.total == Money(exactText: "0.0105"))
        #expect(scoped.segments.first?.revision == 1)
        let csv = ReportCSV.render(scoped)
        #expect(csv.contains("\(harness.day)T00:00:00Z,\(harness.day.adding(days: 1))T00:00:00Z,EUR,\(harness.subscription("a")),CC-1,Marketing,chat,gpt-4o,Usage,input,2000,tokens,2.50,1M tokens,0.005000,gpt-4o/GlobalStandard@2030-01-01,priced,1,final"))
        #expect(csv.contains(",provisional,\r\n"), "an empty x_TrueUpReason on a usage row")
    }
}

extension MoneyHarness {
    init(backend: MoneyBackend, day: CivilDay, tag: String) {
        self.init(backend: backend)
        self.day = day
        self.tag = tag
    }
}
