/// Why an envelope was refused. Every case has a stable machine-readable `code`; messages name
/// fields and byte offsets, never payload text.
public enum ExtractionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The envelope is not JSON (or not an object); `offset` is where reading stopped.
    case invalidJSON(offset: Int, reason: String)
    /// The envelope holds bytes that are not UTF-8.
    case invalidUTF8(offset: Int)
    /// Nesting deeper than the scanner allows.
    case tooDeep(offset: Int)
    /// A required field is absent or null.
    case missingField(String)
    /// A field has the wrong type or an impossible value.
    case invalidField(String, reason: String)
    /// A known field appears twice.
    case duplicateField(String)
    /// `schemaVersion` is newer than this build understands.
    case unsupportedSchemaVersion(Int64)
    /// A body is not what its content type (or the operation) says.
    case bodyContentTypeMismatch(body: String, expected: String)
    /// The response body claims JSON but is not valid JSON.
    case invalidBodyJSON(body: String, offset: Int, reason: String)
    /// An SSE event's data is malformed.
    case invalidSSE(event: Int, reason: String)
    /// A usage number is negative, too large, fractional, or inconsistent with its total.
    case invalidUsage(field: String, reason: String)

    /// The stable reason code callers can switch on.
    public var code: String {
        switch self {
        case .invalidJSON: return "invalid_json"
        case .invalidUTF8: return "invalid_utf8"
        case .tooDeep: return "too_deep"
        case .missingField: return "missing_field"
        case .invalidField: return "invalid_field"
        case .duplicateField: return "duplicate_field"
        case .unsupportedSchemaVersion: return "unsupported_schema_version"
        case .bodyContentTypeMismatch: return "body_content_type_mismatch"
        case .invalidBodyJSON: return "invalid_body_json"
        case .invalidSSE: return "invalid_sse"
        case .invalidUsage: return "invalid_usage"
        }
    }

    public var description: String {
        switch self {
        case let .invalidJSON(offset, reason): return "the envelope is not valid JSON at byte \(offset): \(reason)"
        case let .invalidUTF8(offset): return "the envelope is not valid UTF-8 at byte \(offset)"
        case let .tooDeep(offset): return "nesting is too deep at byte \(offset)"
        case let .missingField(name): return "required field '\(name)' is missing"
        case let .invalidField(name, reason): return "field '\(name)' \(reason)"
        case let .duplicateField(name): return "field '\(name)' appears more than once"
        case let .unsupportedSchemaVersion(version): return "schemaVersion \(version) is newer than this service understands (1)"
        case let .bodyContentTypeMismatch(body, expected): return "\(body) is not \(expected) as its content type says"
        case let .invalidBodyJSON(body, offset, reason): return "\(body) is not valid JSON at byte \(offset): \(reason)"
        case let .invalidSSE(event, reason): return "event \(event) of the response stream is malformed: \(reason)"
        case let .invalidUsage(field, reason): return "usage field '\(field)' \(reason)"
        }
    }
}
