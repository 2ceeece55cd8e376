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
        /// Another run holds the day's lock or wrote first.
        case busy
    }

    /// One day's result, with the revision's summary when one was written.
    public struct DayResult: Sendable {
        public var day: CivilDay
        public var outcome: Outcome
        public var summary: SnapshotSummary?
    }

    let reader: LedgerReader
    let store: SnapshotStore
    let pricer: Pricer
    let logger: Logger

    public init(reader: LedgerReader, store: SnapshotStore, pricer: Pricer, logger: Logger) {
        self.reader = reader
        self.store = store
        self.pricer = pricer
        self.logger = logger
    }

    /// The closed days a scheduled run covers: the `catchUpDays` days up to the last day that ended
    /// at least `graceHours` before `now`.
    public static func dueDays(now: UTCTimestamp, graceHours: Int, catchUpDays: Int) -> [CivilDay] {
        let cutoff = UTCTimestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - Int64(graceHours) * 3_600_000)
        let lastClosed = cutoff.day.adding(days: -1)
        return lastClosed.adding(days: Int64(1 - max(catchUpDays, 1))).through(lastClosed)
    }

    /// Rolls up every due day, oldest first.
    public func runDue(now: UTCTimestamp, graceHours: Int, catchUpDays: Int) async throws -> [DayResult] {
        var results: [DayResult] = []
        for day in Rollup.dueDays(now: now, graceHours: graceHours, catchUpDays: catchUpDays) {
            results.append(try await run(day, reprice: false, now: now))
        }
        return results
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
        let lines = try await reader.usage(on: day).chargeLines(on: day, pricer: pricer, unpriced: &unpriced)
        let previous = try await store.latest(day)
        switch RevisionPlan.plan(previous: previous?.lines, current: lines, reprice: reprice) {
        case .unchanged:
            let revision = previous?.revision ?? 0
            logger.info("rollup unchanged", metadata: ["rollup.day": "\(day)", "rollup.revision": "\(revision)"])
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
            return DayResult(day: day, outcome: .written(revision: revision, reason: reason), summary: summary)
        }
    }
}
