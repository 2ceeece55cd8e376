/// Answers `POST …/completions` (legacy): a `text_completion` object, or its chunk stream. Prompt
/// tokens are Σ ⌈characters ÷ 4⌉ over the prompts (at least 1); legacy models neither cache nor reason.
enum CompletionResponder {
    /// The answer to `body`, or the error it calls for.
    static func respond(to body: [UInt8], call: Call) throws(UpstreamError) -> SyntheticBody {
        let request = try RequestDecoding.decode(CompletionRequest.self, from: body)
        let limit = try RequestDecoding.checkLimit(request.maxTokens, name: "max_tokens")
        let deployment = try call.deployment(bodyModel: request.model)
        let prompts = request.prompt?.texts ?? []
        let isFiltered = try Fault.check(prompts, call: call)
        var usage = TextUsage(
            prompt: max(1, prompts.reduce(0) { $0 + TokenRules.tokens($1) }), hash: call.hash, limit: limit, isReasoning: false)
        usage.cached = 0
        let id = "cmpl-" + call.ids.alphanumeric(28, salt: "cmpl")
        let model = call.modelForDeployment(deployment)
        let words = CompletionText.words(count: usage.completion, hash: call.hash)
        let finishReason: JSONText = .string(isFiltered ? "content_filter" : "stop")
        let usageJSON: JSONText = .members([
            "completion_tokens": .integer(usage.completion), "prompt_tokens": .integer(usage.prompt), "total_tokens": .integer(usage.total),
        ])
        func object(choices: [JSONText], usage: JSONText?) -> JSONText {
            .object([
                .init(name: "id", value: .string(id)), .init(name: "object", value: .string("text_completion")),
                .init(name: "created", value: .integer(call.created)), .init(name: "model", value: .string(model)),
                .init(name: "choices", value: .array(choices)),
            ] + (usage.map { [.init(name: "usage", value: $0)] } ?? []))
        }
        func choice(_ text: String, finishReason: JSONText) -> JSONText {
            .members([
                "text": .string(text), "index": .integer(0), "finish_reason": finishReason, "logprobs": .null,
                "content_filter_results": isFiltered && finishReason != .null ? ContentFilterResults.completionFiltered : ContentFilterResults.harms,
            ])
        }
        guard request.stream == true else {
            let json: JSONText = .members([
                "id": .string(id), "object": .string("text_completion"), "created": .integer(call.created), "model": .string(model),
                "choices": .array([choice(words.joined(separator: " "), finishReason: finishReason)]),
                "prompt_filter_results": ContentFilterResults.legacyPromptFilterResults, "usage": usageJSON,
            ])
            return .json(json.bytes)
        }
        let promptChunk: JSONText = .members([
            "id": .string(""), "object": .string(""), "created": .integer(0), "model": .string(""),
            "prompt_filter_results": ContentFilterResults.legacyPromptFilterResults, "choices": .array([]),
        ])
        var events = [ServerSentEvents.data(promptChunk)]
        for piece in CompletionText.pieces(words) {
            events.append(ServerSentEvents.data(object(choices: [choice(piece, finishReason: .null)], usage: nil)))
        }
        events.append(ServerSentEvents.data(object(choices: [choice("", finishReason: finishReason)], usage: nil)))
        if request.streamOptions?.includeUsage == true {
            events.append(ServerSentEvents.data(object(choices: [], usage: usageJSON)))
        }
        events.append(ServerSentEvents.done)
        return .events(events)
    }
}
