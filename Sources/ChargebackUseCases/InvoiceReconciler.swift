import ChargebackCore
import CivilCalendar

/// Reconciles an Azure cost export with what the ledger counted on the same days: final days from
/// their snapshots, days not yet rolled up from live counters (the report's one rule), priced by
/// the same `Pricer`.
public struct InvoiceReconciler: Sendable {
    let source: ReportSource
    let reconciliation: Reconciliation
    let map: InvoiceMeterMap

    public init(source: ReportSource, reconciliation: Reconciliation, map: InvoiceMeterMap) {
        self.source = source
        self.reconciliation = reconciliation
        self.map = map
    }

    /// The export compared with the ledger as seen at `now`.
    public func run(_ export: CostExport, now: UTCTimestamp) async throws -> Reconciliation.Outcome {
        let days = export.rows.map(\.day)
        guard let first = days.min(), let last = days.max() else {
            return reconciliation.compare([], ledger: [:], book: source.pricer.book, map: map)
        }
        let report = try await source.report(from: first, to: last, now: now, costCenter: nil, perDay: true)
        var ledger: [CivilDay: [ChargeLine]] = [:]
        for segment in report.segments { ledger[segment.from, default: []] += segment.lines }
        return reconciliation.compare(export.rows, ledger: ledger, book: source.pricer.book, map: map)
    }
}
