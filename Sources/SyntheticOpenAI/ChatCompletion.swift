/// One synthetic chat completion, rendered as Azure writes it.
struct ChatCompletion: Sendable {
    /// `chatcmpl-…`.
    let id: String
    /// Unix seconds.
    let created: Int
    /// The model version reported.
    let model: String
    /// `system_fingerprint`: a string, or null as Azure sends for reasoning models.
    let fingerprint: JSONText
    /// The token numbers.
    let usage: TextUsage
    /// The visible text, one word per token.
    let words: [String]
    /// True when the completion was stopped by the content filter (`finish_reason: "content_filter"`).
    let isFiltered: Bool

    /// `stop`, or `content_filter` when filtered.
    var finishReason: String { isFiltered ? "content_filter" : "stop" }

    /// The `chat.completion` object (keys in Azure's alphabetical order).
    var json: JSONText {
        let message: JSONText = .members([
            "annotations": .array([]), "content": .string(words.joined(separator: " ")), "refusal": .null, "role": .string("assistant"),
        ])
        let choice: JSONText = .members([
            "content_filter_results": ContentFilterResults.choice(isFiltered: isFiltered), "finish_reason": .string(finishReason), "index": .integer(0),
            "logprobs": .null, "message": message,
        ])
        return .members([
            "choices": .array([choice]), "created": .integer(created), "id": .string(id), "model": .string(model),
            "object": .string("chat.completion"), "prompt_filter_results": ContentFilterResults.promptFilterResults,
            "system_fingerprint": fingerprint, "usage": usage.chatJSON,
        ])
    }
}
