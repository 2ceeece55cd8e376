/// Where a budget stands at an instant of its month: spend against the amount, the linear
/// month-end forecast, and which thresholds are reached. Percentages are exact ratios of picos,
/// written with one decimal (half to even); every comparison is made on the exact values.
public struct BudgetStatus: Sendable, Hashable {
    /// The budget weighed.
    public var budget: Budget
    /// The month it was weighed in.
    public var period: BudgetPeriod
    /// Month-to-date spend.
    public var spend: Money
    /// Spend as a percentage of the budget's amount, one decimal: `82.4`.
    public var percent: String
    /// Spend ÷ elapsed share of the month; nil in the month's first hour, too early to extrapolate.
    public var forecast: Money?
    /// The forecast as a percentage of the amount, one decimal; nil with `forecast`.
    public var forecastPercent: String?
    /// The budget's thresholds that spend has reached, ascending.
    public var crossedThresholds: [Int]
    /// True when the forecast reaches the budget's forecast threshold.
    public var isForecastOver: Bool
    /// True when the budget is a hard limit and spend has reached its amount.
    public var isOverHardLimit: Bool

    /// A status from its parts; `BudgetEvaluator.evaluate` computes them.
    public init(budget: Budget, period: BudgetPeriod, spend: Money, percent: String, forecast: Money?, forecastPercent: String?,
                crossedThresholds: [Int], isForecastOver: Bool, isOverHardLimit: Bool) {
        self.budget = budget
        self.period = period
        self.spend = spend
        self.percent = percent
        self.forecast = forecast
        self.forecastPercent = forecastPercent
        self.crossedThresholds = crossedThresholds
        self.isForecastOver = isForecastOver
        self.isOverHardLimit = isOverHardLimit
    }

    /// The budget's monthly amount.
    public var amount: Money { budget.monthlyAmount }
}
