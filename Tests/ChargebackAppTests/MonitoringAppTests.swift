import ChargebackApp
import ChargebackCore
import ChargebackRedis
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import RedisClient
import Testing
import TestSupport

/// `GET /api/v1/metrics` in the Prometheus text format, and the ingest error-rate alert fed by the
/// counts every instance flushes to Redis.
@Suite("monitoring: metrics and the error-rate alert")
struct MonitoringAppTests {
    let tag = String(UUID().uuidString.prefix(6).lowercased())

    /// A Redis database of this suite's own: the hourly ingest counts are shared by every process
    /// using a database, and other suites' handlers ingest into database 0.
    static func redisURL() throws -> String {
        let endpoint = try RedisEndpoint.parse(try TestEnvironment.plainRedisURL())
        return "redis://\(endpoint.host):\(endpoint.port)/7"
    }

    func application(folder: String, url: String, telemetry: Telemetry) throws -> some ApplicationProtocol {
        try """
        {"schemaVersion": 1, "currency": "USD", "budgets": [],
         "errorRate": {"threshold": "0.5", "minimumRequests": 5, "channels": ["hook-\(tag)"]},
         "channels": [{"id": "hook-\(tag)", "kind": "generic", "urlFromEnvironment": "HOOK_URL"}]}
        """.write(toFile: folder + "/budgets.json", atomically: true, encoding: .utf8)
        var configuration = Configuration(port: 0, redis: try RedisEndpoint.parse(try Self.redisURL()), redisTimeoutMilliseconds: 5000)
        configuration.useTestKeys()
        configuration.budgetsPath = folder + "/budgets.json"
        configuration.budgetsPathIsExplicit = true
        configuration.spoolDirectory = folder + "/spool"
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return ChargebackApplication.build(configuration, logger: logger, environment: ["HOOK_URL": url], telemetry: telemetry)
    }

    /// The sample's value in the exposition, e.g. `chargeback_ingest_events_total{outcome="recorded"}`.
    static func value(_ sample: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }

    @Test("counters, histograms and refusals by reason; 8 of 10 ingests refused → one error-rate alert, however often the check runs")
    func metricsAndErrorRate() async throws {
        let folder = NSTemporaryDirectory() + "monitoring-\(tag)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let telemetry = Telemetry()
        let receiver = AlertDeliveryTests.Receiver()
        try await receiver.application().test(.live) { hook in
            let url = "http://127.0.0.1:\(try #require(hook.port))/hook"
            try await application(folder: folder, url: url, telemetry: telemetry).test(.router) { client in
                var builder = EnvelopeBuilder()
                builder.subscriptionId = "sub-\(tag)"
                builder.timestamp = UTCTimestamp.now.isoText
                builder.responseBody = #"{"model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":2}}"#
                builder.requestId = "req-\(tag)-1"
                // Recorded, then a duplicate delivery.
                for _ in 0..<2 {
                    try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: builder.bytes)) { #expect($0.status == .ok) }
                }
                for index in 0..<8 {
                    let body = index.isMultiple(of: 2) ? ByteBuffer(string: "{not json") : ByteBuffer(string: #"{"schemaVersion":1}"#)
                    try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: body) { #expect($0.status == .badRequest) }
                }
                var exposition = ""
                try await client.execute(uri: "/api/v1/metrics", method: .get, headers: TestKeys.reportHeaders) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                    exposition = String(buffer: response.body)
                }
                #expect(Self.value(#"chargeback_ingest_events_total{outcome="recorded"}"#, in: exposition) == 1)
                #expect(Self.value(#"chargeback_ingest_events_total{outcome="duplicate"}"#, in: exposition) == 1)
                #expect(Self.value(#"chargeback_ingest_events_total{outcome="refused"}"#, in: exposition) == 8)
                #expect(Self.value(#"chargeback_ingest_events_total{outcome="spooled"}"#, in: exposition) == 0)
                #expect(Self.value(#"chargeback_function_invocations_total{function="ingest",status="400"}"#, in: exposition) == 8)
                #expect(Self.value(#"chargeback_function_duration_seconds_count{function="ingest"}"#, in: exposition) == 10)
                #expect(Self.value("chargeback_ingest_payload_bytes_count", in: exposition) == 10)
                #expect(Self.value("chargeback_redis_ledger_write_seconds_count", in: exposition) == 2)
                let reasons = exposition.split(separator: "\n").filter { $0.hasPrefix("chargeback_extraction_errors_total{reason=") }
                #expect(reasons.count == 2, "\(reasons)")
                #expect(reasons.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +) == 8)
                // No payload value is a label: the subscription and request ids stay out.
                #expect(!exposition.contains(tag))

                #expect(await IngestTallyFlusher(tally: telemetry.tally, store: IngestHealthStore(redis: RedisPool(endpoint: try RedisEndpoint.parse(try Self.redisURL()), timeoutMilliseconds: 5000))).flush())
                let timer = String(decoding: try Fixture.bytes("timer-invocation-request.json"), as: UTF8.self)
                    .replacingOccurrences(of: "\"myTimer\"", with: "\"timer\"")
                for _ in 0..<2 {
                    try await client.execute(uri: "/budget-check", method: .post, body: ByteBuffer(string: timer)) { #expect($0.status == .ok) }
                }
                try await client.execute(uri: "/api/v1/metrics", method: .get, headers: TestKeys.reportHeaders) { response in
                    let text = String(buffer: response.body)
                    let delivered = Self.value(#"chargeback_alerts_total{outcome="delivered"}"#, in: text) ?? 0
                    #expect(delivered >= 1)
                    #expect(Self.value(#"chargeback_alerts_total{outcome="already_sent"}"#, in: text) == delivered)
                    #expect(Self.value(#"chargeback_function_invocations_total{function="budget-check",status="200"}"#, in: text) == 2)
                }
            }
        }
        // Once for this hour (a run of this suite in the last hour can add the previous hour's, once).
        let got = receiver.received.withLockedValue { $0 }
        let keys = got.compactMap(\.key)
        let hour = UTCTimestamp.now.millisecondsSinceEpoch / 3_600_000
        #expect(keys.filter { $0 == ErrorRateCheck.onceKey(hour: hour) || $0 == ErrorRateCheck.onceKey(hour: hour - 1) }.count >= 1)
        #expect(keys.count == Set(keys).count && keys.count == got.count, "\(keys)")
        let first = try #require(got.first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any])
        #expect(json["kind"] as? String == "errorRate")
    }
}
