extension Reconciliation.Outcome {
    /// The alert a drift above `threshold` percent raises: once per account, period and drift (a
    /// reconciliation run again on the same export does not send it twice).
    public func driftAlert(account: String, currency: String, threshold: Double) -> Alert {
        let days = comparisons.map(\.key.day)
        let period = days.min().map { first in "\(first)…\(days.max() ?? first)" } ?? "no days"
        let name = account.split(separator: "/").last.map(String.init) ?? account
        let percent = (driftPercent * 100).rounded() / 100
        return Alert(
            kind: .reconciliationDrift, severity: .warning,
            title: "Invoice drift \(percent) % on \(name), \(period) (threshold \(threshold) %)",
            summary: "Azure billed \(invoiceTotal.text(decimals: 2)) \(currency) for \(name) on \(period); the ledger counted "
                + "\(ledgerTotal.text(decimals: 2)) \(currency). \(trueUps.count) true-up lines share the difference.",
            facts: [
                Alert.Fact(key: "account", label: "Azure OpenAI account", value: name),
                Alert.Fact(key: "period", label: "Period", value: period),
                Alert.Fact(key: "invoiceCost", label: "Invoice", value: "\(invoiceTotal.exactText) \(currency)"),
                Alert.Fact(key: "ledgerCost", label: "Ledger", value: "\(ledgerTotal.exactText) \(currency)"),
                Alert.Fact(key: "drift", label: "Drift", value: "\(drift.exactText) \(currency) (\(percent) %)"),
                Alert.Fact(key: "trueUpLines", label: "True-up lines", value: String(trueUps.count)),
            ],
            onceKey: "reconcile:\(name):\(period):\(drift.exactText)")
    }
}
