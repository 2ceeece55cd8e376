import CivilCalendar

/// Flags a subscription day that cost far more than usual: more than `factor` × the median of the
/// `trailingDays` closed days before it (a day without usage counts as 0), and at least
/// `minimumDailyCost`, so cents on a quiet subscription stay quiet, and only once the subscription has
/// cost something on `minimumHistoryDays` of those days: a new team's first busy days are not an
/// anomaly (against a median of 0 every first day would be). Exact: no median is rounded.
public struct AnomalyDetector: Sendable, Hashable {
    /// The factor in millionths: `"3"` → 3_000_000, `"2.5"` → 2_500_000. Above 1.
    public var factorMicros: Int64
    /// Days before the examined one that make the median (3…60).
    public var trailingDays: Int
    /// Days costing less never alert, however far above the median.
    public var minimumDailyCost: Money
    /// Trailing days that must have had a cost before a day can be anomalous (0…`trailingDays`).
    public var minimumHistoryDays: Int
    /// Ids of the channels anomaly alerts go to.
    public var channels: [String]
    /// The budget book's currency, shown with every amount.
    public var currency: String

    /// A rule as the budget book's `anomaly` section sets it (validated by `BudgetBook.load`, not here).
    public init(factorMicros: Int64, trailingDays: Int, minimumDailyCost: Money, minimumHistoryDays: Int = 0, channels: [String], currency: String) {
        self.factorMicros = factorMicros
        self.trailingDays = trailingDays
        self.minimumDailyCost = minimumDailyCost
        self.minimumHistoryDays = minimumHistoryDays
        self.channels = channels
        self.currency = currency
    }

    /// `anomaly:<subscription>:<day>`.
    public static func onceKey(subscription: String, day: CivilDay) -> String { "anomaly:\(subscription):\(day)" }

    /// A candidate when `subscription`'s cost on `day` is anomalous. `dailyCosts` holds its closed
    /// days' costs (normally `day` and the `trailingDays` before it); days outside that window are
    /// ignored, days missing from it cost 0, and a day listed twice counts its sum.
    public func check(subscription: String, day: CivilDay, dailyCosts: [(CivilDay, Money)]) -> AlertCandidate? {
        var byDay: [CivilDay: Int128] = [:]
        for (entryDay, entryCost) in dailyCosts { byDay[entryDay, default: 0] += entryCost.picos }
        let cost = byDay[day] ?? 0
        guard trailingDays > 0, cost >= minimumDailyCost.picos else { return nil }
        let trailing = (1...Int64(trailingDays)).map { byDay[day.adding(days: -$0)] ?? 0 }.sorted()
        guard trailing.count(where: { $0 > 0 }) >= minimumHistoryDays else { return nil }
        let middle = trailing.count / 2
        // Twice the median, so an even count's mean of the two middle values stays a whole number of picos.
        let twiceMedian = trailing.count % 2 == 1 ? 2 * trailing[middle] : trailing[middle - 1] + trailing[middle]
        // cost > factor × median  ⇔  2 × cost × 10⁶ > factorMicros × 2 × median.
        guard ExactRatio.product(cost, 2_000_000) > ExactRatio.product(Int128(factorMicros), twiceMedian) else { return nil }
        return candidate(subscription: subscription, day: day, cost: Money(picos: cost), twiceMedian: twiceMedian)
    }

    private func candidate(subscription: String, day: CivilDay, cost: Money, twiceMedian: Int128) -> AlertCandidate {
        let median = Money(picos: ExactRatio.roundedQuotient(twiceMedian, 2))
        let factor = ExactRatio.microsText(Int128(factorMicros))
        let costText = Alert.amountText(cost, currency: currency)
        let medianText = Alert.amountText(median, currency: currency)
        var facts = [
            Alert.Fact(key: "subscription", label: "Subscription", value: subscription),
            Alert.Fact(key: "day", label: "Day", value: day.description),
            Alert.Fact(key: "cost", label: "Cost", value: costText),
            Alert.Fact(key: "median", label: "Trailing median", value: medianText),
            Alert.Fact(key: "trailingDays", label: "Trailing days", value: String(trailingDays)),
            Alert.Fact(key: "factor", label: "Factor", value: "\(factor) ×"),
        ]
        if twiceMedian > 0 {
            let ratio = ExactRatio.tenthsText(ExactRatio.roundedQuotient(ExactRatio.product(cost.picos, 20), twiceMedian))
            facts.append(Alert.Fact(key: "ratioToMedian", label: "Ratio to median", value: "\(ratio) ×"))
        }
        facts.append(Alert.Fact(key: "currency", label: "Currency", value: currency))
        let alert = Alert(
            kind: .costAnomaly, severity: .warning, title: "Cost anomaly on '\(subscription)': \(costText) on \(day)",
            summary: "Subscription '\(subscription)' cost \(costText) on \(day), more than \(factor) × the median of its "
                + "\(trailingDays) previous days (\(medianText)).",
            facts: facts, onceKey: Self.onceKey(subscription: subscription, day: day))
        return AlertCandidate(alert: alert, channels: channels)
    }
}
