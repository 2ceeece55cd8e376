/// Why an invocation or configuration document does not follow the custom-handler protocol.
public enum InvocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is not JSON.
    case invalidJSON(JSONParseError)
    /// A required member is missing or has the wrong type; the payload names the member path.
    case missingMember(String)
    /// A member has a value the protocol does not allow.
    case invalidValue(member: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidJSON(error): return error.description
        case let .missingMember(path): return "missing or mistyped member '\(path)'"
        case let .invalidValue(member, reason): return "invalid '\(member)': \(reason)"
        }
    }
}
