import Foundation
import FunctionsProtocol
import Testing
import TestSupport

/// The repository's own function app, served by the local host with the real `chargeback` handler.
@Suite("functions-host + chargeback", .serialized)
struct RealHandlerTests {
    /// A copy of the repository's host.json and functions/, optionally switched to the JSON protocol.
    func appRoot(forwarding: Bool) throws -> String {
        let root = NSTemporaryDirectory() + "app-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.repositoryRoot + "/functions", toPath: root + "/functions")
        var host = try String(contentsOfFile: TestEnvironment.repositoryRoot + "/host.json", encoding: .utf8)
        if !forwarding { host = host.replacingOccurrences(of: "\"enableForwardingHttpRequest\": true", with: "\"enableForwardingHttpRequest\": false") }
        try host.write(toFile: root + "/host.json", atomically: true, encoding: .utf8)
        return root
    }

    @Test("health, keys and the rollup timer in both delivery modes", arguments: [true, false])
    func bothModes(forwarding: Bool) async throws {
        let host = try HostHarness(root: try appRoot(forwarding: forwarding), environment: ["REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL()])
        try await host.waitUntilServing()
        let health = try await host.request("GET", "/api/v1/health")
        let ingestWithoutKey = try await host.request("POST", "/api/v1/ingest", body: Array("{}".utf8))
        let ingest = try await host.request("POST", "/api/v1/ingest", headers: [("x-functions-key", HostHarness.functionKey)], body: Array("{}".utf8))
        let rollup = try await host.request("POST", "/admin/functions/rollup", headers: [("x-functions-key", HostHarness.masterKey)])
        #expect(await host.stop() == 0)
        #expect(health.status == 200)
        let report = try JSONValue.parse(health.body)
        #expect(report["redis"] == .string("ok"))
        #expect(health.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(ingestWithoutKey.status == 401)
        #expect(ingest.status == 400)
        #expect(try JSONValue.parse(ingest.body)["error"]?["code"] == .string("missing_field"))
        #expect(rollup.status == 500)
        #expect(host.output.contains("\"invocation.id\""))
    }

    @Test("health says down (503) when Redis is not there")
    func redisDown() async throws {
        let dead = "redis://127.0.0.1:\(try TestEnvironment.unusedPort())"
        let host = try HostHarness(root: try appRoot(forwarding: true), environment: ["REDIS_CONNECTION_STRING": dead])
        try await host.waitUntilServing()
        let health = try await host.request("GET", "/api/v1/health")
        #expect(await host.stop() == 0)
        #expect(health.status == 503)
        #expect(try JSONValue.parse(health.body)["redis"] == .string("down"))
    }

    @Test("invalid apps are refused at start with a readable message and a non-zero exit", arguments: [
        ("{\"version\":\"2.0\",\"customHandler\":{\"description\":{}}}", "defaultExecutablePath"),
        ("{\"version\":\"1.0\",\"customHandler\":{\"description\":{\"defaultExecutablePath\":\"chargeback\"}}}", "version"),
        ("{\"version\":\"2.0\",\"customHandler\":{\"description\":{\"defaultExecutablePath\":\"no-such-handler\"}}}", "not on PATH"),
        ("not json", "host.json"),
    ])
    func refusesInvalidApps(hostJSON: String, message: String) async throws {
        let root = try appRoot(forwarding: true)
        try hostJSON.write(toFile: root + "/host.json", atomically: true, encoding: .utf8)
        let host = try HostHarness(root: root)
        let status = await host.waitForExit()
        #expect(status != 0)
        #expect(host.output.contains(message))
    }
}
