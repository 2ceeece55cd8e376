import ChargebackCore
import CivilCalendar
import Logging

/// The rollup: turns a closed UTC day's counters into a priced, immutable snapshot revision.
/// Re-runs without new events change nothing; late events add a revision with the change; a lock
/// spares concurrent instances the work and a compare-and-set write guarantees one revision.
public struct Rollup: Sendable {
    /// What one day's run did.
    public enum Outcome: Sendable, Equatable {
        case written(revision: Int, reason: String)
        case unchanged(revision: Int)
        /// The counters hold less of some usage than the latest revision: they were lost (Redis
        /// replaced and its snapshots restored from the archive) or expired. Usage only grows, so the
        /// revision stands; logged as an error and alerted.
        case heldBack(revision: Int)
        /// Another run holds the day's lock or wrote first.
        case busy
    }

    /// One day's result, with the revision's summary when one was written.
    public struct DayResult: Sendable {
        public var day: CivilDay
        public var outcome: Outcome
        public var summary: SnapshotSummary?
    }

    let counters: any CounterSource
    let store: any SnapshotRepository
    let pricer: Pricer
    let logger: Logger
    /// How long the hourly counters are kept (`CHARGEBACK_RETENTION_DAYS`): a day is re-read only
    /// while all of its counters are certainly still there.
    let counterRetentionDays: Int
    /// Where every revision is also archived (`CHARGEBACK_RECORDS`); nil: Redis only.
    let archive: (any RecordArchive)?
    /// With an archive: each revision also as a FOCUS file with this context.
    let focus: FocusExport.Context?

    public init(counters: any CounterSource, store: any SnapshotRepository, pricer: Pricer, logger: Logger, counterRetentionDays: Int = 35,
                archive: (any RecordArchive)? = nil, focus: FocusExport.Context? = nil) {
        self.counters = counters
        self.store = store
        self.pricer = pricer
        self.logger = logger
        self.counterRetentionDays = counterRetentionDays
        self.archive = archive
        self.focus = focus
    }

    /// The closed days a scheduled run covers: the `catchUpDays` days up to the last day that ended
    /// at least `graceHours` before `now`.
    public static func dueDays(now: UTCTimestamp, graceHours: Int, catchUpDays: Int) -> [CivilDay] {
        let lastClosed = lastClosedDay(now: now, graceHours: graceHours)
        return lastClosed.adding(days: Int64(1 - max(catchUpDays, 1))).through(lastClosed)
    }

    static func lastClosedDay(now: UTCTimestamp, graceHours: Int) -> CivilDay {
        UTCTimestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - Int64(graceHours) * 3_600_000).day.adding(days: -1)
    }

    /// The closed days whose snapshots a late event can still revise: every hour of such a day was
    /// written at or after the day began, with the counter retention as TTL, so all of them exist
    /// until at least `retention` days after it (one day less, for clocks); and the snapshot is kept.
    public static func revisableDays(now: UTCTimestamp, graceHours: Int, counterRetentionDays: Int, snapshotRetentionDays: Int) -> [CivilDay] {
        let oldest = now.day.adding(days: -Int64(max(0, min(counterRetentionDays - 2, snapshotRetentionDays - 1))))
        return oldest.through(lastClosedDay(now: now, graceHours: graceHours))
    }

    /// Rolls up every due day, oldest first: the catch-up window, and every older day within the
    /// revisable window that recorded events since its last rollup.
    public func runDue(now: UTCTimestamp, graceHours: Int, catchUpDays: Int) async throws -> [DayResult] {
        var days = Set(Rollup.dueDays(now: now, graceHours: graceHours, catchUpDays: catchUpDays))
        let revisable = Rollup.revisableDays(now: now, graceHours: graceHours, counterRetentionDays: counterRetentionDays,
                                             snapshotRetentionDays: store.retentionDays)
        let lastClosed = Rollup.lastClosedDay(now: now, graceHours: graceHours)
        var expired: [CivilDay: [String: String]] = [:]
        for (subscription, marks) in try await counters.dirtyMarks(indexedOn: revisable) {
            for (day, mark) in marks where day <= lastClosed {
                if let oldest = revisable.first, day >= oldest { days.insert(day) } else { expired[day, default: [:]][subscription] = mark }
            }
        }
        for (day, marks) in expired {
            // Some of the day's counters may be gone: a revision from the rest would bill less than
            // the snapshot holds. Said loudly, and the marks dropped so it is said once.
            logger.warning("late usage for a day past the counter retention: its snapshot is not revised", metadata: [
                "rollup.day": "\(day)", "rollup.subscriptions": "\(marks.count)", "rollup.counter_retention_days": "\(counterRetentionDays)",
            ])
            try await counters.clearDirty(day, marks: marks)
        }
        var results: [DayResult] = []
        for day in days.sorted() {
            results.append(try await run(day, reprice: false, now: now))
        }
        // Every revisable day, not only today's: a record a past run could not write is written now.
        var fresh: [CivilDay: Int] = [:]
        for result in results { if case let .written(revision, _) = result.outcome { fresh[result.day] = revision } }
        await archiveRecords(Array(Set(revisable).union(days)), fresh: fresh)
        return results
    }

    /// Archives the revisions of `days` the archive lacks. A failure does not fail the rollup (the
    /// snapshots are in Redis): it is logged, and the next run writes what is missing.
    @discardableResult
    public func archiveRecords(_ days: [CivilDay], fresh: [CivilDay: Int] = [:]) async -> RecordKeeper.Outcome? {
        guard let archive else { return nil }
        let keeper = RecordKeeper(store: store, archive: archive, costCenters: pricer.costCenters, isIllustrative: pricer.book.isIllustrative,
                                  logger: logger, focus: focus.map { ($0, FocusExport.ceilings(pricer.book)) })
        do {
            return try await keeper.sync(days, fresh: fresh)
        } catch {
            // The alert on record failures (infrastructure/alerts.tf) reads this line.
            logger.error("records could not be archived; the next rollup retries", metadata: [
                "records.archive": "\(archive.location)", "error.reason": "\(error)",
            ])
            return nil
        }
    }

    /// Rolls up one day; `reprice` also writes a revision when only prices changed.
    public func run(_ day: CivilDay, reprice: Bool, now: UTCTimestamp) async throws -> DayResult {
        let token = "\(now.millisecondsSinceEpoch)-\(UInt64.random(in: 0...UInt64.max))"
        guard try await store.lock(day, token: token, milliseconds: 300_000) else {
            logger.info("rollup skipped: another run holds the day", metadata: ["rollup.day": "\(day)"])
            return DayResult(day: day, outcome: .busy)
        }
        do {
            let result = try await locked(day, reprice: reprice, now: now)
            try await store.unlock(day, token: token)
            return result
        } catch {
            try? await store.unlock(day, token: token)
            throw error
        }
    }

    func locked(_ day: CivilDay, reprice: Bool, now: UTCTimestamp) async throws -> DayResult {
        var unpriced = Set<Unpriced>()
        let (usage, marks) = try await counters.usageAndMarks(on: day)
        let lines = usage.chargeLines(on: day, pricer: pricer, unpriced: &unpriced)
        let previous = try await store.latest(day)
        if let previous, let shrunk = RevisionPlan.shrunkUsage(previous: previous.lines, current: lines) {
            // Never a revision that bills less usage than the last: that would undo what finance has seen.
            // The alert on failed timer runs (infrastructure/alerts.tf) reads this line.
            logger.error("rollup held back: the counters hold less usage than the day's snapshot", metadata: [
                "rollup.day": "\(day)", "rollup.revision": "\(previous.revision)", "rollup.shrunk": "\(shrunk)",
            ])
            return DayResult(day: day, outcome: .heldBack(revision: previous.revision))
        }
        switch RevisionPlan.plan(previous: previous?.lines, current: lines, reprice: reprice) {
        case .unchanged:
            let revision = previous?.revision ?? 0
            logger.info("rollup unchanged", metadata: ["rollup.day": "\(day)", "rollup.revision": "\(revision)"])
            await clear(day, marks: marks)
            return DayResult(day: day, outcome: .unchanged(revision: revision))
        case let .revise(reason, delta):
            let revision = (previous?.revision ?? 0) + 1
            let summary = SnapshotSummary(day: day.description, revision: revision, createdAt: now.isoText, reason: reason,
                                          currency: pricer.book.currency, priceBook: pricer.book.name, lines: lines, unpriced: unpriced,
                                          delta: previous == nil ? nil : delta)
            guard try await store.write(day, expected: previous?.revision ?? 0, revision: revision, lines: lines, delta: delta, summary: summary) else {
                logger.info("rollup skipped: another run wrote the day first", metadata: ["rollup.day": "\(day)"])
                return DayResult(day: day, outcome: .busy)
            }
            logger.info("rollup wrote a revision", metadata: [
                "rollup.day": "\(day)", "rollup.revision": "\(revision)", "rollup.reason": "\(reason)", "rollup.lines": "\(lines.count)",
                "rollup.cost": "\(summary.cost)", "rollup.unpriced_lines": "\(summary.unpricedLines)",
            ])
            await clear(day, marks: marks)
            return DayResult(day: day, outcome: .written(revision: revision, reason: reason), summary: summary)
        }
    }

    /// Drops the dirty marks this run read; a failure only means the day is looked at again.
    func clear(_ day: CivilDay, marks: [String: String]) async {
        do {
            try await counters.clearDirty(day, marks: marks)
        } catch {
            logger.warning("rollup could not clear the dirty marks; the day is read again next run", metadata: ["rollup.day": "\(day)"])
        }
    }
}
