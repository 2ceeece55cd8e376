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
    /// Lines with equal keys added up (zero quantities dropped), in a stable order.
    public func merged() -> [ChargeLine] {
        var totals: [ChargeKey: Int64] = [:]
        for line in self { totals[line.key, default: 0] += line.quantity }
        return totals.filter { $0.value != 0 }.map { ChargeLine(key: $0.key, quantity: $0.value) }.sorted(by: ChargeLine.order)
    }

    /// The exact sum of the priced lines' costs.
    public var pricedCost: Money { reduce(Money.zero) { $0 + ($1.cost ?? .zero) } }

    /// How many lines have no price.
    public var unpricedCount: Int { count { $0.key.price == nil } }
}

extension ChargeLine {
    /// Cost center, subscription, deployment, meter, price version.
    public static func order(_ lhs: ChargeLine, _ rhs: ChargeLine) -> Bool {
        let left = lhs.key, right = rhs.key
        return (left.costCenter, left.subscription, left.deployment, left.meter, left.price?.version ?? "", left.price?.micros ?? -1)
            < (right.costCenter, right.subscription, right.deployment, right.meter, right.price?.version ?? "", right.price?.micros ?? -1)
    }
}
