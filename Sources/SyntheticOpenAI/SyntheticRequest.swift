/// An HTTP request aimed at Azure OpenAI, as the synthetic upstream sees it.
public struct SyntheticRequest: Sendable {
    /// The HTTP method, e.g. `POST`.
    public var method: String
    /// The path without its query, e.g. `/openai/deployments/gpt-4o/chat/completions`.
    public var path: String
    /// The query parameters, e.g. `api-version`.
    public var query: [String: String]
    /// The raw request body.
    public var body: [UInt8]
    /// Mixed into the identifiers only (`chatcmpl-…`, `resp_…`, request ids), never into the usage:
    /// a server passes a fresh value per request so that ids are unique, as Azure's are; 0 keeps
    /// the whole response a function of the request.
    public var nonce: UInt64 = 0

    /// A request; the method defaults to `POST` and the query to none.
    public init(method: String = "POST", path: String, query: [String: String] = [:], body: [UInt8], nonce: UInt64 = 0) {
        self.nonce = nonce
        self.method = method
        self.path = path
        self.query = query
        self.body = body
    }
}
