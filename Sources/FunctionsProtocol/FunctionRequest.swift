/// An HTTP request as a function sees it, whichever way the host delivered it
/// (forwarded raw, or serialized into `Data.req` of a JSON invocation).
public struct FunctionRequest: Sendable, Equatable {
    /// HTTP method in upper case, e.g. `POST`.
    public var method: String
    /// The path the client called, e.g. `/api/v1/ingest` (no query).
    public var path: String
    /// Query parameters in order; repeated keys are kept.
    public var query: [(name: String, value: String)]
    /// Header fields in order; names as sent.
    public var headers: [(name: String, value: String)]
    /// Route template parameters, e.g. `["id": "42"]`.
    public var parameters: [String: String]
    /// The body bytes (empty when none).
    public var body: [UInt8]

    public init(
        method: String, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], parameters: [String: String] = [:], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.parameters = parameters
        self.body = body
    }

    /// The first value of header `name`, compared without case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The first value of query parameter `name` (exact case, as ASP.NET Core matches case-insensitively).
    public func queryValue(_ name: String) -> String? {
        let wanted = name.lowercased()
        return query.first { $0.name.lowercased() == wanted }?.value
    }

    public static func == (lhs: FunctionRequest, rhs: FunctionRequest) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path && lhs.parameters == rhs.parameters && lhs.body == rhs.body
            && lhs.query.map { [$0.name, $0.value] } == rhs.query.map { [$0.name, $0.value] }
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }
}

/// What a function answers to an HTTP request.
public struct FunctionResponse: Sendable, Equatable {
    /// HTTP status code.
    public var status: Int
    /// Header fields; one value per name (the JSON protocol cannot carry more).
    public var headers: [(name: String, value: String)]
    /// Body bytes.
    public var body: [UInt8]
    /// A body written as it is produced instead of `body` (raw delivery modes stream it: proxying
    /// passes it on as written; the JSON protocol collects it first).
    public var streamedBody: AsyncThrowingStream<[UInt8], any Error>?
    /// Called when the client went away before the streamed body's end, so its producer stops (the
    /// stream alone cannot tell: its producer holds it open).
    public var streamCancelled: (@Sendable () -> Void)?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body streams from `chunks`; `cancelled` runs if the client goes away first.
    public init(status: Int, headers: [(name: String, value: String)], streaming chunks: AsyncThrowingStream<[UInt8], any Error>,
                cancelled: @escaping @Sendable () -> Void) {
        self.init(status: status, headers: headers)
        streamedBody = chunks
        streamCancelled = cancelled
    }

    /// The same response with a streamed body read to its end into `body` (for the JSON protocol,
    /// which carries one body; its producer bounds it); an error the stream ends with is thrown.
    public func collected() async throws -> FunctionResponse {
        guard let streamedBody else { return self }
        var whole = FunctionResponse(status: status, headers: headers, body: body)
        for try await chunk in streamedBody { whole.body += chunk }
        return whole
    }

    /// A JSON response with `body` already encoded.
    public static func json(status: Int, _ body: String) -> FunctionResponse {
        FunctionResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")], body: Array(body.utf8))
    }

    /// The first value of header `name`, compared without case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    public static func == (lhs: FunctionResponse, rhs: FunctionResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }
}
