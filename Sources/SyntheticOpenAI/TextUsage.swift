/// One text call's token numbers, in the OpenAI sense: `cached` is part of `prompt` and
/// `reasoning` part of `completion`.
struct TextUsage: Sendable, Equatable {
    /// Prompt (input) tokens, cached ones included.
    var prompt: Int
    /// Of `prompt`, those served from the prompt cache.
    var cached: Int
    /// Completion (output) tokens, reasoning included.
    var completion: Int
    /// Of `completion`, those spent on reasoning.
    var reasoning: Int

    /// `prompt + completion`.
    var total: Int { prompt + completion }

    /// The words of visible text: the completion less its reasoning tokens (one token per word).
    var visibleWords: Int { completion - reasoning }

    /// Applies the documented rules to a prompt size, the body hash and the request's token limit.
    init(prompt: Int, hash: UInt64, limit: Int?, isReasoning: Bool) {
        self.prompt = prompt
        self.cached = TokenRules.cachedTokens(prompt: prompt)
        self.completion = TokenRules.completionTokens(hash: hash, limit: limit)
        self.reasoning = TokenRules.reasoningTokens(completion: completion, isReasoning: isReasoning)
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
            "prompt_tokens_details": .members(["audio_tokens": .integer(0), "cached_tokens": .integer(cached)]),
            "total_tokens": .integer(total),
        ])
    }

    /// Responses API `usage`.
    var responsesJSON: JSONText {
        .members([
            "input_tokens": .integer(prompt),
            "input_tokens_details": .members(["cached_tokens": .integer(cached)]),
            "output_tokens": .integer(completion),
            "output_tokens_details": .members(["reasoning_tokens": .integer(reasoning)]),
            "total_tokens": .integer(total),
        ])
    }
}
