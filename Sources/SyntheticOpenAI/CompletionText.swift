/// The synthetic completion: words drawn from a fixed list by the request hash, one token each.
enum CompletionText {
    /// The vocabulary; every entry is one word without spaces.
    static let vocabulary = [
        "chargeback", "assigns", "the", "cost", "of", "a", "shared", "gateway", "to", "teams", "that",
        "used", "it", "tokens", "prompt", "cached", "completion", "per", "subscription", "deployment",
        "daily", "report", "price", "meter", "usage", "model", "region", "budget", "spend", "totals",
        "and", "for", "each", "request", "is", "counted", "once", "billing", "day", "input", "output",
        "reasoning", "image", "embedding", "stream", "ledger", "rollup", "invoice",
    ]

    /// `count` words seeded by `hash`: the first capitalised, the last ending with a full stop.
    static func words(count: Int, hash: UInt64) -> [String] {
        guard count > 0 else { return [] }
        var random = SplitMix64(seed: hash)
        var words = (0..<count).map { _ in vocabulary[Int(random.next() % UInt64(vocabulary.count))] }
        words[0] = words[0].prefix(1).uppercased() + words[0].dropFirst()
        words[count - 1] += "."
        return words
    }

    /// The words as streamed: the first as is, every later one with a leading space.
    static func pieces(_ words: [String]) -> [String] {
        words.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element }
    }
}
