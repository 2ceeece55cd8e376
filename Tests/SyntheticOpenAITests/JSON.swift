import Foundation

/// A decoded JSON value for assertions: typed, with booleans kept apart from numbers.
indirect enum JSON: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    /// Decodes UTF-8 JSON text.
    static func parse(_ bytes: [UInt8]) throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: Data(bytes))
    }

    static func parse(_ text: String) throws -> JSON {
        try parse(Array(text.utf8))
    }

    subscript(key: String) -> JSON? {
        guard case let .object(members) = self else { return nil }
        return members[key]
    }

    subscript(index: Int) -> JSON? {
        guard case let .array(elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The value when it is a whole number.
    var int: Int? {
        guard case let .number(value) = self, value.rounded() == value else { return nil }
        return Int(value)
    }

    var string: String? {
        guard case let .string(value) = self else { return nil }
        return value
    }

    var bool: Bool? {
        guard case let .bool(value) = self else { return nil }
        return value
    }

    var array: [JSON]? {
        guard case let .array(value) = self else { return nil }
        return value
    }

    var keys: Set<String> {
        guard case let .object(members) = self else { return [] }
        return Set(members.keys)
    }

    /// Keys, nesting and types, ignoring values and array lengths: objects list their sorted keys,
    /// arrays the distinct shapes of their elements.
    var shape: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case let .array(elements): "[" + Set(elements.map(\.shape)).sorted().joined(separator: "|") + "]"
        case let .object(members): "{" + members.keys.sorted().map { "\($0):\(members[$0]?.shape ?? "")" }.joined(separator: ",") + "}"
        }
    }
}
