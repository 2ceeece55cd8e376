import ChargebackCore
import FunctionsProtocol
import Testing
import TestSupport

/// A team trying not to pay: responses too large to capture, shapes the scanner would refuse, and
/// members given twice. Each test is named after the attack.
@Suite("billing can't be dodged")
struct BillingDodgeTests {
    /// A chat answer of `bytes` bytes (logprobs make answers huge) that APIM did not capture.
    func uncaptured(length: Int, request: String?, tail: String? = nil, contentType: String = "application/json") -> EnvelopeBuilder {
        var builder = EnvelopeBuilder()
        builder.requestBody = request
        builder.responseContentType = contentType
        builder.responseBody = nil
        builder.extraMembers = ["\"responseBodyLength\":\(length)"]
        if let tail { builder.extraMembers.append("\"responseBodyTail\":" + JSONValue.quoted(tail)) }
        return builder
    }

    /// The builder writes `responseBodyLength` itself; the uncaptured case overrides it.
    func extract(_ builder: EnvelopeBuilder) throws -> UsageEvent {
        let text = builder.text.replacingOccurrences(of: "\"responseBodyLength\":-1,", with: "")
        return try UsageExtractor().extract(Array(text.utf8))
    }

    @Test("logprobs over the capture limit: output bounded by max_tokens × n, never 0")
    func outputAboveCaptureLimit() throws {
        let bounded = try extract(uncaptured(length: 6_000_000, request: #"{"messages":[{"role":"user","content":"hi"}],"max_tokens":4096,"n":2,"logprobs":true}"#))
        #expect(bounded.meters.outputTokens == 8192)
        #expect(bounded.flags.contains("output_estimated_from_length"))
        #expect(bounded.flags.contains("response_not_captured"))
        #expect(bounded.usageSource == .estimated)
        let unbounded = try extract(uncaptured(length: 6_000_000, request: #"{"messages":[{"role":"user","content":"hi"}]}"#))
        #expect(unbounded.meters.outputTokens == 1_500_000)
        let noRequest = try extract(uncaptured(length: 6_000_000, request: nil))
        #expect(noRequest.meters.outputTokens == 1_500_000)
    }

    @Test("over the capture limit with the tail: the usage in the tail is billed as reported")
    func usageFromJSONTail() throws {
        let tail = #"":"x","logprob":-0.1}]}}],"usage":{"prompt_tokens":1200,"completion_tokens":64000,"total_tokens":65200},"system_fingerprint":"fp"}"#
        let event = try extract(uncaptured(length: 6_000_000, request: #"{"max_tokens":10}"#, tail: tail))
        #expect(event.usageSource == .reported)
        #expect(event.meters.inputTokens == 1200)
        #expect(event.meters.outputTokens == 64000)
        #expect(event.flags.contains("usage_from_tail"))
    }

    @Test("an echoed tool parameter named usage before the real one does not decide the bill")
    func decoyUsageInTail() throws {
        let tail = #"{"type":"object","properties":{"usage":{"type":"string"}}}}],"usage":{"input_tokens":10,"output_tokens":20,"total_tokens":30}}"#
        var builder = uncaptured(length: 9_000_000, request: nil, tail: tail)
        builder.path = "/openai/v1/responses"
        let event = try extract(builder)
        #expect(event.meters.outputTokens == 20)
        #expect(event.usageSource == .reported)
    }

    @Test("a buffered stream over the capture limit: the usage chunk in the tail")
    func usageFromStreamTail() throws {
        let tail = "tent\":\"x\"}}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":9000,\"total_tokens\":9007}}\n\ndata: [DONE]\n\n"
        var builder = uncaptured(length: 5_000_000, request: nil, tail: tail, contentType: "text/event-stream")
        builder.isStream = true
        let event = try extract(builder)
        #expect(event.meters.outputTokens == 9000)
        #expect(event.flags.contains("usage_from_tail"))
    }

    @Test("a Responses answer echoing a 90-level tool schema is recorded, not refused")
    func deepEchoedToolSchema() throws {
        let schema = String(repeating: #"{"type":"object","properties":{"a":"#, count: 90) + "{}" + String(repeating: "}}", count: 90)
        var builder = EnvelopeBuilder()
        builder.path = "/openai/v1/responses"
        builder.deployment = "gpt-4o"
        builder.responseBody = #"{"id":"resp_1","object":"response","status":"completed","tools":[{"type":"function","name":"f","parameters":"# + schema
            + #"}],"usage":{"input_tokens":100,"output_tokens":50,"total_tokens":150}}"#
        let event = try UsageExtractor().extract(builder.bytes)
        #expect(event.usageSource == .reported)
        #expect(event.meters.outputTokens == 50)
    }

    @Test("the envelope itself keeps its depth limit")
    func deepEnvelopeStillRefused() {
        var builder = EnvelopeBuilder()
        builder.extraMembers = ["\"extra\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)]
        #expect(throws: ExtractionError.self) { try UsageExtractor().extract(builder.bytes) }
    }

    @Test("a model given twice on /v1: the response's model decides the deployment billed, and the event is flagged")
    func duplicatedModelMember() throws {
        var builder = EnvelopeBuilder()
        builder.path = "/openai/v1/chat/completions"
        builder.deployment = "gpt-4o-mini"
        builder.requestBody = #"{"model":"gpt-4o-mini","messages":[],"model":"gpt-4o"}"#
        builder.responseBody = #"{"model":"gpt-4o-2024-08-06","usage":{"prompt_tokens":1,"completion_tokens":1}}"#
        let event = try UsageExtractor().extract(builder.bytes)
        #expect(event.flags.contains("duplicated_request_member"))
        #expect(event.flags.contains("model_from_response"))
        #expect(event.deployment == "gpt-4o")
        #expect(event.modelVersion == "gpt-4o-2024-08-06")
    }

    @Test("a model given twice where the response names the gateway's choice: nothing changes but the flag")
    func duplicatedModelAgreeing() throws {
        var builder = EnvelopeBuilder()
        builder.path = "/openai/v1/chat/completions"
        builder.deployment = "gpt-4o-mini"
        builder.requestBody = #"{"model":"gpt-4o","model":"gpt-4o-mini","messages":[]}"#
        builder.responseBody = #"{"model":"gpt-4o-mini-2024-07-18","usage":{"prompt_tokens":1,"completion_tokens":1}}"#
        let event = try UsageExtractor().extract(builder.bytes)
        #expect(event.deployment == "gpt-4o-mini")
        #expect(event.flags.contains("duplicated_request_member"))
        #expect(!event.flags.contains("model_from_response"))
    }

    @Test("a model given twice and a response naming neither: the gateway's choice is billed, flagged model_disagreement")
    func duplicatedModelDisagreeing() throws {
        var builder = EnvelopeBuilder()
        builder.path = "/openai/v1/chat/completions"
        builder.deployment = "cheap"
        builder.requestBody = #"{"model":"cheap","model":"dear","messages":[]}"#
        builder.responseBody = #"{"model":"o3-2025-04-16","usage":{"prompt_tokens":1,"completion_tokens":1}}"#
        let event = try UsageExtractor().extract(builder.bytes)
        #expect(event.deployment == "cheap")
        #expect(event.flags.contains("model_disagreement"))
    }
}
