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
        var output: [UInt8] = []
        write(into: &output)
        return output
    }

    /// Appends the compact encoding to `output`.
    func write(into output: inout [UInt8]) {
        switch self {
        case let .object(members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.writeString(member.name, into: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        case let .array(elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case let .string(text):
            JSONText.writeString(text, into: &output)
        case let .integer(value):
            output.append(contentsOf: String(value).utf8)
        case let .number(text):
            output.append(contentsOf: text.utf8)
        case let .bool(value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .null:
            output.append(contentsOf: "null".utf8)
        }
    }

    /// Writes a JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func writeString(_ text: String, into output: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
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
