import ChargebackCore
import FunctionsProtocol
import JSONOutput

/// `budget-status`: `GET /api/v1/budget/status?subscription=` (or `costCenter=`), a report key (full
/// or cost-center), or the ingest key for one `subscription=` (what the gateway's budget limit asks). Each budget that applies: spend, budget, percent, forecast, the
/// thresholds crossed and whether a hard limit is exceeded. An opt-in APIM policy snippet can call
/// it (cached) to answer 429 for a subscription over its hard limit (`policies/budget-limit-policy.xml`).
public struct BudgetStatusFunction: HTTPFunction {
    public static let name = "budget-status"
    public static let route = "v1/budget/status"
    public static let methods = ["GET"]
    public static let access = FunctionAccess.reportOrGateway

    let money: MoneyServices
    let budgets: BudgetServices

    public init(money: MoneyServices, budgets: BudgetServices) {
        self.money = money
        self.budgets = budgets
    }

    public func respond(to request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let pricer = try money.requirePricer()
        let subscription = request.queryValue("subscription").flatMap { $0.isEmpty ? nil : $0 }
        var costCenter = request.queryValue("costCenter").flatMap { $0.isEmpty ? nil : $0 }
        guard (subscription == nil) != (costCenter == nil) else {
            return ErrorBody.response(status: 400, code: "invalid_query", message: "give exactly one of subscription= or costCenter=")
        }
        let scope: String?
        if context.caller == .ingest {
            // The gateway: one subscription at a time, never a cost center's overview.
            guard subscription != nil else {
                throw FunctionFailure(status: 403, code: "forbidden", message: "the ingest key may ask about one subscription= only")
            }
            scope = nil
        } else {
            scope = try ReportAccess(caller: context.caller).costCenter(requested: costCenter)
        }
        if let scope, let subscription, pricer.costCenters.costCenter(of: subscription) != scope {
            throw FunctionFailure(status: 403, code: "forbidden_cost_center", message: "subscription is outside cost center \(scope)")
        }
        costCenter = costCenter ?? (subscription == nil ? scope : nil)
        var writer = JSONWriter()
        writer.openObject()
        writer.member("subscription", subscription)
        writer.member("costCenter", costCenter)
        writer.key("budgets")
        writer.openArray()
        if let (monitor, book) = try budgets.requireMonitor() {
            for status in try await monitor.statuses(now: UTCTimestamp.now, pricer: pricer, subscription: subscription, costCenter: costCenter) {
                Self.write(status, currency: book.currency, into: &writer)
            }
        }
        writer.closeArray()
        writer.closeObject()
        return FunctionResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "private, max-age=60")],
                                body: writer.bytes)
    }

    static func write(_ status: BudgetStatus, currency: String, into writer: inout JSONWriter) {
        writer.openObject()
        writer.member("id", status.budget.id)
        writer.member("scope", status.budget.scope.rawValue)
        writer.member("target", status.budget.target)
        writer.member("period", status.period.id)
        writer.member("currency", currency)
        writer.member("spend", status.spend.text(decimals: 6))
        writer.member("budget", status.amount.text(decimals: 6))
        writer.member("percent", status.percent)
        writer.member("forecast", status.forecast?.text(decimals: 6))
        writer.member("forecastPercent", status.forecastPercent)
        writer.key("thresholdsCrossed")
        writer.openArray()
        for threshold in status.crossedThresholds { writer.number(threshold) }
        writer.closeArray()
        writer.member("hardLimit", status.budget.isHardLimit)
        writer.member("overHardLimit", status.isOverHardLimit)
        writer.closeObject()
    }
}
