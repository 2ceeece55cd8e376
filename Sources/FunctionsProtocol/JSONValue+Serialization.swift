import JSONOutput

extension JSONValue {
    /// Compact JSON text, as the host writes invocation bodies.
    public var compactText: String {
        var writer = JSONWriter(capacity: 256)
        write(into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Indented JSON text (two spaces), as JSON.NET's `Formatting.Indented` renders object bodies.
    public var indentedText: String {
        var writer = JSONWriter(capacity: 256, indent: "  ")
        write(into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Writes the value, members in their order, through the service's one JSON writer.
    public func write(into writer: inout JSONWriter) {
        switch self {
        case .null: writer.null()
        case let .bool(flag): writer.bool(flag)
        case let .number(text): writer.numberText(text)
        case let .string(text): writer.string(text)
        case let .array(elements):
            writer.openArray()
            for element in elements { element.write(into: &writer) }
            writer.closeArray()
        case let .object(members):
            writer.openObject()
            for member in members {
                writer.key(member.key)
                member.value.write(into: &writer)
            }
            writer.closeObject()
        }
    }

    /// Appends `text` as a JSON string literal to `out`.
    public static func writeString(_ text: String, into out: inout String) {
        out += JSONWriter.quoted(text)
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        JSONWriter.quoted(text)
    }
}
