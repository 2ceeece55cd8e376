/// What kind of call a request was, from its path.
public enum Operation: String, Sendable, Codable, CaseIterable {
    case chat, completion, embedding, response, image, transcription, speech, batch, other

    /// The operation of an Azure OpenAI path: `/openai/deployments/{id}/chat/completions`,
    /// `/openai/v1/responses/{id}`, … (case-insensitive; an API suffix before `/openai` is fine).
    public static func from(path: String) -> Operation {
        let lower = path.lowercased()
        let trimmed = lower.hasSuffix("/") ? String(lower.dropLast()) : lower
        if trimmed.hasSuffix("/chat/completions") { return .chat }
        if trimmed.hasSuffix("/completions") { return .completion }
        if trimmed.hasSuffix("/embeddings") { return .embedding }
        if trimmed.hasSuffix("/images/generations") || trimmed.hasSuffix("/images/edits") || trimmed.hasSuffix("/images/variations") {
            return .image
        }
        if trimmed.hasSuffix("/audio/transcriptions") || trimmed.hasSuffix("/audio/translations") { return .transcription }
        if trimmed.hasSuffix("/audio/speech") { return .speech }
        if trimmed.hasSuffix("/responses") || trimmed.containsBytes("/responses/resp_") { return .response }
        if trimmed.hasSuffix("/batches") || trimmed.containsBytes("/batches/batch_") { return .batch }
        return .other
    }

    /// The deployment named in a classic path `/openai/deployments/{id}/…`, if any.
    public static func deployment(inPath path: String) -> String? {
        let parts = path.split(separator: "/")
        guard let index = parts.firstIndex(where: { $0.lowercased() == "deployments" }), index + 1 < parts.count else { return nil }
        return String(parts[index + 1])
    }
}

/// Where the numbers of a usage event come from.
public enum UsageSource: String, Sendable, Codable {
    /// The service reported them (a `usage` object, an image count, a duration).
    case reported
    /// Estimated from the request and the streamed text with the documented estimator.
    case estimated
    /// Nothing billable is known (an error, a pending background response, a body not captured).
    case none
}
