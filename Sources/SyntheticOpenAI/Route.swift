/// The Azure OpenAI endpoints the synthetic upstream answers.
enum Endpoint: Sendable {
    /// Chat Completions, legacy Completions, Embeddings, Responses, image generation.
    case chat, completion, embeddings, responses, images

    /// The operation name Azure puts in its 429 message.
    var operationName: String {
        switch self {
        case .chat: "ChatCompletions_Create"
        case .completion: "Completions_Create"
        case .embeddings: "Embeddings_Create"
        case .responses: "Responses_Create"
        case .images: "ImageGenerations_Create"
        }
    }
}

/// A matched request path: the endpoint and, on `/openai/deployments/{id}/…`, the deployment.
struct Route: Sendable, Equatable {
    /// What is asked for.
    let endpoint: Endpoint
    /// The deployment from the path; nil where the body's `model` names it (`/openai/v1/…`, `/openai/responses`).
    let deployment: String?

    /// The route of a `POST` path, or nil (a 404). A trailing slash is ignored; fixed segments are case-insensitive.
    static func match(method: String, path: String) -> Route? {
        guard method.uppercased() == "POST" else { return nil }
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard segments.count >= 2, segments[0].lowercased() == "openai" else { return nil }
        let rest = segments.dropFirst().map { $0.lowercased() }
        if rest.first == "deployments", segments.count >= 4 {
            guard let endpoint = endpoint(Array(rest.dropFirst(2))) else { return nil }
            return endpoint == .responses ? nil : Route(endpoint: endpoint, deployment: segments[2])
        }
        if rest.first == "v1", let endpoint = endpoint(Array(rest.dropFirst())) {
            return Route(endpoint: endpoint, deployment: nil)
        }
        if rest == ["responses"] { return Route(endpoint: .responses, deployment: nil) }
        return nil
    }

    private static func endpoint(_ tail: [String]) -> Endpoint? {
        switch tail {
        case ["chat", "completions"]: .chat
        case ["completions"]: .completion
        case ["embeddings"]: .embeddings
        case ["responses"]: .responses
        case ["images", "generations"]: .images
        default: nil
        }
    }
}
