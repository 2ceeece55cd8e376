/// A JSON document that keeps object key order and the exact text of numbers.
///
/// The Functions host writes and reads JSON whose shape depends on function.json at run time
/// (binding names, route parameters, request bodies), so this layer cannot use fixed `Codable`
/// types everywhere; it uses this value instead of `[String: Any]`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, as written: no binary floating point round trip.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order; duplicate keys are kept as written.
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}

extension JSONValue {
    /// The value of the first member named `key` (exact case), if this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The value of the first member whose name equals `key` ignoring ASCII case, as JSON.NET binds.
    public func member(caseInsensitive key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        let wanted = key.lowercased()
        return members.first { $0.key.lowercased() == wanted }?.value
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    /// The members, if this is an object.
    public var objectMembers: [(key: String, value: JSONValue)]? {
        if case let .object(members) = self { return members }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case let .array(elements) = self { return elements }
        return nil
    }

    /// True for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The host's scalar-to-text rule (`JToken.ToString()` for scalars): `true` becomes `True`.
    public var dotNetScalarText: String? {
        switch self {
        case let .string(text): return text
        case let .number(text): return text
        case let .bool(flag): return flag ? "True" : "False"
        default: return nil
        }
    }
}
