import ChargebackCore
import CivilCalendar

/// Rebuilds snapshots from the record archive (`chargeback restore`): each day's revisions are
/// written in order with the same compare-and-set write as the rollup, each with its change from
/// the previous one, so the month aggregates come out as the rollups left them. Days Redis already
/// holds are checked, not rewritten; a day that differs from its records is refused and reported.
public struct SnapshotRestore: Sendable {
    /// What a restore did, per day.
    public struct Outcome: Sendable, Equatable {
        /// Days written, with the revisions written.
        public var restored: [CivilDay: ClosedRange<Int>] = [:]
        /// Days Redis already held with exactly the archived revisions.
        public var present: [CivilDay] = []
        /// Days left as they are, and why (a gap in the records, Redis ahead of or different from them).
        public var refused: [CivilDay: String] = [:]
        /// Records that could not be read, and why.
        public var unreadable: [String] = []

        public var revisionsRestored: Int { restored.values.reduce(0) { $0 + $1.count } }
    }

    let store: any SnapshotRepository
    let archive: any RecordArchive

    public init(store: any SnapshotRepository, archive: any RecordArchive) {
        self.store = store
        self.archive = archive
    }

    /// Restores every day the archive holds, or only those within `days`.
    public func run(days: ClosedRange<CivilDay>? = nil) async throws -> Outcome {
        var outcome = Outcome()
        var byDay: [CivilDay: [Int: String]] = [:]
        for name in try await archive.names(prefix: "snapshots/") {
            guard let (day, revision) = RecordNames.parse(name), name == SnapshotRecord.name(day, revision: revision) else {
                outcome.unreadable.append("\(name) is not a snapshot record's name")
                continue
            }
            if let days, !days.contains(day) { continue }
            byDay[day, default: [:]][revision] = name
        }
        for day in byDay.keys.sorted() {
            let names = byDay[day] ?? [:]
            let last = names.keys.max() ?? 0
            guard names.count == last else {
                let gaps = (1...last).filter { names[$0] == nil }.map(String.init).joined(separator: ", ")
                outcome.refused[day] = "revision \(gaps) missing from the archive"
                continue
            }
            var records: [SnapshotRecord] = []
            do {
                for revision in 1...last {
                    guard let name = names[revision], let bytes = try await archive.read(name) else {
                        throw RecordError(names[revision] ?? "\(day) revision \(revision)", "disappeared while restoring")
                    }
                    records.append(try SnapshotRecord.decode(bytes, name: name))
                }
            } catch let error as RecordError {
                outcome.unreadable.append(error.description)
                outcome.refused[day] = "a record is unreadable"
                continue
            }
            try await restore(day, records, into: &outcome)
        }
        return outcome
    }

    func restore(_ day: CivilDay, _ records: [SnapshotRecord], into outcome: inout Outcome) async throws {
        var start = 1
        if let existing = try await store.latest(day) {
            guard existing.revision <= records.count else {
                outcome.refused[day] = "Redis holds revision \(existing.revision), the archive only \(records.count)"
                return
            }
            guard RevisionPlan.difference(existing.lines.merged(), minus: records[existing.revision - 1].lines.merged()).isEmpty else {
                outcome.refused[day] = "Redis's revision \(existing.revision) differs from the archived one"
                return
            }
            if existing.revision == records.count {
                outcome.present.append(day)
                return
            }
            start = existing.revision + 1
        }
        for revision in start...records.count {
            let record = records[revision - 1]
            let previous = revision == 1 ? [] : records[revision - 2].lines.merged()
            let delta = RevisionPlan.difference(record.lines.merged(), minus: previous)
            guard try await store.write(day, expected: revision - 1, revision: revision, lines: record.lines, delta: delta, summary: record.summary) else {
                outcome.refused[day] = "a rollup wrote the day while it was being restored; run the restore again"
                return
            }
        }
        outcome.restored[day] = start...records.count
    }
}
