/// The budgets, anomaly and error-rate rules, and alert channels of `config/budgets.json`
/// (read and validated by `BudgetBook.load`). Months are calendar months in `timeZone`.
public struct BudgetBook: Sendable, Hashable {
    /// An IANA zone name (`Europe/Paris`), kept as text: the application resolves it and hands the
    /// domain an offset function, so the domain needs no time-zone data.
    public var timeZone: String
    /// ISO 4217 code; must be the price book's (`validate(against:costCenters:)`).
    public var currency: String
    /// The budgets in file order.
    public var budgets: [Budget]
    /// The cost-anomaly rule, if configured.
    public var anomaly: AnomalyDetector?
    /// The error-rate rule, if configured.
    public var errorRate: ErrorRateCheck?
    /// The channels alerts can go to, in file order.
    public var channels: [AlertChannel]

    /// A book from its parts (validated by `BudgetBook.load`, not here).
    public init(timeZone: String = "UTC", currency: String, budgets: [Budget], anomaly: AnomalyDetector? = nil,
                errorRate: ErrorRateCheck? = nil, channels: [AlertChannel]) {
        self.timeZone = timeZone
        self.currency = currency
        self.budgets = budgets
        self.anomaly = anomaly
        self.errorRate = errorRate
        self.channels = channels
    }

    /// An evaluator showing amounts in the book's currency.
    public var evaluator: BudgetEvaluator { BudgetEvaluator(currency: currency) }

    /// The channel with `id`, if any.
    public func channel(id: String) -> AlertChannel? {
        channels.first { $0.id == id }
    }

    /// Checks the book against the other configuration files: the same currency as the price book,
    /// and cost-center budgets naming cost centers that exist (or `unassigned`).
    public func validate(against priceBook: PriceBook, costCenters: CostCenters) throws(ConfigurationFileError) {
        guard currency == priceBook.currency else {
            throw ConfigurationFileError("budget book: currency '\(currency)' differs from the price book's '\(priceBook.currency)'")
        }
        for (position, budget) in budgets.enumerated() where budget.scope == .costCenter {
            guard budget.target == CostCenters.unassigned || costCenters.centers[budget.target] != nil else {
                throw ConfigurationFileError("budget book: budgets[\(position)] ('\(budget.id)'): target '\(budget.target)' is not a cost center of the cost-center file")
            }
        }
    }
}
