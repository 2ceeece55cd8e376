import ChargebackApp
import CurlClient
import Foundation
import FunctionsProtocol
import Hummingbird
import Testing
import TestSupport

@Suite("handler: the host's exact wire bytes over a real socket", .serialized)
struct WireTests {
    func fixtureText(_ name: String) throws -> String {
        String(decoding: try Fixture.bytes(name), as: UTF8.self)
    }

    @Test("a chunked JSON invocation (no Content-Length) is answered per protocol")
    func chunkedInvocation() async throws {
        let text = try fixtureText("http-invocation-request.http")
        try await TestApp.make().test(.live) { client in
            let port = try #require(client.port)
            let bytes = RawHTTP.wireBytes(fromFixture: text, port: port) { _ in "/health" }
            let response = try await RawHTTP.exchange(port: port, bytes: bytes)
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            let result = try InvocationResult.parse(response.body)
            #expect(try HttpOutputRenderer().response(for: result, bindingName: "res").status == 200)
        }
    }

    @Test("a chunked timer invocation reaches rollup")
    func chunkedTimer() async throws {
        let text = try fixtureText("timer-invocation-request.http").replacingOccurrences(of: "myTimer", with: "timer")
            .replacingOccurrences(of: "\r\n167\r\n", with: "\r\n165\r\n")
        try await TestApp.make().test(.live) { client in
            let port = try #require(client.port)
            let response = try await RawHTTP.exchange(port: port, bytes: RawHTTP.wireBytes(fromFixture: text, port: port) { _ in "/rollup" })
            // The rollup ran: a JSON-protocol answer whose Logs say what each due day got.
            #expect(response.status == 200)
            let result = try InvocationResult.parse(response.body)
            // At least the 7 catch-up days: other tests' late events on the shared Redis can add a revisable day.
            #expect(result.logs.count >= 7)
            // Other suites fire the rollup at the same time: a day another run holds is reported as skipped.
            #expect(result.logs.allSatisfy { $0.contains("revision") || $0.contains("another instance") })
        }
    }

    @Test("the forwarded GET and the readiness ping are answered")
    func forwardedAndPing() async throws {
        let forwarded = try fixtureText("forwarded-http-request.http")
        let ping = try fixtureText("readiness-ping.http")
        try await TestApp.make().test(.live) { client in
            let port = try #require(client.port)
            let health = try await RawHTTP.exchange(port: port, bytes: RawHTTP.wireBytes(fromFixture: forwarded, port: port) { _ in "/api/v1/health" })
            #expect(health.status == 200)
            #expect(try JSONValue.parse(health.body)["redis"] == .string("ok"))
            #expect(try await RawHTTP.exchange(port: port, bytes: RawHTTP.wireBytes(fromFixture: ping, port: port)).status == 200)
        }
    }

    @Test("libcurl reaches the handler over real HTTP, both modes")
    func curlClient() async throws {
        try await TestApp.make().test(.live) { client in
            let port = try #require(client.port)
            let curl = CurlHTTPClient()
            let health = try await curl.perform(CurlRequest(url: "http://127.0.0.1:\(port)/api/v1/health"))
            #expect(health.status == 200)
            #expect(health.header("content-type")?.hasPrefix("application/json") == true)
            let invocation = try await curl.perform(CurlRequest(
                method: "POST", url: "http://127.0.0.1:\(port)/health", headers: [("Content-Type", "application/json")],
                body: try Fixture.bytes("http-invocation-request.json")))
            #expect(invocation.status == 200)
            #expect(try InvocationResult.parse(invocation.body).output("res") != nil)
        }
    }

    @Test("libcurl reports a refused connection as an error with curl's reason")
    func curlRefused() async throws {
        let port = try TestEnvironment.unusedPort()
        do {
            _ = try await CurlHTTPClient().perform(CurlRequest(url: "http://127.0.0.1:\(port)/", timeoutMilliseconds: 2000))
            Issue.record("a refused connection succeeded")
        } catch let error as CurlError {
            #expect(error.code == 7)
            #expect(!error.message.isEmpty)
        }
    }

    @Test("libcurl refuses schemes other than http and https (a configured file:// URL reads nothing)")
    func curlSchemes() async throws {
        let secret = NSTemporaryDirectory() + "curl-scheme-" + UUID().uuidString
        try "SECRET".write(toFile: secret, atomically: true, encoding: .utf8)
        for url in ["file://" + secret, "gopher://127.0.0.1:1/", "dict://127.0.0.1:1/"] {
            do {
                let response = try await CurlHTTPClient().perform(CurlRequest(url: url, timeoutMilliseconds: 2000))
                Issue.record("\(url) was fetched: \(response.body.count) bytes")
            } catch let error as CurlError {
                #expect(error.code == 1, "\(url): \(error)")  // CURLE_UNSUPPORTED_PROTOCOL
            }
        }
    }

    @Test("a response larger than maxResponseBytes aborts the transfer instead of growing memory")
    func curlResponseCap() async throws {
        try await TestApp.make().test(.live) { client in
            let port = try #require(client.port)
            let small = CurlRequest(url: "http://127.0.0.1:\(port)/api/v1/health", maxResponseBytes: 8)
            do {
                _ = try await CurlHTTPClient().perform(small)
                Issue.record("an answer over 8 bytes was collected")
            } catch let error as CurlError {
                #expect(error.code == 23)  // CURLE_WRITE_ERROR
            }
            #expect(try await CurlHTTPClient().perform(CurlRequest(url: "http://127.0.0.1:\(port)/api/v1/health")).status == 200)
        }
    }
}
