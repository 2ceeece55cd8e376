/// Reads the usage out of the last bytes of a response that was too large to capture whole: the
/// policy then sends `responseBodyTail` (the last 64 KiB), which is where the `usage` of a JSON
/// answer (after `choices`/`output`) and the final events of a stream are.
enum TailUsage {
    /// The usage in a tail, if one can be read; nil otherwise (the caller estimates).
    static func read(_ tail: UnsafeRawBufferPointer) -> UsageNumbers? {
        if let start = firstEventBoundary(tail) {
            let events = UnsafeRawBufferPointer(rebasing: tail[start...])
            if let facts = try? StreamFacts.readEvents(events), let usage = facts.usage { return usage }
        }
        return lastUsageObject(tail)
    }

    /// The offset after the first blank line (`\n\n`) followed by `data:`: the first whole SSE event.
    static func firstEventBoundary(_ tail: UnsafeRawBufferPointer) -> Int? {
        let data = Array("data:".utf8)
        var index = 0
        while index + 1 < tail.count {
            if tail[index] == 0x0A, tail[index + 1] == 0x0A {
                let start = index + 2
                if start + data.count <= tail.count, zip(tail[start..<(start + data.count)], data).allSatisfy({ $0 == $1 }) { return start }
            }
            index += 1
        }
        return nil
    }

    /// The last `"usage": {…}` member that parses as a usage object. Inside a JSON string every
    /// quote is escaped, so an unescaped `"usage"` followed by `:` is a key; the last one is the
    /// top-level usage (Azure writes it after `choices`, `output` and echoed `tools`).
    static func lastUsageObject(_ tail: UnsafeRawBufferPointer) -> UsageNumbers? {
        let key = Array("\"usage\"".utf8)
        var index = tail.count - key.count
        while index >= 0 {
            defer { index -= 1 }
            guard tail[index] == key[0], zip(tail[index..<(index + key.count)], key).allSatisfy({ $0 == $1 }) else { continue }
            if index > 0, tail[index - 1] == 0x5C { continue }
            var cursor = JSONCursor(UnsafeRawBufferPointer(rebasing: tail[(index + key.count)...]))
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: ":") else { continue }
            cursor.index += 1
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{"), let usage = try? UsageNumbers.read(&cursor, depth: 0) else { continue }
            return usage
        }
        return nil
    }
}
