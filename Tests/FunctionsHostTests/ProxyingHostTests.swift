import CurlClient
import Foundation
import FunctionsProtocol
import Testing
import TestSupport

/// `enableProxyingHttpRequest: true`, as the newer host proxies with YARP (reference §4.3, §1.5):
/// the handler's answer streams through as written, the original path and query go unchanged, the
/// headers are a reverse proxy's, an idle handler is cut off after the activity timeout, and a
/// client that hangs up ends the handler's request.
@Suite("functions-host: proxying mode, streamed", .serialized)
struct ProxyingHostTests {
    func proxyingHost(activityTimeoutMs: Int? = nil) async throws -> HostHarness {
        let script = try Fixture.path("stub_handler.py")
        let hostJSON = """
        {"version":"2.0","extensions":{"http":{"routePrefix":"api"}},
         "customHandler":{"description":{"defaultExecutablePath":"python3","arguments":["\(script)"]},"enableProxyingHttpRequest":true}}
        """
        let host = try HostHarness(root: try HostHarness.stubApp(hostJSON: hostJSON, forwarding: false),
                                   extraArguments: activityTimeoutMs.map { ["--proxy-activity-timeout-ms", String($0)] } ?? [])
        try await host.waitUntilServing()
        return host
    }

    /// Reads a streamed answer: its head, and when each chunk arrived (seconds after the head).
    func read(_ host: HostHarness, _ path: String, headers: [(String, String)] = [], stopAfter: Int? = nil) async throws
        -> (head: CurlResponseHead, chunks: [(at: Double, text: String)], failed: Bool) {
        let request = CurlRequest(url: "http://127.0.0.1:\(host.port)\(path)", headers: [("x-functions-key", HostHarness.functionKey)] + headers,
                                  timeoutMilliseconds: 20_000)
        let (head, body) = try await host.curl.stream(request)
        let start = ContinuousClock.now
        var chunks: [(at: Double, text: String)] = []
        do {
            for try await bytes in body {
                let elapsed = ContinuousClock.now - start
                chunks.append((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, String(decoding: bytes, as: UTF8.self)))
                if let stopAfter, chunks.count >= stopAfter { break }
            }
        } catch {
            return (head, chunks, true)
        }
        return (head, chunks, false)
    }

    @Test("the answer streams through as the handler writes it; path, query, status and headers pass as a reverse proxy passes them")
    func streams() async throws {
        let host = try await proxyingHost()
        let path = "/api/items/stream?chunks=5&delayMs=600&name=A%20B&flag"
        let answer = try await read(host, path, headers: [("Host", "localhost:7071"), ("Accept", "text/event-stream")])
        #expect(await host.stop() == 0)
        #expect(answer.head.status == 200 && answer.head.header("X-Stub") == "streamed" && answer.head.header("Content-Type") == "text/event-stream")
        let text = answer.chunks.map(\.text).joined()
        #expect((0..<5).allSatisfy { text.contains("\"n\":\($0)") } && !answer.failed)
        // Buffered, the first bytes would come with the last: streamed, they come 4 × 600 ms before (the
        // margin is for a host starved of CPU by the suites beside it, which once held back the first
        // chunks of 4 × 300 ms for 0.8 s).
        let first = try #require(answer.chunks.first { $0.text.contains("\"n\":0") }?.at)
        let last = try #require(answer.chunks.last?.at)
        #expect(last - first > 0.9, "first event at \(first) s, last at \(last) s")
        let request = try #require(host.invocations.first)
        #expect(request["target"] == .string("/api/items/stream?chunks=5&delayMs=600&name=A%20B&flag"), "the path and query unchanged (no re-encoding)")
        #expect(request.recordedHeader("Host") != "localhost:7071", "the original Host is replaced")
        #expect(request.recordedHeader("X-Forwarded-Host") == "localhost:7071" && request.recordedHeader("X-Forwarded-Proto") == "http")
        #expect(request.recordedHeader("X-Forwarded-For") == "127.0.0.1" && request.recordedHeader("Accept") == "text/event-stream")
        let invocation = try #require(request.recordedHeader("X-Azure-Functions-InvocationId"))
        #expect(UUID(uuidString: invocation) != nil && request.recordedHeader("x-ms-invocation-id") == invocation)
        #expect(request.recordedHeader("x-functions-key") == HostHarness.functionKey)
        // The host's own line for the invocation: one JSON object, as the handler writes its lines.
        let line = try #require(host.output.split(separator: "\n").first { $0.contains(invocation) && $0.contains("\"message\":\"invocation\"") })
        let logged = try JSONValue.parse(String(line))
        #expect(logged["invocation.id"] == .string(invocation) && logged["delivery"] == .string("proxied") && logged["http.status"] == .string("200"))
        #expect(logged["logger"] == .string("functions-host") && logged["level"] == .string("info") && logged["time"] != nil)
    }

    @Test("a request body goes to the handler whole, with its length; one over the host's limit is refused")
    func body() async throws {
        let host = try await proxyingHost()
        let posted = try await host.request("POST", "/api/items/7", headers: [("x-functions-key", HostHarness.functionKey), ("Content-Type", "application/json")],
                                            body: Array("{\"a\":1}".utf8))
        #expect(posted.status == 200 && posted.header("X-Stub") == "forwarded")
        #expect(await host.stop() == 0)
        let request = try #require(host.invocations.first)
        #expect(request["body"] == .string("{\"a\":1}") && request.recordedHeader("Content-Length") == "7")
    }

    @Test("a handler silent for longer than the activity timeout is cut off; the client sees the stream end short")
    func activityTimeout() async throws {
        let host = try await proxyingHost(activityTimeoutMs: 500)
        let answer = try await read(host, "/api/items/stream?chunks=3&pauseAfter=1&pauseMs=2500")
        // The stub notices on its next write, after its pause.
        try await Task.sleep(for: .milliseconds(3000))
        #expect(await host.stop() == 0)
        let text = answer.chunks.map(\.text).joined()
        #expect(text.contains("\"n\":0") && !text.contains("\"n\":2"), "\(text)")
        #expect(answer.failed, "a cut-off chunked answer is incomplete")
        #expect(host.records.contains { $0["kind"] == .string("stream-aborted") }, "\(host.records)")
    }

    @Test("a client that hangs up mid-stream ends the handler's request")
    func clientHangsUp() async throws {
        let host = try await proxyingHost()
        let answer = try await read(host, "/api/items/stream?chunks=200&delayMs=20", stopAfter: 2)
        #expect(answer.chunks.count == 2)
        var aborted: JSONValue?
        for _ in 0..<100 where aborted == nil {
            try await Task.sleep(for: .milliseconds(50))
            aborted = host.records.first { $0["kind"] == .string("stream-aborted") }
        }
        #expect(await host.stop() == 0)
        guard case let .number(sent)? = aborted?["sent"] else {
            Issue.record("the handler did not see its client go: \(host.records)")
            return
        }
        #expect((Int(sent) ?? 200) < 200)
    }
}
