import FunctionsProtocol

/// The answer of a function whose business logic has not landed yet.
enum NotImplemented {
    static func response(_ function: String, arrivesWith issue: String) -> FunctionResponse {
        ErrorBody.response(status: 501, code: "not_implemented", message: "\(function) is not implemented yet; it arrives with \(issue)")
    }
}
