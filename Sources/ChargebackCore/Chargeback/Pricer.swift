import CivilCalendar

/// Turns ledger counters into priced chargeback lines with the price in force on the day. The one
/// arithmetic behind snapshots, reports and the usage summary.
public struct Pricer: Sendable {
    public let book: PriceBook
    public let costCenters: CostCenters

    public init(book: PriceBook, costCenters: CostCenters) {
        self.book = book
        self.costCenters = costCenters
    }

    /// The lines of one subscription's counters on one deployment for a UTC day; `unpriced` collects
    /// why lines have no price.
    public func lines(subscription: String, deployment: String, counters: [Counter: Int64], day: CivilDay,
                      unpriced: inout Set<Unpriced>) -> [ChargeLine] {
        // A provisioned deployment's tokens are paid for by its hours (the `provisioned` lines): priced at 0.
        let provisioning = book.provisioning(deployment: deployment, on: day)
        let set: PriceSet?
        switch book.priceSet(deployment: deployment, on: day) {
        case let .success(found): set = found
        case let .failure(reason):
            set = nil
            if provisioning == nil { unpriced.insert(reason) }
        }
        var quantities: [(BillingMeter, Int64)] = []
        for meter in BillingMeter.tokenMeters where meter != .reasoning && meter != .cacheWrite {
            quantities.append((meter, meter.counter.flatMap { counters[$0] } ?? 0))
        }
        // Cache writes are billed at the set's cache-write rate, or as input when it has none: never
        // cheaper than an uncached token, never free.
        let cacheWrites = counters[.quantity(.cacheWriteInputTokens)] ?? 0
        if cacheWrites > 0 {
            if let set, set.micros(for: .cacheWrite) != nil {
                quantities.append((.cacheWrite, cacheWrites))
            } else {
                quantities = quantities.map { $0.0 == .input ? (.input, $0.1 + cacheWrites) : $0 }
            }
        }
        // Reasoning is billed as output unless the price set has a reasoning price.
        let reasoning = counters[.quantity(.reasoningTokens)] ?? 0
        if let set, set.micros(for: .reasoning) != nil, reasoning > 0 {
            quantities = quantities.map { $0.0 == .output ? (.output, $0.1 - reasoning) : $0 }
            quantities.append((.reasoning, reasoning))
        }
        quantities.append((.audio, counters[.quantity(.audioMilliseconds)] ?? 0))
        quantities.append((.characters, counters[.quantity(.characters)] ?? 0))
        // gpt-image-1 and its kin report how many images they made, but are priced by image tokens:
        // a set with token prices for images and none per image bills them through their tokens,
        // so the count does not become a second (unpriced) line.
        let imagesBilledAsTokens = set.map { $0.imagePrices.isEmpty && $0.micros(for: .imageOutput) != nil } ?? false
        for (counter, value) in counters where !imagesBilledAsTokens {
            if case let .images(size, quality) = counter { quantities.append((.image(size: size, quality: quality), value)) }
        }
        let model = book.deployments[deployment]?.model ?? ""
        let costCenter = costCenters.costCenter(of: subscription)
        var lines: [ChargeLine] = []
        for (meter, quantity) in quantities where quantity != 0 {
            var price: LinePrice?
            if let provisioning {
                price = LinePrice(version: provisioning.version, micros: 0, unit: meter.unit)
            } else if let set {
                if let micros = set.micros(for: meter) {
                    price = LinePrice(version: set.version, micros: micros, unit: meter.unit)
                } else {
                    unpriced.insert(Unpriced("no '\(meter.name)' price in \(set.version)"))
                }
            }
            let key = ChargeKey(costCenter: costCenter, subscription: subscription, deployment: deployment, model: model, meter: meter.name,
                                unit: meter.unit, price: price)
            lines.append(ChargeLine(key: key, quantity: quantity))
        }
        return lines
    }
}
