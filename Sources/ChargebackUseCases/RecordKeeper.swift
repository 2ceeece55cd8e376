import ChargebackCore
import CivilCalendar
import Logging

/// Copies every snapshot revision, and the day's chargeback CSV at that revision, from Redis into
/// the record archive, where they outlive the cache. Each run looks at every day it is given and
/// writes what the archive lacks, so a write that failed (archive down, instance stopped between
/// the snapshot and its record) is made by the next run; what is there is never rewritten.
public struct RecordKeeper: Sendable {
    /// What one pass did.
    public struct Outcome: Sendable, Equatable {
        public var created = 0
        public var alreadyThere = 0
        /// Names the archive holds with other bytes than Redis gives now: kept, and reported.
        public var conflicts: [String] = []
        /// Revisions Redis no longer holds (past their retention), so they cannot be archived now.
        public var missing: [String] = []

        public init() {}
    }

    let store: any SnapshotRepository
    let archive: any RecordArchive
    let costCenters: CostCenters
    let isIllustrative: Bool
    let logger: Logger
    /// With it, each revision is also written as a FOCUS 1.2 file, partitioned by billing period
    /// (`focus/<first day>-<last day>/`), where finance tools pick up Cost Management exports.
    let focus: (context: FocusExport.Context, ceilings: [String: (micros: Int64, version: String)])?

    public init(store: any SnapshotRepository, archive: any RecordArchive, costCenters: CostCenters, isIllustrative: Bool, logger: Logger,
                focus: (context: FocusExport.Context, ceilings: [String: (micros: Int64, version: String)])? = nil) {
        self.store = store
        self.archive = archive
        self.costCenters = costCenters
        self.isIllustrative = isIllustrative
        self.logger = logger
        self.focus = focus
    }

    /// Archives every revision of `days` that the archive lacks (two listings per month). Records
    /// already there are not read again, except the `fresh` revisions (just written by this run):
    /// an archive that already holds one of those with other bytes means Redis lost its snapshots
    /// and the rollup started again without a restore; that is reported as a conflict.
    public func sync(_ days: [CivilDay], fresh: [CivilDay: Int] = [:]) async throws -> Outcome {
        var outcome = Outcome()
        let byMonth = Dictionary(grouping: days, by: \.month)
        for month in byMonth.keys.sorted() {
            let summaries = try await store.summaries(month)
            let wanted = (byMonth[month] ?? []).filter { summaries[$0] != nil }
            guard !wanted.isEmpty else { continue }
            let have = Set(try await archive.names(prefix: RecordNames.snapshotPrefix(month)))
                .union(try await archive.names(prefix: RecordNames.exportPrefix(month)))
                .union(focus == nil ? [] : try await archive.names(prefix: RecordNames.focusPrefix(month)))
            for day in wanted.sorted() {
                guard let latest = summaries[day]?.revision else { continue }
                for revision in 1...max(1, latest) {
                    let snapshotName = SnapshotRecord.name(day, revision: revision)
                    let exportName = RecordNames.export(day, revision: revision)
                    let focusName = focus == nil ? nil : RecordNames.focus(day, revision: revision)
                    if fresh[day] == revision, have.contains(snapshotName), let record = try await record(day, revision: revision),
                       try await archive.read(snapshotName) != (try record.encoded()) {
                        outcome.conflicts.append(snapshotName)
                    }
                    if have.contains(snapshotName), have.contains(exportName), focusName.map(have.contains) ?? true { continue }
                    guard let record = try await record(day, revision: revision) else {
                        outcome.missing.append(snapshotName)
                        continue
                    }
                    if !have.contains(snapshotName) {
                        tally(try await archive.create(snapshotName, bytes: try record.encoded(), contentType: "application/json"), snapshotName, &outcome)
                    }
                    if !have.contains(exportName) {
                        tally(try await archive.create(exportName, bytes: export(record), contentType: "text/csv; charset=utf-8"), exportName, &outcome)
                    }
                    if let focusName, let focus, !have.contains(focusName) {
                        let bytes = Array(FocusExport.render(report(record), context: focus.context, ceilings: focus.ceilings).utf8)
                        tally(try await archive.create(focusName, bytes: bytes, contentType: "text/csv; charset=utf-8"), focusName, &outcome)
                    }
                }
            }
        }
        if !outcome.conflicts.isEmpty {
            // The alert on record failures (infrastructure/alerts.tf) reads this line.
            logger.error("record archive holds other bytes than Redis for some revisions; the archive's copy is kept", metadata: [
                "records.conflicts": "\(outcome.conflicts.count)", "records.first_conflict": "\(outcome.conflicts[0])",
            ])
        }
        if !outcome.missing.isEmpty {
            logger.warning("snapshot revisions no longer in Redis could not be archived", metadata: [
                "records.missing": "\(outcome.missing.count)", "records.first_missing": "\(outcome.missing[0])",
            ])
        }
        if outcome.created > 0 {
            logger.info("records archived", metadata: ["records.created": "\(outcome.created)", "records.archive": "\(archive.location)"])
        }
        return outcome
    }

    /// One revision as Redis holds it now; nil when it is gone.
    func record(_ day: CivilDay, revision: Int) async throws -> SnapshotRecord? {
        guard let summary = try await store.summary(day, revision: revision) else { return nil }
        return SnapshotRecord(day: day, revision: revision, summary: summary, lines: try await store.lines(day, revision: revision))
    }

    /// The day's chargeback CSV at this revision (the report's columns; costs rounded for people,
    /// the snapshot record beside it keeps them exact).
    func export(_ record: SnapshotRecord) -> [UInt8] {
        Array(ReportCSV.render(report(record)).utf8)
    }

    /// The revision as a one-day report.
    func report(_ record: SnapshotRecord) -> ChargebackReport {
        let segment = ChargebackReport.Segment(from: record.day, to: record.day, revision: record.revision, isProvisional: false, lines: record.lines)
        return ChargebackReport(
            from: record.day, to: record.day, currency: record.summary.currency, priceBookName: record.summary.priceBook,
            isIllustrative: isIllustrative, generatedAt: UTCTimestamp(millisecondsSinceEpoch: 0), costCenterFilter: nil, segments: [segment],
            days: [.init(day: record.day, revision: record.revision, cost: record.lines.pricedCost, unpricedLines: record.lines.unpricedCount)],
            costCenters: costCenters)
    }

    func tally(_ write: ArchiveWrite, _ name: String, _ outcome: inout Outcome) {
        switch write {
        case .created: outcome.created += 1
        case .alreadyThere: outcome.alreadyThere += 1
        case .conflict: outcome.conflicts.append(name)
        }
    }
}
