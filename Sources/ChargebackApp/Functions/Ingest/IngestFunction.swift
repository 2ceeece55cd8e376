import FunctionsProtocol

/// `ingest`: `POST /api/v1/ingest`, function key. The APIM policy posts each request/response pair here.
public struct IngestFunction: HTTPFunction {
    public static let name = "ingest"
    public static let route = "v1/ingest"
    public static let methods = ["POST"]

    public init() {}

    public func respond(to request: FunctionRequest, context: FunctionContext) async -> FunctionResponse {
        NotImplemented.response("ingest", arrivesWith: "usage extraction and the Redis ledger")
    }
}
