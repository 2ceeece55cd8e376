import CivilCalendar

extension Reconciliation {
    /// The outcome: every compared key, the true-ups, and the drift.
    public struct Outcome: Sendable {
        public var comparisons: [Comparison]
        public var trueUps: [TrueUp]
        /// Σ invoice cost over the compared keys.
        public var invoiceTotal: Money
        /// Σ ledger cost over the compared keys.
        public var ledgerTotal: Money
        /// Σ |difference| over the keys beyond the tolerance.
        public var drift: Money

        /// drift ÷ invoice total, in percent (0 when the invoice is empty).
        public var driftPercent: Double {
            invoiceTotal.picos == 0 ? (drift.picos == 0 ? 0 : 100) : Double(drift.picos) / Double(invoiceTotal.picos.magnitude) * 100
        }
    }

    /// A ledger line as the comparison sees it.
    struct Share {
        var costCenter: String
        var subscription: String
        var deployment: String
        var quantity: Int64
        var isTokens: Bool
    }

    /// Compares the export's rows with the ledger's lines of the same days (`ledger` by day; days
    /// the export does not cover are not compared).
    public func compare(_ rows: [CostExport.Row], ledger: [CivilDay: [ChargeLine]], book: PriceBook, map: InvoiceMeterMap) -> Outcome {
        var invoice: [Key: (quantity: Int128?, cost: Money)] = [:]
        for row in rows {
            let target = map.target(of: row.meterName)
            let key = Key(day: row.day, model: target?.model ?? "", deploymentType: target?.deploymentType ?? "",
                          meter: target?.meter ?? "unmapped:" + row.meterName)
            let sum = invoice[key] ?? (0, .zero)
            invoice[key] = (sum.quantity.flatMap { total in row.quantity.map { total + $0 } }, sum.cost + row.cost)
        }
        var shares: [Key: [Share]] = [:]
        var priced: [Key: (cost: Money, unpriced: Int)] = [:]
        for day in Set(rows.map(\.day)) {
            for line in ledger[day] ?? [] {
                let deployment = book.deployments[line.key.deployment]
                // Azure bills reasoning tokens as output tokens; a book may price them apart.
                let meter = line.key.meter == BillingMeter.reasoning.name ? BillingMeter.output.name : line.key.meter
                let key = Key(day: day, model: deployment?.model ?? "", deploymentType: deployment?.deploymentType ?? "", meter: meter)
                shares[key, default: []].append(Share(costCenter: line.key.costCenter, subscription: line.key.subscription, deployment: line.key.deployment,
                                                      quantity: line.quantity, isTokens: line.key.unit == .millionTokens))
                let sum = priced[key] ?? (.zero, 0)
                priced[key] = (sum.cost + (line.cost ?? .zero), sum.unpriced + (line.cost == nil ? 1 : 0))
            }
        }
        var outcome = Outcome(comparisons: [], trueUps: [], invoiceTotal: .zero, ledgerTotal: .zero, drift: .zero)
        for key in Set(invoice.keys).union(shares.keys).sorted() {
            let counted = shares[key] ?? []
            let ledgerQuantity = counted.reduce(Int128(0)) { $0 + Int128($1.quantity) }
            var comparison = Comparison(key: key, ledgerQuantity: ledgerQuantity, invoiceQuantity: invoice[key]?.quantity,
                                        ledgerCost: priced[key]?.cost ?? .zero, invoiceCost: invoice[key]?.cost ?? .zero,
                                        unpricedLines: priced[key]?.unpriced ?? 0, reason: nil)
            outcome.invoiceTotal += comparison.invoiceCost
            outcome.ledgerTotal += comparison.ledgerCost
            if comparison.difference.picos.magnitude > tolerance.picos.magnitude {
                let reason = Self.reason(comparison)
                comparison.reason = reason
                outcome.drift += Money(picos: Int128(comparison.difference.picos.magnitude))
                // A PTU difference goes to the ledger's own PTU-hour lines (the owner's unused capacity
                // included) when the book shares the hours; without a `provisioned` entry, to the day's
                // tokens on deployments of that model and type.
                let sharers = reason == .provisioned && counted.isEmpty
                    ? shares.filter { $0.key.day == key.day && $0.key.model == key.model && $0.key.deploymentType == key.deploymentType }
                        .sorted { $0.key < $1.key }.flatMap(\.value).filter(\.isTokens)
                    : counted
                outcome.trueUps += allocate(comparison.difference, key: key, reason: reason, among: sharers)
            }
            outcome.comparisons.append(comparison)
        }
        return outcome
    }

    /// The difference on the lines that share it, by quantity; on the owner when none can.
    func allocate(_ amount: Money, key: Key, reason: Reason, among sharers: [Share]) -> [TrueUp] {
        guard let parts = Apportion.share(amount, by: sharers.map(\.quantity)) else {
            return [TrueUp(key: key, reason: reason, costCenter: owner, subscription: Self.outsideSubscription, deployment: "", amount: amount)]
        }
        return zip(sharers, parts).compactMap { sharer, part in
            part.picos == 0 ? nil : TrueUp(key: key, reason: reason, costCenter: sharer.costCenter, subscription: sharer.subscription,
                                           deployment: sharer.deployment, amount: part)
        }
    }

    /// Why the key differs: its meter first, then the quantities (more than 0.1% apart, or a
    /// token), then the price.
    static func reason(_ comparison: Comparison) -> Reason {
        if comparison.key.meter == "provisioned" { return .provisioned }
        if comparison.key.meter.hasPrefix("unmapped:") { return .unmappedMeter }
        guard comparison.ledgerQuantity > 0 else { return .outsideAPIM }
        guard let invoiceQuantity = comparison.invoiceQuantity else { return comparison.difference.picos > 0 ? .outsideAPIM : .overCounted }
        let gap = invoiceQuantity - comparison.ledgerQuantity
        if gap.magnitude > max(1, comparison.ledgerQuantity.magnitude / 1000) { return gap > 0 ? .outsideAPIM : .overCounted }
        return .priceDrift
    }
}
