import Foundation
import FunctionsProtocol
import Testing
import TestSupport

/// The billing dodges, end to end: envelopes shaped the way a hostile team's traffic would make APIM
/// send them, posted through functions-host to the real handler and Redis, read back from the
/// usage summary. Each must be counted, none refused, none free.
@Suite("billing attacks through functions-host", .serialized)
struct BillingAttackTests {
    static let ingestKey = "billing-ingest-key"
    static let reportKey = "billing-report-key"

    func envelope(_ id: String, subscription: String, path: String = "/openai/deployments/gpt-4o/chat/completions", request: String?,
                  response: String?, length: Int, tail: String? = nil) -> [UInt8] {
        var members = [
            #""schemaVersion":1"#, #""source":"outbound""#, #""requestId":"\#(id)""#, #""timestamp":"\#(Self.day)T10:00:00Z""#,
            #""subscriptionId":"\#(subscription)""#, #""path":"\#(path)""#, #""deployment":"gpt-4o""#, #""statusCode":200"#,
            #""responseContentType":"application/json""#, #""requestBody":\#(request.map(JSONValue.quoted) ?? "null")"#,
            #""responseBody":\#(response.map(JSONValue.quoted) ?? "null")"#, #""responseBodyLength":\#(length)"#,
        ]
        if let tail { members.append(#""responseBodyTail":\#(JSONValue.quoted(tail))"#) }
        return Array(("{" + members.joined(separator: ",") + "}").utf8)
    }

    static let day = "2026-03-0\(Int.random(in: 1...9))"

    @Test("logprobs over the capture limit, a deep echoed schema and a tail: all counted, none free", arguments: [true, false])
    func dodges(forwarding: Bool) async throws {
        let tag = UUID().uuidString.prefix(8).lowercased()
        let host = try HostHarness(root: try RealHandlerTests().appRoot(forwarding: forwarding), environment: [
            "REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL(),
            "CHARGEBACK_INGEST_KEY_SHA256": KeyAttackTests.digest(Self.ingestKey), "CHARGEBACK_REPORT_KEY_SHA256": KeyAttackTests.digest(Self.reportKey),
        ], extraArguments: ["--function-level-key", "ingest=\(Self.ingestKey)", "--named-function-key", "finance=\(Self.reportKey)"])
        try await host.waitUntilServing()
        let schema = String(repeating: #"{"type":"object","properties":{"a":"#, count: 90) + "{}" + String(repeating: "}}", count: 90)
        let deep = #"{"id":"resp_\#(tag)","object":"response","status":"completed","tools":[{"type":"function","parameters":"# + schema
            + #"}],"usage":{"input_tokens":100,"output_tokens":50,"total_tokens":150}}"#
        let posts: [(String, [UInt8])] = [
            ("logprobs over the capture limit", envelope("cap-\(tag)", subscription: "dodge-cap-\(tag)", request: #"{"max_tokens":1000,"logprobs":true}"#,
                                                         response: nil, length: 6_000_000)),
            ("a deep echoed tool schema", envelope("deep-\(tag)", subscription: "dodge-deep-\(tag)", path: "/openai/v1/responses", request: nil,
                                                   response: deep, length: deep.utf8.count)),
            ("usage in the tail", envelope("tail-\(tag)", subscription: "dodge-tail-\(tag)", request: nil, response: nil, length: 7_000_000,
                                           tail: #"x"}}]}],"usage":{"prompt_tokens":10,"completion_tokens":70000,"total_tokens":70010}}"#)),
        ]
        var statuses: [String: Int] = [:]
        for (name, body) in posts {
            statuses[name] = try await host.request("POST", "/api/v1/ingest", headers: [("x-functions-key", Self.ingestKey)], body: body).status
        }
        let summary = try await host.request("GET", "/api/v1/usage/summary?from=\(Self.day)&to=\(Self.day)&groupBy=subscription",
                                             headers: [("x-functions-key", Self.reportKey)])
        #expect(await host.stop() == 0)
        #expect(statuses.values.allSatisfy { $0 == 200 }, "\(statuses)")
        let groups = try JSONValue.parse(summary.body)["groups"]?.arrayValue ?? []
        func output(_ subscription: String) -> JSONValue? {
            groups.first { $0["key"] == .string(subscription) }?["outputTokens"]
        }
        #expect(output("dodge-cap-\(tag)") == .number("1000"))
        #expect(output("dodge-deep-\(tag)") == .number("50"))
        #expect(output("dodge-tail-\(tag)") == .number("70000"))
    }
}
