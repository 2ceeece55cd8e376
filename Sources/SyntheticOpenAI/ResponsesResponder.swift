/// Answers `POST /openai/responses` and `/openai/v1/responses`: a `response` object, or its named
/// events. A filtered completion ends `incomplete` (reason `content_filter`) with usage.
enum ResponsesResponder {
    /// The answer to `body`, or the error it calls for.
    static func respond(to body: [UInt8], call: Call) throws(UpstreamError) -> SyntheticBody {
        let request = try RequestDecoding.decode(ResponsesRequest.self, from: body)
        let limit = try RequestDecoding.checkLimit(request.maxOutputTokens, name: "max_output_tokens")
        let deployment = try call.deployment(bodyModel: request.model)
        let texts = (request.instructions.map { [$0] } ?? []) + (request.input?.texts ?? [])
        let isFiltered = try Fault.check(texts, call: call)
        let model = call.modelForDeployment(deployment)
        let isReasoning = TokenRules.isReasoningModel(deployment) || TokenRules.isReasoningModel(model)
        let prompt = TokenRules.tokens(texts.joined()) + TokenRules.responsesOverhead
        let usage = TextUsage(prompt: prompt, hash: call.hash, limit: limit, isReasoning: isReasoning,
                              writesCache: TokenRules.writesPromptCache(deployment) || TokenRules.writesPromptCache(model))
        let response = ResponsesObject(
            id: "resp_" + call.ids.hex(32, salt: "resp"), messageId: "msg_" + call.ids.hex(32, salt: "msg"),
            reasoningId: isReasoning ? "rs_" + call.ids.hex(32, salt: "rs") : nil, created: call.created, model: model,
            request: request, usage: usage, text: CompletionText.words(count: usage.visibleWords, hash: call.hash), isFiltered: isFiltered)
        guard request.stream == true else { return .json(response.json(isFinal: true).bytes) }
        return .events(response.events())
    }
}
