/// Rounding for display that keeps sums: the parts, each rounded to `decimals` places, add up
/// exactly to their whole rounded the same way (the largest remainder method). Each part is its
/// exact amount rounded down or up by one unit; the units the floors leave short go to the parts
/// with the largest remainders, ties to the earlier part. (A whole further off than that, which
/// `parts(_:into:decimals:)` also meets, moves parts by more than one unit.)
public enum Apportion {
    /// The parts in units of 10^-`decimals`, adding up to `total` units. `total` is normally the floor
    /// or the ceiling of the parts' exact sum (what `Money.rounded` or an enclosing apportion gives),
    /// and each part is then its floor or ceiling; a `total` further off (a difference of two rounded
    /// totals) is still met: the extra units go round the parts in the same order.
    public static func parts(_ amounts: [Money], into total: Int128, decimals: Int) -> [Int128] {
        let unit = unitPicos(decimals)
        var floors = amounts.map { floorDivision($0.picos, unit) }
        let shortfall = total - floors.reduce(0, +)
        guard shortfall != 0, !amounts.isEmpty else { return floors }
        let order = amounts.indices.sorted { left, right in
            let leftRemainder = amounts[left].picos - floors[left] * unit, rightRemainder = amounts[right].picos - floors[right] * unit
            return leftRemainder != rightRemainder ? leftRemainder > rightRemainder : left < right
        }
        // Units to add go to the largest remainders first; units to take back come off the smallest.
        // A shortfall beyond one unit per part (a far-off whole) gives every part its even share first.
        let walk = shortfall > 0 ? order : order.reversed()
        let count = Int128(walk.count)
        let each = shortfall / count
        let rest = Int((shortfall % count).magnitude)
        let step: Int128 = shortfall > 0 ? 1 : -1
        for (position, index) in walk.enumerated() {
            floors[index] += each + (position < rest ? step : 0)
        }
        return floors
    }

    /// The parts, adding up to their exact sum rounded half to even.
    public static func parts(_ amounts: [Money], decimals: Int) -> [Int128] {
        parts(amounts, into: amounts.reduce(Money.zero, +).rounded(decimals: decimals), decimals: decimals)
    }

    /// Units of 10^-`decimals` as money, for the renderers' formatting.
    public static func money(units: Int128, decimals: Int) -> Money {
        Money(picos: units * unitPicos(decimals))
    }

    static func unitPicos(_ decimals: Int) -> Int128 {
        var unit: Int128 = 1
        for _ in 0..<(12 - min(max(decimals, 0), 12)) { unit *= 10 }
        return unit
    }

    static func floorDivision(_ value: Int128, _ divisor: Int128) -> Int128 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

/// A report's amounts rounded top down, so that every level adds up to the one it is shown under:
/// the total, then cost centers, then subscriptions, then lines (an unpriced line has none).
public struct RoundedTotals: Sendable {
    public let decimals: Int
    public let total: Money
    public let costCenters: [String: Money]
    /// By `costCenter|subscription` (cost-center ids never contain `|`).
    public let subscriptions: [String: Money]
    /// In the order of the lines given.
    public let lines: [Money?]

    public init(lines items: [(costCenter: String, subscription: String, cost: Money?)], decimals: Int) {
        self.decimals = decimals
        var byCenter: [String: Money] = [:], bySubscription: [String: Money] = [:]
        for item in items {
            byCenter[item.costCenter, default: .zero] += item.cost ?? .zero
            bySubscription[item.costCenter + "|" + item.subscription, default: .zero] += item.cost ?? .zero
        }
        let exactTotal = byCenter.values.reduce(Money.zero, +)
        let totalUnits = exactTotal.rounded(decimals: decimals)
        let centers = byCenter.keys.sorted()
        let centerUnits = Dictionary(uniqueKeysWithValues: zip(centers, Apportion.parts(centers.map { byCenter[$0] ?? .zero }, into: totalUnits, decimals: decimals)))
        var subscriptionUnits: [String: Int128] = [:]
        for center in centers {
            let keys = bySubscription.keys.filter { $0.hasPrefix(center + "|") }.sorted()
            let parts = Apportion.parts(keys.map { bySubscription[$0] ?? .zero }, into: centerUnits[center] ?? 0, decimals: decimals)
            for (key, units) in zip(keys, parts) { subscriptionUnits[key] = units }
        }
        var lineUnits: [Int128?] = Array(repeating: nil, count: items.count)
        let grouped = Dictionary(grouping: items.indices.filter { items[$0].cost != nil }) { items[$0].costCenter + "|" + items[$0].subscription }
        for (key, indices) in grouped {
            let parts = Apportion.parts(indices.map { items[$0].cost ?? .zero }, into: subscriptionUnits[key] ?? 0, decimals: decimals)
            for (index, units) in zip(indices, parts) { lineUnits[index] = units }
        }
        total = Apportion.money(units: totalUnits, decimals: decimals)
        costCenters = centerUnits.mapValues { Apportion.money(units: $0, decimals: decimals) }
        subscriptions = subscriptionUnits.mapValues { Apportion.money(units: $0, decimals: decimals) }
        lines = lineUnits.map { $0.map { Apportion.money(units: $0, decimals: decimals) } }
    }

    /// A subscription's rounded total.
    public func subscription(_ costCenter: String, _ subscription: String) -> Money {
        subscriptions[costCenter + "|" + subscription] ?? .zero
    }
}

extension Apportion {
    /// `total` picos shared in proportion to `weights`, exactly (`share(units:by:)`); nil when the
    /// weights are not positive.
    public static func share(_ total: Money, by weights: [Int64]) -> [Money]? {
        share(units: total.picos, by: weights)?.map { Money(picos: $0) }
    }

    /// Whole units shared in proportion to `weights`, exactly: each share is its exact part rounded
    /// toward zero, and the units left go one each to the largest remainders (ties to the earlier
    /// weight). The shares add up to `total`; nil when the weights are not positive or too large.
    public static func share(units total: Int128, by weights: [Int64]) -> [Int128]? {
        let sum = weights.reduce(Int128(0)) { $0 + Int128($1) }
        guard sum > 0, weights.allSatisfy({ $0 >= 0 }) else { return nil }
        let magnitude = total.magnitude
        guard magnitude <= UInt128(Int128.max) / UInt128(sum) else { return nil }
        let whole = Int128(magnitude)
        var shares = weights.map { whole * Int128($0) / sum }
        var left = whole - shares.reduce(0, +)
        let order = weights.indices.sorted { first, second in
            let a = whole * Int128(weights[first]) % sum, b = whole * Int128(weights[second]) % sum
            return a != b ? a > b : first < second
        }
        for index in order where left > 0 {
            shares[index] += 1
            left -= 1
        }
        return shares.map { total < 0 ? -$0 : $0 }
    }
}
