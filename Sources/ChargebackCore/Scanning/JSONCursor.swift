#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward-only JSON reader over borrowed bytes. It reads what the caller asks for and skips the
/// rest at `memchr` speed: strings are crossed by jumping from quote to quote, containers by a
/// table-driven byte loop that checks bracket balance. It never builds a DOM.
///
/// The bytes are borrowed: use a cursor only inside the `withUnsafeBytes` scope that made it.
struct JSONCursor {
    let base: UnsafePointer<UInt8>
    let count: Int
    var index: Int
    let maxDepth: Int
    /// True for bodies (not the envelope): skipped values may nest to any depth.
    var skipsAnyDepth = false

    init(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = 64) {
        // An empty buffer has no base address; point at a static byte and read nothing.
        self.base = buffer.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? JSONCursor.emptyBase
        self.count = buffer.count
        self.index = 0
        self.maxDepth = maxDepth
    }

    /// Never written after creation.
    nonisolated(unsafe) private static let emptyBase: UnsafePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return UnsafePointer(pointer)
    }()

    var isAtEnd: Bool { index >= count }

    func fail(_ reason: String) -> ScanError { .syntax(index, reason) }

    mutating func skipWhitespace() {
        while index < count {
            let byte = base[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            index += 1
        }
    }

    /// The next non-whitespace byte, without consuming it.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < count ? base[index] : nil
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(ScanError) {
        guard peek() == byte else { throw fail("expected \(what)") }
        index += 1
    }

    /// Consumes `null` if it is next.
    mutating func consumeNull() throws(ScanError) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        guard index + 4 <= count, base[index + 1] == UInt8(ascii: "u"), base[index + 2] == UInt8(ascii: "l"),
              base[index + 3] == UInt8(ascii: "l") else { throw fail("invalid literal") }
        index += 4
        return true
    }

    /// At an opening quote: the content range (quotes excluded) and whether it holds escapes.
    mutating func stringRange() throws(ScanError) -> (range: Range<Int>, hasEscapes: Bool) {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        let start = index + 1
        var search = start
        while true {
            guard search < count, let found = memchr(base + search, 0x22, count - search) else {
                index = count
                throw fail("unterminated string")
            }
            let quote = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            var backslashes = 0
            while quote - backslashes - 1 >= start, base[quote - backslashes - 1] == 0x5C { backslashes += 1 }
            if backslashes % 2 == 0 {
                index = quote + 1
                let hasEscapes = memchr(base + start, 0x5C, quote - start) != nil
                return (start..<quote, hasEscapes)
            }
            search = quote + 1
        }
    }

    /// Reads a string value as Swift text (unescaped, UTF-8 validated).
    mutating func readString() throws(ScanError) -> String {
        let (range, hasEscapes) = try stringRange()
        if !hasEscapes {
            guard let text = String(validating: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self) else {
                throw ScanError(offset: range.lowerBound, kind: .utf8)
            }
            return text
        }
        var bytes: [UInt8] = []
        try JSONUnescaper.unescape(base, range, into: &bytes)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ScanError(offset: range.lowerBound, kind: .utf8) }
        return text
    }

    /// Reads a number's literal bytes (validated JSON number syntax).
    mutating func numberRange() throws(ScanError) -> Range<Int> {
        skipWhitespace()
        let start = index
        if index < count, base[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < count, base[index] &- 0x30 < 10 { index += 1 }
        guard index > digitsStart else { throw fail("expected a number") }
        guard base[digitsStart] != 0x30 || index - digitsStart == 1 else { throw fail("leading zero in number") }
        if index < count, base[index] == UInt8(ascii: ".") {
            index += 1
            let fraction = index
            while index < count, base[index] &- 0x30 < 10 { index += 1 }
            guard index > fraction else { throw fail("digits expected after '.'") }
        }
        if index < count, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            let exponent = index
            while index < count, base[index] &- 0x30 < 10 { index += 1 }
            guard index > exponent else { throw fail("digits expected in exponent") }
        }
        return start..<index
    }

    /// Reads a JSON boolean.
    mutating func readBool() throws(ScanError) -> Bool {
        switch peek() {
        case UInt8(ascii: "t")?:
            guard index + 4 <= count, base[index + 1] == UInt8(ascii: "r"), base[index + 2] == UInt8(ascii: "u"),
                  base[index + 3] == UInt8(ascii: "e") else { throw fail("invalid literal") }
            index += 4
            return true
        case UInt8(ascii: "f")?:
            guard index + 5 <= count, base[index + 1] == UInt8(ascii: "a"), base[index + 2] == UInt8(ascii: "l"),
                  base[index + 3] == UInt8(ascii: "s"), base[index + 4] == UInt8(ascii: "e") else { throw fail("invalid literal") }
            index += 5
            return false
        default:
            throw ScanError(offset: index, kind: .type("a boolean"))
        }
    }

    /// True when the bytes at `range` equal `literal`.
    func bytes(_ range: Range<Int>, equal literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        return memcmp(base + range.lowerBound, literal.utf8Start, range.count) == 0
    }

    /// True when the bytes at `range` equal `expected`.
    func bytes(_ range: Range<Int>, equal expected: [UInt8]) -> Bool {
        guard range.count == expected.count else { return false }
        return expected.withUnsafeBufferPointer { bytes in
            guard let start = bytes.baseAddress else { return true }  // both empty
            return memcmp(base + range.lowerBound, start, range.count) == 0
        }
    }
}
