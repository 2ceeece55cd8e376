/// The projection of a legacy Completions request that the synthetic upstream reads.
struct CompletionRequest: Decodable, Sendable {
    /// The deployment on `/openai/v1/…`.
    var model: String?
    /// One prompt or several.
    var prompt: TextList?
    /// True for a server-sent-event answer.
    var stream: Bool?
    /// Stream options (`include_usage`).
    var streamOptions: ChatRequest.StreamOptions?
    /// Cap on completion tokens.
    var maxTokens: Int?

    enum CodingKeys: String, CodingKey {
        case model, prompt, stream
        case streamOptions = "stream_options"
        case maxTokens = "max_tokens"
    }
}
