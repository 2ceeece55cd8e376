import ChargebackCore
import ChildProcess
import CurlClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// Never a failed call because of chargeback: in relay mode the twin sends streamed calls to the
/// Function App's relay, and when the relay is down, answers slowly, or its host answers an error of
/// its own (the handler gone), the call goes to Azure OpenAI directly, as in passthrough: the
/// client's stream succeeds, and the twin's envelope counts it (estimated).
@Suite("relay mode: the twin falls back to Azure OpenAI when the relay cannot answer", .serialized)
struct RelayFallbackTests {
    enum Relay: Sendable, CustomStringConvertible {
        /// Nothing listens on the relay's port.
        case down
        /// The relay holds its headers until the client has its answer (or `milliseconds` pass).
        case slow(milliseconds: Int)
        /// The relay's host answers 503 itself (its handler is not running).
        case hostError
        /// The handler refuses the gateway's key (403): nothing reached Azure OpenAI.
        case refused

        var description: String {
            switch self {
            case .down: return "down"
            case let .slow(milliseconds): return "slow (\(milliseconds) ms)"
            case .hostError: return "host error 503"
            case .refused: return "refused 403"
            }
        }
    }

    @Test("the client's stream succeeds and is counted", arguments: [Relay.down, .slow(milliseconds: 15_000), .hostError, .refused])
    func fallsBack(relay: Relay) async throws {
        let router = Router()
        let envelopes = ingestSink(router)
        // Whether the slow relay was given up is shown by order, not by a clock: the relay answers
        // only once the client has its answer (or after 15 s, 30 times the head timeout), so a twin
        // that waited for the relay would see it answer first.
        let clientAnswered = NIOLockedValueBox(false)
        let relayAnswered = NIOLockedValueBox(false)
        router.post("/api/v1/relay/**") { _, _ -> Response in
            if case let .slow(milliseconds) = relay {
                let deadline = ContinuousClock.now + .milliseconds(milliseconds)
                while !clientAnswered.withLockedValue({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            }
            relayAnswered.withLockedValue { $0 = true }
            return Response(status: relay.isRefused ? .forbidden : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"code":"handler_unavailable"}}"#)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let relayURL = relay.isDown ? "http://127.0.0.1:\(try TestEnvironment.unusedPort())/api/v1/relay" : "http://127.0.0.1:\(port)/api/v1/relay"
            try await withTwin(ingestPort: port, gatewayArguments: ["--stream-mode", "relay", "--relay", relayURL, "--relay-head-timeout-ms", "500"]) { gatewayPort, curl in
                let response = try await curl.perform(CurlRequest(
                    method: "POST", url: "http://127.0.0.1:\(gatewayPort)/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
                    headers: [("api-key", "local-demo-key-marketing-web"), ("Content-Type", "application/json")],
                    body: Array(#"{"messages":[{"role":"user","content":"Stream a short answer."}],"max_tokens":20,"stream":true}"#.utf8),
                    timeoutMilliseconds: 20_000))
                let relayHadAnswered = relayAnswered.withLockedValue { $0 }
                clientAnswered.withLockedValue { $0 = true }
                #expect(response.status == 200 && response.text.contains("\"delta\"") && response.text.hasSuffix("data: [DONE]\n\n"), "\(response.status) \(response.text.prefix(200))")
                if case .slow = relay { #expect(!relayHadAnswered, "a slow relay is given up after its head timeout, before it answers") }
                for _ in 0..<100 where envelopes.withLockedValue({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(50)) }
                let event = try #require(try envelopes.withLockedValue { $0.first }.map { try UsageExtractor().extract($0) }, "the fallback posts an envelope")
                #expect(event.usageSource == .estimated && event.isStream, "counted as in passthrough: estimated")
            }
        }
    }
}

extension RelayFallbackTests.Relay {
    var isDown: Bool {
        if case .down = self { return true }
        return false
    }

    var isRefused: Bool {
        if case .refused = self { return true }
        return false
    }
}

/// What the gateway sends the relay and what it does with the relay's answer, as
/// `policies/backend-policy.xml` (section 3) and `outbound-policy.xml` do: the operation's path
/// follows the relay URL (set-backend-service base-url), the x-chargeback-* headers carry the call,
/// the client's key never goes, the marker never reaches the client, and no envelope is posted for a
/// relayed stream, even one that breaks off (the handler died): APIM's outbound section runs at the
/// relay's headers and cannot see it, so the twin does not either.
@Suite("relay mode: what the gateway sends the relay, and no envelope for a relayed stream", .serialized)
struct RelayBreakOffTests {
    struct Died: Error {}
    struct Seen: Sendable {
        var uri = ""
        var headers: [String: String] = [:]
    }

    @Test("a relay stream that breaks off ends broken for the client, and the gateway posts nothing")
    func breaksOff() async throws {
        let seen = NIOLockedValueBox(Seen())
        let router = Router()
        let envelopes = ingestSink(router)
        router.post("/api/v1/relay/**") { request, _ -> Response in
            seen.withLockedValue { seen in
                seen.uri = request.uri.description
                for field in request.headers { seen.headers[field.name.canonicalName] = field.value }
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[HTTPField.Name("x-chargeback-relay")!] = "1"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"))
                try await Task.sleep(for: .milliseconds(100))
                throw Died()
            })
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await withTwin(ingestPort: port, gatewayArguments: ["--stream-mode", "relay", "--relay", "http://127.0.0.1:\(port)/api/v1/relay"]) { gatewayPort, curl in
                let (head, stream) = try await curl.stream(CurlRequest(
                    method: "POST", url: "http://127.0.0.1:\(gatewayPort)/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
                    headers: [("api-key", "local-demo-key-marketing-web"), ("Content-Type", "application/json")],
                    body: Array(#"{"messages":[{"role":"user","content":"Hi."}],"stream":true}"#.utf8), timeoutMilliseconds: 10_000))
                #expect(head.status == 200)
                #expect(head.header("x-chargeback-relay") == nil, "the marker is the relay's word to the gateway, not the client's")
                var text = ""
                do {
                    for try await chunk in stream { text += String(decoding: chunk, as: UTF8.self) }
                    Issue.record("the client's stream ended cleanly: \(text)")
                } catch {
                    #expect(text.contains("Hi") && !text.contains("[DONE]"), "the client's stream ends broken, never as a complete answer: \(text)")
                }
                let relayed = seen.withLockedValue { $0 }
                #expect(relayed.uri == "/api/v1/relay/deployments/gpt-4o/chat/completions?api-version=2024-10-21", "\(relayed.uri)")
                #expect(relayed.headers["x-chargeback-upstream"] == "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")
                #expect(relayed.headers["x-chargeback-request-id"]?.isEmpty == false && relayed.headers["x-chargeback-deadline"].flatMap { Int64($0) } != nil)
                #expect(relayed.headers["x-chargeback-subscription-id"]?.isEmpty == false)
                #expect(relayed.headers["api-key"] == nil && relayed.headers["ocp-apim-subscription-key"] == nil, "the client's key never goes to the relay")
                try await Task.sleep(for: .milliseconds(500))
                #expect(envelopes.withLockedValue { $0.isEmpty }, "a relayed stream is the relay's to record: the gateway posts no envelope")
            }
        }
    }
}

/// An ingest function that keeps every envelope the twin posts to it.
func ingestSink(_ router: Router<BasicRequestContext>) -> NIOLockedValueBox<[[UInt8]]> {
    let envelopes = NIOLockedValueBox<[[UInt8]]>([])
    router.post("/api/v1/ingest") { request, _ -> Response in
        let body = try await request.body.collect(upTo: 1 << 24)
        envelopes.withLockedValue { $0.append(Array(buffer: body)) }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"recorded"}"#)))
    }
    return envelopes
}
