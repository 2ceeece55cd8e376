import ChargebackCore
import CivilCalendar
import FoundationEssentials
import RedisClient

/// Daily chargeback snapshots in Redis: immutable revisions per day, a per-month aggregate of the
/// latest revisions, and the rollup lock. Key schema in `SnapshotKeys`.
public struct SnapshotStore: SnapshotRepository {
    let redis: any RedisCommandRouter
    public let retentionDays: Int
    var retentionSeconds: Int { retentionDays * 86_400 }

    public init(redis: any RedisCommandRouter, retentionDays: Int = 400) {
        self.redis = redis
        self.retentionDays = retentionDays
    }

    /// The latest revision of a day and its lines; nil when the day has none.
    public func latest(_ day: CivilDay) async throws -> (revision: Int, lines: [ChargeLine])? {
        let key = SnapshotKeys.latest(day)
        let reply = try await redis.send(["GET", key], key: key)
        guard let number = reply.text.flatMap({ Int($0) }) else { return nil }
        return (number, try await lines(ofHash: SnapshotKeys.revision(day, number)))
    }

    /// The summaries of the latest revision of every snapshotted day of a month.
    public func summaries(_ month: CivilMonth) async throws -> [CivilDay: SnapshotSummary] {
        Self.summaries(fromHash: try await hash(SnapshotKeys.days(month)))
    }

    /// The sum of the latest revisions of a month's snapshotted days.
    public func monthLines(_ month: CivilMonth) async throws -> [ChargeLine] {
        try await lines(ofHash: SnapshotKeys.aggregate(month))
    }

    /// A month's day summaries and its aggregate read in one step (one script; the keys share the
    /// month's slot), so a rollup that lands between two reads cannot put a day in one and not the other.
    public func month(_ month: CivilMonth) async throws -> (summaries: [CivilDay: SnapshotSummary], lines: [ChargeLine]) {
        let keys = [SnapshotKeys.days(month), SnapshotKeys.aggregate(month)]
        let reply = try await SnapshotScript.readMonth.run(on: redis, keys: keys)
        guard case let .array(parts) = reply, parts.count == 2 else { throw RedisError.unexpectedReply("the month read answered \(reply)") }
        return (Self.summaries(fromHash: try Self.pairs(parts[0])), Self.lines(fromHash: try Self.pairs(parts[1])))
    }

    static func summaries(fromHash pairs: [(String, String)]) -> [CivilDay: SnapshotSummary] {
        var result: [CivilDay: SnapshotSummary] = [:]
        for (field, value) in pairs {
            guard let day = CivilDay.parse(field), let summary = try? JSONDecoder().decode(SnapshotSummary.self, from: Data(value.utf8)) else {
                continue
            }
            result[day] = summary
        }
        return result
    }

    /// The lines of one revision of a day.
    public func lines(_ day: CivilDay, revision: Int) async throws -> [ChargeLine] {
        try await lines(ofHash: SnapshotKeys.revision(day, revision))
    }

    /// The full summary of one revision of a day (its change list included).
    public func summary(_ day: CivilDay, revision: Int) async throws -> SnapshotSummary? {
        let key = SnapshotKeys.summary(day, revision)
        guard let text = try await redis.send(["GET", key], key: key).text else { return nil }
        return try JSONDecoder().decode(SnapshotSummary.self, from: Data(text.utf8))
    }

    /// Writes `revision` of a day if the latest is still `expected`; false when another run won.
    public func write(_ day: CivilDay, expected: Int, revision: Int, lines: [ChargeLine], delta: [ChargeLine], summary: SnapshotSummary) async throws -> Bool {
        let summaryText = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        // The month's day index keeps summaries small: the change list stays with the revision.
        var brief = summary
        brief.changes = nil
        let briefText = String(decoding: try JSONEncoder().encode(brief), as: UTF8.self)
        let keys = [SnapshotKeys.latest(day), SnapshotKeys.revision(day, revision), SnapshotKeys.summary(day, revision),
                    SnapshotKeys.aggregate(day.month), SnapshotKeys.days(day.month), SnapshotKeys.trueUps(day.month)]
        var arguments = [String(expected), String(revision), String(retentionSeconds), summaryText, day.description, briefText, String(lines.count)]
        arguments.reserveCapacity(arguments.count + 2 * (lines.count + delta.count))
        for line in lines { arguments += [SnapshotKeys.field(line.key), String(line.quantity)] }
        for line in delta { arguments += [SnapshotKeys.field(line.key), String(line.quantity)] }
        let reply = try await SnapshotScript.write.run(on: redis, keys: keys, arguments: arguments, durable: true)
        guard case let .integer(value) = reply else { throw RedisError.unexpectedReply("the snapshot script answered \(reply)") }
        return value == Int64(revision)
    }

    /// The true-ups applied to `days`, read with one HMGET per month (a month's days share its hash).
    /// A record this version cannot read is an error, not a silent gap (the report would understate
    /// what is owed).
    public func trueUps(_ days: [CivilDay]) async throws -> [CivilDay: AppliedTrueUps] {
        var result: [CivilDay: AppliedTrueUps] = [:]
        for (month, monthDays) in Dictionary(grouping: days, by: \.month) {
            let key = SnapshotKeys.trueUps(month)
            let reply = try await redis.send(["HMGET", key] + monthDays.map(\.description), key: key)
            guard case let .array(values) = reply, values.count == monthDays.count else { throw RedisError.unexpectedReply("HMGET answered \(reply)") }
            for (day, value) in zip(monthDays, values) {
                guard let text = value.text else { continue }
                let applied = try JSONDecoder().decode(AppliedTrueUps.self, from: Data(text.utf8))
                guard applied.day == day else { throw RedisError.unexpectedReply("true-ups stored under \(day) are of \(applied.day)") }
                result[day] = applied
            }
        }
        return result
    }

    /// Replaces a day's true-ups (durable: acknowledged by the replicas the configuration asks for).
    public func apply(_ applied: AppliedTrueUps) async throws {
        let text = String(decoding: try JSONEncoder().encode(applied), as: UTF8.self)
        _ = try await SnapshotScript.applyTrueUps.run(on: redis, keys: [SnapshotKeys.trueUps(applied.day.month)],
                                                      arguments: [applied.day.description, text, String(retentionSeconds)], durable: true)
    }

    /// Takes the rollup lock of a day for `milliseconds`; false when another run holds it.
    public func lock(_ day: CivilDay, token: String, milliseconds: Int) async throws -> Bool {
        let key = SnapshotKeys.lock(day)
        return try await redis.send(["SET", key, token, "NX", "PX", String(milliseconds)], key: key) != .null
    }

    /// Releases the lock if this run still holds it.
    public func unlock(_ day: CivilDay, token: String) async throws {
        let key = SnapshotKeys.lock(day)
        _ = try await SnapshotScript.release.run(on: redis, keys: [key], arguments: [token])
    }

    func lines(ofHash key: String) async throws -> [ChargeLine] {
        Self.lines(fromHash: try await hash(key))
    }

    static func lines(fromHash pairs: [(String, String)]) -> [ChargeLine] {
        pairs.compactMap { field, value in
            guard let lineKey = SnapshotKeys.key(field: field), let quantity = Int64(value), quantity != 0 else { return nil }
            return ChargeLine(key: lineKey, quantity: quantity)
        }
    }

    func hash(_ key: String) async throws -> [(String, String)] {
        try Self.pairs(try await redis.send(["HGETALL", key], key: key))
    }

    /// An HGETALL reply as field–value pairs.
    static func pairs(_ reply: RedisReply) throws -> [(String, String)] {
        guard case let .array(items) = reply else { throw RedisError.unexpectedReply("HGETALL answered \(reply)") }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(items.count / 2)
        var index = 0
        while index + 1 < items.count {
            if let field = items[index].text, let value = items[index + 1].text { pairs.append((field, value)) }
            index += 2
        }
        return pairs
    }

}
