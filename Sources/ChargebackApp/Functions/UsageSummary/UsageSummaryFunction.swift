import ChargebackCore
import ChargebackRedis
import CivilCalendar
import CivilCalendar
import FoundationEssentials
import FunctionsProtocol

/// `usage-summary`: `GET /api/v1/usage/summary?from=&to=&subscription=&deployment=&groupBy=&tz=`,
/// function key (or a cost-center report key). Live usage from the hourly counters, in any IANA
/// time zone, with provisional costs from the same arithmetic as the snapshots.
public struct UsageSummaryFunction: HTTPFunction {
    public static let name = "usage-summary"
    public static let route = "v1/usage/summary"
    public static let methods = ["GET"]
    public static let access = FunctionAccess.report

    let money: MoneyServices
    let reader: any CounterSource

    public init(money: MoneyServices, reader: any CounterSource) {
        self.money = money
        self.reader = reader
    }

    public func respond(to request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let now = UTCTimestamp.now
        let pricer = try money.requirePricer()
        var query: UsageSummaryQuery
        do {
            query = try UsageSummaryQuery.parse({ request.queryValue($0) }, today: now.day)
        } catch {
            return ErrorBody.response(status: 400, code: "invalid_query", message: error.description)
        }
        guard let zone = TimeZones.rules(named: query.timeZone) else {
            return ErrorBody.response(status: 400, code: "invalid_query", message: "tz '\(query.timeZone)' is not an IANA time zone such as Europe/Paris")
        }
        query.costCenter = try ReportAccess(caller: context.caller).costCenter(requested: query.costCenter)
        if let scope = query.costCenter, let subscription = query.subscription, pricer.costCenters.costCenter(of: subscription) != scope {
            throw FunctionFailure(status: 403, code: "forbidden_cost_center", message: "subscription is outside cost center \(scope)")
        }
        // Local days reach at most 14 hours into the neighbouring UTC days.
        var usage: [HourlyUsage] = []
        for day in query.from.adding(days: -1).through(min(query.to.adding(days: 1), now.day)) {
            usage += try await reader.usage(on: day, only: query.subscription.map { [$0] })
        }
        let summary = UsageSummary(query: query, usage: usage, pricer: pricer) { seconds in
            zone.offset(atSecondsSinceEpoch: seconds)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let body = (try? encoder.encode(summary)).map { Array($0) } ?? Array("{}".utf8)
        return FunctionResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8")], body: body)
    }
}
