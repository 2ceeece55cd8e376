import ChargebackCore
import CivilCalendar
import RedisClient

/// Reads the ledger's hourly counters back for the rollup and the reports.
public struct LedgerReader: CounterSource {
    let redis: any RedisCommandRouter
    /// Round trips in flight at once (they pipeline on the pool's connections).
    let concurrency: Int

    public init(redis: any RedisCommandRouter, concurrency: Int = 64) {
        self.redis = redis
        self.concurrency = concurrency
    }

    /// The subscriptions with usage on a UTC day (the day index).
    public func subscriptions(on day: CivilDay) async throws -> [String] {
        let key = LedgerKeys.day(day.description)
        let reply = try await redis.send(["SMEMBERS", key], key: key)
        guard case let .array(members) = reply else { throw RedisError.unexpectedReply("SMEMBERS answered \(reply)") }
        return members.compactMap(\.text).sorted()
    }

    public func usage(on day: CivilDay, only: Set<String>?) async throws -> [HourlyUsage] {
        try await usageAndMarks(on: day, only: only).usage
    }

    public func usageAndMarks(on day: CivilDay, only: Set<String>?) async throws -> (usage: [HourlyUsage], marks: [String: String]) {
        var subscriptions = try await subscriptions(on: day)
        if let only { subscriptions = subscriptions.filter(only.contains) }
        return try await withThrowingTaskGroup(of: (String, [HourlyUsage], String?).self) { group in
            var usage: [HourlyUsage] = []
            var marks: [String: String] = [:]
            var next = subscriptions.makeIterator()
            func start() -> Bool {
                guard let subscription = next.next() else { return false }
                group.addTask {
                    let (records, mark) = try await self.read(subscription: subscription, day: day)
                    return (subscription, records, mark)
                }
                return true
            }
            for _ in 0..<concurrency where !start() { break }
            while let (subscription, records, mark) = try await group.next() {
                usage += records
                if let mark { marks[subscription] = mark }
                _ = start()
            }
            return (usage, marks)
        }
    }

    /// Reads the 24 hourly hashes of one subscription's day and the day's dirty mark in one round
    /// trip: they share the subscription's hash tag, so one script reads them all, on a cluster too.
    /// KEYS: 24 hours, then the dirty days; ARGV[1] the day.
    static let readDayScript = RedisScript("""
    local out = {}
    for i = 1, 24 do out[i] = redis.call('HGETALL', KEYS[i]) end
    out[25] = redis.call('HGET', KEYS[25], ARGV[1])
    return out
    """)

    func read(subscription: String, day: CivilDay) async throws -> (records: [HourlyUsage], mark: String?) {
        let keys = LedgerKeys.hours(of: day).map { LedgerKeys.hour(subscription: subscription, hour: $0) }
            + [LedgerKeys.dirtyDays(subscription: subscription)]
        let reply = try await Self.readDayScript.run(on: redis, keys: keys, arguments: [day.description])
        guard case let .array(parts) = reply, parts.count == 25 else { throw RedisError.unexpectedReply("the day read answered \(reply)") }
        var records: [HourlyUsage] = []
        for (offset, hourReply) in parts.prefix(24).enumerated() {
            guard case let .array(items) = hourReply, !items.isEmpty else { continue }
            var byDeployment: [String: [Counter: Int64]] = [:]
            var index = 0
            while index + 1 < items.count {
                defer { index += 2 }
                guard let field = items[index].text, let value = items[index + 1].text.flatMap({ Int64($0) }),
                      let (deployment, counter) = LedgerKeys.parseCounterField(field) else { continue }
                byDeployment[deployment, default: [:]][counter] = value
            }
            let hour = day.daysSinceEpoch * 24 + Int64(offset)
            records += byDeployment.map { HourlyUsage(subscription: subscription, deployment: $0.key, hour: hour, counters: $0.value) }
        }
        return (records, parts[24].text)
    }
}

extension LedgerReader {
    public func dirtyMarks(indexedOn days: [CivilDay]) async throws -> [String: [CivilDay: String]] {
        try await DirtyDays(reader: self).marks(indexedOn: days)
    }

    public func clearDirty(_ day: CivilDay, marks: [String: String]) async throws {
        try await DirtyDays(reader: self).clear(day, marks: marks)
    }
}
