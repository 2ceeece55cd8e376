import CivilCalendar

/// One subscription's counters on one deployment in one UTC hour, as the ledger holds them
/// (`LedgerKeys` counter names: `inputTokens`, `images:<size>:<quality>`, `requests`, `errors:4xx`…).
public struct HourlyUsage: Sendable, Equatable {
    public var subscription: String
    public var deployment: String
    /// Hours since 1970-01-01T00:00Z.
    public var hour: Int64
    public var counters: [Counter: Int64]

    public init(subscription: String, deployment: String, hour: Int64, counters: [Counter: Int64]) {
        self.subscription = subscription
        self.deployment = deployment
        self.hour = hour
        self.counters = counters
    }

    /// The UTC day of the hour.
    public var day: CivilDay { CivilDay(daysSinceEpoch: hour >= 0 ? hour / 24 : (hour - 23) / 24) }
}

extension Array where Element == HourlyUsage {
    /// The day's chargeback lines: counters added up per subscription × deployment, then priced; and
    /// the hours of provisioned deployments, shared by use (`provisionedLines`).
    /// `hours` (hours since the epoch) limits the provisioned hours counted: a budget's period, the
    /// hours gone by; nil: all 24.
    public func chargeLines(on day: CivilDay, pricer: Pricer, unpriced: inout Set<Unpriced>, hours: Range<Int64>? = nil) -> [ChargeLine] {
        var totals: [Pair: [Counter: Int64]] = [:]
        for usage in self where usage.day == day {
            totals[Pair(subscription: usage.subscription, deployment: usage.deployment), default: [:]].merge(usage.counters, uniquingKeysWith: +)
        }
        var lines: [ChargeLine] = []
        for (pair, counters) in totals {
            lines += pricer.lines(subscription: pair.subscription, deployment: pair.deployment, counters: counters, day: day, unpriced: &unpriced)
        }
        return (lines + provisionedLines(on: day, pricer: pricer, hours: hours)).merged()
    }
}

/// A subscription on a deployment.
struct Pair: Hashable {
    var subscription: String
    var deployment: String
}
