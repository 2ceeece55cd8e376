/// The one JSON writer of everything the service writes (reports, the custom-handler protocol's
/// invocation answers, log lines, the synthetic upstream's answers): JSON text straight into bytes,
/// for reports with tens of thousands of lines (Foundation's `JSONEncoder` spent most of a month
/// report's time). Objects are written member by member in the order given; strings are escaped per
/// RFC 8259. Compact by default; with `indent`, laid out as JSON.NET's `Formatting.Indented` does
/// (a member or element per line, `": "` after a key, empty containers as `{}` and `[]`).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false
    /// After a key: the value follows on the same line.
    private var afterKey = false
    private let indent: [UInt8]?
    private var depth = 0

    public init(capacity: Int = 4096, indent: String? = nil) {
        bytes.reserveCapacity(capacity)
        self.indent = indent.map { Array($0.utf8) }
    }

    public mutating func openObject() { open(UInt8(ascii: "{")) }
    public mutating func closeObject() { close(UInt8(ascii: "}")) }
    public mutating func openArray() { open(UInt8(ascii: "[")) }
    public mutating func closeArray() { close(UInt8(ascii: "]")) }

    /// `"name":` before a member's value.
    public mutating func key(_ name: String) {
        separate()
        quote(name)
        bytes.append(UInt8(ascii: ":"))
        if indent != nil { bytes.append(UInt8(ascii: " ")) }
        needsComma = false
        afterKey = true
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
        depth += 1
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        // Something was written inside: the closing bracket goes on a line of its own.
        if needsComma { newline() }
        bytes.append(bracket)
        needsComma = true
    }

    private mutating func newline() {
        guard let indent else { return }
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<depth { bytes += indent }
    }

    public mutating func string(_ value: String?) {
        separate()
        if let value { quote(value) } else { bytes.append(contentsOf: "null".utf8) }
        needsComma = true
    }

    public mutating func number(_ value: some BinaryInteger) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// A number already written as JSON text (e.g. a fixed-point decimal).
    public mutating func numberText(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func member(_ name: String, _ value: String?) { key(name); string(value) }
    public mutating func member(_ name: String, _ value: some BinaryInteger) { key(name); number(value) }
    public mutating func member(_ name: String, _ value: Bool) { key(name); bool(value) }

    /// A comma after the previous member or element, and its line when indented.
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        if depth > 0 { newline() }
    }

    private mutating func quote(_ text: String) {
        Self.appendString(text, to: &bytes)
    }

    /// Appends `text` as a JSON string literal to `bytes`: quotes, backslashes and control
    /// characters escaped, everything else copied as UTF-8. The one escaper every JSON output uses.
    public static func appendString(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        bytes.append(UInt8(ascii: "\""))
        // One pass over contiguous UTF-8: plain runs are copied whole, only escapes are written byte by byte.
        text.withUTF8 { buffer in
            var runStart = 0
            for index in 0..<buffer.count {
                let byte = buffer[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
                runStart = index + 1
                escape(byte, to: &bytes)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<buffer.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendString(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func escape(_ byte: UInt8, to bytes: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        default:
            let digits = Array("0123456789abcdef".utf8)
            bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        }
    }
}
