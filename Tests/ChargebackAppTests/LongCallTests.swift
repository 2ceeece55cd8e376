import ChargebackCore
import ChildProcess
import CurlClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// Long calls through the APIM twin, in each stream mode, with Azure's limits scaled down to 1 s:
/// the forward-request timeout (APIM waits at most 240 s for the backend's response headers) and
/// the load balancer's idle timeout (a client connection carrying nothing for 4 minutes is dropped).
/// The synthetic upstream thinks for 1.5 s (`[[think:1500]]`) before a JSON answer's headers, or
/// between a stream's first event and the rest; a call of 0.2 s is the control. What each mode does
/// with such a call, for the client and for the bill, is what the table in docs/clients.md says.
@Suite("long calls through the twin: Azure's 240 s and 4-minute limits, scaled down", .serialized)
struct LongCallTests {
    struct Outcome: Sendable {
        var status: Int
        var body: String
        var envelope: UsageEvent?
    }

    /// Runs one chat call through a twin in `mode` and returns what the client got and what the
    /// envelope the twin posted extracts to.
    func call(mode: String, stream: Bool, thinkMilliseconds: Int) async throws -> Outcome {
        let envelopes = NIOLockedValueBox<[[UInt8]]>([])
        let router = Router()
        router.post("/api/v1/ingest") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 24)
            envelopes.withLockedValue { $0.append(Array(buffer: body)) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"outcome":"recorded"}"#)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let outcome = NIOLockedValueBox<Outcome?>(nil)
        try await app.test(.live) { client in
            guard let ingestPort = client.port else { throw CancellationError() }
            try await withTwin(ingestPort: ingestPort, gatewayArguments: ["--stream-mode", mode, "--forward-timeout-ms", "1000", "--client-idle-ms", "1000"]) { gatewayPort, curl in
                let request = """
                {"messages":[{"role":"user","content":"Prove it step by step. [[think:\(thinkMilliseconds)]]"}],"stream":\(stream)}
                """
                let response = try await curl.perform(CurlRequest(
                    method: "POST", url: "http://127.0.0.1:\(gatewayPort)/openai/deployments/o4-mini/chat/completions?api-version=2024-10-21",
                    headers: [("api-key", "local-demo-key-marketing-web"), ("Content-Type", "application/json")], body: Array(request.utf8),
                    timeoutMilliseconds: 20_000))
                // The twin posts its envelope in the background, as send-one-way-request does.
                for _ in 0..<100 where envelopes.withLockedValue({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(50)) }
                let envelope = try envelopes.withLockedValue { $0.first }.map { try UsageExtractor().extract($0) }
                outcome.withLockedValue { $0 = Outcome(status: response.status, body: response.text, envelope: envelope) }
            }
        }
        return try #require(outcome.withLockedValue { $0 })
    }

    @Test("a short call succeeds in both modes: buffered exact, passthrough estimated")
    func control() async throws {
        for mode in ["buffered", "passthrough"] {
            for stream in [false, true] {
                let outcome = try await call(mode: mode, stream: stream, thinkMilliseconds: 200)
                #expect(outcome.status == 200, "\(mode) stream=\(stream)")
                let event = try #require(outcome.envelope)
                let exact = !(stream && mode == "passthrough")
                #expect(event.usageSource == (exact ? .reported : .estimated), "\(mode) stream=\(stream)")
                if stream { #expect(outcome.body.contains("data: [DONE]")) }
            }
        }
    }

    @Test("a JSON call longer than the forward-request timeout fails at the gateway, in either mode, and is billed as estimated, flagged upstream_timeout")
    func jsonTimeout() async throws {
        for mode in ["buffered", "passthrough"] {
            let outcome = try await call(mode: mode, stream: false, thinkMilliseconds: 1500)
            #expect(outcome.status == 504, "\(mode)")
            let event = try #require(outcome.envelope)
            #expect(event.source == "on-error")
            #expect(event.flags.contains("upstream_timeout"))
            #expect(event.usageSource == .estimated)
            #expect(event.meters.inputTokens > 0)
        }
    }

    @Test("a buffered stream that takes longer than the idle limit loses the client (nothing was sent to it) but is billed exactly")
    func bufferedStreamDropped() async throws {
        let outcome = try await call(mode: "buffered", stream: true, thinkMilliseconds: 1500)
        #expect(outcome.status == 504 && outcome.body.contains("load balancer"))
        let event = try #require(outcome.envelope)
        #expect(event.usageSource == .reported)
        #expect(event.meters.outputTokens > 0)
    }

    @Test("a passthrough stream whose model thinks past the idle limit ends early for the client; the call is billed as estimated")
    func passthroughStreamCut() async throws {
        let outcome = try await call(mode: "passthrough", stream: true, thinkMilliseconds: 1500)
        #expect(outcome.status == 200)
        #expect(!outcome.body.contains("data: [DONE]"))
        let event = try #require(outcome.envelope)
        #expect(event.usageSource == .estimated)
        #expect(event.flags.contains("response_not_captured"))
    }
}
