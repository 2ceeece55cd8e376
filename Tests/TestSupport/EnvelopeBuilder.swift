import Foundation
import FunctionsProtocol

/// Builds payload-contract-v1 envelopes the way the APIM policy does: the bodies go in as raw text
/// (JSON-escaped strings), with their lengths.
public struct EnvelopeBuilder: Sendable {
    public var requestId = "3f0c2b1a-1d2e-4f50-9a8b-7c6d5e4f3a2b"
    public var timestamp = "2026-11-29T10:15:30.1234567Z"
    public var source = "outbound"
    public var subscriptionId: String? = "sub-team-a"
    public var path = "/openai/deployments/gpt-4o/chat/completions"
    public var deployment: String? = "gpt-4o"
    public var statusCode: Int? = 200
    public var isStream = false
    public var responseContentType: String? = "application/json"
    public var requestBody: String?
    public var responseBody: String?
    /// Extra members appended as raw JSON text (`"name":value`).
    public var extraMembers: [String] = []

    public init() {}

    /// A chat request body with one system and one user message.
    public static let chatRequest = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"Explain chargeback for an LLM gateway in one paragraph.\"}],\"stream\":false}"

    /// The envelope's JSON text.
    public var text: String {
        func string(_ value: String?) -> String { value.map(JSONValue.quoted) ?? "null" }
        var members = [
            "\"schemaVersion\":1", "\"source\":\(string(source))", "\"requestId\":\(string(requestId))",
            "\"timestamp\":\(string(timestamp))", "\"elapsedMs\":812.4",
            "\"subscriptionId\":\(string(subscriptionId))", "\"subscriptionName\":\"Team A\"", "\"productId\":\"openai-standard\"",
            "\"userId\":\"1\"", "\"apiId\":\"azure-openai\"", "\"operationId\":\"ChatCompletions_Create\"",
            "\"method\":\"POST\"", "\"path\":\(string(path))", "\"apiVersion\":\"2024-10-21\"", "\"deployment\":\(string(deployment))",
            "\"gatewayRegion\":\"West Europe\"", "\"backendRegion\":\"Sweden Central\"",
            "\"statusCode\":\(statusCode.map(String.init) ?? "null")", "\"isStream\":\(isStream)",
            "\"responseContentType\":\(string(responseContentType))",
            "\"requestBodyLength\":\(requestBody?.utf8.count ?? -1)", "\"requestBody\":\(string(requestBody))",
            "\"responseBodyLength\":\(responseBody?.utf8.count ?? -1)", "\"responseBody\":\(string(responseBody))",
        ]
        members += extraMembers
        return "{" + members.joined(separator: ",") + "}"
    }

    public var bytes: [UInt8] { Array(text.utf8) }

    /// An envelope around an OpenAI fixture response.
    public static func forFixture(_ name: String, path: String, request: String? = chatRequest, status: Int = 200, stream: Bool = false) throws -> EnvelopeBuilder {
        var builder = EnvelopeBuilder()
        builder.path = path
        builder.deployment = nil
        builder.requestBody = request
        builder.responseBody = String(decoding: try Fixture.bytes("openai/" + name), as: UTF8.self)
        builder.statusCode = status
        builder.isStream = stream
        builder.responseContentType = stream ? "text/event-stream; charset=utf-8" : "application/json"
        return builder
    }
}
