extension UsageNumbers {
    /// Meters for a token-billed text call (chat, completion, embedding, response): the parts are
    /// subtracted from their totals so that nothing is billed twice.
    func textMeters() throws(ExtractionError) -> Meters {
        var meters = Meters()
        let prompt = promptTokens ?? inputTokens ?? 0
        let completion = completionTokens ?? outputTokens ?? 0
        let cached = cachedTokens ?? 0
        let audioIn = inputAudioTokens ?? 0
        let audioOut = outputAudioTokens ?? 0
        let reasoning = reasoningTokens ?? 0
        let cacheWrite = cacheWriteTokens ?? 0
        guard cached + audioIn + cacheWrite <= prompt else {
            throw .invalidUsage(field: "cached_tokens", reason: "plus cache_write_tokens and audio_tokens exceeds the prompt's \(prompt) tokens")
        }
        guard audioOut <= completion else { throw .invalidUsage(field: "audio_tokens", reason: "exceeds the completion's \(completion) tokens") }
        guard reasoning <= completion - audioOut else {
            throw .invalidUsage(field: "reasoning_tokens", reason: "exceeds the completion's \(completion - audioOut) text tokens")
        }
        meters.inputTokens = prompt - cached - audioIn - cacheWrite
        meters.cachedInputTokens = cached
        meters.cacheWriteInputTokens = cacheWrite
        meters.audioInputTokens = audioIn
        meters.outputTokens = completion - audioOut
        meters.reasoningTokens = reasoning
        meters.audioOutputTokens = audioOut
        return meters
    }

    /// Meters for an image call with token usage (gpt-image-1): input split into text and image
    /// tokens; all output tokens are image tokens.
    func imageMeters() throws(ExtractionError) -> Meters {
        var meters = Meters()
        let input = inputTokens ?? promptTokens ?? 0
        let imageIn = inputImageTokens ?? 0
        let cached = cachedTokens ?? 0
        guard imageIn + cached <= input else { throw .invalidUsage(field: "image_tokens", reason: "exceeds the input's \(input) tokens") }
        meters.imageInputTokens = imageIn
        meters.cachedInputTokens = cached
        meters.inputTokens = input - imageIn - cached
        meters.imageOutputTokens = outputTokens ?? completionTokens ?? 0
        return meters
    }

    /// Meters for a transcription: token usage split into audio and text input, or a duration.
    func transcriptionMeters() throws(ExtractionError) -> Meters {
        var meters = Meters()
        if let durationMilliseconds {
            meters.audioMilliseconds = durationMilliseconds
            return meters
        }
        let input = inputTokens ?? promptTokens ?? 0
        let audioIn = inputAudioTokens ?? 0
        guard audioIn <= input else { throw .invalidUsage(field: "audio_tokens", reason: "exceeds the input's \(input) tokens") }
        meters.audioInputTokens = audioIn
        meters.inputTokens = input - audioIn
        meters.outputTokens = outputTokens ?? completionTokens ?? 0
        return meters
    }
}
