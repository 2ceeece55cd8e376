import ChargebackCore
import CivilCalendar
import RedisClient

/// Reads the ledger's hourly counters back for the rollup and the reports.
public struct LedgerReader: Sendable {
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
        let reply = try await redis.send(["SMEMBERS", key].map { Array($0.utf8) }, key: Array(key.utf8))
        guard case let .array(members) = reply else { throw RedisError.unexpectedReply("SMEMBERS answered \(reply)") }
        return members.compactMap(\.text).sorted()
    }

    /// Every hourly record of a UTC day, for all subscriptions of the day or only `only`.
    public func usage(on day: CivilDay, only: Set<String>? = nil) async throws -> [HourlyUsage] {
        var subscriptions = try await subscriptions(on: day)
        if let only { subscriptions = subscriptions.filter(only.contains) }
        let firstHour = day.daysSinceEpoch * 24
        let reads = subscriptions.flatMap { subscription in (0..<24).map { (subscription, firstHour + Int64($0)) } }
        return try await withThrowingTaskGroup(of: [HourlyUsage].self) { group in
            var results: [HourlyUsage] = []
            var next = reads.makeIterator()
            func start() -> Bool {
                guard let (subscription, hour) = next.next() else { return false }
                group.addTask { try await self.read(subscription: subscription, hour: hour) }
                return true
            }
            for _ in 0..<concurrency where !start() { break }
            while let batch = try await group.next() {
                results += batch
                _ = start()
            }
            return results
        }
    }

    func read(subscription: String, hour: Int64) async throws -> [HourlyUsage] {
        let day = CivilDay(daysSinceEpoch: hour / 24)
        let hourOfDay = Int(hour % 24)
        let key = LedgerKeys.hour(subscription: subscription, hour: day.description + "T" + (hourOfDay < 10 ? "0" : "") + String(hourOfDay))
        let reply = try await redis.send(["HGETALL", key].map { Array($0.utf8) }, key: Array(key.utf8))
        guard case let .array(items) = reply else { throw RedisError.unexpectedReply("HGETALL answered \(reply)") }
        var byDeployment: [String: [String: Int64]] = [:]
        var index = 0
        while index + 1 < items.count {
            defer { index += 2 }
            guard let field = items[index].text, let value = items[index + 1].text.flatMap({ Int64($0) }),
                  let (deployment, counter) = LedgerKeys.parseCounterField(field) else { continue }
            byDeployment[deployment, default: [:]][counter] = value
        }
        return byDeployment.map { HourlyUsage(subscription: subscription, deployment: $0.key, hour: hour, counters: $0.value) }
    }
}

extension LedgerKeys {
    /// `<deployment>|<counter>` back to its parts, unescaped; nil when malformed.
    public static func parseCounterField(_ field: String) -> (deployment: String, counter: String)? {
        guard let bar = field.firstIndex(of: "|"), let deployment = unescape(field[..<bar]) else { return nil }
        let counter = field[field.index(after: bar)...]
        guard counter.hasPrefix("images:") else { return (deployment, String(counter)) }
        let parts = counter.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let size = unescape(parts[1]), let quality = unescape(parts[2]) else { return nil }
        return (deployment, "images:\(size):\(quality)")
    }
}
