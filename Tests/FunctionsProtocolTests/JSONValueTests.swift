import FunctionsProtocol
import Testing
import TestSupport

@Suite("JSONValue")
struct JSONValueTests {
    @Test("the captured host invocation round-trips byte for byte")
    func capturedRoundTrip() throws {
        let bytes = try Fixture.bytes("http-invocation-request-get-captured.json")
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
        #expect(try JSONValue.parse(text).compactText == text)
    }

    @Test("numbers keep their literal text")
    func numbersKeepText() throws {
        let value = try JSONValue.parse("[0.1, 1e400, -0, 12345678901234567890]")
        #expect(value.compactText == "[0.1,1e400,-0,12345678901234567890]")
    }

    @Test("escapes, surrogate pairs and UTF-8 decode", arguments: [
        ("\"a\\u00e9\\ud83d\\ude00\\n\"", "aé😀\n"),
        ("\"é\"", "é"),
        ("\"\\/\\\\\\\"\"", "/\\\""),
    ])
    func strings(input: String, expected: String) throws {
        #expect(try JSONValue.parse(input) == .string(expected))
    }

    @Test("malformed documents are refused with a position", arguments: [
        "", "{", "{\"a\" 1}", "[1,]", "01", "1.", "-", "tru", "\"\\x\"", "\"\\ud800\"", "{} {}", "\"a\u{01}\"", "[1 2]",
    ])
    func refusesMalformed(input: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(input) }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func refusesInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("nesting deeper than the limit is refused, not a stack overflow")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep, maxDepth: 64) }
        #expect(try JSONValue.parse("[[[]]]", maxDepth: 3) == .array([.array([.array([])])]))
    }

    @Test("indented text matches JSON.NET's Formatting.Indented shape")
    func indented() throws {
        let value = try JSONValue.parse("{\"a\":[1,{\"b\":null}],\"c\":{}}")
        #expect(value.indentedText == "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {}\n}")
    }

    @Test("member lookup is exact, or case-insensitive on request")
    func lookup() throws {
        let value = try JSONValue.parse("{\"Outputs\":1}")
        #expect(value["outputs"] == nil)
        #expect(value.member(caseInsensitive: "outputs") == .number("1"))
    }
}
