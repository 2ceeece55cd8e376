/// The projection of a Responses API request that the synthetic upstream reads.
struct ResponsesRequest: Decodable, Sendable {
    /// The deployment (always in the body for the Responses API).
    var model: String?
    /// A string, or input items whose text parts count.
    var input: TextContent?
    /// The system-level instructions, echoed in the response.
    var instructions: String?
    /// True for named server-sent events.
    var stream: Bool?
    /// Cap on output tokens, echoed in the response.
    var maxOutputTokens: Int?
    /// The conversation this continues, echoed in the response.
    var previousResponseId: String?

    enum CodingKeys: String, CodingKey {
        case model, input, instructions, stream
        case maxOutputTokens = "max_output_tokens"
        case previousResponseId = "previous_response_id"
    }
}
