import ChargebackCore
import ChargebackRedis
import RedisClient
import Foundation
import Testing
import TestSupport

/// `chargeback reconcile` as an operator runs it, against the real Redis: the fixture export on days
/// the ledger has nothing for, so every cost is the owner's; the alert's exit status; the FOCUS file
/// checked by the same checker as the usage export; bad input refused with the reason.
@Suite("chargeback reconcile")
struct ReconcileCommandTests {
    func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> Spawn.Outcome {
        let root = TestEnvironment.repositoryRoot
        let environment = [
            "PATH": "/usr/bin:/bin", "REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL(),
            "CHARGEBACK_PRICE_BOOK": root + "/config/price-book.json", "CHARGEBACK_COST_CENTERS": root + "/config/cost-centers.json",
        ].merging(extra) { $1 }
        return try await Spawn.run(try TestEnvironment.binaryDirectory() + "/chargeback", ["reconcile"] + arguments, environment: environment)
    }

    @Test("nothing counted on the export's days: all of it to the owner, an alert sent once, valid FOCUS rows")
    func ownerTakesAll() async throws {
        let focus = NSTemporaryDirectory() + "true-ups-" + UUID().uuidString + ".csv"
        let budgets = NSTemporaryDirectory() + "budgets-" + UUID().uuidString + ".json"
        defer {
            try? FileManager.default.removeItem(atPath: focus)
            try? FileManager.default.removeItem(atPath: budgets)
        }
        // The account's name is unique to this run, so the alert's once-marker in the shared Redis is new.
        let account = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.CognitiveServices/accounts/local-openai"
        try """
        {"schemaVersion": 1, "timeZone": "UTC", "currency": "USD", "budgets": [],
         "channels": [{"id": "finops-webhook", "kind": "generic", "urlFromEnvironment": "HOOK_URL"}]}
        """.write(toFile: budgets, atomically: true, encoding: .utf8)
        let arguments = ["--export", try Fixture.path("azure/focus-cost-export-openai.csv"), "--map", try Fixture.path("azure/meter-map.json"),
                         "--owner", "CC-9000", "--focus", focus, "--resource", account]
        let receiver = AlertDeliveryTests.Receiver()
        let (alert, again) = try await receiver.application().test(.live) { client in
            let port = try #require(client.port)
            try await Self.clearMarker()
            let environment = ["CHARGEBACK_BUDGETS": budgets, "HOOK_URL": "http://127.0.0.1:\(port)/hook"]
            return (try await run(arguments, environment: environment), try await run(arguments, environment: environment))
        }
        #expect(alert.status == 3, "\(alert.standardError)")
        // Sent once: the second run finds the marker and says so.
        let bodies = receiver.received.withLockedValue { $0.map { String(decoding: $0.body, as: UTF8.self) } }
        #expect(bodies.count == 1 && bodies.first?.contains("\"reconciliationDrift\"") == true && bodies.first?.contains("39.85 USD") == true, "\(bodies)")
        #expect(alert.standardOutput.contains("alert: reconcile:local-openai:2031-03-02…2031-03-03:39.85 → finops-webhook"), "\(alert.standardOutput)")
        #expect(again.status == 3 && again.standardOutput.contains("already sent"), "\(again.standardOutput)")
        #expect(alert.standardError.contains("ALERT: drift 39.85 USD is 100.0% of the invoice"), "\(alert.standardError)")
        #expect(alert.standardOutput.contains("6 usage rows (1 of other resources skipped)") && alert.standardOutput.contains("not compared: Purchase rows of the account, 720.00 USD"))
        #expect(alert.standardOutput.contains("6 true-up lines adding up to 39.85 USD"), "\(alert.standardOutput)")
        let rows = try String(contentsOfFile: focus, encoding: .utf8).split(separator: "\r\n")
        #expect(rows.count == 7 && rows.dropFirst().allSatisfy { $0.contains(",CC-9000,AI Platform,") && $0.contains(",(outside APIM),") })
        let check = try await Spawn.run("/usr/bin/python3", [TestEnvironment.repositoryRoot + "/scripts/lib/check_focus.py", focus], environment: ["PATH": "/usr/bin:/bin"])
        #expect(check.status == 0, "\(check.standardOutput) \(check.standardError)")

        let quiet = try await run(arguments + ["--alert-percent", "100"])
        #expect(quiet.status == 0, "\(quiet.standardError)")
    }

    /// The drift alert's once-marker, removed so that each test run sends it anew.
    static func clearMarker() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)
        let key = AlertKeys.marker(onceKey: "reconcile:local-openai:2031-03-02…2031-03-03:39.85", channel: "finops-webhook")
        _ = try await redis.send([Array("DEL".utf8), Array(key.utf8)], key: Array(key.utf8))
        await redis.close()
    }

    @Test("bad input exits with the reason")
    func badInput() async throws {
        let export = try Fixture.path("azure/focus-cost-export-openai.csv"), map = try Fixture.path("azure/meter-map.json")
        let cases: [([String], Int32, String)] = [
            (["--export", export + "-missing", "--map", map], 66, "no such readable file"),
            (["--export", export, "--map", export], 65, "meter map: not valid JSON"),
            (["--export", map, "--map", map], 65, "not a readable CSV"),
            (["--export", export, "--map", map, "--cost", "ListCost"], 64, "--cost"),
            (["--export", export, "--map", map, "--tolerance", "a lot"], 64, "--tolerance"),
            (["--export", export, "--map", map, "--tolerance", "-1"], 64, "--tolerance"),
            (["--export", export, "--map", map, "--alert-percent", "-1"], 64, "--alert-percent"),
            (["--map", map], 64, "--export"),
            (["--export", export, "--map", map, "--owner", "NOPE"], 64, "--owner 'NOPE' is not a cost center"),
            (["--export", export, "--map", map, "--resource", "/subscriptions/x/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/other"], 65,
             "no row is of /subscriptions/x/resourcegroups/r/providers/microsoft.cognitiveservices/accounts/other (8 rows of other resources)"),
        ]
        for (arguments, status, reason) in cases {
            let result = try await run(arguments)
            #expect(result.status == status && result.standardError.contains(reason), "\(arguments): \(result.status) \(result.standardError)")
        }
    }
}
