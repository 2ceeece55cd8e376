/// The error answers of the synthetic upstream, with Azure OpenAI's status codes and body shapes.
enum UpstreamError: Error, Sendable, Equatable {
    /// 429, body as `error-429.json`.
    case rateLimited(operation: String, apiVersion: String)
    /// 400, body as `error-content-filter.json`.
    case promptFiltered
    /// 500 `server_error`.
    case serverError
    /// 404 for a path or method the upstream does not serve.
    case notFound
    /// 400: the body is not JSON.
    case invalidJSON
    /// 400 `invalid_request_error` naming the offending parameter.
    case invalidRequest(message: String, parameter: String?)

    /// The HTTP status.
    var status: Int {
        switch self {
        case .rateLimited: 429
        case .promptFiltered, .invalidJSON, .invalidRequest: 400
        case .serverError: 500
        case .notFound: 404
        }
    }

    /// The seconds a client is told to wait, for 429.
    var retryAfterSeconds: Int? {
        if case .rateLimited = self { return 1 }
        return nil
    }

    /// The JSON body.
    var json: JSONText {
        switch self {
        case let .rateLimited(operation, apiVersion):
            let message = "Requests to the \(operation) Operation under Azure OpenAI API version \(apiVersion) have exceeded token "
                + "rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second. Please go here: "
                + "https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."
            return .members(["error": .members(["code": .string("429"), "message": .string(message)])])
        case .promptFiltered:
            let message = "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. "
                + "Please modify your prompt and retry. To learn more about our content filtering policies please read our "
                + "documentation: https://go.microsoft.com/fwlink/?linkid=2198766"
            return .members(["error": .members([
                "message": .string(message), "type": .null, "param": .string("prompt"), "code": .string("content_filter"),
                "status": .integer(400),
                "innererror": .members([
                    "code": .string("ResponsibleAIPolicyViolation"),
                    "content_filter_result": ContentFilterResults.jailbreakDetected,
                ]),
            ])])
        case .serverError:
            let message = "The server had an error while processing your request. Sorry about that!"
            return .members(["error": .members([
                "code": .string("server_error"), "message": .string(message), "param": .null, "type": .string("server_error"),
            ])])
        case .notFound:
            return .members(["error": .members(["code": .string("404"), "message": .string("Resource not found")])])
        case .invalidJSON:
            let message = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
                + "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
            return Self.invalidRequestJSON(message: message, parameter: nil)
        case let .invalidRequest(message, parameter):
            return Self.invalidRequestJSON(message: message, parameter: parameter)
        }
    }

    private static func invalidRequestJSON(message: String, parameter: String?) -> JSONText {
        .members(["error": .members([
            "message": .string(message), "type": .string("invalid_request_error"), "param": .optional(parameter), "code": .null,
        ])])
    }
}
