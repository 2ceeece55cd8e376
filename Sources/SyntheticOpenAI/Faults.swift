/// Faults a demo or test asks for by writing a marker into any message, input or prompt text.
enum Fault: Sendable, Equatable {
    /// `[[fault:429]]`: 429 with Azure's token-rate-limit body and `Retry-After: 1`.
    case rateLimited
    /// `[[fault:500]]`: 500 `server_error`.
    case serverError
    /// `[[fault:content_filter]]`: 400 `content_filter`, the prompt rejected (Azure bills the prompt).
    case promptFiltered
    /// `[[fault:completion_filter]]`: 200 with `finish_reason: "content_filter"` and normal usage.
    case completionFiltered

    /// Markers in order of precedence: the first one found in the texts wins.
    static let markers: [(marker: String, fault: Fault)] = [
        ("[[fault:429]]", .rateLimited),
        ("[[fault:500]]", .serverError),
        ("[[fault:content_filter]]", .promptFiltered),
        ("[[fault:completion_filter]]", .completionFiltered),
    ]

    /// The fault the texts ask for, if any.
    static func requested(in texts: [String]) -> Fault? {
        markers.first { entry in texts.contains { $0.contains(entry.marker) } }?.fault
    }

    /// The error response this fault stands for; nil for `completionFiltered`, which answers 200.
    func error(endpoint: Endpoint, apiVersion: String) -> UpstreamError? {
        switch self {
        case .rateLimited: .rateLimited(operation: endpoint.operationName, apiVersion: apiVersion)
        case .serverError: .serverError
        case .promptFiltered: .promptFiltered
        case .completionFiltered: nil
        }
    }

    /// Checks the texts: throws an error fault, else says whether the completion is to be filtered.
    static func check(_ texts: [String], call: Call) throws(UpstreamError) -> Bool {
        guard let fault = requested(in: texts) else { return false }
        if let error = fault.error(endpoint: call.route.endpoint, apiVersion: call.apiVersion) { throw error }
        return true
    }
}
