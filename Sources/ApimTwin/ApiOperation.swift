/// One operation of the azure-openai API: a method and a URL template under `/openai`, as
/// Terraform declares it (`infrastructure/apim-operations.tf`, `locals.metered_operations`).
public struct ApiOperation: Sendable, Equatable {
    /// The operation id, `context.Operation.Id` in the envelope.
    public let id: String
    public let method: String
    /// The template relative to the API path, e.g. `/deployments/{deployment-id}/chat/completions`.
    public let template: String

    /// Whether `method` and `path` (under `/openai`) match this operation. Like APIM, fixed segments
    /// match without regard to case and a `{parameter}` matches exactly one non-empty segment.
    func matches(method: String, segments: [Substring]) -> Bool {
        guard method.uppercased() == self.method else { return false }
        let parts = template.split(separator: "/")
        guard parts.count == segments.count else { return false }
        return zip(parts, segments).allSatisfy { part, segment in
            part.hasPrefix("{") || part.lowercased() == segment.lowercased()
        }
    }
}

/// The allow-list of the azure-openai API: every operation the product meters, nothing else. A
/// request that matches none is APIM's 404 (`OperationNotFound`) and never reaches Azure OpenAI.
/// The unmetered families (`enable_unmetered_operations`) are off by default and not mirrored here.
public enum ApiOperations {
    /// Operation id → `METHOD template`, the same map as Terraform's (a test compares them).
    public static let metered: [ApiOperation] = [
        ("chat-completions", "POST /deployments/{deployment-id}/chat/completions"),
        ("completions", "POST /deployments/{deployment-id}/completions"),
        ("embeddings", "POST /deployments/{deployment-id}/embeddings"),
        ("image-generations", "POST /deployments/{deployment-id}/images/generations"),
        ("image-edits", "POST /deployments/{deployment-id}/images/edits"),
        ("audio-transcriptions", "POST /deployments/{deployment-id}/audio/transcriptions"),
        ("audio-translations", "POST /deployments/{deployment-id}/audio/translations"),
        ("audio-speech", "POST /deployments/{deployment-id}/audio/speech"),
        ("responses-create", "POST /responses"),
        ("responses-get", "GET /responses/{response-id}"),
        ("responses-delete", "DELETE /responses/{response-id}"),
        ("responses-input-items", "GET /responses/{response-id}/input_items"),
        ("responses-cancel", "POST /responses/{response-id}/cancel"),
        ("batches-create", "POST /batches"),
        ("batches-get", "GET /batches/{batch-id}"),
        ("batches-cancel", "POST /batches/{batch-id}/cancel"),
        ("files-upload", "POST /files"),
        ("files-get", "GET /files/{file-id}"),
        ("files-content", "GET /files/{file-id}/content"),
        ("files-delete", "DELETE /files/{file-id}"),
        ("v1-chat-completions", "POST /v1/chat/completions"),
        ("v1-completions", "POST /v1/completions"),
        ("v1-embeddings", "POST /v1/embeddings"),
        ("v1-image-generations", "POST /v1/images/generations"),
        ("v1-image-edits", "POST /v1/images/edits"),
        ("v1-audio-transcriptions", "POST /v1/audio/transcriptions"),
        ("v1-audio-translations", "POST /v1/audio/translations"),
        ("v1-audio-speech", "POST /v1/audio/speech"),
        ("v1-responses-create", "POST /v1/responses"),
        ("v1-responses-get", "GET /v1/responses/{response-id}"),
        ("v1-responses-delete", "DELETE /v1/responses/{response-id}"),
        ("v1-responses-input-items", "GET /v1/responses/{response-id}/input_items"),
        ("v1-responses-cancel", "POST /v1/responses/{response-id}/cancel"),
        ("v1-batches-create", "POST /v1/batches"),
        ("v1-batches-get", "GET /v1/batches/{batch-id}"),
        ("v1-batches-cancel", "POST /v1/batches/{batch-id}/cancel"),
        ("v1-files-upload", "POST /v1/files"),
        ("v1-files-get", "GET /v1/files/{file-id}"),
        ("v1-files-content", "GET /v1/files/{file-id}/content"),
        ("v1-files-delete", "DELETE /v1/files/{file-id}"),
    ].map { id, route in
        let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
        return ApiOperation(id: id, method: parts[0], template: parts[1])
    }

    /// The OpenAI-style API (`/api/v1/openai`, `infrastructure/apim-compat.tf`): each operation and
    /// the path Azure OpenAI gets for it (the operation policy's rewrite-uri, under `/openai`).
    public static let compat: [(operation: ApiOperation, backend: String)] = [
        (ApiOperation(id: "compat-chat-completions", method: "POST", template: "/chat/completions"), "/v1/chat/completions"),
    ]

    /// The operation `method` and `path` (e.g. `/openai/v1/files/file-1`) match, or nil: a 404.
    /// A trailing slash is ignored; an empty segment matches nothing.
    public static func match(method: String, path: String) -> ApiOperation? {
        route(method: method, path: path)?.operation
    }

    /// The operation and the path Azure OpenAI gets: the client's path on the azure-openai API, the
    /// operation's rewrite on the OpenAI-style API; nil: a 404.
    public static func route(method: String, path: String) -> (operation: ApiOperation, upstreamPath: String)? {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.last == "" { segments.removeLast() }
        guard segments.first == "", !segments.dropFirst().contains("") else { return nil }
        let lowered = segments.map { $0.lowercased() }
        if lowered.count >= 3, lowered[1] == "openai" {
            let rest = Array(segments.dropFirst(2))
            return metered.first { $0.matches(method: method, segments: rest) }.map { ($0, path) }
        }
        if lowered.count >= 5, Array(lowered[1...3]) == ["api", "v1", "openai"] {
            let rest = Array(segments.dropFirst(4))
            return compat.first { $0.operation.matches(method: method, segments: rest) }.map { ($0.operation, "/openai" + $0.backend) }
        }
        return nil
    }
}
