extension ChatCompletion {
    /// Azure's stream: the prompt-filter chunk, the role chunk, one chunk per word, the finish chunk,
    /// the usage chunk when `include_usage` was asked for, then `[DONE]`. Without `include_usage` no
    /// chunk has a `usage` member at all; with it, every other chunk has `"usage": null`.
    func events(includeUsage: Bool) -> [[UInt8]] {
        let usageNull: [JSONText.Member] = includeUsage ? [.init(name: "usage", value: .null)] : []
        let promptChunk: JSONText = .object([
            .init(name: "choices", value: .array([])), .init(name: "created", value: .integer(0)),
            .init(name: "id", value: .string("")), .init(name: "model", value: .string("")),
            .init(name: "object", value: .string("")),
            .init(name: "prompt_filter_results", value: ContentFilterResults.promptFilterResults),
        ] + usageNull)
        func chunk(_ choices: [JSONText], usage: [JSONText.Member]) -> JSONText {
            .object([
                .init(name: "choices", value: .array(choices)), .init(name: "created", value: .integer(created)),
                .init(name: "id", value: .string(id)), .init(name: "model", value: .string(model)),
                .init(name: "object", value: .string("chat.completion.chunk")), .init(name: "system_fingerprint", value: fingerprint),
            ] + usage)
        }
        func choice(filter: JSONText, delta: JSONText, finishReason: JSONText = .null) -> JSONText {
            .members([
                "content_filter_results": filter, "delta": delta, "finish_reason": finishReason, "index": .integer(0), "logprobs": .null,
            ])
        }
        let roleDelta: JSONText = .members(["content": .string(""), "refusal": .null, "role": .string("assistant")])
        var events = [ServerSentEvents.data(promptChunk)]
        events.append(ServerSentEvents.data(chunk([choice(filter: .object([]), delta: roleDelta)], usage: usageNull)))
        for piece in CompletionText.pieces(words) {
            let delta: JSONText = .members(["content": .string(piece)])
            events.append(ServerSentEvents.data(chunk([choice(filter: ContentFilterResults.harms, delta: delta)], usage: usageNull)))
        }
        let finalFilter = isFiltered ? ContentFilterResults.completionFiltered : ContentFilterResults.harms
        let finish = choice(filter: finalFilter, delta: .object([]), finishReason: .string(finishReason))
        events.append(ServerSentEvents.data(chunk([finish], usage: usageNull)))
        if includeUsage {
            events.append(ServerSentEvents.data(chunk([], usage: [.init(name: "usage", value: usage.chatJSON)])))
        }
        events.append(ServerSentEvents.done)
        return events
    }
}
