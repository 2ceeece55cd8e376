import ChargebackCore
import CivilCalendar
import Synchronization

/// Snapshots in memory, for the use-case tests (no Redis): revisions per day written by
/// compare-and-set, the month's aggregate computed from its days' latest revisions (the Redis
/// store keeps it by applying each revision's change; the contract suite checks they agree), and
/// a lock per day (its expiry is not modelled: a test never outlives it), and the applied true-ups.
public final class InMemorySnapshots: SnapshotRepository {
    struct Revision {
        let lines: [ChargeLine]
        let summary: SnapshotSummary
    }

    struct State {
        var revisions: [CivilDay: [Revision]] = [:]
        var locks: [CivilDay: String] = [:]
        var trueUps: [CivilDay: AppliedTrueUps] = [:]
    }

    private let state = Mutex(State())
    public let retentionDays: Int

    public init(retentionDays: Int = 400) {
        self.retentionDays = retentionDays
    }

    public func latest(_ day: CivilDay) async throws -> (revision: Int, lines: [ChargeLine])? {
        state.withLock { state in
            guard let revisions = state.revisions[day], let last = revisions.last else { return nil }
            return (revisions.count, last.lines)
        }
    }

    public func summaries(_ month: CivilMonth) async throws -> [CivilDay: SnapshotSummary] {
        try await self.month(month).summaries
    }

    public func lines(_ day: CivilDay, revision: Int) async throws -> [ChargeLine] {
        state.withLock { state in
            guard let revisions = state.revisions[day], revision >= 1, revision <= revisions.count else { return [] }
            return revisions[revision - 1].lines
        }
    }

    public func summary(_ day: CivilDay, revision: Int) async throws -> SnapshotSummary? {
        state.withLock { state in
            guard let revisions = state.revisions[day], revision >= 1, revision <= revisions.count else { return nil }
            return revisions[revision - 1].summary
        }
    }

    public func monthLines(_ month: CivilMonth) async throws -> [ChargeLine] {
        try await self.month(month).lines
    }

    public func month(_ month: CivilMonth) async throws -> (summaries: [CivilDay: SnapshotSummary], lines: [ChargeLine]) {
        state.withLock { state in
            var summaries: [CivilDay: SnapshotSummary] = [:]
            var sums: [ChargeKey: Int64] = [:]
            for (day, revisions) in state.revisions where day.month == month {
                guard let last = revisions.last else { continue }
                var brief = last.summary
                brief.changes = nil
                summaries[day] = brief
                for line in last.lines { sums[line.key, default: 0] += line.quantity }
            }
            return (summaries, sums.filter { $0.value != 0 }.map { ChargeLine(key: $0.key, quantity: $0.value) })
        }
    }

    public func write(_ day: CivilDay, expected: Int, revision: Int, lines: [ChargeLine], delta: [ChargeLine], summary: SnapshotSummary) async throws -> Bool {
        state.withLock { state in
            guard (state.revisions[day]?.count ?? 0) == expected, revision == expected + 1 else { return false }
            state.revisions[day, default: []].append(Revision(lines: lines, summary: summary))
            return true
        }
    }

    public func trueUps(_ days: [CivilDay]) async throws -> [CivilDay: AppliedTrueUps] {
        state.withLock { state in state.trueUps.filter { days.contains($0.key) } }
    }

    public func apply(_ applied: AppliedTrueUps) async throws {
        state.withLock { state in state.trueUps[applied.day] = applied }
    }

    public func lock(_ day: CivilDay, token: String, milliseconds: Int) async throws -> Bool {
        state.withLock { state in
            guard state.locks[day] == nil else { return false }
            state.locks[day] = token
            return true
        }
    }

    public func unlock(_ day: CivilDay, token: String) async throws {
        state.withLock { state in
            if state.locks[day] == token { state.locks[day] = nil }
        }
    }
}
