import JSONOutput

/// A JSON value whose object members keep the order they were written in, so that every response
/// is byte-for-byte reproducible and its keys are exactly the OpenAI names.
indirect enum JSONText: Sendable, Equatable {
    /// Members in writing order.
    case object([Member])
    case array([JSONText])
    case string(String)
    /// A whole number, written without a fraction (every token count).
    case integer(Int)
    /// A number already written as JSON text, e.g. `1.0` or `-0.0068735`.
    case number(String)
    case bool(Bool)
    case null

    /// One `"name": value` pair of an object.
    struct Member: Sendable, Equatable {
        let name: String
        let value: JSONText
    }

    /// An object from `(name, value)` pairs, in order.
    static func members(_ pairs: KeyValuePairs<String, JSONText>) -> JSONText {
        .object(pairs.map { Member(name: $0.key, value: $0.value) })
    }

    /// A string, or `null` when absent.
    static func optional(_ text: String?) -> JSONText {
        text.map(JSONText.string) ?? .null
    }

    /// An integer, or `null` when absent.
    static func optional(_ number: Int?) -> JSONText {
        number.map(JSONText.integer) ?? .null
    }

    /// The compact UTF-8 encoding (no spaces), as OpenAI's SSE chunks are written.
    var bytes: [UInt8] {
        var writer = JSONWriter(capacity: 512)
        write(into: &writer)
        return writer.bytes
    }

    /// Writes the value through the service's one JSON writer.
    func write(into writer: inout JSONWriter) {
        switch self {
        case let .object(members):
            writer.openObject()
            for member in members {
                writer.key(member.name)
                member.value.write(into: &writer)
            }
            writer.closeObject()
        case let .array(elements):
            writer.openArray()
            for element in elements { element.write(into: &writer) }
            writer.closeArray()
        case let .string(text): writer.string(text)
        case let .integer(value): writer.number(value)
        case let .number(text): writer.numberText(text)
        case let .bool(value): writer.bool(value)
        case .null: writer.null()
        }
    }

    /// A fixed-point decimal as JSON text: `units` ÷ 10^`scale`, trailing zeros trimmed, at least one
    /// fractional digit (`-0.0068735`, `0.011784`, `0.0`).
    static func decimal(units: Int, scale: Int) -> JSONText {
        let magnitude = units.magnitude
        var divisor: UInt = 1
        for _ in 0..<scale { divisor *= 10 }
        var fraction = String(magnitude % divisor)
        fraction = String(repeating: "0", count: max(0, scale - fraction.count)) + fraction
        while fraction.count > 1, fraction.hasSuffix("0") { fraction.removeLast() }
        let sign = units < 0 ? "-" : ""
        return .number("\(sign)\(magnitude / divisor).\(fraction)")
    }
}
