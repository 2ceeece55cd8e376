import CivilCalendar

/// Daily chargeback snapshots as the use cases need them: immutable revisions per day written by
/// compare-and-set, each month's aggregate of its days' latest revisions, a lock per day, and the
/// true-ups applied from the invoice reconciliation.
/// `ChargebackRedis.SnapshotStore` implements it over Redis, `ChargebackMemory.InMemorySnapshots`
/// in memory; one contract suite runs over both.
public protocol SnapshotRepository: Sendable {
    /// How long revisions are kept.
    var retentionDays: Int { get }
    /// The latest revision of a day and its lines; nil when the day has none.
    func latest(_ day: CivilDay) async throws -> (revision: Int, lines: [ChargeLine])?
    /// The summaries (without their change lists) of the latest revision of every snapshotted day of a month.
    func summaries(_ month: CivilMonth) async throws -> [CivilDay: SnapshotSummary]
    /// The lines of one revision of a day.
    func lines(_ day: CivilDay, revision: Int) async throws -> [ChargeLine]
    /// The full summary (with its change list) of one revision of a day; nil when there is none.
    func summary(_ day: CivilDay, revision: Int) async throws -> SnapshotSummary?
    /// The sum of the latest revisions of a month's snapshotted days.
    func monthLines(_ month: CivilMonth) async throws -> [ChargeLine]
    /// A month's summaries and aggregate read together, so no rollup lands between the two.
    func month(_ month: CivilMonth) async throws -> (summaries: [CivilDay: SnapshotSummary], lines: [ChargeLine])
    /// Writes `revision` of a day if its latest is still `expected` (0: none), applying `delta` (the
    /// change from the previous revision) to the month; false when another run wrote first.
    func write(_ day: CivilDay, expected: Int, revision: Int, lines: [ChargeLine], delta: [ChargeLine], summary: SnapshotSummary) async throws -> Bool
    /// The true-ups `chargeback reconcile --apply` stored for `days`, by day; only those days are
    /// read, so a record of another day never fails this read.
    func trueUps(_ days: [CivilDay]) async throws -> [CivilDay: AppliedTrueUps]
    /// Replaces the true-ups of `applied.day` whole (an empty list clears them).
    func apply(_ applied: AppliedTrueUps) async throws
    /// Takes a day's rollup lock for `milliseconds`; false when another run holds it.
    func lock(_ day: CivilDay, token: String, milliseconds: Int) async throws -> Bool
    /// Releases the lock if `token` still holds it.
    func unlock(_ day: CivilDay, token: String) async throws
}
