/// What the extractor needs from a JSON response body (or one SSE event's data).
struct ResponseFacts {
    var usage: UsageNumbers?
    var model: String?
    var id: String?
    var status: String?
    /// A batch's `output_file_id` and `error_file_id`: files Azure made for the batch's creator.
    var producedFiles: [String] = []
    var isBackground = false
    /// Elements of `data` (images generated).
    var dataCount: Int64?
    var size: String?
    var quality: String?
    /// Whisper `verbose_json` duration, thousandths of a second.
    var durationMilliseconds: Int64?
    var errorCode: String?
    var innerErrorCode: String?
    /// Characters of `choices[].delta.content` / `choices[].text` / Responses `delta` text (for estimates).
    var streamedCharacters: Int64 = 0

    /// Reads the top-level members of a JSON object at the cursor.
    static func read(_ cursor: inout JSONCursor, depth: Int = 0) throws(ScanError) -> ResponseFacts {
        var facts = ResponseFacts()
        try cursor.readObject(depth: depth) { key, cursor throws(ScanError) in
            switch true {
            case cursor.bytes(key, equal: "usage"):
                guard try !cursor.consumeNull() else { return true }
                facts.usage = try UsageNumbers.read(&cursor, depth: depth + 1)
            case cursor.bytes(key, equal: "response"):
                guard try !cursor.consumeNull() else { return true }
                let inner = try read(&cursor, depth: depth + 1)
                facts.usage = inner.usage ?? facts.usage
                facts.model = inner.model ?? facts.model
                facts.id = inner.id ?? facts.id
                facts.status = inner.status ?? facts.status
            case cursor.bytes(key, equal: "model"): facts.model = try optionalText(&cursor)
            case cursor.bytes(key, equal: "id"): facts.id = try optionalText(&cursor)
            case cursor.bytes(key, equal: "status"): facts.status = try optionalText(&cursor)
            case cursor.bytes(key, equal: "output_file_id"), cursor.bytes(key, equal: "error_file_id"):
                if let file = try optionalText(&cursor), ObjectReference.isValidID(file), facts.producedFiles.count < 2 { facts.producedFiles.append(file) }
            case cursor.bytes(key, equal: "size"): facts.size = try optionalText(&cursor)
            case cursor.bytes(key, equal: "quality"): facts.quality = try optionalText(&cursor)
            case cursor.bytes(key, equal: "background"):
                guard cursor.peek() == UInt8(ascii: "t") || cursor.peek() == UInt8(ascii: "f") else { return false }
                facts.isBackground = try cursor.readBool()
            case cursor.bytes(key, equal: "data"):
                guard cursor.peek() == UInt8(ascii: "[") else { return false }
                var count: Int64 = 0
                try cursor.readArray(depth: depth + 1) { _, _ throws(ScanError) in
                    count += 1
                    return false
                }
                facts.dataCount = count
            case cursor.bytes(key, equal: "duration"):
                guard let first = cursor.peek(), first &- 0x30 < 10 else { return false }
                let range = try cursor.numberRange()
                guard let value = NumberText.thousandths(cursor.base, range), value <= UsageNumbers.limit else {
                    throw UsageNumbers.invalid("duration", "must be a non-negative number of seconds")
                }
                facts.durationMilliseconds = value
            case cursor.bytes(key, equal: "error"):
                guard cursor.peek() == UInt8(ascii: "{") else { return false }
                try readError(&cursor, depth: depth + 1, into: &facts)
            case cursor.bytes(key, equal: "choices"):
                guard cursor.peek() == UInt8(ascii: "[") else { return false }
                try cursor.readArray(depth: depth + 1) { _, cursor throws(ScanError) in
                    guard cursor.peek() == UInt8(ascii: "{") else { return false }
                    try readChoice(&cursor, depth: depth + 2, into: &facts)
                    return true
                }
            case cursor.bytes(key, equal: "delta"):
                guard cursor.peek() == UInt8(ascii: "\"") else { return false }
                facts.streamedCharacters += try TextLength.characters(&cursor)
            default:
                return false
            }
            return true
        }
        return facts
    }

    static func optionalText(_ cursor: inout JSONCursor) throws(ScanError) -> String? {
        guard cursor.peek() == UInt8(ascii: "\"") else {
            try cursor.skipValue()
            return nil
        }
        let text = try cursor.readString()
        return text.utf8.count <= 256 ? text : String(text.prefix(256))
    }

    static func readError(_ cursor: inout JSONCursor, depth: Int, into facts: inout ResponseFacts) throws(ScanError) {
        try cursor.readObject(depth: depth) { key, cursor throws(ScanError) in
            if cursor.bytes(key, equal: "code") {
                facts.errorCode = try optionalText(&cursor)
                return true
            }
            if cursor.bytes(key, equal: "innererror"), cursor.peek() == UInt8(ascii: "{") {
                try cursor.readObject(depth: depth + 1) { key, cursor throws(ScanError) in
                    guard cursor.bytes(key, equal: "code") else { return false }
                    facts.innerErrorCode = try optionalText(&cursor)
                    return true
                }
                return true
            }
            return false
        }
    }

    /// Counts streamed text in a choice: `delta.content` (chat chunks) or `text` (completion chunks).
    static func readChoice(_ cursor: inout JSONCursor, depth: Int, into facts: inout ResponseFacts) throws(ScanError) {
        try cursor.readObject(depth: depth) { key, cursor throws(ScanError) in
            if cursor.bytes(key, equal: "text"), cursor.peek() == UInt8(ascii: "\"") {
                facts.streamedCharacters += try TextLength.characters(&cursor)
                return true
            }
            guard cursor.bytes(key, equal: "delta"), cursor.peek() == UInt8(ascii: "{") else { return false }
            try cursor.readObject(depth: depth + 1) { key, cursor throws(ScanError) in
                guard cursor.bytes(key, equal: "content") || cursor.bytes(key, equal: "refusal"), cursor.peek() == UInt8(ascii: "\"") else { return false }
                facts.streamedCharacters += try TextLength.characters(&cursor)
                return true
            }
            return true
        }
    }
}
