import FunctionsProtocol

/// `chargeback-report`: `GET /api/v1/chargeback/report`, function key. Priced daily snapshots.
public struct ChargebackReportFunction: HTTPFunction {
    public static let name = "chargeback-report"
    public static let route = "v1/chargeback/report"
    public static let methods = ["GET"]

    public init() {}

    public func respond(to request: FunctionRequest, context: FunctionContext) async -> FunctionResponse {
        NotImplemented.response("chargeback-report", arrivesWith: "the price book and rollup")
    }
}
