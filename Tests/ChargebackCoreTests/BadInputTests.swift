import ChargebackCore
import FunctionsProtocol
import Testing
import TestSupport

/// Bad input gets a reason code, never a crash and never a partial event.
@Suite("extraction refuses bad input with a reason code")
struct BadInputTests {
    func code(_ text: String) -> String? {
        code(Array(text.utf8))
    }

    func code(_ bytes: [UInt8]) -> String? {
        do {
            _ = try UsageExtractor().extract(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    func replacing(_ member: String, with value: String) -> String {
        let text = EnvelopeBuilder().text
        guard let range = text.range(of: "\"\(member)\":") else { return text }
        let valueStart = range.upperBound
        var depth = 0
        var inString = false
        var escaped = false
        var end = valueStart
        for index in text[valueStart...].indices {
            let character = text[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" { inString = true } else if character == "{" || character == "[" { depth += 1 }
            else if character == "}" || character == "]" {
                if depth == 0 { end = index; break }
                depth -= 1
            } else if character == "," && depth == 0 { end = index; break }
            end = text.index(after: index)
        }
        return String(text[..<valueStart]) + value + String(text[end...])
    }

    @Test("malformed and non-object envelopes", arguments: ["", "not json", "[1]", "{\"schemaVersion\":1", "{} {}", "{\"a\":tru}"])
    func malformed(text: String) {
        #expect(code(text) == "invalid_json")
    }

    @Test("missing required fields", arguments: ["schemaVersion", "source", "requestId", "timestamp", "statusCode"])
    func missing(field: String) {
        #expect(code(replacing(field, with: "null")) == "missing_field")
    }

    @Test("wrong types and impossible values", arguments: [
        ("statusCode", "\"200\""), ("statusCode", "99"), ("statusCode", "200.5"), ("isStream", "\"yes\""), ("requestBody", "5"),
        ("subscriptionId", "{}"), ("requestId", "\"has spaces\""), ("timestamp", "\"yesterday\""), ("timestamp", "\"2026-02-30T00:00:00Z\""),
        ("source", "\"inbound\""), ("schemaVersion", "0"), ("requestBodyLength", "-2"), ("elapsedMs", "\"fast\""),
    ])
    func wrongTypes(field: String, value: String) {
        #expect(code(replacing(field, with: value)) == "invalid_field")
    }

    @Test("a newer schemaVersion is refused with its own code")
    func newerSchema() {
        #expect(code(replacing("schemaVersion", with: "2")) == "unsupported_schema_version")
    }

    @Test("a known field twice is refused (no smuggled second subscription)")
    func duplicate() {
        var builder = EnvelopeBuilder()
        builder.extraMembers = ["\"subscriptionId\":\"sub-other\""]
        #expect(code(builder.text) == "duplicate_field")
    }

    @Test("every member of the contract, twice, is refused by its own name", arguments: [
        "schemaVersion", "source", "requestId", "timestamp", "subscriptionId", "subscriptionName", "productId", "userId", "apiId",
        "operationId", "method", "path", "apiVersion", "deployment", "gatewayRegion", "backendRegion", "statusCode", "isStream",
        "responseContentType", "requestBody", "responseBody", "requestBodyLength", "responseBodyLength", "lastError", "elapsedMs",
        "responseBodyTail",
    ])
    func duplicateMember(name: String) {
        var builder = EnvelopeBuilder()
        builder.extraMembers = ["\"\(name)\":null", "\"\(name)\":null"]
        do {
            _ = try UsageExtractor().extract(builder.bytes)
            Issue.record("an envelope with '\(name)' twice was accepted")
        } catch {
            #expect(error.code == "duplicate_field")
            #expect(error.description == "field '\(name)' appears more than once")
        }
    }

    @Test("invalid UTF-8 anywhere")
    func invalidUTF8() {
        var bytes = EnvelopeBuilder().bytes
        bytes.insert(contentsOf: [0xC3, 0x28], at: bytes.count - 1)
        #expect(code(bytes) == "invalid_utf8")
        var inBody = EnvelopeBuilder()
        inBody.requestBody = "{\"x\":\"\u{FFFD}\"}"
        var withBadBody = inBody.bytes
        if let index = withBadBody.firstIndex(of: 0xEF) { withBadBody[index] = 0xFF }
        #expect(code(withBadBody) == "invalid_utf8")
    }

    @Test("deep nesting in an unknown field is refused, not a stack overflow")
    func deepNesting() {
        var builder = EnvelopeBuilder()
        builder.extraMembers = ["\"extra\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)]
        #expect(code(builder.text) == "too_deep")
    }

    @Test("usage numbers that are negative, fractional, huge or inconsistent", arguments: [
        "{\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":1}}",
        "{\"usage\":{\"prompt_tokens\":1.5,\"completion_tokens\":1}}",
        "{\"usage\":{\"prompt_tokens\":10000000000000,\"completion_tokens\":1}}",
        "{\"usage\":{\"prompt_tokens\":99999999999999999999,\"completion_tokens\":1}}",
        "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":11}}}",
        "{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"completion_tokens_details\":{\"reasoning_tokens\":6}}}",
        "{\"usage\":{\"prompt_tokens\":\"10\"}}",
    ])
    func badUsage(body: String) throws {
        var builder = EnvelopeBuilder()
        builder.requestBody = EnvelopeBuilder.chatRequest
        builder.responseBody = body
        try expectRecordedUnreadable(builder)
    }

    /// The fuzzer's find in CI (stop 24): 19+ integer digits in a whisper `duration` overflowed Int64
    /// while being read, and the trap would take the handler down with every event in flight.
    @Test("a duration or seconds too long for the meter is refused with a flag, never a trap", arguments: [
        "{\"task\":\"transcribe\",\"duration\":99999999999999999999993.48,\"text\":\"x\"}",
        "{\"task\":\"transcribe\",\"duration\":1000000000000.5,\"text\":\"x\"}",
        "{\"text\":\"x\",\"usage\":{\"type\":\"duration\",\"seconds\":9999999999999999999999999}}",
    ])
    func hugeDuration(body: String) throws {
        var builder = EnvelopeBuilder()
        builder.path = "/openai/deployments/whisper/audio/transcriptions"
        builder.responseBody = body
        let event = try UsageExtractor().extract(builder.bytes)
        #expect(event.flags.contains("response_unreadable"))
        #expect(event.meters.audioMilliseconds == 0)
    }

    /// A response the client received is billed whatever its shape: estimated and flagged, never refused.
    func expectRecordedUnreadable(_ builder: EnvelopeBuilder, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let event = try UsageExtractor().extract(builder.bytes)
        #expect(event.flags.contains("response_unreadable"), sourceLocation: sourceLocation)
        #expect(event.usageSource == .estimated, sourceLocation: sourceLocation)
        #expect(event.meters.inputTokens > 0, sourceLocation: sourceLocation)
        #expect(event.meters.outputTokens > 0, sourceLocation: sourceLocation)
    }

    @Test("bodies that are not what the content type says", arguments: [
        ("application/json", false, "data: {\"usage\":null}\n\n"),
        ("text/event-stream", true, "{\"usage\":{\"prompt_tokens\":1}}"),
        ("application/json", false, "[1,2]"),
    ])
    func mismatch(contentType: String, stream: Bool, body: String) throws {
        var builder = EnvelopeBuilder()
        builder.requestBody = EnvelopeBuilder.chatRequest
        builder.responseContentType = contentType
        builder.isStream = stream
        builder.responseBody = body
        try expectRecordedUnreadable(builder)
    }

    @Test("malformed response JSON is recorded, estimated and flagged")
    func malformedBody() throws {
        var builder = EnvelopeBuilder()
        builder.requestBody = EnvelopeBuilder.chatRequest
        builder.responseBody = "{\"usage\":{\"prompt_tokens\":1,}"
        try expectRecordedUnreadable(builder)
    }

    @Test("a malformed event inside a stream is recorded and flagged; a cut-off last event is a truncated stream")
    func sse() throws {
        var builder = EnvelopeBuilder()
        builder.isStream = true
        builder.responseContentType = "text/event-stream"
        builder.requestBody = EnvelopeBuilder.chatRequest
        builder.responseBody = "data: {\"choices\":[]}\n\ndata: {\"choices\":[}\n\ndata: [DONE]\n\n"
        try expectRecordedUnreadable(builder)
        builder.responseBody = "data: {\"choices\":[{\"delta\":{\"content\":\"Hello there\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"con"
        let event = try UsageExtractor().extract(builder.bytes)
        #expect(event.usageSource == .estimated)
        #expect(event.flags.contains("stream_truncated"))
        #expect(event.meters.outputTokens == 3)
    }

    @Test("unknown fields are ignored (forward compatible)")
    func unknownFields() throws {
        var builder = EnvelopeBuilder()
        builder.responseBody = String(decoding: try Fixture.bytes("openai/chat-completion.json"), as: UTF8.self)
        builder.extraMembers = ["\"futureField\":{\"nested\":[1,2,{\"x\":null}]}", "\"clientIp\":\"10.0.0.1\""]
        #expect(try UsageExtractor().extract(builder.bytes).meters.outputTokens == 52)
    }

    @Test("no body text leaves the request: the event holds numbers and identifiers only")
    func noBodyText() throws {
        var builder = EnvelopeBuilder()
        builder.requestBody = "{\"messages\":[{\"role\":\"user\",\"content\":\"CANARY-PROMPT-7f3a\"}]}"
        builder.responseBody = "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"CANARY-COMPLETION-9b1c\"}}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4}}"
        let event = try UsageExtractor().extract(builder.bytes)
        let rendered = String(decoding: try JSONEncoderForTests.encode(event), as: UTF8.self)
        #expect(!rendered.contains("CANARY"))
        #expect(rendered.contains("\"inputTokens\":5"))
    }
}
