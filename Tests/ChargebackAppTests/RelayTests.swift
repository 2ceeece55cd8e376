import ChargebackApp
import ChargebackCore
import ChildProcess
import CurlClient
import Foundation
import FunctionsProtocol
import HTTPTypes
import Hummingbird
import Logging
import RedisClient
import Testing
import TestSupport

/// The relay over real HTTP, against the synthetic upstream and the real Redis: events pass as they
/// come, the usage chunk asked for on the client's behalf is kept from it and counted exactly, a
/// client that hangs up is counted as estimated, and APIM's envelope for the same call is a duplicate.
@Suite("relay: streamed calls through the handler", .serialized)
struct RelayTests {
    let tag = String(UUID().uuidString.prefix(6).lowercased())
    let day: CivilDayText = .random()

    /// Runs `body` with a handler whose relay points at a fresh synthetic upstream.
    func withRelay(eventDelayMs: Int = 0, _ body: @Sendable (any TestClientProtocol, Int) async throws -> Void) async throws {
        let upstreamPort = try TestEnvironment.unusedPort()
        let upstream = try ChildProcess(executable: try TestEnvironment.binaryDirectory() + "/local-gateway",
                                        arguments: ["upstream", "--port", String(upstreamPort), "--event-delay-ms", String(eventDelayMs)],
                                        environment: ["PATH": "/usr/bin:/bin"])
        defer {
            upstream.send(SIGKILL)
            _ = upstream.waitUntilExit()
        }
        #expect(await answersHTTP(port: upstreamPort), "the synthetic upstream did not start")
        var configuration = Configuration(port: 0, redis: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), redisTimeoutMilliseconds: 5000)
        configuration.useTestKeys()
        configuration.relay = .upstream(baseURL: "http://127.0.0.1:\(upstreamPort)", identity: nil)
        configuration.relayConcurrency = 8
        let spool = NSTemporaryDirectory() + "relay-spool-" + UUID().uuidString
        configuration.spoolDirectory = spool
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        try await ChargebackApplication.build(configuration, logger: logger).test(.live) { client in
            try await body(client, upstreamPort)
            // Every call was recorded, so none of its write-ahead estimates is left (RelayJournal).
            var left: [String] = []
            for _ in 0..<40 {
                left = ((try? FileManager.default.contentsOfDirectory(atPath: spool + "/relay-pending")) ?? []).filter { $0.hasSuffix(".json") }
                if left.isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(left.isEmpty, "write-ahead estimates left after their calls were recorded: \(left)")
        }
    }

    func chatBody(_ text: String, includeUsage: Bool = false) -> String {
        #"{"messages":[{"role":"user","content":"\#(text)"}],"max_tokens":40,"stream":true\#(includeUsage ? #","stream_options":{"include_usage":true}"# : "")}"#
    }

    func relayHeaders(id: String, subscription: String, target: String = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21") -> HTTPFields {
        var headers = TestKeys.ingestHeaders
        headers[HTTPField.Name("x-chargeback-request-id")!] = id
        headers[HTTPField.Name("x-chargeback-subscription-id")!] = subscription
        headers[HTTPField.Name("x-chargeback-timestamp")!] = "\(day.text)T10:00:00.000Z"
        headers[HTTPField.Name("x-chargeback-upstream")!] = target
        headers[.contentType] = "application/json"
        // What a client sends that must never reach the upstream.
        headers[HTTPField.Name("api-key")!] = "a-team-key-that-must-not-travel"
        return headers
    }

    /// The day's totals of one subscription, as the usage summary gives them.
    func totals(_ client: any TestClientProtocol, _ subscription: String) async throws -> JSONValue? {
        var headers = HTTPFields()
        headers[HTTPField.Name("x-functions-key")!] = TestKeys.report
        let response = try await client.execute(uri: "/api/v1/usage/summary?from=\(day.text)&to=\(day.text)&subscription=\(subscription)",
                                                method: .get, headers: headers, body: nil)
        return try JSONValue.parse(Array(response.body.readableBytesView))["totals"]
    }

    @Test("a stream without include_usage: the client gets every event but the usage chunk; the usage is reported and counted once")
    func injectsAndStrips() async throws {
        try await withRelay { client, upstreamPort in
            let subscription = "sub-relay-\(tag)"
            let body = chatBody("Explain chargeback in one line.")
            // As APIM calls it: the operation's path follows the relay URL (route v1/relay/{*rest}).
            let response = try await client.execute(uri: "/api/v1/relay/deployments/gpt-4o/chat/completions?api-version=2024-10-21", method: .post,
                                                    headers: relayHeaders(id: "relay-\(tag)-1", subscription: subscription),
                                                    body: ByteBuffer(string: body))
            #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let text = String(buffer: response.body)
            #expect(text.hasSuffix("data: [DONE]\n\n") && text.contains("\"delta\""), "\(text.prefix(300))")
            #expect(!text.contains("\"usage\":{"), "the usage chunk the relay asked for is kept from the client")
            // What Azure OpenAI reported for the body the relay sent (the client's, with include_usage).
            let sent = String(body.dropLast()) + #","stream_options":{"include_usage":true}}"#
            let direct = try await CurlHTTPClient().perform(CurlRequest(method: "POST", url: "http://127.0.0.1:\(upstreamPort)/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
                                                                        headers: [("Content-Type", "application/json")], body: Array(sent.utf8)))
            let usageLine = try #require(direct.text.split(separator: "\n").first { $0.contains("\"usage\":{") })
            let usage = try #require(try JSONValue.parse(String(usageLine.dropFirst(6)))["usage"])
            let totals = try #require(try await totals(client, subscription))
            #expect(totals["requests"] == .number("1") && totals["estimatedRequests"] == .number("0"), "\(totals)")
            #expect(totals["outputTokens"] == usage["completion_tokens"], "\(totals) vs \(usage)")
            // APIM's envelope for the same call (the same request id) is a duplicate: counted once.
            var envelope = EnvelopeBuilder()
            envelope.requestId = "relay-\(tag)-1"
            envelope.subscriptionId = subscription
            envelope.timestamp = "\(day.text)T10:00:00Z"
            let again = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: envelope.bytes))
            #expect(String(buffer: again.body).contains("\"duplicate\""))
            #expect(try await self.totals(client, subscription)?["requests"] == .number("1"))
        }
    }

    @Test("a stream that asked for usage keeps its usage chunk; the Responses API passes as it is")
    func passesUsageAsked() async throws {
        try await withRelay { client, _ in
            let asked = try await client.execute(uri: "/api/v1/relay", method: .post,
                                                 headers: relayHeaders(id: "relay-\(tag)-2", subscription: "sub-relay-\(tag)"),
                                                 body: ByteBuffer(string: chatBody("Say hi.", includeUsage: true)))
            #expect(String(buffer: asked.body).contains("\"usage\":{"))
            let responses = try await client.execute(
                uri: "/api/v1/relay", method: .post, headers: relayHeaders(id: "relay-\(tag)-3", subscription: "sub-relay-\(tag)", target: "/openai/v1/responses"),
                body: ByteBuffer(string: #"{"model":"gpt-4o","input":"Say hi.","stream":true}"#))
            #expect(String(buffer: responses.body).contains("event: response.completed"))
            let totals = try #require(try await totals(client, "sub-relay-\(tag)"))
            #expect(totals["requests"] == .number("2") && totals["estimatedRequests"] == .number("0"), "\(totals)")
        }
    }

    @Test("a client that hangs up mid-stream: the upstream transfer ends and what was sent is counted, estimated")
    func clientHangsUp() async throws {
        try await withRelay(eventDelayMs: 40) { client, _ in
            let port = try #require(client.port)
            let subscription = "sub-relay-\(tag)"
            let headers = relayHeaders(id: "relay-\(tag)-4", subscription: subscription).map { ($0.name.rawName, $0.value) }
            // Reads three chunks and lets the stream go (which ends the transfer, as a client closing its connection).
            func readThree() async throws -> Int {
                let (head, body) = try await CurlHTTPClient().stream(CurlRequest(method: "POST", url: "http://127.0.0.1:\(port)/api/v1/relay", headers: headers,
                                                                                 body: Array(chatBody("Write a long essay.").utf8), timeoutMilliseconds: 20_000))
                #expect(head.status == 200)
                var received = 0
                for try await _ in body {
                    received += 1
                    if received == 3 { break }
                }
                return received
            }
            #expect(try await readThree() == 3)
            var totals: JSONValue?
            for _ in 0..<100 {
                totals = try await self.totals(client, subscription)
                if totals?["requests"] == .number("1") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(totals?["requests"] == .number("1") && totals?["estimatedRequests"] == .number("1"), "\(String(describing: totals))")
            // Counted from what was sent: fewer output tokens than the 40 the whole answer has.
            guard case let .number(output)? = totals?["outputTokens"], let tokens = Int(output) else {
                Issue.record("no output tokens in \(String(describing: totals))")
                return
            }
            #expect(tokens < 40, "\(tokens) output tokens")
        }
    }

    @Test("refused: no request id, a path that is not a streaming operation, a key that is not APIM's; off without an upstream")
    func refusals() async throws {
        try await withRelay { client, _ in
            var missing = relayHeaders(id: "x", subscription: "s")
            missing[HTTPField.Name("x-chargeback-request-id")!] = nil
            let noId = try await client.execute(uri: "/api/v1/relay", method: .post, headers: missing, body: ByteBuffer(string: chatBody("hi")))
            #expect(noId.status == .badRequest && String(buffer: noId.body).contains("missing_request_id"))
            for target in ["/openai/files?api-version=2024-10-21", "/openai/deployments/gpt-4o/../../files", "/openai/deployments/gpt-4o/chat/completions?x=1",
                           "http://169.254.169.254/metadata", "/openai/deployments/gpt-4o/embeddings"] {
                let answer = try await client.execute(uri: "/api/v1/relay", method: .post, headers: relayHeaders(id: "relay-\(tag)-5", subscription: "s", target: target),
                                                      body: ByteBuffer(string: chatBody("hi")))
                #expect(answer.status == .badRequest && String(buffer: answer.body).contains("invalid_upstream_path"), "\(target)")
            }
            var reportKey = relayHeaders(id: "relay-\(tag)-6", subscription: "s")
            reportKey[HTTPField.Name("x-functions-key")!] = TestKeys.report
            #expect(try await client.execute(uri: "/api/v1/relay", method: .post, headers: reportKey, body: ByteBuffer(string: chatBody("hi"))).status == .forbidden)
        }
        var configuration = Configuration(port: 0, redis: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), redisTimeoutMilliseconds: 5000)
        configuration.useTestKeys()
        try await ChargebackApplication.build(configuration, logger: Logger(label: "test")).test(.router) { client in
            let off = try await client.execute(uri: "/api/v1/relay", method: .post, headers: relayHeaders(id: "relay-\(tag)-7", subscription: "s"),
                                               body: ByteBuffer(string: chatBody("hi")))
            #expect(off.status == .serviceUnavailable && String(buffer: off.body).contains("relay_not_configured"))
        }
    }

    @Test("configuration: https or a loopback upstream, no credentials in it; none only for loopback; the identity endpoint for managed identity")
    func setting() throws {
        #expect(try RelaySetting.fromEnvironment([:]) == .off)
        #expect(try RelaySetting.fromEnvironment(["CHARGEBACK_RELAY_UPSTREAM": "http://127.0.0.1:8081/", "CHARGEBACK_RELAY_AUTH": "none"])
            == .upstream(baseURL: "http://127.0.0.1:8081", identity: nil))
        for bad in [["CHARGEBACK_RELAY_UPSTREAM": "http://example.com"], ["CHARGEBACK_RELAY_UPSTREAM": "https://a.openai.azure.com", "CHARGEBACK_RELAY_AUTH": "none"],
                    ["CHARGEBACK_RELAY_UPSTREAM": "https://user:pw@a.openai.azure.com", "CHARGEBACK_RELAY_AUTH": "none"],
                    ["CHARGEBACK_RELAY_UPSTREAM": "https://a.openai.azure.com"]] {
            #expect(throws: Configuration.Error.self, "\(bad)") { try RelaySetting.fromEnvironment(bad) }
        }
    }
}
