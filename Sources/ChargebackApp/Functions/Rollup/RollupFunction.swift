import ChargebackCore
import ChargebackUseCases
import ChargebackRedis
import FoundationEssentials
import FunctionsProtocol
import Logging

/// `rollup`: timer, `0 15 * * * *` (every hour at :15 UTC). Rolls up each closed UTC day of the
/// catch-up window into a priced snapshot revision; a re-run without new events changes nothing.
public struct RollupFunction: TimerFunction {
    public static let name = "rollup"
    public static let bindingName = "timer"

    let makeRollup: @Sendable (Pricer, Logger) -> Rollup
    let money: MoneyServices
    let graceHours: Int
    let catchUpDays: Int

    public init(money: MoneyServices, graceHours: Int, catchUpDays: Int, makeRollup: @escaping @Sendable (Pricer, Logger) -> Rollup) {
        self.money = money
        self.graceHours = graceHours
        self.catchUpDays = catchUpDays
        self.makeRollup = makeRollup
    }

    public func run(_ timer: TimerInvocation, context: FunctionContext) async throws -> [String] {
        let pricer = try money.requirePricer()
        let now = UTCTimestamp.now
        let results = try await makeRollup(pricer, context.logger).runDue(now: now, graceHours: graceHours, catchUpDays: catchUpDays)
        for result in results { context.telemetry.rollupDay(outcome: Self.outcomeName(result.outcome)) }
        return results.map(Self.describe)
    }

    /// The outcome's metric label.
    static func outcomeName(_ outcome: Rollup.Outcome) -> String {
        switch outcome {
        case .written: return "written"
        case .unchanged: return "unchanged"
        case .heldBack: return "held_back"
        case .busy: return "busy"
        }
    }

    /// One log line per day: `2026-11-28: revision 2 (late events), cost 12.500000 USD, 0 unpriced lines`.
    public static func describe(_ result: Rollup.DayResult) -> String {
        switch result.outcome {
        case let .written(revision, reason):
            let cost = result.summary.flatMap { Money(exactText: $0.cost) }?.text(decimals: 6) ?? "?"
            return "\(result.day): revision \(revision) (\(reason)), cost \(cost) \(result.summary?.currency ?? ""), \(result.summary?.unpricedLines ?? 0) unpriced lines"
        case let .unchanged(revision):
            return "\(result.day): unchanged (revision \(revision))"
        case .busy:
            return "\(result.day): skipped, another instance is rolling it up"
        case let .heldBack(revision):
            return "\(result.day): held back at revision \(revision): the counters hold less usage than the snapshot (lost or expired)"
        }
    }
}
