/// One text call's token numbers, in the OpenAI sense: `cached` is part of `prompt` and
/// `reasoning` part of `completion`.
struct TextUsage: Sendable, Equatable {
    /// Prompt (input) tokens, cached ones included.
    var prompt: Int
    /// Of `prompt`, those served from the prompt cache.
    var cached: Int
    /// Of `prompt`, those written to the prompt cache; nil for models that do not report them (the
    /// field is then absent, as before GPT-5.6).
    var cacheWrite: Int?
    /// Completion (output) tokens, reasoning included.
    var completion: Int
    /// Of `completion`, those spent on reasoning.
    var reasoning: Int

    /// `prompt + completion`.
    var total: Int { prompt + completion }

    /// The words of visible text: the completion less its reasoning tokens (one token per word).
    var visibleWords: Int { completion - reasoning }

    /// Applies the documented rules to a prompt size, the body hash and the request's token limit.
    init(prompt: Int, hash: UInt64, limit: Int?, isReasoning: Bool, writesCache: Bool = false) {
        self.prompt = prompt
        self.cached = TokenRules.cachedTokens(prompt: prompt)
        self.cacheWrite = writesCache ? TokenRules.cacheWriteTokens(prompt: prompt, cached: cached) : nil
        self.completion = TokenRules.completionTokens(hash: hash, limit: limit)
        self.reasoning = TokenRules.reasoningTokens(completion: completion, isReasoning: isReasoning)
    }

    /// `cache_write_tokens` after `cached_tokens`, for a model that reports it.
    var writeMember: [JSONText.Member] {
        cacheWrite.map { [.init(name: "cache_write_tokens", value: .integer($0))] } ?? []
    }

    /// Chat Completions `usage`, with Azure's detail objects (keys sorted as Azure writes them).
    var chatJSON: JSONText {
        .members([
            "completion_tokens": .integer(completion),
            "completion_tokens_details": .members([
                "accepted_prediction_tokens": .integer(0), "audio_tokens": .integer(0),
                "reasoning_tokens": .integer(reasoning), "rejected_prediction_tokens": .integer(0),
            ]),
            "prompt_tokens": .integer(prompt),
            "prompt_tokens_details": .object([.init(name: "audio_tokens", value: .integer(0)), .init(name: "cached_tokens", value: .integer(cached))]
                + writeMember),
            "total_tokens": .integer(total),
        ])
    }

    /// Responses API `usage`.
    var responsesJSON: JSONText {
        .members([
            "input_tokens": .integer(prompt),
            "input_tokens_details": .object([.init(name: "cached_tokens", value: .integer(cached))] + writeMember),
            "output_tokens": .integer(completion),
            "output_tokens_details": .members(["reasoning_tokens": .integer(reasoning)]),
            "total_tokens": .integer(total),
        ])
    }
}
