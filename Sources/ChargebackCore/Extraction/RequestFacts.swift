/// The few request-body fields extraction reads: the model (deployment on `/openai/v1/…`), the
/// image size and quality that per-image prices depend on, and the output bounds an estimate may
/// not exceed. Text is never read here.
struct RequestFacts {
    var model: String?
    /// Every `model` member's text, in order (more than one only in a hostile or broken body; the
    /// first 8 are kept).
    var models: [String] = []
    var size: String?
    var quality: String?
    /// `max_tokens`, `max_completion_tokens` or `max_output_tokens`: the most output one choice may have.
    var maxOutputTokens: Int64?
    /// `n`: how many choices were asked for.
    var choices: Int64?
    /// True when a member that could decide the price (`model`, `size`, `quality`, `n`) appears twice:
    /// parsers disagree on which one wins, so the response's word is taken and the event flagged.
    var hasDuplicatedPriceMember = false

    static func read(_ cursor: inout JSONCursor) throws(ScanError) -> RequestFacts {
        var facts = RequestFacts()
        var seen: Set<String> = []
        try cursor.readObject { key, cursor throws(ScanError) in
            func note(_ name: String) {
                if !seen.insert(name).inserted { facts.hasDuplicatedPriceMember = true }
            }
            switch true {
            case cursor.bytes(key, equal: "model"):
                note("model")
                facts.model = try ResponseFacts.optionalText(&cursor)
                if let model = facts.model, facts.models.count < 8 { facts.models.append(model) }
            case cursor.bytes(key, equal: "size"):
                note("size")
                facts.size = try ResponseFacts.optionalText(&cursor)
            case cursor.bytes(key, equal: "quality"):
                note("quality")
                facts.quality = try ResponseFacts.optionalText(&cursor)
            case cursor.bytes(key, equal: "n"):
                note("n")
                facts.choices = try count(&cursor)
            case cursor.bytes(key, equal: "max_tokens"), cursor.bytes(key, equal: "max_completion_tokens"), cursor.bytes(key, equal: "max_output_tokens"):
                facts.maxOutputTokens = try count(&cursor) ?? facts.maxOutputTokens
            default: return false
            }
            return true
        }
        return facts
    }

    /// A non-negative integer within the usage limit, or nil for anything else (skipped).
    static func count(_ cursor: inout JSONCursor) throws(ScanError) -> Int64? {
        guard let first = cursor.peek(), first &- 0x30 < 10 else {
            try cursor.skipValue()
            return nil
        }
        let range = try cursor.numberRange()
        guard let value = NumberText.integer(cursor.base, range), value >= 0, value <= UsageNumbers.limit else { return nil }
        return value
    }
}
