import ChargebackCore
import CivilCalendar
import RedisClient

/// The days with events a rollup has not seen yet. The record script counts each event into its
/// subscription's `dirty` hash (day → events, in the subscription's slot, atomically with the
/// counters); the rollup reads a day's mark together with its counters and, once the day's revision
/// is written, deletes the mark only if it still holds what it read: an event recorded meanwhile
/// keeps the day dirty for the next run.
struct DirtyDays: Sendable {
    let reader: LedgerReader

    /// The dirty marks of every subscription in the day indexes of `days`: subscription → day → mark.
    func marks(indexedOn days: [CivilDay]) async throws -> [String: [CivilDay: String]] {
        var subscriptions = Set<String>()
        for day in days { subscriptions.formUnion(try await reader.subscriptions(on: day)) }
        var pending = subscriptions.sorted().makeIterator()
        return try await withThrowingTaskGroup(of: (String, [CivilDay: String]).self) { group in
            var marks: [String: [CivilDay: String]] = [:]
            func start() -> Bool {
                guard let subscription = pending.next() else { return false }
                group.addTask { (subscription, try await self.marks(of: subscription)) }
                return true
            }
            for _ in 0..<reader.concurrency where !start() { break }
            while let (subscription, days) = try await group.next() {
                if !days.isEmpty { marks[subscription] = days }
                _ = start()
            }
            return marks
        }
    }

    /// One subscription's dirty days and their marks.
    func marks(of subscription: String) async throws -> [CivilDay: String] {
        let key = LedgerKeys.dirtyDays(subscription: subscription)
        var marks: [CivilDay: String] = [:]
        for (field, mark) in try SnapshotStore.pairs(try await reader.redis.send(["HGETALL", key], key: key)) {
            if let day = CivilDay.parse(field) { marks[day] = mark }
        }
        return marks
    }

    /// Deletes `day` from each subscription's dirty days if its mark is still the one read.
    func clear(_ day: CivilDay, marks: [String: String]) async throws {
        for (subscription, mark) in marks {
            let key = LedgerKeys.dirtyDays(subscription: subscription)
            _ = try await Self.clearScript.run(on: reader.redis, keys: [key], arguments: [day.description, mark])
        }
    }

    /// KEYS[1] dirty days; ARGV[1] day, ARGV[2] the mark read. Deletes the day if unchanged.
    static let clearScript = RedisScript("""
    if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
    return 0
    """)

}
