/// The billable quantities of one request. Token meters are disjoint, so adding them never bills a
/// token twice: `inputTokens + cachedInputTokens + cacheWriteInputTokens + audioInputTokens + imageInputTokens` is the whole
/// prompt, `outputTokens + audioOutputTokens + imageOutputTokens` the whole completion.
/// `reasoningTokens` is the part of `outputTokens` spent on reasoning: shown, not added again.
public struct Meters: Sendable, Equatable {
    /// Uncached text input tokens.
    public var inputTokens: Int64 = 0
    /// Input tokens served from the prompt cache (billed at the cached rate).
    public var cachedInputTokens: Int64 = 0
    /// Input tokens written to the prompt cache (`cache_write_tokens`), which newer models bill at a
    /// cache-write rate on top of the discounted reads.
    public var cacheWriteInputTokens: Int64 = 0
    /// Text output tokens, reasoning included.
    public var outputTokens: Int64 = 0
    /// Of `outputTokens`, those spent on reasoning.
    public var reasoningTokens: Int64 = 0
    /// Audio input tokens.
    public var audioInputTokens: Int64 = 0
    /// Audio output tokens.
    public var audioOutputTokens: Int64 = 0
    /// Image input tokens (image endpoints).
    public var imageInputTokens: Int64 = 0
    /// Image output tokens (image endpoints).
    public var imageOutputTokens: Int64 = 0
    /// Images generated (per-image pricing).
    public var images: Int64 = 0
    /// Image size for per-image pricing, e.g. `1024x1024`.
    public var imageSize: String?
    /// Image quality for per-image pricing, e.g. `standard`, `hd`, `medium`.
    public var imageQuality: String?
    /// Audio duration in milliseconds (duration-billed transcription); shown as `audioSeconds`.
    public var audioMilliseconds: Int64 = 0
    /// Characters of text turned into speech.
    public var characters: Int64 = 0

    public init() {}

    /// True when nothing billable was counted.
    public var isEmpty: Bool {
        inputTokens == 0 && cachedInputTokens == 0 && cacheWriteInputTokens == 0 && outputTokens == 0 && audioInputTokens == 0 && audioOutputTokens == 0
            && imageInputTokens == 0 && imageOutputTokens == 0 && images == 0 && audioMilliseconds == 0 && characters == 0
    }
}
