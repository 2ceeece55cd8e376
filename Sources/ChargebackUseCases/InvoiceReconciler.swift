import ChargebackCore
import CivilCalendar

/// Reconciles an Azure cost export with what the ledger counted on the same days: final days from
/// their snapshots, days not yet rolled up from live counters (the report's one rule), priced by
/// the same `Pricer`; and applies the true-ups of the final days to the store, for the report.
public struct InvoiceReconciler: Sendable {
    let source: ReportSource
    let reconciliation: Reconciliation
    let map: InvoiceMeterMap

    public init(source: ReportSource, reconciliation: Reconciliation, map: InvoiceMeterMap) {
        self.source = source
        self.reconciliation = reconciliation
        self.map = map
    }

    /// A reconciliation and the ledger side it was computed from.
    public struct Result: Sendable {
        public var outcome: Reconciliation.Outcome
        /// The snapshot revision of each compared day; nil for a day not yet rolled up (provisional).
        public var revisions: [CivilDay: Int?]
    }

    /// What `apply` stored and left.
    public struct Applied: Sendable, Equatable {
        public var days: [CivilDay]
        /// Days not yet rolled up: their ledger side can still change, so nothing is applied to them.
        public var provisional: [CivilDay]
        /// Days after `through`: the invoice side can still change (usage reaches Cost Management late).
        public var unsettled: [CivilDay]
    }

    /// The export compared with the ledger as seen at `now`.
    public func run(_ export: CostExport, now: UTCTimestamp) async throws -> Result {
        let days = export.rows.map(\.day)
        guard let first = days.min(), let last = days.max() else {
            return Result(outcome: reconciliation.compare([], ledger: [:], book: source.pricer.book, map: map), revisions: [:])
        }
        let report = try await source.report(from: first, to: last, now: now, costCenter: nil, perDay: true)
        var ledger: [CivilDay: [ChargeLine]] = [:]
        for segment in report.segments { ledger[segment.from, default: []] += segment.lines }
        var revisions: [CivilDay: Int?] = [:]
        for day in Set(days) { revisions[day] = report.days.first { $0.day == day }?.revision }
        return Result(outcome: reconciliation.compare(export.rows, ledger: ledger, book: source.pricer.book, map: map), revisions: revisions)
    }

    /// Stores the true-ups of every final day the export covers, replacing that day's earlier ones
    /// (a day within the tolerance gets an empty list: reconciled, nothing to true up), so applying
    /// the same export twice changes nothing. Days after `through` and provisional days are left out
    /// and named.
    public func apply(_ result: Result, exportDigest: String, costColumn: String, through: CivilDay, now: UTCTimestamp) async throws -> Applied {
        var applied = Applied(days: [], provisional: [], unsettled: [])
        for (day, revision) in result.revisions.sorted(by: { $0.key < $1.key }) {
            guard day <= through else {
                applied.unsettled.append(day)
                continue
            }
            guard let revision else {
                applied.provisional.append(day)
                continue
            }
            try await source.store.apply(AppliedTrueUps(day: day, appliedAt: now, exportDigest: exportDigest, costColumn: costColumn,
                                                        snapshotRevision: revision, trueUps: result.outcome.trueUps.filter { $0.key.day == day }))
            applied.days.append(day)
        }
        return applied
    }
}
