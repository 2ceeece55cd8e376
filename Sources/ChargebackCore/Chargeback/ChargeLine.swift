/// What a chargeback line is about, without its quantity: lines with equal keys add up.
public struct ChargeKey: Sendable, Hashable {
    public var costCenter: String
    public var subscription: String
    public var deployment: String
    /// The deployment's model from the price book; empty when the deployment is not in it.
    public var model: String
    /// `BillingMeter.name`.
    public var meter: String
    public var unit: PricingUnit
    /// The price that priced the line; nil for an unpriced line (cost unknown, never zero).
    public var price: LinePrice?

    public init(costCenter: String, subscription: String, deployment: String, model: String, meter: String, unit: PricingUnit, price: LinePrice?) {
        self.costCenter = costCenter
        self.subscription = subscription
        self.deployment = deployment
        self.model = model
        self.meter = meter
        self.unit = unit
        self.price = price
    }

    /// The key without its price: what was used, whatever it cost.
    public var usage: ChargeKey {
        var key = self
        key.price = nil
        return key
    }
}

/// One chargeback line: a quantity of one meter, with its exact cost when priced.
public struct ChargeLine: Sendable, Hashable {
    public var key: ChargeKey
    /// Tokens, images, milliseconds or characters (`key.unit.consumedUnit`).
    public var quantity: Int64

    public init(key: ChargeKey, quantity: Int64) {
        self.key = key
        self.quantity = quantity
    }

    /// quantity × unit price, exactly; nil when unpriced.
    public var cost: Money? { key.price.map { $0.unit.cost(quantity: quantity, micros: $0.micros) } }
}

extension Array where Element == ChargeLine {
    /// Lines with equal keys added up, zero quantities dropped (in no particular order: sort for display).
    public func merged() -> [ChargeLine] {
        var totals: [ChargeKey: Int64] = [:]
        totals.reserveCapacity(count)
        for line in self { totals[line.key, default: 0] += line.quantity }
        return totals.compactMap { $0.value == 0 ? nil : ChargeLine(key: $0.key, quantity: $0.value) }
    }

    /// The exact sum of the priced lines' costs.
    public var pricedCost: Money { reduce(Money.zero) { $0 + ($1.cost ?? .zero) } }

    /// How many lines have no price.
    public var unpricedCount: Int { count { $0.key.price == nil } }
}

extension ChargeLine {
    /// Display order: cost center, subscription, deployment, meter, price version, price.
    public static func order(_ lhs: ChargeLine, _ rhs: ChargeLine) -> Bool { ChargeKey.precedes(lhs.key, rhs.key) }
}

extension ChargeKey {
    /// Display order, compared field by field without copying (reports sort tens of thousands of lines).
    public static func precedes(_ left: ChargeKey, _ right: ChargeKey) -> Bool {
        if left.costCenter != right.costCenter { return left.costCenter < right.costCenter }
        if left.subscription != right.subscription { return left.subscription < right.subscription }
        if left.deployment != right.deployment { return left.deployment < right.deployment }
        if left.meter != right.meter { return left.meter < right.meter }
        switch (left.price, right.price) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case let (.some(a), .some(b)): return a.version != b.version ? a.version < b.version : a.micros < b.micros
        }
    }
}
