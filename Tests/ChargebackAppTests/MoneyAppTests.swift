import ChargebackApp
import ChargebackCore
import Digest
import Foundation
import FunctionsProtocol
import Hummingbird
import Logging
import RedisClient
import Testing
import TestSupport

/// Money end to end over real HTTP: envelopes ingested, `chargeback rollup --date` run as a process,
/// reports and the usage summary read back, bad queries and scoped keys refused.
@Suite("money through the handler", .serialized)
struct MoneyAppTests {
    /// A past UTC day of this test alone (2001–2019), before the 28th, and the day after it.
    let day: CivilDayText
    let tag = String(UUID().uuidString.prefix(6).lowercased())
    let folder: String
    static let reportKey = "cc1-report-key-for-tests"

    init() async throws {
        day = try await CivilDayText.reserved(tag: tag)
        folder = NSTemporaryDirectory() + "money-\(tag)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let hash = SHA256Digest.hash(Array(Self.reportKey.utf8)).map { String(format: "%02x", $0) }.joined()
        try """
        {"schemaVersion": 1, "name": "app test book", "currency": "USD",
         "deployments": {"chat": {"model": "gpt-4o", "deploymentType": "GlobalStandard"}},
         "prices": [{"model": "gpt-4o", "deploymentType": "GlobalStandard", "effectiveFrom": "2000-01-01",
                     "perMillionTokens": {"input": "2.50", "cachedInput": "1.25", "output": "10.00"}}]}
        """.write(toFile: folder + "/book.json", atomically: true, encoding: .utf8)
        try """
        {"schemaVersion": 1, "costCenters": [{"id": "CC-1", "name": "Marketing", "reportKeySha256": ["\(hash)"]}],
         "subscriptions": {"sub-a-\(tag)": "CC-1"}}
        """.write(toFile: folder + "/centers.json", atomically: true, encoding: .utf8)
    }

    func configuration() throws -> Configuration {
        var configuration = Configuration(port: 0, redis: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), redisTimeoutMilliseconds: 5000)
        configuration.useTestKeys()
        configuration.priceBookPath = folder + "/book.json"
        configuration.costCentersPath = folder + "/centers.json"
        configuration.costCentersPathIsExplicit = true
        return configuration
    }

    func app() throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return ChargebackApplication.build(try configuration(), logger: logger)
    }

    func envelope(_ name: String, id: String, hour: String, prompt: Int, completion: Int) -> ByteBuffer {
        var builder = EnvelopeBuilder()
        builder.subscriptionId = "sub-\(name)-\(tag)"
        builder.requestId = "req-\(tag)-\(id)"
        builder.timestamp = "\(day.text)T\(hour):10:00Z"
        builder.path = "/openai/deployments/chat/chat/completions"
        builder.deployment = "chat"
        builder.responseBody = #"{"model":"gpt-4o","usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion)}}"#
        return ByteBuffer(bytes: builder.bytes)
    }

    func get(_ client: some TestClientProtocol, _ uri: String, key: String? = TestKeys.report) async throws -> (status: Int, body: String, type: String?) {
        var headers = HTTPFields()
        if let key { headers[.init("x-functions-key")!] = key }
        let response = try await client.execute(uri: uri, method: .get, headers: headers, body: nil)
        return (Int(response.status.code), String(buffer: response.body), response.headers[.contentType])
    }

    func rollup(_ date: String) async throws -> (status: Int32, output: String) {
        let configuration = try configuration()
        let outcome = try await Spawn.run(try TestEnvironment.binaryDirectory() + "/chargeback", ["rollup", "--date", date], environment: [
            "PATH": "/usr/bin:/bin", "REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL(),
            "CHARGEBACK_PRICE_BOOK": configuration.priceBookPath, "CHARGEBACK_COST_CENTERS": configuration.costCentersPath,
        ])
        return (outcome.status, outcome.standardOutput + outcome.standardError)
    }

    @Test("ingest → chargeback rollup --date → report (json, csv, html), scoped to a cost center by its key")
    func endToEnd() async throws {
        try await app().test(.live) { client in
            for (name, id, hour, prompt, completion) in [("a", "1", "09", 1000, 100), ("a", "2", "23", 3000, 0), ("b", "3", "12", 10_000, 1000)] {
                let response = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: envelope(name, id: id, hour: hour, prompt: prompt, completion: completion))
                #expect(response.status == .ok)
            }
            let rolled = try await rollup(day.text)
            #expect(rolled.status == 0)
            // a: 4,000 × 2.50/1M + 100 × 10/1M = 0.011; b: 10,000 × 2.50/1M + 1,000 × 10/1M = 0.035.
            #expect(rolled.output.contains("\(day.text): revision 1 (first rollup), cost 0.046000 USD, 0 unpriced lines"))
            #expect(try await rollup(day.text).output.contains("unchanged (revision 1)"))

            let json = try await get(client, "/api/v1/chargeback/report?from=\(day.text)&to=\(day.text)")
            #expect(json.status == 200)
            let report = try JSONValue.parse(Array(json.body.utf8))
            #expect(report["total"] == .string("0.046000"))
            #expect(report["provisionalDays"] == .array([]))

            let csv = try await get(client, "/api/v1/chargeback/report?from=\(day.text)&to=\(day.text)&format=csv")
            #expect(csv.type?.hasPrefix("text/csv") == true)
            #expect(csv.body.hasPrefix(ReportCSV.columns.joined(separator: ",")))
            #expect(csv.body.split(separator: "\r\n").count == 1 + 4)

            let html = try await get(client, "/api/v1/chargeback/report?from=\(day.text)&to=\(day.text)&format=html")
            #expect(html.type?.hasPrefix("text/html") == true)
            #expect(html.body.contains("<svg"))
            #expect(html.body.contains("sub-b-\(tag)"))

            let scoped = try await get(client, "/api/v1/chargeback/report?from=\(day.text)&to=\(day.text)", key: Self.reportKey)
            #expect(scoped.status == 200)
            #expect(try JSONValue.parse(Array(scoped.body.utf8))["total"] == .string("0.011000"))
            #expect(!scoped.body.contains("sub-b-\(tag)"))
            let other = try await get(client, "/api/v1/chargeback/report?from=\(day.text)&to=\(day.text)&costCenter=unassigned", key: Self.reportKey)
            #expect(other.status == 403)
            #expect(other.body.contains("forbidden_cost_center"))
        }
    }

    @Test("usage summary: groups, the same prices, and any time zone hour by hour")
    func usageSummary() async throws {
        try await app().test(.live) { client in
            for (name, id, hour, prompt, completion) in [("a", "1", "09", 1000, 100), ("a", "2", "23", 3000, 0), ("b", "3", "12", 10_000, 1000)] {
                _ = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: envelope(name, id: id, hour: hour, prompt: prompt, completion: completion))
            }
            let byCenter = try await get(client, "/api/v1/usage/summary?from=\(day.text)&to=\(day.text)&groupBy=costCenter")
            #expect(byCenter.status == 200)
            let groups = try JSONValue.parse(Array(byCenter.body.utf8))["groups"]
            #expect(groups?[0]?["key"] == .string("unassigned"))
            #expect(groups?[0]?["cost"] == .string("0.035000"))
            #expect(groups?[1]?["key"] == .string("CC-1"))
            #expect(groups?[1]?["inputTokens"] == .number("4000"))

            // In Tokyo (+09:00) the 23:10 UTC call belongs to the next local day.
            let tokyo = try await get(client, "/api/v1/usage/summary?from=\(day.text)&to=\(day.text)&groupBy=day&tz=Asia/Tokyo&subscription=sub-a-\(tag)")
            #expect(try JSONValue.parse(Array(tokyo.body.utf8))["totals"]?["inputTokens"] == .number("1000"))
            let india = try await get(client, "/api/v1/usage/summary?from=\(day.next)&to=\(day.next)&groupBy=hour&tz=Asia/Kolkata&subscription=sub-a-\(tag)")
            #expect(try JSONValue.parse(Array(india.body.utf8))["groups"]?[0]?["key"] == .string("\(day.next)T04:30+05:30"))
        }
    }

    @Test("bad queries are refused with 400 and a reason", arguments: [
        "/api/v1/chargeback/report?month=2026-13", "/api/v1/chargeback/report?from=2026-02-01&to=2026-01-01",
        "/api/v1/chargeback/report?from=2025-01-01&to=2026-01-05", "/api/v1/chargeback/report?format=xml",
        "/api/v1/chargeback/report?month=2026-01&from=2026-01-01", "/api/v1/chargeback/report?from=2026-01-01",
        "/api/v1/usage/summary?groupBy=team", "/api/v1/usage/summary?tz=Mars/Olympus", "/api/v1/usage/summary?from=yesterday&to=2026-01-01",
        // Zone names are file names under zoneinfo: paths out of it, and files that are not zones, are unknown zones.
        "/api/v1/usage/summary?tz=../../../etc/passwd", "/api/v1/usage/summary?tz=%2Fetc%2Fpasswd", "/api/v1/usage/summary?tz=zone.tab",
        "/api/v1/usage/summary?tz=Europe/../Europe/Paris", "/api/v1/usage/summary?tz=right/Europe/Paris",
    ])
    func badQueries(uri: String) async throws {
        try await app().test(.live) { client in
            let response = try await get(client, uri)
            #expect(response.status == 400)
            #expect(response.body.contains("invalid_query"))
        }
    }

    @Test("Redis gone: every function that reads it answers 503 store_unavailable (mapped once, at the routes), in both modes")
    func storeUnavailable() async throws {
        var configuration = try configuration()
        configuration.redis = try RedisEndpoint.parse("redis://127.0.0.1:\(try TestEnvironment.unusedPort())")
        configuration.redisTimeoutMilliseconds = 300
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try await ChargebackApplication.build(configuration, logger: logger).test(.router) { client in
            for uri in ["/api/v1/usage/summary?from=\(day.text)&to=\(day.text)", "/api/v1/chargeback/report?from=\(day.text)&to=\(day.text)",
                        "/api/v1/owner?kind=batch&id=batch_1"] {
                let answer = try await get(client, uri, key: uri.contains("owner") ? TestKeys.ingest : TestKeys.report)
                #expect(answer.status == 503, "\(uri)")
                #expect(answer.body.contains("store_unavailable"), "\(uri): \(answer.body)")
            }
            // The JSON protocol: the same answer inside Outputs.res.
            let invocation = JSONValue.object([
                ("Data", .object([("req", .object([("Url", .string("http://localhost/api/v1/usage/summary")), ("Method", .string("GET")),
                                                    ("Query", .object([])), ("Headers", .object([("x-functions-key", .array([.string(TestKeys.report)]))])),
                                                    ("Params", .object([])), ("Identities", .array([]))]))])),
                ("Metadata", .object([])),
            ])
            let response = try await client.execute(uri: "/usage-summary", method: .post, body: ByteBuffer(string: invocation.compactText))
            let result = try JSONValue.parse(Array(response.body.readableBytesView))
            #expect(result["Outputs"]?["res"]?["statusCode"] == .string("503") || result["Outputs"]?["res"]?["statusCode"] == .number("503"))
            #expect(result["Outputs"]?["res"]?["body"]?.stringValue?.contains("store_unavailable") == true)
        }
    }

    @Test("a broken price book: ingest still counts, the money functions answer 503 with the reason")
    func brokenPriceBook() async throws {
        try "{\"schemaVersion\": 1, \"currency\": \"USD\", \"deployments\": {}, \"prices\": [{\"model\": \"m\"}]}".write(
            toFile: folder + "/book.json", atomically: true, encoding: .utf8)
        try await app().test(.live) { client in
            let ingest = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: envelope("a", id: "9", hour: "10", prompt: 1, completion: 1))
            #expect(ingest.status == .ok)
            let report = try await get(client, "/api/v1/chargeback/report")
            #expect(report.status == 503)
            #expect(report.body.contains("pricing_unavailable"))
            #expect(report.body.contains("missing field"))
        }
    }
}

/// A random past UTC day as text, and the day after.
struct CivilDayText {
    let text: String
    let next: String

    /// A random day whose every report window (the day, and the day after) is this test's alone:
    /// both days are claimed in Redis (`SET NX`), so no other test of this or an earlier run on the
    /// same Redis has usage on them. Reports sum every subscription of a day: a random day alone
    /// collided, on a Redis kept between runs, about one run in seven (two tests' usage in one total).
    static func reserved(tag: String) async throws -> CivilDayText {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 1, timeoutMilliseconds: 5000)
        var reserved: CivilDayText?
        for _ in 0..<1000 where reserved == nil {
            let candidate = random()
            guard try await claim(candidate.text, tag: tag, redis) else { continue }
            if try await claim(candidate.next, tag: tag, redis) {
                reserved = candidate
            } else {
                _ = try await redis.send(["DEL", "test:money-day:" + candidate.text])
            }
        }
        await redis.close()
        guard let reserved else { throw TestEnvironment.Missing(description: "no free day left for the money tests in this Redis") }
        return reserved
    }

    static func claim(_ day: String, tag: String, _ redis: RedisPool) async throws -> Bool {
        try await redis.send(["SET", "test:money-day:" + day, tag, "NX"]).text == "OK"
    }

    static func random() -> CivilDayText {
        let seconds = Double(Int.random(in: 978_307_200...1_546_300_800))
        var date = Date(timeIntervalSince1970: seconds)
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        if Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date).day ?? 1 >= 28 {
            date = date.addingTimeInterval(-7 * 86_400)
        }
        return CivilDayText(text: formatter.string(from: date), next: formatter.string(from: date.addingTimeInterval(86_400)))
    }
}

extension JSONValue {
    /// The element at `index` of an array.
    subscript(index: Int) -> JSONValue? {
        guard case let .array(items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
