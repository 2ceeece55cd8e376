import ChargebackApp
import ChargebackCore
import Foundation
import FunctionsProtocol
import HTTPTypes
import Hummingbird
import Logging
import RedisClient
import Testing
import TestSupport

/// Budgets through the handler: events ingested today, the `budget-check` timer sends each alert
/// once to a webhook receiver on loopback, and `budget-status` reports the spend.
@Suite("budgets through the handler")
struct BudgetAppTests {
    let tag = String(UUID().uuidString.prefix(6).lowercased())

    func application(folder: String, urlVariable: String, url: String) throws -> some ApplicationProtocol {
        try """
        {"schemaVersion": 1, "name": "budget test book", "currency": "USD",
         "deployments": {"chat": {"model": "gpt-4o", "deploymentType": "GlobalStandard"}},
         "prices": [{"model": "gpt-4o", "deploymentType": "GlobalStandard", "effectiveFrom": "2000-01-01",
                     "perMillionTokens": {"input": "2.50", "output": "10.00"}}]}
        """.write(toFile: folder + "/book.json", atomically: true, encoding: .utf8)
        try """
        {"schemaVersion": 1, "costCenters": [{"id": "CC-\(tag)", "name": "Team"}], "subscriptions": {"sub-\(tag)": "CC-\(tag)"}}
        """.write(toFile: folder + "/centers.json", atomically: true, encoding: .utf8)
        // 1,000 input tokens cost 0.0025: over this budget at once.
        try """
        {"schemaVersion": 1, "currency": "USD",
         "budgets": [{"id": "team-\(tag)", "scope": "costCenter", "target": "CC-\(tag)", "monthlyAmount": "0.002", "hardLimit": true, "channels": ["hook-\(tag)"]}],
         "channels": [{"id": "hook-\(tag)", "kind": "generic", "urlFromEnvironment": "\(urlVariable)"}]}
        """.write(toFile: folder + "/budgets.json", atomically: true, encoding: .utf8)
        var configuration = Configuration(port: 0, redis: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), redisTimeoutMilliseconds: 5000)
        configuration.useTestKeys()
        configuration.priceBookPath = folder + "/book.json"
        configuration.costCentersPath = folder + "/centers.json"
        configuration.costCentersPathIsExplicit = true
        configuration.budgetsPath = folder + "/budgets.json"
        configuration.budgetsPathIsExplicit = true
        configuration.spoolDirectory = folder + "/spool"
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return ChargebackApplication.build(configuration, logger: logger, environment: [urlVariable: url])
    }

    @Test("over budget: thresholds and forecast alerted once each, however often the check runs; status says over the hard limit")
    func alertsOnce() async throws {
        let folder = NSTemporaryDirectory() + "budget-\(tag)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let receiver = AlertDeliveryTests.Receiver()
        let variable = "ALERT_TEST_URL_\(tag.uppercased())"
        try await receiver.application().test(.live) { hook in
            let url = "http://127.0.0.1:\(try #require(hook.port))/hook"
            try await application(folder: folder, urlVariable: variable, url: url).test(.router) { client in
                var builder = EnvelopeBuilder()
                builder.subscriptionId = "sub-\(tag)"
                builder.requestId = "req-\(tag)"
                builder.timestamp = UTCTimestamp.now.isoText
                builder.path = "/openai/deployments/chat/chat/completions"
                builder.deployment = "chat"
                builder.responseBody = #"{"model":"gpt-4o","usage":{"prompt_tokens":1000,"completion_tokens":0}}"#
                try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: builder.bytes)) { response in
                    #expect(response.status == .ok)
                }
                let timer = String(decoding: try Fixture.bytes("timer-invocation-request.json"), as: UTF8.self)
                    .replacingOccurrences(of: "\"myTimer\"", with: "\"timer\"")
                for _ in 0..<2 {
                    try await client.execute(uri: "/budget-check", method: .post, body: ByteBuffer(string: timer)) { response in
                        #expect(response.status == .ok)
                    }
                }
                try await client.execute(uri: "/api/v1/budget/status?costCenter=CC-\(tag)", method: .get, headers: TestKeys.reportHeaders) { response in
                    #expect(response.status == .ok)
                    let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                    let budget = try #require((json["budgets"] as? [[String: Any]])?.first)
                    #expect(budget["spend"] as? String == "0.002500")
                    #expect(budget["percent"] as? String == "125.0")
                    #expect(budget["thresholdsCrossed"] as? [Int] == [50, 80, 100])
                    #expect(budget["overHardLimit"] as? Bool == true)
                }
                try await client.execute(uri: "/api/v1/budget/status", method: .get, headers: TestKeys.reportHeaders) { response in
                    #expect(response.status == .badRequest)
                }
            }
        }
        let keys = receiver.received.withLockedValue { $0.compactMap(\.key) }.sorted()
        // 50, 80 and 100 %, and (unless the month is in its first hour) the forecast: each once.
        #expect(keys.filter { $0.hasSuffix("threshold-50") }.count == 1)
        #expect(keys.filter { $0.hasSuffix("threshold-80") }.count == 1)
        #expect(keys.filter { $0.hasSuffix("threshold-100") }.count == 1)
        #expect(keys.filter { $0.hasSuffix("forecast") }.count <= 1)
        #expect(keys.count == Set(keys).count, "an alert arrived twice: \(keys)")
        #expect(keys.allSatisfy { $0.hasPrefix("budget:team-\(tag):") })
    }
}
