import ChargebackCore
import Foundation
import Testing
import TestSupport

/// `chargeback reconcile` as an operator runs it, against the real Redis: the fixture export on days
/// the ledger has nothing for, so every cost is the owner's; the alert's exit status; the FOCUS file
/// checked by the same checker as the usage export; bad input refused with the reason.
@Suite("chargeback reconcile")
struct ReconcileCommandTests {
    func run(_ arguments: [String]) async throws -> Spawn.Outcome {
        let root = TestEnvironment.repositoryRoot
        let environment = [
            "PATH": "/usr/bin:/bin", "REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL(),
            "CHARGEBACK_PRICE_BOOK": root + "/config/price-book.json", "CHARGEBACK_COST_CENTERS": root + "/config/cost-centers.json",
        ]
        return try await Spawn.run(try TestEnvironment.binaryDirectory() + "/chargeback", ["reconcile"] + arguments, environment: environment)
    }

    @Test("nothing counted on the export's days: all of it to the owner, an alert, valid FOCUS rows")
    func ownerTakesAll() async throws {
        let focus = NSTemporaryDirectory() + "true-ups-" + UUID().uuidString + ".csv"
        defer { try? FileManager.default.removeItem(atPath: focus) }
        let arguments = ["--export", try Fixture.path("azure/focus-cost-export-openai.csv"), "--map", try Fixture.path("azure/meter-map.json"),
                         "--owner", "PLATFORM", "--focus", focus]
        let alert = try await run(arguments)
        #expect(alert.status == 3, "\(alert.standardError)")
        #expect(alert.standardError.contains("ALERT: drift 39.85 USD is 100.0% of the invoice"), "\(alert.standardError)")
        #expect(alert.standardOutput.contains("6 usage rows (1 of other resources skipped)") && alert.standardOutput.contains("not compared: Purchase rows of the account, 720.00 USD"))
        #expect(alert.standardOutput.contains("6 true-up lines adding up to 39.85 USD"), "\(alert.standardOutput)")
        let rows = try String(contentsOfFile: focus, encoding: .utf8).split(separator: "\r\n")
        #expect(rows.count == 7 && rows.dropFirst().allSatisfy { $0.contains(",PLATFORM,") && $0.contains(",(outside APIM),") })
        let check = try await Spawn.run("/usr/bin/python3", [TestEnvironment.repositoryRoot + "/scripts/lib/check_focus.py", focus], environment: ["PATH": "/usr/bin:/bin"])
        #expect(check.status == 0, "\(check.standardOutput) \(check.standardError)")

        let quiet = try await run(arguments + ["--alert-percent", "100"])
        #expect(quiet.status == 0, "\(quiet.standardError)")
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
        ]
        for (arguments, status, reason) in cases {
            let result = try await run(arguments)
            #expect(result.status == status && result.standardError.contains(reason), "\(arguments): \(result.status) \(result.standardError)")
        }
    }
}
