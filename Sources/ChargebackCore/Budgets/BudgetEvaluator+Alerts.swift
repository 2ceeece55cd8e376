extension BudgetEvaluator {
    /// One candidate per threshold reached and one for a forecast over its threshold. Both kinds can
    /// fire in the same month; each has its own once-key, so each goes out once per period.
    public func alerts(for status: BudgetStatus) -> [AlertCandidate] {
        var alerts = status.crossedThresholds.map { thresholdAlert(status, threshold: $0) }
        if status.isForecastOver, let forecast = status.forecast, let forecastPercent = status.forecastPercent,
           let threshold = status.budget.forecastThreshold {
            alerts.append(forecastAlert(status, forecast: forecast, forecastPercent: forecastPercent, threshold: threshold))
        }
        return alerts
    }

    /// `budget:<budget id>:<period id>:<event>`, the event being `threshold-<n>` or `forecast`.
    public static func onceKey(budget: Budget, period: BudgetPeriod, event: String) -> String {
        "budget:\(budget.id):\(period.id):\(event)"
    }

    private func thresholdAlert(_ status: BudgetStatus, threshold: Int) -> AlertCandidate {
        let budget = status.budget
        var summary = "Spend of \(budget.scopeLabel) '\(budget.target)' in \(status.period.id) is \(amount(status.spend)), "
            + "\(status.percent) % of its \(amount(status.amount)) monthly budget."
        if status.isOverHardLimit { summary += " The budget is a hard limit and it is reached." }
        let alert = Alert(kind: .budgetThreshold, severity: Alert.Severity(threshold: threshold),
                          title: "Budget '\(budget.id)' at \(status.percent) % (threshold \(threshold) %)", summary: summary,
                          facts: facts(status, threshold: threshold),
                          onceKey: Self.onceKey(budget: budget, period: status.period, event: "threshold-\(threshold)"))
        return AlertCandidate(alert: alert, channels: budget.channels)
    }

    private func forecastAlert(_ status: BudgetStatus, forecast: Money, forecastPercent: String, threshold: Int) -> AlertCandidate {
        let budget = status.budget
        let summary = "At this month's pace, spend of \(budget.scopeLabel) '\(budget.target)' would reach \(amount(forecast)) "
            + "by the end of \(status.period.id), \(forecastPercent) % of its \(amount(status.amount)) monthly budget "
            + "(\(amount(status.spend)) so far)."
        let alert = Alert(kind: .budgetForecast, severity: .warning,
                          title: "Budget '\(budget.id)' forecast at \(forecastPercent) % (threshold \(threshold) %)", summary: summary,
                          facts: facts(status, threshold: threshold),
                          onceKey: Self.onceKey(budget: budget, period: status.period, event: "forecast"))
        return AlertCandidate(alert: alert, channels: budget.channels)
    }

    private func facts(_ status: BudgetStatus, threshold: Int) -> [Alert.Fact] {
        let budget = status.budget
        var facts = [
            Alert.Fact(key: "budget", label: "Budget", value: budget.id),
            Alert.Fact(key: "scope", label: "Scope", value: budget.scope.rawValue),
            Alert.Fact(key: "target", label: "Target", value: budget.target),
            Alert.Fact(key: "period", label: "Period", value: status.period.id),
            Alert.Fact(key: "spend", label: "Spend", value: amount(status.spend)),
            Alert.Fact(key: "budgetAmount", label: "Budget amount", value: amount(status.amount)),
            Alert.Fact(key: "percent", label: "Percent", value: "\(status.percent) %"),
            Alert.Fact(key: "threshold", label: "Threshold", value: "\(threshold) %"),
        ]
        if let forecast = status.forecast, let forecastPercent = status.forecastPercent {
            facts.append(Alert.Fact(key: "forecast", label: "Forecast", value: amount(forecast)))
            facts.append(Alert.Fact(key: "forecastPercent", label: "Forecast percent", value: "\(forecastPercent) %"))
        }
        if budget.isHardLimit {
            facts.append(Alert.Fact(key: "hardLimit", label: "Hard limit", value: status.isOverHardLimit ? "reached" : "not reached"))
        }
        facts.append(Alert.Fact(key: "currency", label: "Currency", value: currency))
        return facts
    }

    private func amount(_ money: Money) -> String { Alert.amountText(money, currency: currency) }
}
