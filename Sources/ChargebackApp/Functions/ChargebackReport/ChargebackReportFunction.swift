import ChargebackCore
import ChargebackUseCases
import ChargebackRedis
import FoundationEssentials
import FunctionsProtocol

/// `chargeback-report`: `GET /api/v1/chargeback/report?month=YYYY-MM | from=&to= &format=json|csv|html|focus
/// &costCenter=` (focus: the FOCUS 1.2 dataset, `FocusExport`), function key (or a report key scoped to one cost center). Final days come from
/// snapshots, open days from live counters (marked provisional).
public struct ChargebackReportFunction: HTTPFunction {
    public static let name = "chargeback-report"
    public static let route = "v1/chargeback/report"
    public static let methods = ["GET"]
    public static let access = FunctionAccess.report

    let money: MoneyServices
    let focus: FocusExport.Context
    let makeSource: @Sendable (Pricer) -> ReportSource

    public init(money: MoneyServices, focus: FocusExport.Context, makeSource: @escaping @Sendable (Pricer) -> ReportSource) {
        self.money = money
        self.focus = focus
        self.makeSource = makeSource
    }

    public func respond(to request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let now = UTCTimestamp.now
        let pricer = try money.requirePricer()
        let query: ChargebackReportQuery
        do {
            query = try ChargebackReportQuery.parse({ request.queryValue($0) }, today: now.day)
        } catch {
            return ErrorBody.response(status: 400, code: "invalid_query", message: error.description)
        }
        let costCenter = try ReportAccess(caller: context.caller).costCenter(requested: query.costCenter)
        let report = try await makeSource(pricer).report(from: query.from, to: query.to, now: now, costCenter: costCenter, perDay: query.format == .csv || query.format == .focus)
        context.logger.info("chargeback report served", metadata: [
            "report.from": "\(query.from)", "report.to": "\(query.to)", "report.format": "\(query.format.rawValue)",
            "report.segments": "\(report.segments.count)",
        ])
        return Self.render(report, format: query.format, focus: focus, book: pricer.book)
    }

    static func render(_ report: ChargebackReport, format: ChargebackReportQuery.Format, focus: FocusExport.Context, book: PriceBook) -> FunctionResponse {
        let name = "chargeback-\(report.from)-\(report.to)"
        switch format {
        case .focus:
            return FunctionResponse(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8"),
                                                           ("Content-Disposition", "attachment; filename=\"\(name)-focus-1.2.csv\"")],
                                    body: Array(FocusExport.render(report, context: focus, ceilings: FocusExport.ceilings(book)).utf8))
        case .json:
            return FunctionResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8")], body: ReportJSON.render(report))
        case .csv:
            return FunctionResponse(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8"),
                                                           ("Content-Disposition", "attachment; filename=\"\(name).csv\"")],
                                    body: Array(ReportCSV.render(report).utf8))
        case .html:
            return FunctionResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8"),
                                                           ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")],
                                    body: Array(ReportHTML.render(report).utf8))
        }
    }
}
