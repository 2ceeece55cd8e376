import ChargebackCore
import Foundation
import Testing
import TestSupport

/// The documented example envelopes extract to the meters the document shows.
@Suite("docs/examples envelopes")
struct ContractExampleTests {
    func event(_ name: String) throws -> UsageEvent {
        let path = TestEnvironment.repositoryRoot + "/docs/examples/" + name
        return try UsageExtractor().extract(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test("chat completion")
    func chat() throws {
        let meters = try event("chat-completion.envelope.json").meters
        #expect([meters.inputTokens, meters.cachedInputTokens, meters.outputTokens] == [209, 1664, 52])
    }

    @Test("buffered stream with include_usage")
    func stream() throws {
        let event = try event("chat-stream.envelope.json")
        #expect(event.usageSource == .reported)
        #expect([event.meters.inputTokens, event.meters.cachedInputTokens, event.meters.outputTokens] == [209, 1664, 12])
    }

    @Test("on-error 429 counts a request without tokens")
    func onError() throws {
        let event = try event("on-error-429.envelope.json")
        #expect(event.source == "on-error")
        #expect(event.statusCode == 429)
        #expect(event.meters.isEmpty)
    }

    @Test("passthrough stream: prompt estimated, flagged")
    func passthrough() throws {
        let event = try event("stream-passthrough.envelope.json")
        #expect(event.usageSource == .estimated)
        #expect(event.meters.inputTokens == 29)
        #expect(event.flags == ["response_not_captured"])
    }
}
