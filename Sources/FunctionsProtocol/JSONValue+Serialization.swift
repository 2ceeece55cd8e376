extension JSONValue {
    /// Compact JSON text, as the host writes invocation bodies.
    public var compactText: String {
        var out = ""
        write(into: &out, indent: nil, level: 0)
        return out
    }

    /// Indented JSON text (two spaces), as JSON.NET's `Formatting.Indented` renders object bodies.
    public var indentedText: String {
        var out = ""
        write(into: &out, indent: "  ", level: 0)
        return out
    }

    func write(into out: inout String, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(flag): out += flag ? "true" : "false"
        case let .number(text): out += text
        case let .string(text): JSONValue.writeString(text, into: &out)
        case let .array(elements):
            writeContainer(open: "[", close: "]", count: elements.count, into: &out, indent: indent, level: level) { out, index in
                elements[index].write(into: &out, indent: indent, level: level + 1)
            }
        case let .object(members):
            writeContainer(open: "{", close: "}", count: members.count, into: &out, indent: indent, level: level) { out, index in
                JSONValue.writeString(members[index].key, into: &out)
                out += indent == nil ? ":" : ": "
                members[index].value.write(into: &out, indent: indent, level: level + 1)
            }
        }
    }

    private func writeContainer(
        open: String, close: String, count: Int, into out: inout String, indent: String?, level: Int,
        element: (inout String, Int) -> Void
    ) {
        out += open
        guard count > 0 else { out += close; return }
        for index in 0..<count {
            if index > 0 { out += "," }
            if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
            element(&out, index)
        }
        if let indent { out += "\n" + String(repeating: indent, count: level) }
        out += close
    }

    /// Writes `text` as a JSON string literal.
    public static func writeString(_ text: String, into out: inout String) {
        // Most strings need no escaping: copy them whole.
        if !text.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) {
            out += "\""
            out += text
            out += "\""
            return
        }
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var out = ""
        writeString(text, into: &out)
        return out
    }
}
