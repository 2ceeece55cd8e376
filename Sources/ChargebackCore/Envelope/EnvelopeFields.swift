/// Where a body string sits inside the envelope bytes (quotes excluded; escapes not yet decoded).
struct BodySpan {
    let range: Range<Int>
    let hasEscapes: Bool
}

/// The payload contract v1 fields as read from the envelope (see docs/payload-contract.md).
struct EnvelopeFields {
    var schemaVersion: Int64?
    var source: String?
    var requestId: String?
    var timestamp: String?
    var subscriptionId: String?
    var subscriptionName: String?
    var productId: String?
    var userId: String?
    var apiId: String?
    var operationId: String?
    var method: String?
    var path: String?
    var apiVersion: String?
    var deployment: String?
    var gatewayRegion: String?
    var backendRegion: String?
    var statusCode: Int64?
    var isStream: Bool?
    var responseContentType: String?
    var requestBody: BodySpan?
    var responseBody: BodySpan?
    /// The last 64 KiB of a response too large to capture (`responseBody` is then null).
    var responseBodyTail: BodySpan?
    var requestBodyLength: Int64?
    var responseBodyLength: Int64?
    var lastErrorSource: String?
    var lastErrorReason: String?
}

extension ScanError {
    /// The envelope-level meaning of a scanning failure.
    var envelopeError: ExtractionError {
        switch kind {
        case let .syntax(reason): return .invalidJSON(offset: offset, reason: reason)
        case .utf8: return .invalidUTF8(offset: offset)
        case .depth: return .tooDeep(offset: offset)
        case let .type(expected): return .invalidJSON(offset: offset, reason: "expected \(expected)")
        }
    }

    /// The meaning of a scanning failure inside a body.
    func bodyError(_ body: String) -> ExtractionError {
        switch kind {
        case let .syntax(reason): return .invalidBodyJSON(body: body, offset: offset, reason: reason)
        case .utf8: return .invalidBodyJSON(body: body, offset: offset, reason: "invalid UTF-8")
        case .depth: return .invalidBodyJSON(body: body, offset: offset, reason: "nesting too deep")
        case let .type(expected): return .invalidBodyJSON(body: body, offset: offset, reason: "expected \(expected)")
        }
    }
}
