import Foundation
import FunctionsProtocol
import Testing
import TestSupport

@Suite("functions-host: forwarding mode and the handler's lifecycle", .serialized)
struct ForwardingHostTests {
    func forwardingHost(environment: [String: String] = [:]) async throws -> HostHarness {
        let host = try HostHarness(
            root: try HostHarness.stubApp(hostJSON: try HostHarness.stubHostJSON(forwarding: true), forwarding: true), environment: environment)
        try await host.waitUntilServing()
        return host
    }

    @Test("the raw request goes to its original /api path with the host's headers added")
    func forwardsRaw() async throws {
        let host = try await forwardingHost()
        let get = try await host.request("GET", "/api/items/42?name=Ada&code=\(HostHarness.functionKey)", headers: [
            ("Host", "localhost:7071"), ("User-Agent", "PostmanRuntime/7.37.3"), ("Accept", "*/*"),
        ])
        let post = try await host.request("POST", "/api/items/7", headers: [("x-functions-key", HostHarness.functionKey), ("Content-Type", "application/json")],
                                          body: Array("{\"a\":1}".utf8))
        #expect(await host.stop() == 0)
        #expect(get.status == 200)
        #expect(get.header("X-Stub") == "forwarded")
        #expect(post.status == 200)
        #expect(post.header("X-Stub") == "forwarded")
        let records = host.invocations
        #expect(records.count == 2)
        let forwardedGet = try #require(records.first)
        #expect(forwardedGet["method"] == .string("GET"))
        #expect(forwardedGet["target"] == .string("/api/items/42?name=Ada&code=\(HostHarness.functionKey)"))
        #expect(forwardedGet.recordedHeader("Host") == "localhost:7071")
        #expect(forwardedGet.recordedHeader("User-Agent")?.hasPrefix("PostmanRuntime/7.37.3 Azure-Functions-Host/") == true)
        #expect(forwardedGet.recordedHeader("Accept") == "*/*")
        #expect(forwardedGet.recordedHeader("X-Azure-Functions-InvocationId").flatMap(UUID.init(uuidString:)) != nil)
        #expect(forwardedGet.recordedHeader("X-Azure-Functions-HostVersion")?.isEmpty == false)
        let forwardedPost = try #require(records.last)
        #expect(forwardedPost["body"] == .string("{\"a\":1}"))
        #expect(forwardedPost["chunked"] == .bool(false))
        #expect(forwardedPost.recordedHeader("Content-Length") == "7")
        #expect(forwardedPost.recordedHeader("x-functions-key") == HostHarness.functionKey)
    }

    @Test("the handler starts with the host's variables, local.settings.json values, and the app root as cwd")
    func startEnvironment() async throws {
        let host = try await forwardingHost()
        _ = try await host.request("GET", "/api/items/1?code=\(HostHarness.functionKey)")
        #expect(await host.stop() == 0)
        let start = try #require(host.starts.first)
        let env = try #require(start["env"])
        let port = try #require(env["FUNCTIONS_CUSTOMHANDLER_PORT"]?.stringValue)
        #expect(Int(port) != nil)
        #expect(env["FUNCTIONS_HTTPWORKER_PORT"]?.stringValue == port)
        #expect(env["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"]?.stringValue.flatMap(UUID.init(uuidString:)) != nil)
        #expect(env["FUNCTIONS_APP_ROOT_PATH"]?.stringValue == host.root)
        #expect(env["FUNCTIONS_WORKER_RUNTIME"]?.stringValue == "custom")
        #expect(env["STUB_FROM_SETTINGS"]?.stringValue == "yes")
        #expect(env["STUB_OVERRIDDEN"]?.stringValue == "from-environment")
        #expect(start["cwd"]?.stringValue.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == URL(fileURLWithPath: host.root).resolvingSymlinksInPath().path)
    }

    @Test("a handler that starts slowly is waited for; one that crashes is restarted on a new port")
    func restartsAfterCrash() async throws {
        let host = try await forwardingHost(environment: ["STUB_START_DELAY_MS": "400"])
        let first = try await host.request("GET", "/api/items/1?code=\(HostHarness.functionKey)")
        let crashing = try await host.request("GET", "/api/items/2?code=\(HostHarness.functionKey)", headers: [("X-Stub-Exit", "3")])
        let afterRestart = try await host.request("GET", "/api/items/3?code=\(HostHarness.functionKey)")
        #expect(await host.stop() == 0)
        #expect(first.status == 200)
        #expect(crashing.status == 200)
        #expect(afterRestart.status == 200)
        let starts = host.starts
        #expect(starts.count == 2)
        #expect(starts.first?["env"]?["FUNCTIONS_CUSTOMHANDLER_PORT"] != starts.last?["env"]?["FUNCTIONS_CUSTOMHANDLER_PORT"])
        #expect(host.output.contains("exited with code 3"))
    }

    @Test("exit code 0 is not restarted, as in Azure: later calls get 503 with a reason")
    func exitZeroStays() async throws {
        let host = try await forwardingHost()
        _ = try await host.request("GET", "/api/items/1?code=\(HostHarness.functionKey)", headers: [("X-Stub-Exit", "0")])
        try await Task.sleep(for: .milliseconds(300))
        let after = try await host.request("GET", "/api/items/2?code=\(HostHarness.functionKey)")
        _ = await host.stop()
        #expect(after.status == 503)
        #expect(after.text.contains("handler_unavailable"))
        #expect(host.starts.count == 1)
    }

    @Test("the host stops the handler when it stops")
    func stopsHandler() async throws {
        let host = try await forwardingHost()
        _ = try await host.request("GET", "/api/items/1?code=\(HostHarness.functionKey)")
        let port = try #require(host.starts.first?["env"]?["FUNCTIONS_CUSTOMHANDLER_PORT"]?.stringValue)
        #expect(await host.stop() == 0)
        try await Task.sleep(for: .milliseconds(200))
        await #expect(throws: (any Error).self) {
            _ = try await host.curl.perform(.init(url: "http://127.0.0.1:\(port)/", timeoutMilliseconds: 500))
        }
    }
}
