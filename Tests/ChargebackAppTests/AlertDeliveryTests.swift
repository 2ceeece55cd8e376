import ChargebackApp
import ChargebackCore
import ChargebackRedis
import Digest
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import RedisClient
import Testing
import TestSupport

/// Alerts through libcurl to a webhook receiver on loopback, with Redis once-markers.
@Suite("alert delivery: signed, retried, once")
struct AlertDeliveryTests {
    /// A receiver that records what it got and answers with the next scripted status (then 200).
    final class Receiver: Sendable {
        struct Received: Sendable { var body: [UInt8]; var signature: String?; var key: String? }
        let received = NIOLockedValueBox<[Received]>([])
        let script: NIOLockedValueBox<[Int]>
        init(statuses: [Int] = []) { script = NIOLockedValueBox(statuses) }

        static func header(_ name: String, in fields: HTTPFields) -> String? {
            fields.first { $0.name.rawName.lowercased() == name.lowercased() }?.value
        }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.post("/hook") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                self.received.withLockedValue {
                    $0.append(Received(body: Array(buffer: body), signature: Self.header("X-Chargeback-Signature", in: request.headers),
                                       key: Self.header("X-Chargeback-Alert-Key", in: request.headers)))
                }
                let status = self.script.withLockedValue { $0.isEmpty ? 200 : $0.removeFirst() }
                return Response(status: .init(code: status))
            }
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        }
    }

    let channelID = "hook-\(UUID().uuidString.prefix(8).lowercased())"

    func candidate() throws -> AlertCandidate {
        let budget = Budget(id: "b-\(UUID().uuidString.prefix(8).lowercased())", scope: .subscription, target: "team-a",
                            monthlyAmount: try #require(Money(exactText: "100")), channels: [channelID])
        let period = BudgetPeriod.containing(1_796_040_000, offsetSeconds: { _ in 0 })
        let status = BudgetEvaluator(currency: "USD").evaluate(budget, spend: try #require(Money(exactText: "85.5")), period: period, now: 1_796_040_000)
        let alerts = BudgetEvaluator(currency: "USD").alerts(for: status)
        return try #require(alerts.first { $0.onceKey.hasSuffix("threshold-80") })
    }

    func dispatcher(port: Int, secret: String? = "s3cret", attempts: Int = 3) throws -> AlertDispatcher {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 2, timeoutMilliseconds: 5000)
        let channel = AlertChannel(id: channelID, kind: .generic, urlEnvironmentVariable: "HOOK_URL", secretEnvironmentVariable: secret == nil ? nil : "HOOK_SECRET")
        var environment = ["HOOK_URL": "http://127.0.0.1:\(port)/hook"]
        environment["HOOK_SECRET"] = secret
        return AlertDispatcher(ledger: AlertLedger(redis: redis), sender: WebhookSender(attempts: attempts, backoffMilliseconds: 20),
                               channels: [channel], environment: environment)
    }

    @Test("the generic payload arrives signed with HMAC-SHA256 over '<t>.<body>'")
    func signed() async throws {
        let receiver = Receiver()
        let candidate = try candidate()
        try await receiver.application().test(.live) { client in
            let port = try #require(client.port)
            let lines = try await dispatcher(port: port).dispatch([candidate], sentAt: UTCTimestamp(millisecondsSinceEpoch: 1_796_040_000_000))
            #expect(lines.count == 1 && lines[0].contains("delivered (HTTP 200, attempt 1)"), "\(lines)")
        }
        let got = try #require(receiver.received.withLockedValue { $0 }.first)
        let signature = try #require(got.signature)
        let parts = Dictionary(uniqueKeysWithValues: signature.split(separator: ",").map { part in
            let pair = part.split(separator: "=", maxSplits: 1)
            return (String(pair[0]), String(pair[1]))
        })
        let timestamp = try #require(parts["t"])
        let mac = SHA256Digest.hmac(key: Array("s3cret".utf8), message: Array("\(timestamp).".utf8) + got.body)
        #expect(parts["v1"] == mac.map { String(format: "%02x", $0) }.joined())
        #expect(got.key == candidate.onceKey)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(got.body)) as? [String: Any])
        #expect(json["kind"] as? String == "budgetThreshold")
        #expect(json["onceKey"] as? String == candidate.onceKey)
    }

    @Test("a 500 is retried with backoff; a 400 is not")
    func retried() async throws {
        let receiver = Receiver(statuses: [500, 503])
        let candidate = try candidate()
        try await receiver.application().test(.live) { client in
            let lines = try await dispatcher(port: try #require(client.port)).dispatch([candidate], sentAt: UTCTimestamp(millisecondsSinceEpoch: 0))
            #expect(lines.first?.contains("delivered (HTTP 200, attempt 3)") == true, "\(lines)")
        }
        #expect(receiver.received.withLockedValue { $0.count } == 3)

        let refusing = Receiver(statuses: [400])
        let other = try self.candidate()
        try await refusing.application().test(.live) { client in
            let lines = try await dispatcher(port: try #require(client.port)).dispatch([other], sentAt: UTCTimestamp(millisecondsSinceEpoch: 0))
            #expect(lines.first?.contains("failed after 1 attempts (HTTP 400)") == true, "\(lines)")
        }
        #expect(refusing.received.withLockedValue { $0.count } == 1)
    }

    @Test("two instances dispatching the same alert at once: it arrives once; the evaluation run twice: still once")
    func once() async throws {
        let receiver = Receiver()
        let candidate = try candidate()
        try await receiver.application().test(.live) { client in
            let port = try #require(client.port)
            let first = try dispatcher(port: port), second = try dispatcher(port: port)
            async let a = first.dispatch([candidate], sentAt: UTCTimestamp(millisecondsSinceEpoch: 0))
            async let b = second.dispatch([candidate], sentAt: UTCTimestamp(millisecondsSinceEpoch: 0))
            let lines = try await a + b
            #expect(lines.filter { $0.contains("already sent") }.count == 1, "\(lines)")
            let again = try await first.dispatch([candidate], sentAt: UTCTimestamp(millisecondsSinceEpoch: 0))
            #expect(again.first?.contains("already sent") == true)
        }
        #expect(receiver.received.withLockedValue { $0.count } == 1)
    }

    @Test("a delivery that keeps failing is parked and sent by a later run")
    func parked() async throws {
        let receiver = Receiver(statuses: [500, 500])
        let candidate = try candidate()
        try await receiver.application().test(.live) { client in
            let dispatcher = try dispatcher(port: try #require(client.port), attempts: 2)
            let lines = try await dispatcher.dispatch([candidate], sentAt: UTCTimestamp(millisecondsSinceEpoch: 0))
            #expect(lines.first?.contains("parked") == true, "\(lines)")
            // Other suites may park too: retry until ours has gone through.
            var delivered = false
            for _ in 0..<5 where !delivered {
                delivered = try await dispatcher.retryParked(count: 1000).contains { $0.hasPrefix(candidate.onceKey) && $0.contains("delivered") }
            }
            #expect(delivered)
        }
        #expect(receiver.received.withLockedValue { $0.count } == 3)
    }
}
