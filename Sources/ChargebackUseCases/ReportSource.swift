import ChargebackCore
import CivilCalendar

/// Assembles a chargeback report from snapshots (final days) and live counters (provisional days),
/// priced with the same `Pricer` as the rollup, with the true-ups applied to its days.
public struct ReportSource: Sendable {
    let counters: any CounterSource
    let store: any SnapshotRepository
    let pricer: Pricer

    public init(counters: any CounterSource, store: any SnapshotRepository, pricer: Pricer) {
        self.counters = counters
        self.store = store
        self.pricer = pricer
    }

    /// The report of `from`…`to` (UTC days, both included) as seen at `now`; days after today are
    /// left out. `perDay` keeps one segment per day (CSV); otherwise a month fully inside the range
    /// is read from its aggregate in one step.
    public func report(from: CivilDay, to: CivilDay, now: UTCTimestamp, costCenter: String?, perDay: Bool) async throws -> ChargebackReport {
        let today = now.day
        var segments: [ChargebackReport.Segment] = []
        var days: [ChargebackReport.Day] = []
        var reconciled: [AppliedTrueUps] = []
        var month = from.month
        while month <= to.month {
            let first = max(from, month.firstDay)
            let last = min(to, month.lastDay, today)
            if first <= last {
                let summaries = try await store.summaries(month)
                reconciled += try await store.trueUps(Array(first.through(last))).values.map { $0.only(costCenter: costCenter) }
                let wholeMonth = first == month.firstDay && to >= month.lastDay && !perDay
                var finalDays: [CivilDay] = []
                for day in first.through(last) {
                    if let summary = summaries[day] {
                        finalDays.append(day)
                        let cost = costCenter.map { summary.costByCostCenter[$0] ?? "0" } ?? summary.cost
                        let unpriced = costCenter.map { summary.unpricedLinesByCostCenter[$0] ?? 0 } ?? summary.unpricedLines
                        days.append(.init(day: day, revision: summary.revision, cost: Money(exactText: cost) ?? .zero, unpricedLines: unpriced))
                        if !wholeMonth {
                            let lines = try await store.lines(day, revision: summary.revision)
                            segments.append(.init(from: day, to: day, revision: summary.revision, isProvisional: false, lines: filter(lines, costCenter)))
                        }
                    } else {
                        var unpriced = Set<Unpriced>()
                        let lines = filter(try await counters.usage(on: day).chargeLines(on: day, pricer: pricer, unpriced: &unpriced), costCenter)
                        days.append(.init(day: day, revision: nil, cost: lines.pricedCost, unpricedLines: lines.unpricedCount))
                        segments.append(.init(from: day, to: day, revision: nil, isProvisional: true, lines: lines))
                    }
                }
                if wholeMonth, let firstFinal = finalDays.first, let lastFinal = finalDays.last {
                    let lines = filter(try await store.monthLines(month), costCenter)
                    segments.append(.init(from: firstFinal, to: lastFinal, revision: nil, isProvisional: false, lines: lines))
                }
            }
            month = month.lastDay.adding(days: 1).month
        }
        return ChargebackReport(
            from: from, to: to, currency: pricer.book.currency, priceBookName: pricer.book.name, isIllustrative: pricer.book.isIllustrative,
            generatedAt: now, costCenterFilter: costCenter, segments: segments, days: days.sorted { $0.day < $1.day },
            costCenters: pricer.costCenters, reconciled: reconciled)
    }

    func filter(_ lines: [ChargeLine], _ costCenter: String?) -> [ChargeLine] {
        guard let costCenter else { return lines }
        return lines.filter { $0.key.costCenter == costCenter }
    }
}
