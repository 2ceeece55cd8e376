import CivilCalendar

extension Array where Element == HourlyUsage {
    /// The subscription a provisioned deployment's unused hours are charged on.
    public static let unusedCapacity = "(unused capacity)"

    /// The `provisioned` lines of `day`: for each PTU deployment in force, each of the day's 24 hours
    /// (owed whether used or not) shared in millionths of a PTU-hour among the subscriptions that used
    /// it that hour, by their utilisation-weighted tokens, exactly (largest remainder). What they left
    /// unused goes to the owner, or is spread over them (`Provisioning.Unused`); an hour nobody used
    /// is the owner's. Each hour's lines add up to `ptus` PTU-hours, so to `ptus` × the hourly price.
    /// `hours` (hours since the epoch), when given, limits the hours shared to those in it.
    public func provisionedLines(on day: CivilDay, pricer: Pricer, hours: Range<Int64>? = nil) -> [ChargeLine] {
        var lines: [ChargeLine] = []
        for provisioning in pricer.book.provisioned where provisioning.isEffective(on: day) {
            var weights: [Int64: [String: Int64]] = [:]
            for usage in self where usage.deployment == provisioning.deployment && usage.day == day {
                // Saturating: counters a team inflates must not trap the rollup (shares stay exact either way).
                let (sum, overflow) = (weights[usage.hour]?[usage.subscription] ?? 0).addingReportingOverflow(provisioning.weightedTokens(usage.counters))
                weights[usage.hour, default: [:]][usage.subscription] = overflow ? Int64.max / 2 : Swift.min(sum, Int64.max / 2)
            }
            var quantities: [String: Int64] = [:]
            var unused: Int64 = 0
            let firstHour = day.daysSinceEpoch * 24
            for hour in firstHour..<(firstHour + 24) where hours?.contains(hour) ?? true {
                let users = (weights[hour] ?? [:]).filter { $0.value > 0 }.sorted { $0.key < $1.key }
                let total = users.reduce(Int128(0)) { $0 + Int128($1.value) }
                var shared = Int128(provisioning.hourQuantity)
                if case .owner = provisioning.unused {
                    let capacity = Int128(provisioning.ptus) * Int128(provisioning.tokensPerPTUHour)
                    if total < capacity { shared = shared * total / capacity }
                }
                guard let parts = Apportion.share(units: shared, by: users.map(\.value)) else {
                    unused += provisioning.hourQuantity
                    continue
                }
                for (user, part) in zip(users, parts) { quantities[user.key, default: 0] += Int64(part) }
                unused += provisioning.hourQuantity - Int64(shared)
            }
            let price = LinePrice(version: provisioning.version, micros: provisioning.microsPerPTUHour, unit: .ptuHour)
            let model = pricer.book.deployments[provisioning.deployment]?.model ?? ""
            func line(_ costCenter: String, _ subscription: String, _ quantity: Int64) -> ChargeLine {
                ChargeLine(key: ChargeKey(costCenter: costCenter, subscription: subscription, deployment: provisioning.deployment, model: model,
                                          meter: BillingMeter.provisioned.name, unit: .ptuHour, price: price), quantity: quantity)
            }
            for (subscription, quantity) in quantities where quantity > 0 {
                lines.append(line(pricer.costCenters.costCenter(of: subscription), subscription, quantity))
            }
            if unused > 0 { lines.append(line(provisioning.unused.owner, Self.unusedCapacity, unused)) }
        }
        return lines
    }
}
