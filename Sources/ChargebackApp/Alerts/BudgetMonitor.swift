import ChargebackCore
import ChargebackRedis
import CivilCalendar
import Foundation

/// Budgets against live spend: month-to-date cost per subscription and cost center in the budget
/// book's zone, from the hourly counters with the same `Pricer` as the reports (provisional days
/// included), and the alerts that follow (thresholds, forecast, cost anomaly).
public struct BudgetMonitor: Sendable {
    let book: BudgetBook
    let reader: LedgerReader
    let zone: TimeZone

    public init(book: BudgetBook, reader: LedgerReader) throws(ConfigurationFileError) {
        guard let zone = TimeZone(identifier: book.timeZone) else {
            throw ConfigurationFileError("budgets: timeZone '\(book.timeZone)' is not an IANA time zone such as Europe/Paris")
        }
        self.book = book
        self.reader = reader
        self.zone = zone
    }

    func offset(_ seconds: Int64) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))) }

    /// The status of every budget at `now` (optionally only those of one subscription or cost center).
    public func statuses(now: UTCTimestamp, pricer: Pricer, subscription: String? = nil, costCenter: String? = nil) async throws -> [BudgetStatus] {
        let seconds = now.millisecondsSinceEpoch / 1000
        let period = BudgetPeriod.containing(seconds, offsetSeconds: offset)
        let wanted = book.budgets.filter { budget in
            switch budget.scope {
            case .subscription: return subscription.map { $0 == budget.target } ?? (costCenter == nil)
            case .costCenter:
                if let subscription { return pricer.costCenters.costCenter(of: subscription) == budget.target }
                return costCenter.map { $0 == budget.target } ?? true
            }
        }
        guard !wanted.isEmpty else { return [] }
        let firstLocalDay = CivilDay(year: period.month.year, month: period.month.month, day: 1) ?? now.day
        let usage = try await hourly(from: firstLocalDay.adding(days: -1), to: now.day)
        let bySubscription = summary(usage, from: firstLocalDay, to: now.day, groupBy: .subscription, pricer: pricer)
        let byCostCenter = summary(usage, from: firstLocalDay, to: now.day, groupBy: .costCenter, pricer: pricer)
        return wanted.map { budget in
            let spend = (budget.scope == .subscription ? bySubscription : byCostCenter)[budget.target] ?? .zero
            return book.evaluator.evaluate(budget, spend: spend, period: period, now: seconds)
        }
    }

    /// Threshold and forecast alerts of every budget, and anomalies of yesterday (UTC) per subscription.
    public func candidates(now: UTCTimestamp, pricer: Pricer) async throws -> [AlertCandidate] {
        var candidates = try await statuses(now: now, pricer: pricer).flatMap { book.evaluator.alerts(for: $0) }
        if let anomaly = book.anomaly {
            let examined = now.day.adding(days: -1)
            let first = examined.adding(days: -Int64(anomaly.trailingDays))
            let usage = try await hourly(from: first, to: examined)
            var daily: [String: [(CivilDay, Money)]] = [:]
            for day in first.through(examined) {
                let costs = summary(usage, from: day, to: day, groupBy: .subscription, pricer: pricer, utc: true)
                for (subscription, cost) in costs { daily[subscription, default: []].append((day, cost)) }
            }
            for (subscription, costs) in daily.sorted(by: { $0.key < $1.key }) {
                if let candidate = anomaly.check(subscription: subscription, day: examined, dailyCosts: costs) { candidates.append(candidate) }
            }
        }
        return candidates
    }

    func hourly(from: CivilDay, to: CivilDay) async throws -> [HourlyUsage] {
        var usage: [HourlyUsage] = []
        for day in from.through(to) { usage += try await reader.usage(on: day, only: nil) }
        return usage
    }

    /// Exact cost per group over local days `from`…`to` (UTC days when `utc`).
    func summary(_ usage: [HourlyUsage], from: CivilDay, to: CivilDay, groupBy: UsageSummaryQuery.GroupBy, pricer: Pricer, utc: Bool = false) -> [String: Money] {
        let values = ["from": from.description, "to": to.description, "groupBy": groupBy.rawValue, "tz": utc ? "UTC" : book.timeZone]
        guard let query = try? UsageSummaryQuery.parse({ values[$0] }, today: to) else { return [:] }
        let result = UsageSummary(query: query, usage: usage, pricer: pricer) { utc ? 0 : offset($0) }
        return Dictionary(result.groups.map { ($0.key, $0.money) }, uniquingKeysWith: +)
    }
}
