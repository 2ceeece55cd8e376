import ChargebackCore
import FunctionsProtocol

/// `budget-check`: timer, `0 */5 * * * *` (every 5 minutes). Weighs every budget against its
/// month-to-date spend and the last two hours' ingest error rate, checks yesterday's cost per
/// subscription against its trailing median once yesterday is rolled up, and
/// sends each alert once per channel (webhooks through libcurl, never on the ingest path); then
/// retries deliveries that failed before. One log line per alert.
public struct BudgetCheckFunction: TimerFunction {
    public static let name = "budget-check"
    public static let bindingName = "timer"

    let money: MoneyServices
    let budgets: BudgetServices

    public init(money: MoneyServices, budgets: BudgetServices) {
        self.money = money
        self.budgets = budgets
    }

    public func run(_ timer: TimerInvocation, context: FunctionContext) async throws -> [String] {
        guard let (monitor, book) = try budgets.requireMonitor() else { return ["no budgets configured (CHARGEBACK_BUDGETS)"] }
        let pricer = try money.requirePricer()
        let now = UTCTimestamp.now
        let evaluation = try await monitor.evaluate(now: now, pricer: pricer)
        let dispatcher = budgets.dispatcher(book)
        var lines = try await dispatcher.dispatch(evaluation.candidates, sentAt: now)
        for key in evaluation.examined { try await budgets.alerts.markExamined(key) }
        lines += try await dispatcher.retryParked()
        for line in lines { context.logger.info("alert", metadata: ["alert.delivery": "\(line)"]) }
        return lines.isEmpty ? ["\(book.budgets.count) budgets checked, nothing to send"] : lines
    }
}
