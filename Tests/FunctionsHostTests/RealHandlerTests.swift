import Foundation
import FunctionsProtocol
import Testing
import TestSupport

/// The repository's own function app, served by the local host with the real `chargeback` handler.
@Suite("functions-host + chargeback", .serialized)
struct RealHandlerTests {
    /// A copy of the repository's host.json, functions/ and config/, optionally switched to the JSON protocol.
    func appRoot(forwarding: Bool) throws -> String {
        let root = NSTemporaryDirectory() + "app-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.repositoryRoot + "/functions", toPath: root + "/functions")
        try FileManager.default.copyItem(atPath: TestEnvironment.repositoryRoot + "/config", toPath: root + "/config")
        var host = try String(contentsOfFile: TestEnvironment.repositoryRoot + "/host.json", encoding: .utf8)
        if !forwarding {
            host = host.replacingOccurrences(of: "\"enableForwardingHttpRequest\": true", with: "\"enableForwardingHttpRequest\": false")
                .replacingOccurrences(of: "\"enableProxyingHttpRequest\": true", with: "\"enableProxyingHttpRequest\": false")
        }
        try host.write(toFile: root + "/host.json", atomically: true, encoding: .utf8)
        return root
    }

    @Test("health, keys and the rollup timer in both delivery modes", arguments: [true, false])
    func bothModes(forwarding: Bool) async throws {
        let host = try HostHarness(root: try appRoot(forwarding: forwarding), environment: [
            "REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL(), "CHARGEBACK_INGEST_KEY_SHA256": Self.ingestKeyHash,
        ], extraArguments: ["--function-level-key", "ingest=\(Self.ingestKey)"])
        try await host.waitUntilServing()
        let health = try await host.request("GET", "/api/v1/health")
        let ingestWithoutKey = try await host.request("POST", "/api/v1/ingest", body: Array("{}".utf8))
        let ingestWithHostKey = try await host.request("POST", "/api/v1/ingest", headers: [("x-functions-key", HostHarness.functionKey)], body: Array("{}".utf8))
        let ingest = try await host.request("POST", "/api/v1/ingest", headers: [("x-functions-key", Self.ingestKey)], body: Array("{}".utf8))
        let rollup = try await host.request("POST", "/admin/functions/rollup", headers: [("x-functions-key", HostHarness.masterKey)])
        #expect(await host.stop() == 0)
        #expect(health.status == 200)
        let report = try JSONValue.parse(health.body)
        #expect(report["redis"] == .string("ok"))
        #expect(health.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(ingestWithoutKey.status == 401)
        #expect(ingestWithHostKey.status == 403)
        #expect(ingest.status == 400)
        #expect(try JSONValue.parse(ingest.body)["error"]?["code"] == .string("missing_field"))
        #expect(rollup.status == 202)
        #expect(host.output.contains("\"invocation.id\""))
    }

    @Test("reports: no key 401 (host), a cost-center report key sees only its cost center, another is 403 (handler)")
    func scopedReportKey() async throws {
        let root = try appRoot(forwarding: true)
        // The SHA-256 of "cc-report-key" (printf %s cc-report-key | sha256sum); the key itself is never stored.
        try """
        {"schemaVersion": 1, "costCenters": [{"id": "CC-1", "name": "Marketing",
          "reportKeySha256": ["\(Self.reportKeyHash)"]}, {"id": "CC-2"}], "subscriptions": {"team-a": "CC-1", "team-b": "CC-2"}}
        """.write(toFile: root + "/centers.json", atomically: true, encoding: .utf8)
        let host = try HostHarness(root: root, environment: [
            "REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL(), "CHARGEBACK_COST_CENTERS": root + "/centers.json",
            "CHARGEBACK_REPORT_KEY_SHA256": Self.hostKeyHash,
        ], extraArguments: ["--named-function-key", "cc-1=cc-report-key"])
        try await host.waitUntilServing()
        let anonymous = try await host.request("GET", "/api/v1/chargeback/report")
        let scoped = try await host.request("GET", "/api/v1/chargeback/report", headers: [("x-functions-key", "cc-report-key")])
        let other = try await host.request("GET", "/api/v1/chargeback/report?costCenter=CC-2", headers: [("x-functions-key", "cc-report-key")])
        let summary = try await host.request("GET", "/api/v1/usage/summary?subscription=team-b", headers: [("x-functions-key", "cc-report-key")])
        let everything = try await host.request("GET", "/api/v1/chargeback/report?costCenter=CC-2", headers: [("x-functions-key", HostHarness.functionKey)])
        #expect(await host.stop() == 0)
        #expect(anonymous.status == 401)
        #expect(scoped.status == 200)
        #expect(try JSONValue.parse(scoped.body)["costCenter"] == .string("CC-1"))
        #expect(other.status == 403)
        #expect(try JSONValue.parse(other.body)["error"]?["code"] == .string("forbidden_cost_center"))
        #expect(summary.status == 403)
        #expect(everything.status == 200)
        #expect(host.output.contains("Named function keys: cc-1"))
        #expect(!host.output.contains("cc-report-key"))
    }

    static let reportKeyHash = "86d3f37db162982d3024bc861b5c99c95429d98184321b725b2188d2f3b8417d"
    static let ingestKey = "apim-ingest-key"
    /// SHA-256 of "apim-ingest-key".
    static let ingestKeyHash = "2403bc9dd027d089b750797659e755b03f9f90cd3c2bd3e823f7c0d92f002290"
    /// SHA-256 of `HostHarness.functionKey` ("fk-test"), made a full-access report key.
    static let hostKeyHash = "e58a5bce66ad65ee74ae571faf91eb2153219afbfaff84be60296c445ce2d1cc"

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
