extension Reconciliation.Outcome {
    /// The comparison as a plain-text table, a line per compared key, then the totals; amounts
    /// exact (no rounding: the point is to see the difference).
    public func text(currency: String, tolerance: Money) -> String {
        var out = ["day", "model", "type", "meter", "ledger qty", "invoice qty", "ledger cost", "invoice cost", "difference", "status"]
            .joined(separator: "\t") + "\n"
        for comparison in comparisons {
            let key = comparison.key
            let status = comparison.reason?.rawValue ?? "matched"
            let unpriced = comparison.unpricedLines > 0 ? " (\(comparison.unpricedLines) unpriced)" : ""
            out += [
                "\(key.day)", key.model.isEmpty ? "-" : key.model, key.deploymentType.isEmpty ? "-" : key.deploymentType, key.meter,
                key.meter == BillingMeter.provisioned.name ? Money(picos: comparison.ledgerQuantity * 1_000_000).exactText + " h" : String(comparison.ledgerQuantity),
                comparison.invoiceQuantity.map { String($0) } ?? "?", comparison.ledgerCost.exactText + unpriced,
                comparison.invoiceCost.exactText, comparison.difference.exactText, status,
            ].joined(separator: "\t") + "\n"
        }
        let beyond = comparisons.count { $0.reason != nil }
        let percent = (driftPercent * 100).rounded() / 100
        out += "invoice \(invoiceTotal.exactText) \(currency), ledger \(ledgerTotal.exactText) \(currency): "
            + "\(beyond) of \(comparisons.count) keys differ by more than \(tolerance.exactText) \(currency), drift \(drift.exactText) \(currency) (\(percent)%); "
            + "\(trueUps.count) true-up lines adding up to \(trueUps.reduce(Money.zero) { $0 + $1.amount }.exactText) \(currency)\n"
        return out
    }
}
