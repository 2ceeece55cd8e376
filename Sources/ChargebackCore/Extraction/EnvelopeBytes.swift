/// The envelope's bytes and its bodies, decoded on demand while the envelope is borrowed.
struct EnvelopeBytes {
    let buffer: UnsafeRawBufferPointer

    /// Runs `body` over a body's text: the envelope's own bytes when it has no escapes, else a decoded copy.
    func withBody<T>(_ span: BodySpan, _ name: String, _ body: (UnsafeRawBufferPointer) -> Result<T, ExtractionError>) -> Result<T, ExtractionError> {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard span.hasEscapes else {
            return body(UnsafeRawBufferPointer(start: base + span.range.lowerBound, count: span.range.count))
        }
        var decoded: [UInt8] = []
        do throws(ScanError) {
            try JSONUnescaper.unescape(base, span.range, into: &decoded)
        } catch {
            return .failure(.invalidJSON(offset: error.offset, reason: "\(name): invalid escape"))
        }
        return decoded.withUnsafeBytes { body($0) }
    }

    /// Runs a JSON reader over a body, mapping scanner failures to body errors.
    func readJSON<T>(_ span: BodySpan, _ name: String, _ read: @escaping (inout JSONCursor) throws(ScanError) -> T) -> Result<T, ExtractionError> {
        withBody(span, name) { bytes in
            var cursor = JSONCursor(bytes, maxDepth: 64)
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
}
