import Foundation
import FunctionsProtocol
import Testing
import TestSupport

/// A hostile team with a cost-center report key, and every other key shape it could try, against the
/// real handler behind the local host, in forwarding mode and through the JSON protocol. No answer
/// may carry another cost center's data; each attack is named after what it tries.
@Suite("key attacks through functions-host", .serialized)
struct KeyAttackTests {
    static let scopedKey = "cc-1-report-key"
    static let fullKey = "finance-report-key"
    static let ingestKey = "apim-ingest-key"
    static let otherHostKey = "someone-elses-host-key"

    func start(forwarding: Bool, ingestAsHostKey: Bool = false) async throws -> HostHarness {
        let root = try RealHandlerTests().appRoot(forwarding: forwarding)
        try """
        {"schemaVersion": 1, "costCenters": [{"id": "CC-1", "reportKeySha256": ["\(Self.digest(Self.scopedKey))"]}, {"id": "CC-2"}],
         "subscriptions": {"team-a": "CC-1", "team-b": "CC-2"}}
        """.write(toFile: root + "/centers.json", atomically: true, encoding: .utf8)
        try """
        {"schemaVersion": 1, "timeZone": "UTC", "currency": "USD",
         "budgets": [{"id": "team-a", "scope": "subscription", "target": "team-a", "monthlyAmount": "100"}]}
        """.write(toFile: root + "/budgets.json", atomically: true, encoding: .utf8)
        let host = try HostHarness(root: root, environment: [
            "REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL(), "CHARGEBACK_COST_CENTERS": root + "/centers.json",
            "CHARGEBACK_BUDGETS": root + "/budgets.json",
            "CHARGEBACK_INGEST_KEY_SHA256": Self.digest(Self.ingestKey), "CHARGEBACK_REPORT_KEY_SHA256": Self.digest(Self.fullKey),
        ], extraArguments: [
            "--named-function-key", "cc-1=\(Self.scopedKey)", "--named-function-key", "finance=\(Self.fullKey)",
            "--named-function-key", "other=\(Self.otherHostKey)",
        ] + (ingestAsHostKey ? ["--named-function-key", "apim-ingest=\(Self.ingestKey)"] : ["--function-level-key", "ingest=\(Self.ingestKey)"]))
        try await host.waitUntilServing()
        return host
    }

    /// SHA-256 hex through the system's sha256sum, as the docs tell operators to compute it.
    static func digest(_ key: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(key.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return String(text.prefix(64))
    }

    static let reports = ["/api/v1/usage/summary?groupBy=costCenter", "/api/v1/chargeback/report", "/api/v1/budget/status?costCenter=CC-2"]

    @Test("a scoped report key in every smuggling shape never reads another cost center", arguments: [true, false])
    func scopedKeySmuggling(forwarding: Bool) async throws {
        let host = try await start(forwarding: forwarding)
        var answers: [(attack: String, path: String, status: Int, body: String)] = []
        for path in Self.reports {
            let separator = path.contains("?") ? "&" : "?"
            let attacks: [(String, String, [(String, String)])] = [
                ("repeated code with junk", path + separator + "code=\(Self.scopedKey)&code=x", []),
                ("the same key twice", path + separator + "code=\(Self.scopedKey)&code=\(Self.scopedKey)", []),
                ("header and query disagree", path + separator + "code=\(Self.fullKey)", [("x-functions-key", Self.scopedKey)]),
                ("header and query agree", path + separator + "code=\(Self.scopedKey)", [("x-functions-key", Self.scopedKey)]),
                ("repeated header", path, [("x-functions-key", Self.scopedKey), ("x-functions-key", "x")]),
                ("comma in the value", path, [("x-functions-key", Self.scopedKey + ",x")]),
                ("the master key", path, [("x-functions-key", HostHarness.masterKey)]),
                ("the default host key", path, [("x-functions-key", HostHarness.functionKey)]),
                ("another host key with no role", path, [("x-functions-key", Self.otherHostKey)]),
                ("the ingest key", path, [("x-functions-key", Self.ingestKey)]),
            ]
            for (attack, target, headers) in attacks {
                let response = try await host.request("GET", target, headers: headers)
                answers.append((attack, target, response.status, response.text))
            }
        }
        let scopedOwn = try await host.request("GET", "/api/v1/chargeback/report", headers: [("x-functions-key", Self.scopedKey)])
        let full = try await host.request("GET", "/api/v1/chargeback/report?costCenter=CC-2", headers: [("x-functions-key", Self.fullKey)])
        #expect(await host.stop() == 0)
        for answer in answers {
            #expect([401, 403].contains(answer.status), "\(answer.attack) on \(answer.path) answered \(answer.status)")
            #expect(!answer.body.contains("CC-2\",") && !answer.body.contains("team-b"), "\(answer.attack) leaked data")
        }
        #expect(scopedOwn.status == 200)
        #expect(try JSONValue.parse(Array(scopedOwn.text.utf8))["costCenter"] == .string("CC-1"))
        #expect(full.status == 200)
        #expect(!host.output.contains(Self.scopedKey) && !host.output.contains(Self.fullKey) && !host.output.contains(HostHarness.masterKey))
    }

    @Test("report keys cannot ingest; the ingest key cannot read metrics", arguments: [true, false])
    func crossRoleKeys(forwarding: Bool) async throws {
        let host = try await start(forwarding: forwarding)
        let envelope = Array(#"{"schemaVersion":1,"source":"outbound","requestId":"attack-1","timestamp":"2026-01-01T00:00:00Z","statusCode":200}"#.utf8)
        let scopedIngest = try await host.request("POST", "/api/v1/ingest", headers: [("x-functions-key", Self.scopedKey)], body: envelope)
        let fullIngest = try await host.request("POST", "/api/v1/ingest", headers: [("x-functions-key", Self.fullKey)], body: envelope)
        let masterIngest = try await host.request("POST", "/api/v1/ingest", headers: [("x-functions-key", HostHarness.masterKey)], body: envelope)
        let ingestMetrics = try await host.request("GET", "/api/v1/metrics", headers: [("x-functions-key", Self.ingestKey)])
        let scopedMetrics = try await host.request("GET", "/api/v1/metrics", headers: [("x-functions-key", Self.scopedKey)])
        let fullMetrics = try await host.request("GET", "/api/v1/metrics", headers: [("x-functions-key", Self.fullKey)])
        #expect(await host.stop() == 0)
        #expect(scopedIngest.status == 403)
        #expect(fullIngest.status == 403)
        #expect(masterIngest.status == 403)
        // The ingest key is a function-level key of `ingest`: the host itself refuses it elsewhere.
        #expect(ingestMetrics.status == 401)
        #expect(scopedMetrics.status == 403)
        #expect(fullMetrics.status == 200)
        #expect(fullMetrics.header("Cache-Control")?.contains("private") == true)
    }

    @Test("the gateway's key as Terraform deploys it (a named host key): ingest, owner and one subscription's budget status; no report, no metrics",
          arguments: [true, false])
    func gatewayKeyAsHostKey(forwarding: Bool) async throws {
        let host = try await start(forwarding: forwarding, ingestAsHostKey: true)
        let key = [("x-functions-key", Self.ingestKey)]
        let owner = try await host.request("GET", "/api/v1/owner?kind=response&id=resp_nobody0000000000", headers: key)
        let budget = try await host.request("GET", "/api/v1/budget/status?subscription=team-a", headers: key)
        let centerBudget = try await host.request("GET", "/api/v1/budget/status?costCenter=CC-2", headers: key)
        let summary = try await host.request("GET", "/api/v1/usage/summary?groupBy=costCenter", headers: key)
        let report = try await host.request("GET", "/api/v1/chargeback/report", headers: key)
        let metrics = try await host.request("GET", "/api/v1/metrics", headers: key)
        let scopedOwner = try await host.request("GET", "/api/v1/owner?kind=response&id=resp_nobody0000000000", headers: [("x-functions-key", Self.fullKey)])
        #expect(await host.stop() == 0)
        #expect(owner.status == 404)
        #expect(owner.text.contains("owner_unknown"))
        #expect(budget.status == 200, "\(budget.text)")
        #expect(centerBudget.status == 403)
        #expect(summary.status == 403)
        #expect(report.status == 403)
        #expect(metrics.status == 403)
        #expect(scopedOwner.status == 403)
    }
}
