/// A stored Azure OpenAI object a subscription creates and others may later read or poll: a
/// Responses API response, a Batch API batch, or an uploaded file.
/// Encoded as `{"kind":"file","id":"file-…"}` (the spool keeps it with the event).
public struct ObjectReference: Sendable, Hashable, Codable {
    /// What kind of object.
    public var kind: ObjectKind
    /// Azure's id: `resp_…`, `batch_…`, `file-…`.
    public var id: String

    public init(kind: ObjectKind, id: String) {
        self.kind = kind
        self.id = id
    }

    /// The longest id accepted (Azure's are about 60 characters).
    public static let maximumIDLength = 128

    /// True for 1…128 characters of `A-Z a-z 0-9 - _ .`: every id Azure issues, and nothing that
    /// could be a path, a pattern or a list.
    public static func isValidID(_ id: some StringProtocol) -> Bool {
        !id.isEmpty && id.utf8.count <= maximumIDLength && id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || byte &- 0x30 < 10
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// The object a call created, if it was a successful create: `POST …/responses`, `POST …/batches`
    /// or `POST …/files` under `/openai/` or `/openai/v1/` (an API suffix before them is fine), with
    /// a 2xx answer whose `id` is a valid id. Anything else (a poll, a cancel, a download) is nil.
    public static func created(method: String?, path: String?, statusCode: Int, id: String?) -> ObjectReference? {
        guard method?.uppercased() == "POST", (200..<300).contains(statusCode), let id, isValidID(id), let path else { return nil }
        var trimmed = Substring(path.lowercased())
        if let query = trimmed.firstIndex(of: "?") { trimmed = trimmed[..<query] }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        for kind in ObjectKind.allCases {
            if trimmed.hasSuffix("/openai/" + kind.collection) || trimmed.hasSuffix("/openai/v1/" + kind.collection) {
                return ObjectReference(kind: kind, id: id)
            }
        }
        return nil
    }
}

/// The kinds of stored objects whose creator is remembered.
public enum ObjectKind: String, Sendable, Hashable, Codable, CaseIterable {
    case file, batch, response

    /// The REST collection that creates it (`POST /openai/v1/<collection>`).
    public var collection: String {
        switch self {
        case .file: return "files"
        case .batch: return "batches"
        case .response: return "responses"
        }
    }
}
