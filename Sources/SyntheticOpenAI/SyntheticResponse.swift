/// A response body: one JSON document, or server-sent events to be written one after another.
public enum SyntheticBody: Sendable, Equatable {
    /// A complete JSON document.
    case json([UInt8])
    /// Server-sent events; each element is one complete event including its trailing blank line.
    case events([[UInt8]])

    /// The whole body as it goes on the wire (the events concatenated).
    public var bytes: [UInt8] {
        switch self {
        case let .json(bytes): bytes
        case let .events(events): Array(events.joined())
        }
    }
}

/// What the synthetic upstream answers: status, headers and body.
public struct SyntheticResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The response headers, in order; names as Azure OpenAI spells them.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: SyntheticBody

    /// A response from its parts.
    public init(status: Int, headers: [(name: String, value: String)], body: SyntheticBody) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header with this name (case-insensitive), if any.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
