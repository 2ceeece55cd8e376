import ChargebackApp
import ChargebackCore
import ChargebackRedis
import CivilCalendar
import FoundationEssentials
import Logging
import RedisClient
import ChargebackUseCases

/// `money-bench REDIS_URL PRICE_BOOK [SUBSCRIPTIONS] [DEPLOYMENTS]`: fills a month of hourly counters
/// (every subscription on every deployment, every day), then times the rollup of each day and the
/// month's chargeback report (built and rendered as JSON) and a budget check late in the month (one
/// budget per subscription), as `scripts/bench` prints them.
@main
struct MoneyBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3, let endpoint = try? RedisEndpoint.parse(arguments[1]),
              let bookBytes = FileManager.default.contents(atPath: arguments[2]) else {
            print("usage: money-bench REDIS_URL PRICE_BOOK [SUBSCRIPTIONS] [DEPLOYMENTS]")
            return
        }
        let subscriptions = arguments.count > 3 ? Int(arguments[3]) ?? 1000 : 1000
        let book = try PriceBook.load(json: Array(bookBytes))
        let deployments = Array(book.deployments.keys.sorted().prefix(arguments.count > 4 ? Int(arguments[4]) ?? 10 : 10))
        let redis = RedisPool(endpoint: endpoint, size: 8, timeoutMilliseconds: 10_000)
        guard let month = CivilMonth.parse("2025-09") else { return }
        let days = month.firstDay.through(month.lastDay)
        // MONEY_BENCH_REPORT_ONLY=1 reuses a month already filled and rolled up (for profiling the report).
        let reportOnly = ProcessInfo.processInfo.environment["MONEY_BENCH_REPORT_ONLY"] == "1"
        let fillStart = ContinuousClock.now
        if !reportOnly { try await fill(redis, days: days, subscriptions: subscriptions, deployments: deployments) }
        print("filled \(days.count) days × \(subscriptions) subscriptions × \(deployments.count) deployments in \(milliseconds(since: fillStart)) ms")

        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let pricer = Pricer(book: book, costCenters: CostCenters())
        let reader = LedgerReader(redis: redis)
        let store = SnapshotStore(redis: redis)
        let rollup = Rollup(counters: reader, store: store, pricer: pricer, logger: logger)
        let now = UTCTimestamp(millisecondsSinceEpoch: month.lastDay.adding(days: 2).startSecondsSinceEpoch * 1000)
        var rollupTimes: [Double] = []
        var lines = 0
        for day in days where !reportOnly {
            let start = ContinuousClock.now
            let result = try await rollup.run(day, reprice: false, now: now)
            rollupTimes.append(milliseconds(since: start))
            lines = result.summary?.lines ?? lines
        }
        print("rollup, 1 day × \(subscriptions) subscriptions × \(deployments.count) deployments (\(lines) lines): median \(median(rollupTimes)) ms, max \(rollupTimes.max() ?? 0) ms over \(days.count) days")

        let source = ReportSource(counters: reader, store: store, pricer: pricer)
        var reportTimes: [Double] = []
        var size = 0
        for _ in 0..<(reportOnly ? 30 : 7) {
            let start = ContinuousClock.now
            let report = try await source.report(from: month.firstDay, to: month.lastDay, now: now, costCenter: nil, perDay: false)
            size = ReportJSON.render(report).count
            reportTimes.append(milliseconds(since: start))
        }
        if ProcessInfo.processInfo.environment["MONEY_BENCH_BREAKDOWN"] == "1" {
            // Where a report's time goes (one cold run each).
            var start = ContinuousClock.now
            let lines = try await store.monthLines(month)
            print("  breakdown: month aggregate read and parsed: \(milliseconds(since: start)) ms (\(lines.count) lines)")
            start = ContinuousClock.now
            let report = try await source.report(from: month.firstDay, to: month.lastDay, now: now, costCenter: nil, perDay: false)
            print("  breakdown: report assembled (read included): \(milliseconds(since: start)) ms")
            start = ContinuousClock.now
            _ = ReportJSON.render(report)
            print("  breakdown: JSON rendered: \(milliseconds(since: start)) ms")
        }
        print("month report (JSON), \(subscriptions) subscriptions, \(days.count) final days: median \(median(reportTimes)) ms (\(size / 1024) KiB)")

        // budget-check's spend on the month's last day at noon: the closed days from their snapshots, today from counters.
        guard let amount = Money(exactText: "1000") else { return }
        let budgets = (0..<subscriptions).map { index in
            Budget(id: "b\(index)", scope: .subscription, target: "bench-sub-\(index)", monthlyAmount: amount, channels: [])
        }
        let anomaly = AnomalyDetector(factorMicros: 3_000_000, trailingDays: 14, minimumDailyCost: amount, channels: [], currency: book.currency)
        let monitor = try BudgetMonitor(book: BudgetBook(currency: book.currency, budgets: budgets, anomaly: anomaly, channels: []), reader: reader,
                                        store: store, health: IngestHealthStore(redis: redis), alerts: AlertLedger(redis: redis))
        let lateInMonth = UTCTimestamp(millisecondsSinceEpoch: (month.lastDay.startSecondsSinceEpoch + 12 * 3600) * 1000)
        var spendTimes: [Double] = [], checkTimes: [Double] = []
        var evaluated = 0
        for _ in 0..<5 {
            var start = ContinuousClock.now
            evaluated = try await monitor.statuses(now: lateInMonth, pricer: pricer).count
            spendTimes.append(milliseconds(since: start))
            start = ContinuousClock.now
            _ = try await monitor.anomalies(anomaly, on: month.lastDay.adding(days: -1), pricer: pricer)
            checkTimes.append(milliseconds(since: start))
        }
        print("budget check, \(evaluated) budgets on day \(days.count) of the month: median \(median(spendTimes)) ms for the spend, "
              + "\(median(checkTimes)) ms for the 14-day anomaly check of every subscription (once per day)")
        await redis.close()
    }

    /// One hour of counters per subscription and day, written with pipelined HSETs.
    static func fill(_ redis: RedisPool, days: [CivilDay], subscriptions: Int, deployments: [String]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for day in days {
                let members = (0..<subscriptions).map { "bench-sub-\($0)" }
                _ = try await redis.send(["SADD", LedgerKeys.day(day.description)] + members)
                for (index, subscription) in members.enumerated() {
                    var command = ["HSET", LedgerKeys.hour(subscription: subscription, hour: "\(day)T10")]
                    for deployment in deployments {
                        command += ["\(deployment)|requests", "\(10 + index % 7)", "\(deployment)|inputTokens", "\(12_000 + index)",
                                    "\(deployment)|cachedInputTokens", "\(2_048 + index % 100)", "\(deployment)|outputTokens", "\(3_000 + index % 50)"]
                    }
                    if inFlight >= 64 {
                        try await group.next()
                        inFlight -= 1
                    }
                    group.addTask { _ = try await redis.send(command) }
                    inFlight += 1
                }
            }
            try await group.waitForAll()
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return (Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15).rounded()
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
