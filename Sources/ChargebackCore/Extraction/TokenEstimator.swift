/// The documented estimator used when the service reported no usage (a stream without
/// `include_usage`, a cut-off stream, a prompt rejected by the content filter, a body not captured):
///
/// - text: ⌈characters ÷ 4⌉ tokens (OpenAI's rule of thumb for English);
/// - chat: 3 tokens per message plus its role and text, 3 more to prime the reply, 85 per image part;
/// - tools and functions: ⌈JSON bytes ÷ 4⌉;
/// - completion from a stream: ⌈streamed characters ÷ 4⌉.
///
/// Only lengths are read; no text is kept.
enum TokenEstimator {
    static let messageOverhead: Int64 = 3
    static let replyPriming: Int64 = 3
    static let imagePartTokens: Int64 = 85

    static func tokens(characters: Int64) -> Int64 { (characters + 3) / 4 }

    /// Estimated prompt tokens of a request body (a JSON object), by operation.
    static func promptTokens(_ cursor: inout JSONCursor, operation: Operation) throws(ScanError) -> Int64 {
        var characters: Int64 = 0
        var overhead: Int64 = 0
        try cursor.readObject { key, cursor throws(ScanError) in
            switch true {
            case cursor.bytes(key, equal: "messages"):
                guard cursor.peek() == UInt8(ascii: "[") else { return false }
                overhead += replyPriming
                try cursor.readArray(depth: 1) { _, cursor throws(ScanError) in
                    guard cursor.peek() == UInt8(ascii: "{") else { return false }
                    overhead += messageOverhead
                    let (text, images) = try contentLength(&cursor, depth: 2)
                    characters += text
                    overhead += images * imagePartTokens
                    return true
                }
            case cursor.bytes(key, equal: "prompt") && operation != .chat,
                 cursor.bytes(key, equal: "input") && operation != .speech,
                 cursor.bytes(key, equal: "instructions"):
                let (text, images) = try contentLength(&cursor, depth: 1)
                characters += text
                overhead += images * imagePartTokens
            case cursor.bytes(key, equal: "tools"), cursor.bytes(key, equal: "functions"):
                let start = cursor.index
                try cursor.skipValue(depth: 1)
                characters += Int64(cursor.index - start)
            default:
                return false
            }
            return true
        }
        return tokens(characters: characters) + overhead
    }

    /// Characters of text and count of image parts in any message-like value: a string, an array of
    /// strings or parts, or an object with `content`/`text`/`role`/`name`.
    static func contentLength(_ cursor: inout JSONCursor, depth: Int) throws(ScanError) -> (characters: Int64, images: Int64) {
        switch cursor.peek() {
        case UInt8(ascii: "\"")?:
            return (try TextLength.characters(&cursor), 0)
        case UInt8(ascii: "[")?:
            var total: (characters: Int64, images: Int64) = (0, 0)
            try cursor.readArray(depth: depth) { _, cursor throws(ScanError) in
                let part = try contentLength(&cursor, depth: depth + 1)
                total.characters += part.characters
                total.images += part.images
                return true
            }
            return total
        case UInt8(ascii: "{")?:
            var total: (characters: Int64, images: Int64) = (0, 0)
            try cursor.readObject(depth: depth) { key, cursor throws(ScanError) in
                if cursor.bytes(key, equal: "image_url") || cursor.bytes(key, equal: "input_image") || cursor.bytes(key, equal: "image") {
                    total.images += 1
                    return false
                }
                guard cursor.bytes(key, equal: "content") || cursor.bytes(key, equal: "text") || cursor.bytes(key, equal: "role")
                        || cursor.bytes(key, equal: "name") || cursor.bytes(key, equal: "input") else { return false }
                let part = try contentLength(&cursor, depth: depth + 1)
                total.characters += part.characters
                total.images += part.images
                return true
            }
            return total
        default:
            try cursor.skipValue(depth: depth)
            return (0, 0)
        }
    }

    /// Characters of the speech request's `input` (what text-to-speech bills).
    static func speechCharacters(_ cursor: inout JSONCursor) throws(ScanError) -> Int64 {
        var characters: Int64 = 0
        try cursor.readObject { key, cursor throws(ScanError) in
            guard cursor.bytes(key, equal: "input"), cursor.peek() == UInt8(ascii: "\"") else { return false }
            characters = try TextLength.characters(&cursor)
            return true
        }
        return characters
    }
}
