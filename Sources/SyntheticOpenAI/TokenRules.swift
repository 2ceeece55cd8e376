/// The deterministic token arithmetic of the synthetic upstream (the rules are listed on
/// `SyntheticOpenAI`). Characters are Unicode scalars, as the chargeback estimator counts them.
enum TokenRules {
    /// Tokens added per chat message, and once to prime the reply.
    static let messageOverhead = 3
    /// Tokens added once to a Responses input.
    static let responsesOverhead = 3
    /// Prompts at least this long get a prompt-cache hit.
    static let cacheThreshold = 1024

    /// 64-bit FNV-1a: a stable hash of the request body that decides everything not given by the request.
    static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// ⌈characters ÷ 4⌉.
    static func tokens(_ text: String) -> Int {
        (text.unicodeScalars.count + 3) / 4
    }

    /// Chat prompt: 3 per message + ⌈characters of its text ÷ 4⌉, plus 3 to prime the reply.
    static func chatPromptTokens(messageTexts: [String]) -> Int {
        messageTexts.reduce(messageOverhead) { $0 + messageOverhead + tokens($1) }
    }

    /// Cached prompt tokens: half of the whole 128-token blocks of a prompt of at least 1,024 tokens,
    /// so always a multiple of 64 and never more than the prompt.
    static func cachedTokens(prompt: Int) -> Int {
        prompt >= cacheThreshold ? (prompt / 128) * 64 : 0
    }

    /// Completion tokens: 16 + hash mod 240, capped by the request's token limit when it gave one.
    static func completionTokens(hash: UInt64, limit: Int?) -> Int {
        let natural = 16 + Int(hash % 240)
        guard let limit else { return natural }
        return min(limit, natural)
    }

    /// True for reasoning models: `o` followed by a digit (o1, o3-mini, o4-mini) or `gpt-5…`.
    static func isReasoningModel(_ name: String) -> Bool {
        let lower = Array(name.lowercased().utf8)
        if lower.starts(with: "gpt-5".utf8) { return true }
        guard lower.count >= 2, lower[0] == UInt8(ascii: "o") else { return false }
        return lower[1] &- UInt8(ascii: "0") < 10
    }

    /// True for models that bill prompt-cache writes and report them (`cache_write_tokens`): GPT-5.6
    /// and later (`gpt-5.<6 or more>…`, `gpt-<6 or more>…`); OpenAI priced cache misses as plain input
    /// before GPT-5.6, and usage readers treat the field as present from GPT-5.6 on.
    static func writesPromptCache(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard lower.hasPrefix("gpt-") else { return false }
        let version = lower.dropFirst(4).prefix { $0.isNumber || $0 == "." }.split(separator: ".", omittingEmptySubsequences: false)
        guard let major = version.first.flatMap({ Int($0) }) else { return false }
        if major != 5 { return major > 5 }
        return version.count > 1 && (Int(version[1]) ?? 0) >= 6
    }

    /// Prompt tokens written to the cache by a model that bills them: half the uncached prompt, in
    /// whole 128-token blocks, for a prompt of at least 1,024 tokens (part of the prompt, like the cached ones).
    static func cacheWriteTokens(prompt: Int, cached: Int) -> Int {
        prompt >= cacheThreshold ? (prompt - cached) / 256 * 128 : 0
    }

    /// Reasoning tokens: half the completion for reasoning models (part of the completion), else 0.
    static func reasoningTokens(completion: Int, isReasoning: Bool) -> Int {
        isReasoning ? completion / 2 : 0
    }
}

/// SplitMix64: a tiny, stable pseudo-random sequence seeded by a request hash.
struct SplitMix64 {
    private var state: UInt64

    /// A sequence determined by `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 64-bit value.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
