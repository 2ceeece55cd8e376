/// The envelope's bytes and its bodies, decoded on demand while the envelope is borrowed.
struct EnvelopeBytes {
    let buffer: UnsafeRawBufferPointer

    /// Runs `body` over a body's text: the envelope's own bytes when it has no escapes, else a decoded copy.
    func withBody<T>(_ span: BodySpan, _ name: String, _ body: (UnsafeRawBufferPointer) -> Result<T, ExtractionError>) -> Result<T, ExtractionError> {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard span.hasEscapes else {
            return body(UnsafeRawBufferPointer(start: base + span.range.lowerBound, count: span.range.count))
        }
        switch JSONUnescaper.decoded(base, span.range) {
        case let .success(decoded): return decoded.withUnsafeBytes { body($0) }
        case let .failure(error): return .failure(.invalidJSON(offset: error.offset, reason: "\(name): invalid escape"))
        }
    }

    /// Where the last `events` SSE events start inside an escaped body, found in the escaped text
    /// itself (a blank line is the escape pair `\n\n` there), so that only the tail is decoded.
    func escapedTailStart(_ span: BodySpan, events: Int) -> Int? {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var index = span.range.upperBound - 4
        var found = 0
        var trailing = true
        while index >= span.range.lowerBound {
            if base[index] == 0x5C, base[index + 1] == UInt8(ascii: "n"), base[index + 2] == 0x5C, base[index + 3] == UInt8(ascii: "n") {
                var backslashes = 0
                while index - backslashes - 1 >= span.range.lowerBound, base[index - backslashes - 1] == 0x5C { backslashes += 1 }
                if backslashes % 2 == 0 {
                    if !trailing {
                        found += 1
                        if found == events { return index + 4 }
                    }
                    index -= 1
                    continue
                }
            }
            trailing = false
            index -= 1
        }
        return nil
    }

    /// Runs a JSON reader over a body, mapping scanner failures to body errors.
    func readJSON<T>(_ span: BodySpan, _ name: String, _ read: @escaping (inout JSONCursor) throws(ScanError) -> T) -> Result<T, ExtractionError> {
        withBody(span, name) { Self.readJSON($0, name, read) }
    }

    /// Runs a JSON reader over decoded body bytes; the body must be one JSON object.
    static func readJSON<T>(_ bytes: UnsafeRawBufferPointer, _ name: String, _ read: (inout JSONCursor) throws(ScanError) -> T) -> Result<T, ExtractionError> {
        var cursor = JSONCursor(bytes, maxDepth: 64)
        cursor.skipsAnyDepth = true
        do throws(ScanError) {
            guard let first = cursor.peek(), first == UInt8(ascii: "{") else {
                return .failure(.bodyContentTypeMismatch(body: name, expected: "a JSON object"))
            }
            let value = try read(&cursor)
            guard cursor.peek() == nil else { return .failure(.invalidBodyJSON(body: name, offset: cursor.index, reason: "trailing characters")) }
            return .success(value)
        } catch {
            return .failure(error.usageError ?? error.bodyError(name))
        }
    }
}
