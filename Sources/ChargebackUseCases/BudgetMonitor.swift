import ChargebackCore
import CivilCalendar

/// Budgets against live spend, counted as the reports count it: a closed UTC day from its snapshot
/// (the revision the reports show), every other hour from the hourly counters priced with the same
/// `Pricer`; and the alerts that follow (thresholds, forecast, cost anomaly, ingest error rate).
/// Reading snapshots keeps a check cheap late in the month: one read per closed day instead of 24.
public struct BudgetMonitor: Sendable {
    let book: BudgetBook
    let reader: any CounterSource
    let store: any SnapshotRepository
    let health: any IngestHealthSource
    let alerts: any EvaluationMarkers
    let zone: ZoneRules

    /// `zone` is the book's `timeZone`, resolved by the caller (the app reads TZif files).
    public init(book: BudgetBook, zone: ZoneRules, reader: any CounterSource, store: any SnapshotRepository, health: any IngestHealthSource,
                alerts: any EvaluationMarkers) {
        self.book = book
        self.reader = reader
        self.store = store
        self.health = health
        self.alerts = alerts
        self.zone = zone
    }

    func offset(_ seconds: Int64) -> Int { zone.offset(atSecondsSinceEpoch: seconds) }

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
        let spend = try await monthToDate(period: period, now: now, pricer: pricer)
        return wanted.map { budget in
            let amount = (budget.scope == .subscription ? spend.subscriptions : spend.costCenters)[budget.target] ?? .zero
            return book.evaluator.evaluate(budget, spend: amount, period: period, now: seconds)
        }
    }

    /// What one check found: the alerts, and the evaluations to mark done once they are dispatched.
    public struct Evaluation: Sendable {
        public var candidates: [AlertCandidate]
        /// Passed to `EvaluationMarkers.markExamined` after dispatching, so the next runs skip them.
        public var examined: [String]
    }

    /// Threshold and forecast alerts of every budget, the ingest error rate of the previous and the
    /// current UTC hour, and the cost anomalies of yesterday (UTC) per subscription. Anomalies are
    /// weighed on yesterday's rolled-up snapshot, once per revision: not before the rollup has
    /// closed the day (the figure finance will see), and not again every 5 minutes.
    public func evaluate(now: UTCTimestamp, pricer: Pricer) async throws -> Evaluation {
        var evaluation = Evaluation(candidates: try await statuses(now: now, pricer: pricer).flatMap { book.evaluator.alerts(for: $0) }, examined: [])
        if let rule = book.errorRate {
            let hour = now.millisecondsSinceEpoch / 3_600_000
            for examined in [hour - 1, hour] {
                let counts = try await health.counts(hour: examined)
                if let candidate = rule.check(hour: examined, requests: counts.requests, errors: counts.errors) { evaluation.candidates.append(candidate) }
            }
        }
        let yesterday = now.day.adding(days: -1)
        if let anomaly = book.anomaly, let revision = try await store.summaries(yesterday.month)[yesterday]?.revision {
            let key = "anomaly:\(yesterday):r\(revision)"
            if try await !alerts.wasExamined(key) {
                evaluation.candidates += try await anomalies(anomaly, on: yesterday, pricer: pricer)
                evaluation.examined.append(key)
            }
        }
        return evaluation
    }

    /// Each subscription's cost on `day` against its trailing days.
    public func anomalies(_ anomaly: AnomalyDetector, on examined: CivilDay, pricer: Pricer) async throws -> [AlertCandidate] {
        var daily: [String: [(CivilDay, Money)]] = [:]
        var summaries: [CivilMonth: [CivilDay: SnapshotSummary]] = [:]
        for day in examined.adding(days: -Int64(anomaly.trailingDays)).through(examined) {
            for (subscription, cost) in try await costs(on: day, pricer: pricer, summaries: &summaries) {
                daily[subscription, default: []].append((day, cost))
            }
        }
        return daily.sorted { $0.key < $1.key }.compactMap { subscription, costs in
            anomaly.check(subscription: subscription, day: examined, dailyCosts: costs)
        }
    }

    /// Cost per subscription and per cost center from the period's start to `now`. Rolled-up UTC days
    /// wholly inside the period come from the month's snapshot aggregate (cost centers as the
    /// snapshots recorded them, as in the reports), less any rolled-up day that is not wholly inside
    /// (the first or last UTC day of a month in a zone other than UTC); every other hour comes from the
    /// hourly counters, cut at the period's start. A zone is less than a day from UTC, so every UTC day
    /// wholly inside the period is in the UTC month named like it.
    func monthToDate(period: BudgetPeriod, now: UTCTimestamp, pricer: Pricer) async throws -> (subscriptions: [String: Money], costCenters: [String: Money]) {
        let (summaries, aggregate) = try await store.month(period.month)
        var fromSnapshots = Set<CivilDay>()
        var outside: [(CivilDay, Int)] = []
        for (day, summary) in summaries {
            let start = day.daysSinceEpoch * 86_400
            if day < now.day, start >= period.startSeconds, start + 86_400 <= period.endSeconds {
                fromSnapshots.insert(day)
            } else {
                outside.append((day, summary.revision))
            }
        }
        var final: [ChargeLine] = []
        if !fromSnapshots.isEmpty {
            final = aggregate
            for (day, revision) in outside {
                final += try await store.lines(day, revision: revision).map { ChargeLine(key: $0.key, quantity: -$0.quantity) }
            }
            final = final.merged()
        }
        // The counters' hours from the period's start: the hour a local month starts in is its first.
        // Provisioned hours likewise, and none still to come.
        var live: [ChargeLine] = []
        var unpriced = Set<Unpriced>()
        let hours = Self.floorDivide(period.startSeconds, 3600)..<(Self.floorDivide(now.millisecondsSinceEpoch, 3_600_000) + 1)
        for day in CivilDay(daysSinceEpoch: Self.floorDivide(period.startSeconds, 86_400)).through(now.day) where !fromSnapshots.contains(day) {
            live += try await reader.usage(on: day, only: nil).filter { $0.hour * 3600 >= period.startSeconds }
                .chargeLines(on: day, pricer: pricer, unpriced: &unpriced, hours: hours)
        }
        let lines = final + live
        return (Self.costs(lines, by: \.subscription), Self.costs(lines, by: \.costCenter))
    }

    /// The exact cost of the priced lines per `key` (subscription or cost center).
    static func costs(_ lines: [ChargeLine], by key: KeyPath<ChargeKey, String>) -> [String: Money] {
        var costs: [String: Money] = [:]
        for line in lines {
            if let cost = line.cost { costs[line.key[keyPath: key]] = (costs[line.key[keyPath: key]] ?? .zero) + cost }
        }
        return costs
    }

    /// Cost per subscription of one UTC day: its snapshot when rolled up, else its hourly counters.
    func costs(on day: CivilDay, pricer: Pricer, summaries: inout [CivilMonth: [CivilDay: SnapshotSummary]]) async throws -> [String: Money] {
        if let lines = try await snapshotLines(day, summaries: &summaries) { return Self.costs(lines, by: \.subscription) }
        var unpriced = Set<Unpriced>()
        return Self.costs(try await reader.usage(on: day, only: nil).chargeLines(on: day, pricer: pricer, unpriced: &unpriced), by: \.subscription)
    }

    /// The lines of `day`'s latest snapshot revision, or nil when the day is not rolled up.
    func snapshotLines(_ day: CivilDay, summaries: inout [CivilMonth: [CivilDay: SnapshotSummary]]) async throws -> [ChargeLine]? {
        if summaries[day.month] == nil { summaries[day.month] = try await store.summaries(day.month) }
        guard let summary = summaries[day.month]?[day] else { return nil }
        return try await store.lines(day, revision: summary.revision)
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    }
}
