/// Reads the payload contract v1 envelope: one JSON object, known fields typed, unknown fields
/// skipped, bodies located but not decoded.
struct EnvelopeParser {
    /// The newest `schemaVersion` this build understands.
    static let schemaVersion: Int64 = 1

    static func parse(_ buffer: UnsafeRawBufferPointer) throws(ExtractionError) -> EnvelopeFields {
        var cursor = JSONCursor(buffer, maxDepth: 64)
        var fields = EnvelopeFields()
        // The fields met so far, one bit per field (a duplicate is refused).
        var seen: UInt64 = 0
        do {
            guard cursor.peek() == UInt8(ascii: "{") else { throw ExtractionError.invalidJSON(offset: cursor.index, reason: "the envelope must be a JSON object") }
            try cursor.readObject { key, cursor throws(ScanError) in
                guard let field = Field.named(key, cursor) else { return false }
                let bit: UInt64 = 1 << UInt64(field.rawValue)
                guard seen & bit == 0 else { throw ScanError(offset: key.lowerBound, kind: .type("duplicate:\(field.name)")) }
                seen |= bit
                try read(field, into: &fields, cursor: &cursor)
                return true
            }
            guard cursor.peek() == nil else { throw ExtractionError.invalidJSON(offset: cursor.index, reason: "trailing characters after the envelope") }
        } catch let error as ExtractionError {
            throw error
        } catch let error as ScanError {
            if case let .type(expected) = error.kind {
                if expected.hasPrefix("duplicate:") { throw .duplicateField(String(expected.dropFirst(10))) }
                if expected.hasPrefix("field:") {
                    let parts = expected.dropFirst(6).split(separator: "|", maxSplits: 1)
                    throw .invalidField(String(parts[0]), reason: parts.count > 1 ? String(parts[1]) : "has the wrong type")
                }
            }
            throw error.envelopeError
        } catch {
            throw .invalidJSON(offset: cursor.index, reason: "unreadable")
        }
        return fields
    }

    /// The envelope's members, each case named as its member. A member is matched by its bytes and
    /// handled by its case: the ingest path makes no `String` per member name, and finds no name by
    /// comparing strings.
    enum Field: Int, CaseIterable {
        case schemaVersion, source, requestId, timestamp, subscriptionId, subscriptionName, productId, userId, apiId
        case operationId, method, path, apiVersion, deployment, gatewayRegion, backendRegion, statusCode, isStream
        case responseContentType, requestBody, responseBody, requestBodyLength, responseBodyLength, lastError, elapsedMs
        case responseBodyTail

        /// The member names, made once from the cases themselves (a name and its case cannot drift
        /// apart). At most 64: `parse` keeps one bit per field.
        static let names: [String] = {
            assert(allCases.count <= 64, "EnvelopeParser.parse keeps the fields it met in 64 bits")
            return allCases.map { "\($0)" }
        }()
        static let nameBytes: [[UInt8]] = names.map { Array($0.utf8) }

        var name: String { Self.names[rawValue] }

        /// The field a member name (`key`, its bytes in the cursor's buffer) is; nil for a member the envelope does not define.
        static func named(_ key: Range<Int>, _ cursor: JSONCursor) -> Field? {
            nameBytes.firstIndex { cursor.bytes(key, equal: $0) }.flatMap(Field.init(rawValue:))
        }
    }

    /// A typed-field failure, carried through the scanner's error type.
    static func fieldError(_ name: String, _ reason: String) -> ScanError {
        ScanError(offset: 0, kind: .type("field:\(name)|\(reason)"))
    }

    static func read(_ field: Field, into fields: inout EnvelopeFields, cursor: inout JSONCursor) throws(ScanError) {
        let name = field.name
        switch field {
        case .schemaVersion: fields.schemaVersion = try integer(name, &cursor)
        case .statusCode: fields.statusCode = try integer(name, &cursor)
        case .requestBodyLength: fields.requestBodyLength = try integer(name, &cursor)
        case .responseBodyLength: fields.responseBodyLength = try integer(name, &cursor)
        case .elapsedMs:
            guard try !cursor.consumeNull() else { return }
            guard let first = cursor.peek(), first == UInt8(ascii: "-") || first &- 0x30 < 10 else { throw fieldError(name, "must be a number") }
            _ = try cursor.numberRange()
        case .isStream:
            guard try !cursor.consumeNull() else { return }
            guard let first = cursor.peek(), first == UInt8(ascii: "t") || first == UInt8(ascii: "f") else { throw fieldError(name, "must be true or false") }
            fields.isStream = try cursor.readBool()
        case .requestBody: fields.requestBody = try body(name, &cursor)
        case .responseBody: fields.responseBody = try body(name, &cursor)
        case .responseBodyTail: fields.responseBodyTail = try body(name, &cursor)
        case .lastError: try lastError(into: &fields, cursor: &cursor)
        case .source: fields.source = try string(name, &cursor)
        case .requestId: fields.requestId = try string(name, &cursor)
        case .timestamp: fields.timestamp = try string(name, &cursor)
        case .subscriptionId: fields.subscriptionId = try string(name, &cursor)
        case .subscriptionName: fields.subscriptionName = try string(name, &cursor)
        case .productId: fields.productId = try string(name, &cursor)
        case .userId: fields.userId = try string(name, &cursor)
        case .apiId: fields.apiId = try string(name, &cursor)
        case .operationId: fields.operationId = try string(name, &cursor)
        case .method: fields.method = try string(name, &cursor)
        case .path: fields.path = try string(name, &cursor)
        case .apiVersion: fields.apiVersion = try string(name, &cursor)
        case .deployment: fields.deployment = try string(name, &cursor)
        case .gatewayRegion: fields.gatewayRegion = try string(name, &cursor)
        case .backendRegion: fields.backendRegion = try string(name, &cursor)
        case .responseContentType: fields.responseContentType = try string(name, &cursor)
        }
    }

    /// A string or null; identifiers are capped at 512 bytes.
    static func string(_ name: String, _ cursor: inout JSONCursor) throws(ScanError) -> String? {
        guard try !cursor.consumeNull() else { return nil }
        guard cursor.peek() == UInt8(ascii: "\"") else { throw fieldError(name, "must be a string or null") }
        let text = try cursor.readString()
        guard text.utf8.count <= 512 else { throw fieldError(name, "is longer than 512 bytes") }
        return text
    }

    static func integer(_ name: String, _ cursor: inout JSONCursor) throws(ScanError) -> Int64? {
        guard try !cursor.consumeNull() else { return nil }
        guard let first = cursor.peek(), first == UInt8(ascii: "-") || first &- 0x30 < 10 else { throw fieldError(name, "must be an integer") }
        let range = try cursor.numberRange()
        guard let value = NumberText.integer(cursor.base, range) else { throw fieldError(name, "must be an integer within ±10^18") }
        return value
    }

    static func body(_ name: String, _ cursor: inout JSONCursor) throws(ScanError) -> BodySpan? {
        guard try !cursor.consumeNull() else { return nil }
        guard cursor.peek() == UInt8(ascii: "\"") else { throw fieldError(name, "must be a string (the raw body text) or null") }
        let (range, hasEscapes) = try cursor.stringRange()
        return BodySpan(range: range, hasEscapes: hasEscapes)
    }

    static func lastError(into fields: inout EnvelopeFields, cursor: inout JSONCursor) throws(ScanError) {
        guard try !cursor.consumeNull() else { return }
        guard cursor.peek() == UInt8(ascii: "{") else { throw fieldError("lastError", "must be an object or null") }
        // Only source and reason are kept: the message is free text and may quote the request.
        try cursor.readObject(depth: 1) { key, cursor throws(ScanError) in
            if cursor.bytes(key, equal: "source") {
                fields.lastErrorSource = try string("lastError.source", &cursor)
                return true
            }
            if cursor.bytes(key, equal: "reason") {
                fields.lastErrorReason = try string("lastError.reason", &cursor)
                return true
            }
            return false
        }
    }
}
