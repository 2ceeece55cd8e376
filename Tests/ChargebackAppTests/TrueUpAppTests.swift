import ChargebackCore
import Foundation
import FunctionsProtocol
import Testing
import TestSupport

/// The invoice's true-ups end to end: `chargeback reconcile --apply` run as a process on a rolled-up
/// day, then the report over real HTTP in every format, the usage total kept apart from the true-ups.
extension MoneyAppTests {
    /// The fixture export's day-1 rows (gpt-4o input 3M tokens 7.50, output 500k tokens 5.00) moved to
    /// this test's day, and its day-2 input row (3.00) to the next day.
    func export() throws -> String {
        let fixture = String(decoding: try Fixture.bytes("azure/focus-cost-export-openai.csv"), as: UTF8.self)
        let month = String(day.text.prefix(7))
        let monthStart = month + "-01T00:00:00Z"
        let monthDate = try #require(ISO8601DateFormatter().date(from: monthStart))
        let nextMonth = String(ISO8601DateFormatter().string(from: monthDate.addingTimeInterval(32 * 86_400)).prefix(7)) + "-01T00:00:00Z"
        let dayAfter = try #require(ISO8601DateFormatter().date(from: day.next + "T00:00:00Z")).addingTimeInterval(86_400)
        // The fixture's lines end in CRLF, one Character in Swift: split on any newline.
        let lines = fixture.split(whereSeparator: \.isNewline)
        let rows = lines.filter { $0.contains("gpt-4o-1120-Inp-glbl") || $0.contains("gpt-4o-1120-Outp-glbl") }
        #expect(rows.count == 3, "the fixture's two day-1 rows and its day-2 input row")
        let moved = rows.map { row in
                row.replacingOccurrences(of: "2031-03-04T00:00:00Z", with: ISO8601DateFormatter().string(from: dayAfter))
                    .replacingOccurrences(of: "2031-03-03T00:00:00Z", with: day.next + "T00:00:00Z")
                    .replacingOccurrences(of: "2031-03-02T00:00:00Z", with: day.text + "T00:00:00Z")
                    .replacingOccurrences(of: "2031-04-01T00:00:00Z", with: nextMonth)
                    .replacingOccurrences(of: "2031-03-01T00:00:00Z", with: monthStart)
            }
        return ([String(lines.first ?? "")] + moved).joined(separator: "\r\n") + "\r\n"
    }

    func reconcile(_ exportPath: String, _ extra: [String] = []) async throws -> (status: Int32, output: String) {
        let configuration = try configuration()
        let outcome = try await Spawn.run(try TestEnvironment.binaryDirectory() + "/chargeback", [
            "reconcile", "--export", exportPath, "--map", try Fixture.path("azure/meter-map.json"), "--owner", "CC-1", "--apply", "--alert-percent", "100",
            "--resource", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.CognitiveServices/accounts/local-openai",
        ] + extra, environment: [
            "PATH": "/usr/bin:/bin", "REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL(),
            "CHARGEBACK_PRICE_BOOK": configuration.priceBookPath, "CHARGEBACK_COST_CENTERS": configuration.costCentersPath,
        ])
        return (outcome.status, outcome.standardOutput + outcome.standardError)
    }

    @Test("reconcile --apply: the report shows the true-ups apart from usage, scoped by cost center, once however often applied")
    func appliedTrueUps() async throws {
        let exportPath = folder + "/export.csv"
        try export().write(toFile: exportPath, atomically: true, encoding: .utf8)
        try await app().test(.live) { client in
            for (name, id, hour, prompt, completion) in [("a", "1", "09", 1000, 100), ("a", "2", "23", 3000, 0), ("b", "3", "12", 10_000, 1000)] {
                let response = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders,
                                                         body: envelope(name, id: id, hour: hour, prompt: prompt, completion: completion))
                #expect(response.status == .ok)
            }
            #expect(try await rollup(day.text).status == 0)
            let uri = "/api/v1/chargeback/report?from=\(day.text)&to=\(day.next)"
            #expect(try JSONValue.parse(Array(try await get(client, uri).body.utf8))["exactTrueUpTotal"] == .string("0.00"))

            // A day after --apply-through is left alone: Azure may still add to it.
            let early = try await reconcile(exportPath, ["--apply-through", "2000-01-01"])
            #expect(early.status == 0 && early.output.contains("not applied: \(day.text), \(day.next) after --apply-through 2000-01-01"), "\(early.output)")
            #expect(try JSONValue.parse(Array(try await get(client, uri).body.utf8))["reconciledDays"] == .array([]))
            #expect(try await reconcile(exportPath, ["--apply-through", "20xx-01-01"]).status == 64)

            // Azure billed 7.50 input and 5.00 output on the day; APIM counted 0.035 and 0.011. The next day is not rolled up: left.
            let applied = try await reconcile(exportPath)
            #expect(applied.status == 0, "\(applied.output)")
            #expect(applied.output.contains("applied: the true-ups of 1 rolled-up day(s) stored for the report (\(day.text))"), "\(applied.output)")
            #expect(applied.output.contains("not applied: \(day.next) not rolled up yet"), "\(applied.output)")
            // Applied twice: the day's true-ups are replaced, never added up.
            #expect(try await reconcile(exportPath).status == 0)

            let json = try await get(client, uri)
            let report = try JSONValue.parse(Array(json.body.utf8))
            #expect(report["exactTotal"] == .string("0.046"), "usage stays usage")
            #expect(report["exactTrueUpTotal"] == .string("12.454") && report["trueUpTotal"] == .string("12.454000"))
            #expect(report["exactGrandTotal"] == .string("12.50") && report["grandTotal"] == .string("12.500000"), "usage + true-ups = the invoice")
            #expect(report["trueUps"]?.arrayValue?.count == 4, "a and b, input and output: \(json.body)")
            #expect(report["reconciledDays"]?[0]?["stale"] == .bool(false) && report["reconciledDays"]?[0]?["snapshotRevision"] == .number("1"))
            // a used 4,000 of the 14,000 input tokens: 4/14 of 7.465, to the pico.
            #expect(json.body.contains(#""subscription":"sub-a-\#(tag)","deployment":"chat","model":"gpt-4o","deploymentType":"GlobalStandard","meter":"input","reason":"outside-apim","amount":"2.132857","exactAmount":"2.132857142857""#), "\(json.body)")

            // A cost center's key sees its own true-ups only.
            let scoped = try JSONValue.parse(Array(try await get(client, uri, key: Self.reportKey).body.utf8))
            #expect(scoped["trueUps"]?.arrayValue?.allSatisfy { $0["costCenter"] == .string("CC-1") } == true && scoped["trueUps"]?.arrayValue?.count == 2)

            // CSV: the Adjustment rows follow the usage rows, and all rows add up to the grand total shown.
            let csv = try await get(client, uri + "&format=csv").body.split(separator: "\r\n").dropFirst()
            let costColumn = try #require(ReportCSV.columns.firstIndex(of: "BilledCost"))
            let cents = csv.map { row in Decimal(string: String(row.split(separator: ",", omittingEmptySubsequences: false)[costColumn])) ?? -1 }
            #expect(csv.count { $0.contains(",Adjustment,") && $0.hasSuffix(",true-up,outside-apim") } == 4)
            #expect(cents.reduce(0, +) == Decimal(string: "12.5"))

            // FOCUS: valid, and its BilledCost agrees with the report to the last digit, usage and true-ups apart.
            let focus = folder + "/focus.csv", reportFile = folder + "/report.json"
            try await get(client, uri + "&format=focus").body.write(toFile: focus, atomically: true, encoding: .utf8)
            try json.body.write(toFile: reportFile, atomically: true, encoding: .utf8)
            let check = try await Spawn.run("/usr/bin/python3", [TestEnvironment.repositoryRoot + "/scripts/lib/check_focus.py", focus, "--report", reportFile],
                                            environment: ["PATH": "/usr/bin:/bin"])
            #expect(check.status == 0 && check.standardOutput.contains("of the 4 true-up rows = its exactTrueUpTotal 12.454"), "\(check.standardOutput) \(check.standardError)")

            let html = try await get(client, uri + "&format=html").body
            #expect(html.contains("<table id=\"true-ups\">") && html.contains("Total after true-ups") && html.contains("12.50 USD"))
            #expect(!html.contains("True-ups to recompute"))

            // A late event rolled up after the reconciliation: the day's true-ups are marked stale until it is reconciled again.
            _ = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders,
                                         body: envelope("a", id: "4", hour: "10", prompt: 2000, completion: 0))
            #expect(try await rollup(day.text).status == 0)
            let late = try await get(client, uri)
            #expect(try JSONValue.parse(Array(late.body.utf8))["reconciledDays"]?[0]?["stale"] == .bool(true), "\(late.body)")
            #expect(try await get(client, uri + "&format=html").body.contains("True-ups to recompute"))
            #expect(try await reconcile(exportPath).status == 0)
            let again = try JSONValue.parse(Array(try await get(client, uri).body.utf8))
            #expect(again["reconciledDays"]?[0]?["stale"] == .bool(false) && again["exactGrandTotal"] == .string("12.50"), "re-applied on revision 2")
        }
    }
}
