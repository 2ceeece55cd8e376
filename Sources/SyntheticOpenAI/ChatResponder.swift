/// Answers `POST …/chat/completions`: a `chat.completion` object, or Azure's chunk stream.
enum ChatResponder {
    /// The answer to `body`, or the error it calls for.
    static func respond(to body: [UInt8], call: Call) throws(UpstreamError) -> SyntheticBody {
        let request = try RequestDecoding.decode(ChatRequest.self, from: body)
        guard !request.messages.isEmpty else {
            throw .invalidRequest(message: "Invalid 'messages': empty array. Expected an array with minimum length 1.", parameter: "messages")
        }
        let maxTokens = try RequestDecoding.checkLimit(request.maxTokens, name: "max_tokens")
        let maxCompletionTokens = try RequestDecoding.checkLimit(request.maxCompletionTokens, name: "max_completion_tokens")
        let limit = maxTokens ?? maxCompletionTokens
        let deployment = try call.deployment(bodyModel: request.model)
        let texts = request.messages.map { $0.content?.texts.joined() ?? "" }
        let isFiltered = try Fault.check(texts, call: call)
        let model = call.modelForDeployment(deployment)
        let isReasoning = TokenRules.isReasoningModel(deployment) || TokenRules.isReasoningModel(model)
        let usage = TextUsage(
            prompt: TokenRules.chatPromptTokens(messageTexts: texts), hash: call.hash, limit: limit, isReasoning: isReasoning,
            writesCache: TokenRules.writesPromptCache(deployment) || TokenRules.writesPromptCache(model))
        let completion = ChatCompletion(
            id: "chatcmpl-" + call.ids.alphanumeric(28, salt: "chatcmpl"), created: call.created, model: model,
            fingerprint: isReasoning ? .null : .string(Call.fingerprint(model: model)), usage: usage,
            words: CompletionText.words(count: usage.visibleWords, hash: call.hash), isFiltered: isFiltered)
        guard request.stream == true else { return .json(completion.json.bytes) }
        return .events(completion.events(includeUsage: request.streamOptions?.includeUsage == true))
    }
}
