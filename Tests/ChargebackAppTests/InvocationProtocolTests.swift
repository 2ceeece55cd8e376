import ChargebackApp
import FunctionsProtocol
import Hummingbird
import Testing
import TestSupport

@Suite("handler: JSON-protocol invocations")
struct InvocationProtocolTests {
    static let httpFunctions = ["health", "ingest", "usage-summary", "chargeback-report"]
    static let httpFixtures = ["http-invocation-request.json", "http-invocation-request-get-captured.json"]

    @Test("every HTTP function answers every host request fixture per protocol", arguments: httpFunctions, httpFixtures)
    func answersPerProtocol(function: String, fixture: String) async throws {
        // The host passes the caller's x-functions-key in Data.req.Headers: the role's key is added to the fixture.
        let key = function == "ingest" ? TestKeys.ingest : TestKeys.report
        let body = Array(String(decoding: try Fixture.bytes(fixture), as: UTF8.self)
            .replacingOccurrences(of: #""Headers":{"#, with: #""Headers":{"x-functions-key":[""# + key + #""],"#)
            .replacingOccurrences(of: #""Headers": {"#, with: #""Headers": {"x-functions-key": [""# + key + #""],"#).utf8)
        try await TestApp.make().test(.router) { client in
            try await client.execute(uri: "/" + function, method: .post, headers: [.contentType: "application/json; charset=utf-8"], body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let result = try InvocationResult.parse(Array(response.body.readableBytesView))
                let res = try #require(result.output("res"))
                guard case .number = try #require(res["statusCode"]) else { Issue.record("statusCode is not an integer"); return }
                for (_, value) in try #require(res["headers"]?.objectMembers) { #expect(value.stringValue != nil) }
                #expect(res["body"]?.stringValue?.isEmpty == false)
                let rendered = try HttpOutputRenderer().response(for: result, bindingName: "res")
                // Health and the reports answer; ingest refuses a body that is not an envelope.
                #expect(rendered.status == (function == "ingest" ? 400 : 200))
            }
        }
    }

    @Test("health through the JSON protocol reports a real Redis PING")
    func healthPayload() async throws {
        try await TestApp.make().test(.router) { client in
            try await client.execute(uri: "/health", method: .post, body: ByteBuffer(bytes: try Fixture.bytes("http-invocation-request-get-captured.json"))) { response in
                let result = try InvocationResult.parse(Array(response.body.readableBytesView))
                let body = try #require(result.output("res")?["body"]?.stringValue)
                let report = try JSONValue.parse(body)
                #expect(report["redis"] == .string("ok"))
                #expect(report["status"] == .string("ok"))
            }
        }
    }

    @Test("timer fixtures reach the rollup, which answers one log line per due day (concurrent runs skip what another holds)", arguments: [
        "timer-invocation-request.json", "timer-invocation-request-first-run.json",
        "timer-invocation-request-past-due.json", "timer-invocation-request-no-monitor.json",
    ])
    func timerFixtures(fixture: String) async throws {
        let text = String(decoding: try Fixture.bytes(fixture), as: UTF8.self).replacingOccurrences(of: "\"myTimer\"", with: "\"timer\"")
        try await TestApp.make().test(.router) { client in
            try await client.execute(uri: "/rollup", method: .post, body: ByteBuffer(string: text)) { response in
                #expect(response.status == .ok)
                let result = try InvocationResult.parse(Array(response.body.readableBytesView))
                // The 7 catch-up days, and any older day within the revisable window that another
                // test on the shared Redis recorded a late event for (e.g. LedgerHarness's 2026-11-29,
                // once the real date is within 35 days of it): the run revises those too.
                #expect(result.logs.count >= 7)
                #expect(result.logs.allSatisfy { $0.contains("revision") || $0.contains("another instance") })
            }
        }
    }

    @Test("a body that is not an invocation is refused with 400 and a reason (it may be a forwarded client)", arguments: [
        ("/health", "{\"a\":1}"), ("/ingest", "not json"), ("/rollup", "{\"Data\":{},\"Metadata\":{}}"), ("/usage-summary", ""),
    ])
    func refusesNonInvocations(path: String, body: String) async throws {
        try await TestApp.make().test(.router) { client in
            try await client.execute(uri: path, method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                let error = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(error["error"]?["code"] == .string("invalid_invocation"))
                #expect(error["error"]?["message"]?.stringValue?.isEmpty == false)
            }
        }
    }
}
