/// The numbers of any OpenAI `usage` object (chat, Responses, images, transcription), read as they
/// are written; `Meters` are derived from them per operation.
struct UsageNumbers: Equatable {
    var promptTokens: Int64?
    var completionTokens: Int64?
    var inputTokens: Int64?
    var outputTokens: Int64?
    var cachedTokens: Int64?
    /// `cache_write_tokens`: prompt tokens written to the cache (part of the prompt, like `cached_tokens`).
    var cacheWriteTokens: Int64?
    var inputAudioTokens: Int64?
    var inputImageTokens: Int64?
    var inputTextTokens: Int64?
    var reasoningTokens: Int64?
    var outputAudioTokens: Int64?
    var outputImageTokens: Int64?
    /// `type: "duration"` usage, in thousandths of a second.
    var durationMilliseconds: Int64?

    /// The largest count accepted for any one number: far above any real request, far below overflow.
    static let limit: Int64 = 1_000_000_000_000

    /// Reads a `usage` object at the cursor.
    static func read(_ cursor: inout JSONCursor, depth: Int) throws(ScanError) -> UsageNumbers {
        var numbers = UsageNumbers()
        try cursor.readObject(depth: depth) { key, cursor throws(ScanError) in
            switch true {
            case cursor.bytes(key, equal: "prompt_tokens"): numbers.promptTokens = try count("prompt_tokens", &cursor)
            case cursor.bytes(key, equal: "completion_tokens"): numbers.completionTokens = try count("completion_tokens", &cursor)
            case cursor.bytes(key, equal: "input_tokens"): numbers.inputTokens = try count("input_tokens", &cursor)
            case cursor.bytes(key, equal: "output_tokens"): numbers.outputTokens = try count("output_tokens", &cursor)
            case cursor.bytes(key, equal: "seconds"):
                guard try !cursor.consumeNull() else { return true }
                let range = try cursor.numberRange()
                guard let value = NumberText.thousandths(cursor.base, range), value <= limit else { throw invalid("seconds", "must be a non-negative number") }
                numbers.durationMilliseconds = value
            case cursor.bytes(key, equal: "prompt_tokens_details"), cursor.bytes(key, equal: "input_tokens_details"),
                 cursor.bytes(key, equal: "input_token_details"):
                guard try !cursor.consumeNull() else { return true }
                try readInputDetails(&cursor, depth: depth + 1, into: &numbers)
            case cursor.bytes(key, equal: "completion_tokens_details"), cursor.bytes(key, equal: "output_tokens_details"):
                guard try !cursor.consumeNull() else { return true }
                try readOutputDetails(&cursor, depth: depth + 1, into: &numbers)
            default:
                return false
            }
            return true
        }
        return numbers
    }

    static func readInputDetails(_ cursor: inout JSONCursor, depth: Int, into numbers: inout UsageNumbers) throws(ScanError) {
        try cursor.readObject(depth: depth) { key, cursor throws(ScanError) in
            switch true {
            case cursor.bytes(key, equal: "cached_tokens"): numbers.cachedTokens = try count("cached_tokens", &cursor)
            case cursor.bytes(key, equal: "cache_write_tokens"): numbers.cacheWriteTokens = try count("cache_write_tokens", &cursor)
            case cursor.bytes(key, equal: "audio_tokens"): numbers.inputAudioTokens = try count("audio_tokens", &cursor)
            case cursor.bytes(key, equal: "image_tokens"): numbers.inputImageTokens = try count("image_tokens", &cursor)
            case cursor.bytes(key, equal: "text_tokens"): numbers.inputTextTokens = try count("text_tokens", &cursor)
            default: return false
            }
            return true
        }
    }

    static func readOutputDetails(_ cursor: inout JSONCursor, depth: Int, into numbers: inout UsageNumbers) throws(ScanError) {
        try cursor.readObject(depth: depth) { key, cursor throws(ScanError) in
            switch true {
            case cursor.bytes(key, equal: "reasoning_tokens"): numbers.reasoningTokens = try count("reasoning_tokens", &cursor)
            case cursor.bytes(key, equal: "audio_tokens"): numbers.outputAudioTokens = try count("audio_tokens", &cursor)
            case cursor.bytes(key, equal: "image_tokens"): numbers.outputImageTokens = try count("image_tokens", &cursor)
            default: return false
            }
            return true
        }
    }

    /// A token count: null, or an integer in 0...limit.
    static func count(_ field: String, _ cursor: inout JSONCursor) throws(ScanError) -> Int64? {
        guard try !cursor.consumeNull() else { return nil }
        guard let first = cursor.peek(), first == UInt8(ascii: "-") || first &- 0x30 < 10 else { throw invalid(field, "must be an integer") }
        let range = try cursor.numberRange()
        guard let value = NumberText.integer(cursor.base, range) else { throw invalid(field, "must be a whole number") }
        guard value >= 0 else { throw invalid(field, "is negative") }
        guard value <= limit else { throw invalid(field, "is larger than \(limit)") }
        return value
    }

    /// A usage failure carried through the scanner's error type.
    static func invalid(_ field: String, _ reason: String) -> ScanError {
        ScanError(offset: 0, kind: .type("usage:\(field)|\(reason)"))
    }
}

extension ScanError {
    /// The usage failure this error carries, if it is one.
    var usageError: ExtractionError? {
        guard case let .type(text) = kind, text.hasPrefix("usage:") else { return nil }
        let parts = text.dropFirst(6).split(separator: "|", maxSplits: 1)
        return .invalidUsage(field: String(parts[0]), reason: parts.count > 1 ? String(parts[1]) : "is invalid")
    }
}
