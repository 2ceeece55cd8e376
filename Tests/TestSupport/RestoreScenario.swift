import ChargebackCore
import ChargebackUseCases
import CivilCalendar
import Logging

/// The wipe-and-restore story, on any backend and archive: two days rolled up (one revised by a
/// late event) with every revision archived, the month's report rendered, the snapshots lost,
/// restored from the archive, and the report rendered again.
public struct RestoreScenario: Sendable {
    public struct Result: Sendable {
        /// The month's report (JSON, then CSV) before the wipe, and after the restore.
        public var before: [[UInt8]]
        public var after: [[UInt8]]
        public var restore: SnapshotRestore.Outcome
        /// A second restore over the restored snapshots.
        public var again: SnapshotRestore.Outcome
        /// The next scheduled rollup after the restore (its counters were lost with Redis), per day.
        public var rollupAfter: [CivilDay: Rollup.Outcome]
        /// The month's report after that rollup.
        public var afterRollup: [[UInt8]]
        public var archived: [String]
    }

    public let harness: MoneyHarness
    public let archive: any RecordArchive

    public init(harness: MoneyHarness, archive: any RecordArchive) {
        self.harness = harness
        self.archive = archive
    }

    public var days: [CivilDay] { [harness.day, harness.day.adding(days: 1)] }

    public func rollup(_ backend: MoneyBackend) throws -> Rollup {
        var logger = Logger(label: "restore-scenario")
        logger.logLevel = .critical
        return Rollup(counters: backend.counters, store: backend.snapshots, pricer: try harness.pricer(), logger: logger, archive: archive)
    }

    /// `wiped` gives the backend after the loss: empty (a new Redis, or the old one flushed).
    public func run(wiped: () async throws -> MoneyBackend) async throws -> Result {
        let second = harness.day.adding(days: 1)
        try await harness.record("a", id: "1", prompt: 1200, cached: 300, completion: 150)
        try await harness.record("b", id: "2", hour: 23, prompt: 10_000, completion: 1000)
        try await harness.record("a", id: "3", on: second, prompt: 777, completion: 33)
        let now = UTCTimestamp(millisecondsSinceEpoch: (second.daysSinceEpoch + 1) * 86_400_000 + 3_600_000)
        _ = try await rollup(harness.backend).runDue(now: now, graceHours: 0, catchUpDays: 2)
        try await harness.record("b", id: "late", hour: 22, prompt: 3000, completion: 7)
        _ = try await rollup(harness.backend).runDue(now: now, graceHours: 0, catchUpDays: 2)
        let before = try await report(harness.backend, now: now)
        let empty = try await wiped()
        let restore = SnapshotRestore(store: empty.snapshots, archive: archive)
        let outcome = try await restore.run(days: days[0]...days[1])
        let after = try await report(empty, now: now)
        let again = try await restore.run(days: days[0]...days[1])
        // The timer fires on the new Redis: its counters are empty. Nothing restored may be undone.
        let rolled = try await rollup(empty).runDue(now: now, graceHours: 0, catchUpDays: 2)
        let afterRollup = try await report(empty, now: now)
        let archived = try await archive.names(prefix: "snapshots/") + (try await archive.names(prefix: "exports/"))
        return Result(before: before, after: after, restore: outcome, again: again,
                      rollupAfter: Dictionary(uniqueKeysWithValues: rolled.map { ($0.day, $0.outcome) }), afterRollup: afterRollup,
                      archived: archived.filter { name in
            days.contains { name.contains(RecordNames.dayPath($0) + "/") }
        })
    }

    func report(_ backend: MoneyBackend, now: UTCTimestamp) async throws -> [[UInt8]] {
        let source = ReportSource(counters: backend.counters, store: backend.snapshots, pricer: try harness.pricer())
        let month = harness.day.month
        let whole = try await source.report(from: month.firstDay, to: month.lastDay, now: now, costCenter: nil, perDay: false)
        let daily = try await source.report(from: month.firstDay, to: month.lastDay, now: now, costCenter: nil, perDay: true)
        return [ReportJSON.render(whole), Array(ReportCSV.render(daily).utf8)]
    }
}
