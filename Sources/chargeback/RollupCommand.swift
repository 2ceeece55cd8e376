import ArgumentParser
import ChargebackApp
import ChargebackCore
import ChargebackRedis
import CivilCalendar
import FoundationEssentials
import Logging
import ChargebackUseCases

/// `chargeback rollup [--date YYYY-MM-DD] [--reprice]`: the rollup timer's work, by hand. Without
/// `--date`, rolls up every due day like the timer.
struct RollupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollup", abstract: "Roll up closed UTC days into priced chargeback snapshots (what the rollup timer does).")

    @Option(help: "One UTC day to roll up (YYYY-MM-DD); default: every due day of the catch-up window.")
    var date: String?

    @Flag(help: "Write a new revision when only prices changed (after correcting the price book).")
    var reprice = false

    func run() async throws {
        let configuration = ChargebackCommand.toolConfiguration("rollup")
        var day: CivilDay?
        if let date {
            guard let parsed = CivilDay.parse(date) else { ChargebackCommand.fail("chargeback rollup: --date '\(date)' is not a YYYY-MM-DD date", exitCode: 2) }
            day = parsed
        }
        let pricer: Pricer
        switch PricerLoader.load(configuration) {
        case let .success(loaded): pricer = loaded
        case let .failure(error): ChargebackCommand.fail("chargeback rollup: \(error)")
        }
        let now = UTCTimestamp.now
        if let day, day >= now.day {
            ChargebackCommand.fail("chargeback rollup: \(day) is not over yet (UTC); only closed days are rolled up", exitCode: 2)
        }
        let redis = ChargebackApplication.redis(configuration)
        var logger = Logger(label: "chargeback.rollup")
        logger.logLevel = .warning
        let rollup = Rollup(counters: LedgerReader(redis: redis), store: SnapshotStore(redis: redis, retentionDays: configuration.snapshotRetentionDays),
                            pricer: pricer, logger: logger, archive: ChargebackApplication.archive(configuration), focus: configuration.focus)
        do {
            let results: [Rollup.DayResult]
            if let day {
                let result = try await rollup.run(day, reprice: reprice, now: now)
                results = [result]
                var fresh: [CivilDay: Int] = [:]
                if case let .written(revision, _) = result.outcome { fresh[day] = revision }
                await rollup.archiveRecords([day], fresh: fresh)
            } else {
                results = try await rollup.runDue(now: now, graceHours: configuration.rollupGraceHours, catchUpDays: configuration.rollupCatchUpDays)
            }
            for result in results { print(RollupFunction.describe(result)) }
            await redis.close()
        } catch {
            await redis.close()
            ChargebackCommand.fail("chargeback rollup: Redis failed: \(error)")
        }
    }
}
