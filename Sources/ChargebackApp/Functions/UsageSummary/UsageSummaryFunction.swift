import FunctionsProtocol

/// `usage-summary`: `GET /api/v1/usage/summary`, function key. Usage per subscription.
public struct UsageSummaryFunction: HTTPFunction {
    public static let name = "usage-summary"
    public static let route = "v1/usage/summary"
    public static let methods = ["GET"]

    public init() {}

    public func respond(to request: FunctionRequest, context: FunctionContext) async -> FunctionResponse {
        NotImplemented.response("usage-summary", arrivesWith: "the Redis ledger")
    }
}
