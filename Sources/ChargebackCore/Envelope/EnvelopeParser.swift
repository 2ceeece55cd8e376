/// Reads the payload contract v1 envelope: one JSON object, known fields typed, unknown fields
/// skipped, bodies located but not decoded.
struct EnvelopeParser {
    /// The newest `schemaVersion` this build understands.
    static let schemaVersion: Int64 = 1

    static func parse(_ buffer: UnsafeRawBufferPointer) throws(ExtractionError) -> EnvelopeFields {
        var cursor = JSONCursor(buffer, maxDepth: 64)
        var fields = EnvelopeFields()
        var seen = Set<String>()
        do {
            guard cursor.peek() == UInt8(ascii: "{") else { throw ExtractionError.invalidJSON(offset: cursor.index, reason: "the envelope must be a JSON object") }
            try cursor.readObject { key, cursor throws(ScanError) in
                guard let name = knownName(key, cursor) else { return false }
                guard seen.insert(name).inserted else { throw ScanError(offset: key.lowerBound, kind: .type("duplicate:" + name)) }
                try read(name, into: &fields, cursor: &cursor)
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

    static let names: [StaticString] = [
        "schemaVersion", "source", "requestId", "timestamp", "subscriptionId", "subscriptionName", "productId", "userId", "apiId",
        "operationId", "method", "path", "apiVersion", "deployment", "gatewayRegion", "backendRegion", "statusCode", "isStream",
        "responseContentType", "requestBody", "responseBody", "requestBodyLength", "responseBodyLength", "lastError", "elapsedMs",
        "responseBodyTail",
    ]

    static func knownName(_ key: Range<Int>, _ cursor: JSONCursor) -> String? {
        for name in names where cursor.bytes(key, equal: name) { return name.description }
        return nil
    }

    /// A typed-field failure, carried through the scanner's error type.
    static func fieldError(_ name: String, _ reason: String) -> ScanError {
        ScanError(offset: 0, kind: .type("field:\(name)|\(reason)"))
    }

    static func read(_ name: String, into fields: inout EnvelopeFields, cursor: inout JSONCursor) throws(ScanError) {
        switch name {
        case "schemaVersion": fields.schemaVersion = try integer(name, &cursor)
        case "statusCode": fields.statusCode = try integer(name, &cursor)
        case "requestBodyLength": fields.requestBodyLength = try integer(name, &cursor)
        case "responseBodyLength": fields.responseBodyLength = try integer(name, &cursor)
        case "elapsedMs":
            guard try !cursor.consumeNull() else { return }
            guard let first = cursor.peek(), first == UInt8(ascii: "-") || first &- 0x30 < 10 else { throw fieldError(name, "must be a number") }
            _ = try cursor.numberRange()
        case "isStream":
            guard try !cursor.consumeNull() else { return }
            guard let first = cursor.peek(), first == UInt8(ascii: "t") || first == UInt8(ascii: "f") else { throw fieldError(name, "must be true or false") }
            fields.isStream = try cursor.readBool()
        case "requestBody": fields.requestBody = try body(name, &cursor)
        case "responseBody": fields.responseBody = try body(name, &cursor)
        case "responseBodyTail": fields.responseBodyTail = try body(name, &cursor)
        case "lastError": try lastError(into: &fields, cursor: &cursor)
        default:
            let value = try string(name, &cursor)
            switch name {
            case "source": fields.source = value
            case "requestId": fields.requestId = value
            case "timestamp": fields.timestamp = value
            case "subscriptionId": fields.subscriptionId = value
            case "subscriptionName": fields.subscriptionName = value
            case "productId": fields.productId = value
            case "userId": fields.userId = value
            case "apiId": fields.apiId = value
            case "operationId": fields.operationId = value
            case "method": fields.method = value
            case "path": fields.path = value
            case "apiVersion": fields.apiVersion = value
            case "deployment": fields.deployment = value
            case "gatewayRegion": fields.gatewayRegion = value
            case "backendRegion": fields.backendRegion = value
            case "responseContentType": fields.responseContentType = value
            default: break
            }
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
