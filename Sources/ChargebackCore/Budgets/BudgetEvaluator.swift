/// Weighs a budget's month-to-date spend against its amount and thresholds, and turns what it
/// finds into alert candidates (`BudgetEvaluator+Alerts.swift`). Pure: `now` is a parameter.
public struct BudgetEvaluator: Sendable {
    /// The budget book's currency, shown with every amount.
    public var currency: String

    /// Elapsed time below which no forecast is made: one hour of spend says little about a month.
    public static let minimumForecastSeconds: Int64 = 3600

    /// An evaluator writing amounts in `currency` (an ISO 4217 code).
    public init(currency: String) {
        self.currency = currency
    }

    /// The status of `budget` with `spend` so far in `period`, at `now` (seconds since the epoch).
    public func evaluate(_ budget: Budget, spend: Money, period: BudgetPeriod, now: Int64) -> BudgetStatus {
        // The loader refuses amounts that are not positive; a hand-built zero must not divide by zero.
        let amount = max(budget.monthlyAmount.picos, 1)
        let spent = spend.picos
        let crossed = budget.thresholds.filter { ExactRatio.product(spent, 100) >= ExactRatio.product(Int128($0), amount) }
        let elapsed = Int128(period.elapsedSeconds(at: now))
        let length = Int128(period.lengthSeconds)
        var forecast: Money?
        var forecastPercent: String?
        var isForecastOver = false
        if elapsed >= Int128(Self.minimumForecastSeconds), elapsed > 0 {
            // forecast = spend × length ÷ elapsed; its percentage and threshold test use the unrounded ratio.
            let projected = ExactRatio.product(spent, length)
            forecast = Money(picos: ExactRatio.roundedQuotient(projected, elapsed))
            let base = ExactRatio.product(amount, elapsed)
            forecastPercent = ExactRatio.tenthsText(ExactRatio.percentTenths(projected, of: base))
            if let threshold = budget.forecastThreshold {
                isForecastOver = ExactRatio.product(projected, 100) >= ExactRatio.product(Int128(threshold), base)
            }
        }
        return BudgetStatus(budget: budget, period: period, spend: spend,
                            percent: ExactRatio.tenthsText(ExactRatio.percentTenths(spent, of: amount)),
                            forecast: forecast, forecastPercent: forecastPercent, crossedThresholds: crossed,
                            isForecastOver: isForecastOver, isOverHardLimit: budget.isHardLimit && spent >= amount)
    }
}
