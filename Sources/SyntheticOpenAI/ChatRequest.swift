/// The projection of a Chat Completions request that the synthetic upstream reads; other members are ignored.
struct ChatRequest: Decodable, Sendable {
    /// One message: its role and its text (string, parts or null).
    struct Message: Decodable, Sendable {
        /// `system`, `user`, `assistant`, `tool`, …
        var role: String
        /// The text content, if any.
        var content: TextContent?
    }

    /// `stream_options`.
    struct StreamOptions: Decodable, Sendable {
        /// True when the client asked for the final usage chunk.
        var includeUsage: Bool?

        enum CodingKeys: String, CodingKey {
            case includeUsage = "include_usage"
        }
    }

    /// The deployment on `/openai/v1/…` (ignored on `/openai/deployments/{d}/…`).
    var model: String?
    /// The conversation; at least one message.
    var messages: [Message]
    /// True for a server-sent-event answer.
    var stream: Bool?
    /// Stream options (`include_usage`).
    var streamOptions: StreamOptions?
    /// Caps on completion tokens (`max_tokens` is older, `max_completion_tokens` for reasoning models).
    var maxTokens: Int?
    var maxCompletionTokens: Int?

    enum CodingKeys: String, CodingKey {
        case model, messages, stream
        case streamOptions = "stream_options"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
    }
}
