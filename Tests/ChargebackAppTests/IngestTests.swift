import Foundation
import ChargebackApp
import ChargebackCore
import FunctionsProtocol
import Hummingbird
import JSONLog
import Logging
import RedisClient
import Testing
import TestSupport

/// A ledger for tests only: counts each requestId once, in memory.
actor MemoryLedger: Ledger {
    private(set) var events: [String: UsageEvent] = [:]

    func record(_ event: UsageEvent) async throws -> RecordOutcome {
        guard events[event.requestId] == nil else { return .duplicate }
        events[event.requestId] = event
        return .recorded
    }
}

@Suite("ingest")
struct IngestTests {
    func app(ledger: (any Ledger)?, maxEnvelopeBytes: Int = 1 << 20, lines: LockedLines? = nil) throws -> some ApplicationProtocol {
        var configuration = Configuration(port: 0, redis: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), redisTimeoutMilliseconds: 5000)
        configuration.useTestKeys()
        configuration.maxEnvelopeBytes = maxEnvelopeBytes
        let logger = Logger(label: "ingest-test") { label in
            JSONLogHandler(label: label, sink: LineSink { lines?.append($0) })
        }
        return ChargebackApplication.build(configuration, logger: logger, ledger: ledger)
    }

    func chatEnvelope() throws -> EnvelopeBuilder {
        try .forFixture("chat-completion.json", path: "/openai/deployments/gpt-4o/chat/completions")
    }

    @Test("an envelope is extracted and recorded once; a redelivery is a duplicate")
    func recordsOnce() async throws {
        let ledger = MemoryLedger()
        let envelope = try chatEnvelope()
        try await app(ledger: ledger).test(.router) { client in
            for expected in ["recorded", "duplicate"] {
                try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: envelope.bytes)) { response in
                    #expect(response.status == .ok)
                    let receipt = try JSONValue.parse(Array(response.body.readableBytesView))
                    #expect(receipt["requestId"] == .string(envelope.requestId))
                    #expect(receipt["status"] == .string(expected))
                }
            }
        }
        let events = await ledger.events
        #expect(events.count == 1)
        #expect(events[envelope.requestId]?.meters.cachedInputTokens == 1664)
        #expect(events[envelope.requestId]?.subscriptionId == "sub-team-a")
    }

    @Test("the JSON protocol carries the same envelope in Data.req.Body")
    func jsonProtocol() async throws {
        let ledger = MemoryLedger()
        let envelope = try chatEnvelope().text
        let request = FunctionRequest(method: "POST", path: "/api/v1/ingest", headers: [("Content-Type", "application/json"), ("Content-Length", String(envelope.utf8.count)),
                                                                                   ("x-functions-key", TestKeys.ingest)],
                                      body: Array(envelope.utf8))
        let invocation = HttpTriggerSerializer().invocation(
            bindingName: "req", functionName: "ingest", request: request, url: "http://localhost:7071/api/v1/ingest", routeParameters: [],
            identities: [HttpTriggerSerializer.anonymousIdentity], utcNow: "2026-11-30T00:00:00Z", randGuid: "g")
        try await app(ledger: ledger).test(.router) { client in
            try await client.execute(uri: "/ingest", method: .post, body: ByteBuffer(string: invocation.compactText)) { response in
                #expect(response.status == .ok)
                let result = try InvocationResult.parse(Array(response.body.readableBytesView))
                #expect(try HttpOutputRenderer().response(for: result, bindingName: "res").status == 200)
            }
        }
        #expect(await ledger.events.count == 1)
    }

    @Test("a refused envelope is 400 with the reason code and nothing is counted", arguments: [
        ("{\"schemaVersion\":2}", "unsupported_schema_version"), ("not json", "invalid_json"), ("{}", "missing_field"),
    ])
    func refuses(body: String, code: String) async throws {
        let ledger = MemoryLedger()
        try await app(ledger: ledger).test(.router) { client in
            try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                let error = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(error["error"]?["code"] == .string(code))
            }
        }
        #expect(await ledger.events.isEmpty)
    }

    @Test("an envelope over the limit is 413 with the limit named")
    func tooLarge() async throws {
        try await app(ledger: MemoryLedger(), maxEnvelopeBytes: 2048).test(.router) { client in
            try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: try chatEnvelope().bytes)) { response in
                #expect(response.status == .contentTooLarge)
                let error = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(error["error"]?["code"] == .string("envelope_too_large"))
                #expect(error["error"]?["message"]?.stringValue?.contains("2048") == true)
            }
        }
    }

    @Test("a 16 MB envelope is accepted under the default limit")
    func sixteenMegabytes() async throws {
        let ledger = MemoryLedger()
        var envelope = EnvelopeBuilder()
        let content = String(repeating: "Token spend per team, per day. ", count: 520_000)
        envelope.responseBody = "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"\(content)\"}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4000000}}"
        let bytes = envelope.bytes
        #expect(bytes.count > 16_000_000 && bytes.count <= 16 * 1024 * 1024)
        try await app(ledger: ledger, maxEnvelopeBytes: 16 * 1024 * 1024).test(.router) { client in
            try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: bytes)) { #expect($0.status == .ok) }
        }
        #expect(await ledger.events.first?.value.meters.outputTokens == 4_000_000)
    }

    @Test("the production ledger records in Redis: recorded, then duplicate")
    func productionLedger() async throws {
        var envelope = try chatEnvelope()
        envelope.requestId = "req-prod-\(UUID().uuidString.prefix(8))"
        let bytes = envelope.bytes
        try await app(ledger: nil).test(.router) { client in
            for expected in ["recorded", "duplicate"] {
                try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: bytes)) { response in
                    #expect(response.status == .ok)
                    let receipt = try JSONValue.parse(Array(response.body.readableBytesView))
                    #expect(receipt["status"] == .string(expected))
                }
            }
        }
    }

    @Test("with Redis unreachable the event is spooled and acknowledged 'spooled'")
    func spooled() async throws {
        var configuration = Configuration(port: 0, redis: RedisEndpoint(host: "127.0.0.1", port: try TestEnvironment.unusedPort()), redisTimeoutMilliseconds: 200)
        configuration.useTestKeys()
        configuration.spoolDirectory = NSTemporaryDirectory() + "ingest-spool-" + UUID().uuidString
        let bytes = try chatEnvelope().bytes
        try await ChargebackApplication.build(configuration, logger: Logger(label: "t")).test(.router) { client in
            try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: bytes)) { response in
                #expect(response.status == .ok)
                let receipt = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(receipt["status"] == .string("spooled"))
            }
        }
        // The replayer may already have moved the file aside (and failed to reach Redis).
        let files = try FileManager.default.contentsOfDirectory(atPath: configuration.spoolDirectory)
        let spooled = try files.map { try String(contentsOfFile: configuration.spoolDirectory + "/" + $0, encoding: .utf8) }.joined()
        #expect(spooled.contains(try chatEnvelope().requestId))
    }

    @Test("logs carry identifiers and numbers, never prompt or completion text or keys")
    func logsCarryNoText() async throws {
        let lines = LockedLines()
        var envelope = EnvelopeBuilder()
        envelope.requestBody = "{\"messages\":[{\"role\":\"user\",\"content\":\"CANARY-PROMPT-51d2\"}],\"api-key\":\"CANARY-KEY-0c7e\"}"
        envelope.responseBody = "{\"choices\":[{\"message\":{\"content\":\"CANARY-COMPLETION-88aa\"}}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3}}"
        var broken = envelope
        // Refused for the envelope (a status that is not HTTP), with completion text inside.
        broken.statusCode = 700
        broken.responseBody = "{\"usage\":{\"prompt_tokens\":-1},\"x\":\"CANARY-COMPLETION-88aa\"}"
        let good = envelope.bytes
        let bad = broken.bytes
        try await app(ledger: MemoryLedger(), lines: lines).test(.router) { client in
            try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: good)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(bytes: bad)) { #expect($0.status == .badRequest) }
        }
        let all = lines.all.joined()
        #expect(all.contains("\"usage.input_tokens\":\"9\""))
        #expect(!all.contains("CANARY"))
    }
}
