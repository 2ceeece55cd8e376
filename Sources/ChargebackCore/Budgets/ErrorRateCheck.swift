import CivilCalendar

/// Flags an hour in which too many requests failed: errors ÷ requests above `thresholdMicros`
/// millionths, once the hour has at least `minimumRequests` requests (a few failures of a handful of
/// requests are noise). The comparison is exact integer arithmetic.
public struct ErrorRateCheck: Sendable, Hashable {
    /// The highest acceptable share of failed requests in millionths: `"0.05"` → 50_000 (1…1_000_000).
    public var thresholdMicros: Int64
    /// Hours with fewer requests never alert.
    public var minimumRequests: Int64
    /// Ids of the channels error-rate alerts go to.
    public var channels: [String]

    /// A rule as the budget book's `errorRate` section sets it (validated by `BudgetBook.load`, not here).
    public init(thresholdMicros: Int64, minimumRequests: Int64, channels: [String]) {
        self.thresholdMicros = thresholdMicros
        self.minimumRequests = minimumRequests
        self.channels = channels
    }

    /// `error-rate:<yyyy-mm-ddThh>`, the hour in UTC.
    public static func onceKey(hour: Int64) -> String { "error-rate:\(hourText(hour))" }

    /// A candidate when the UTC `hour` (hours since the epoch) with `requests` and `errors` is over the rate.
    public func check(hour: Int64, requests: Int64, errors: Int64) -> AlertCandidate? {
        guard requests >= max(minimumRequests, 1),
              ExactRatio.product(Int128(errors), 1_000_000) > ExactRatio.product(Int128(thresholdMicros), Int128(requests))
        else { return nil }
        let rate = ExactRatio.tenthsText(ExactRatio.percentTenths(Int128(errors), of: Int128(requests)))
        let threshold = ExactRatio.microsText(Int128(thresholdMicros) * 100)
        let hourText = Self.hourText(hour)
        let alert = Alert(
            kind: .errorRate, severity: .warning, title: "Error rate \(rate) % in hour \(hourText) UTC (threshold \(threshold) %)",
            summary: "\(errors) of \(requests) requests failed in the hour starting \(hourText):00 UTC, above the \(threshold) % threshold.",
            facts: [
                Alert.Fact(key: "hour", label: "Hour (UTC)", value: hourText),
                Alert.Fact(key: "requests", label: "Requests", value: String(requests)),
                Alert.Fact(key: "errors", label: "Errors", value: String(errors)),
                Alert.Fact(key: "errorRate", label: "Error rate", value: "\(rate) %"),
                Alert.Fact(key: "threshold", label: "Threshold", value: "\(threshold) %"),
            ],
            onceKey: Self.onceKey(hour: hour))
        return AlertCandidate(alert: alert, channels: channels)
    }

    /// `2026-11-30T09` for the UTC hour.
    static func hourText(_ hour: Int64) -> String {
        let day = CivilDay(daysSinceEpoch: hour >= 0 ? hour / 24 : (hour - 23) / 24)
        let hourOfDay = hour - day.daysSinceEpoch * 24
        return "\(day)T" + (hourOfDay < 10 ? "0\(hourOfDay)" : "\(hourOfDay)")
    }
}
