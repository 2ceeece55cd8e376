import AzureIdentity
import ChargebackApp
import ChargebackRedis
import CivilCalendar
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import RedisClient
import Testing
import TestSupport

/// Microsoft Entra authentication to Redis: tokens from the (loopback) managed identity endpoint,
/// renewed on live connections before they expire, while commands keep flowing.
@Suite("Redis with Microsoft Entra tokens that rotate")
struct EntraRotationTests {
    func configuration(endpointPort: Int, secret: String) throws -> Configuration {
        try Configuration.fromEnvironment([
            "FUNCTIONS_CUSTOMHANDLER_PORT": "1", "REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL(), "REDIS_TIMEOUT_MS": "5000",
            "REDIS_AUTH": "entra", "IDENTITY_ENDPOINT": "http://127.0.0.1:\(endpointPort)/msi/token", "IDENTITY_HEADER": secret,
        ])
    }

    /// Sends INCRs from 8 tasks for `seconds` while the endpoint expires tokens; `renew` runs the
    /// renewal sweep every 250 ms as the handler's service does (every 5 s). Returns (INCRs answered,
    /// failures, final value).
    func load(_ redis: any RedisCommandRouter, endpoint: IdentityEndpoint, seconds: Double, renew: Bool,
              expiries: Int) async throws -> (ok: Int, failed: Int, value: Int64) {
        let key = "entra-test:\(UUID().uuidString)"
        let counts = NIOLockedValueBox((ok: 0, failed: 0))
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while ContinuousClock.now < end {
                        do {
                            _ = try await redis.send(["INCR", key], key: key)
                            counts.withLockedValue { $0.ok += 1 }
                        } catch {
                            counts.withLockedValue { $0.failed += 1 }
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
            }
            group.addTask {
                while ContinuousClock.now < end {
                    try await Task.sleep(for: .milliseconds(250))
                    if renew { await redis.renewCredentials() }
                    try await endpoint.expireDue()
                }
            }
            try await group.waitForAll()
        }
        // Then idle, connections still open, until `expiries` tokens have expired (at most 15 s):
        // idle connections renew through the sweep alone.
        let idleEnd = ContinuousClock.now + .seconds(15)
        while endpoint.staleConnections.withLockedValue({ $0.count }) < expiries && ContinuousClock.now < idleEnd {
            try await Task.sleep(for: .milliseconds(250))
            if renew { await redis.renewCredentials() }
            try await endpoint.expireDue()
        }
        let admin = endpoint.redis
        let value = Int64(try await admin.send(["GET", key]).text ?? "0") ?? 0
        _ = try await admin.send(["DEL", key])
        let (ok, failed) = counts.withLockedValue { $0 }
        return (ok, failed, value)
    }

    @Test("tokens of 6 s rotate 3 times under load: every live connection re-authenticates before expiry, no command fails")
    func rotates() async throws {
        try await IdentityEndpoint.serving(ttlSeconds: 6) { endpoint, port in
            let redis = ChargebackApplication.redis(try configuration(endpointPort: port, secret: endpoint.secret))
            let result = try await load(redis, endpoint: endpoint, seconds: 14, renew: true, expiries: 3)
            await redis.close()
            // Every INCR answered was counted, and none failed: no connection met its token's expiry.
            #expect(result.failed == 0)
            #expect(result.value == Int64(result.ok) && result.ok > 100)
            let stale = endpoint.staleConnections.withLockedValue { $0 }
            #expect(stale.count >= 2, "tokens expired during the load: \(stale)")
            #expect(stale.allSatisfy { $0 == 0 }, "connections still on an expired token: \(stale)")
            #expect(endpoint.issuedCount.withLockedValue { $0 } >= 3)
            #expect(endpoint.wrongSecrets.withLockedValue { $0 } == 0)
        }
    }

    @Test("the handler with REDIS_AUTH=entra ingests while its tokens expire: every acknowledged event is counted once")
    func handlerIngestsThroughRotation() async throws {
        let subscription = "entra-\(UUID().uuidString.prefix(8).lowercased())"
        // 12 s tokens: renewal is due after 6 s, so the handler's own sweep (every 5 s) renews its idle
        // connections in time; the test waits, the handler still serving, until a token has expired.
        try await IdentityEndpoint.serving(ttlSeconds: 12) { endpoint, port in
            var configuration = try configuration(endpointPort: port, secret: endpoint.secret)
            configuration.useTestKeys()
            configuration.spoolDirectory = NSTemporaryDirectory() + "entra-spool-\(UUID().uuidString)"
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let acknowledged = NIOLockedValueBox(Set<String>())
            try await ChargebackApplication.build(configuration, logger: logger).test(.live) { client in
                let end = ContinuousClock.now + .seconds(13)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<4 {
                        group.addTask {
                            var index = 0
                            while ContinuousClock.now < end {
                                var builder = EnvelopeBuilder()
                                builder.subscriptionId = subscription
                                builder.requestId = "entra-\(worker)-\(index)"
                                builder.timestamp = "2026-11-29T10:15:30Z"
                                index += 1
                                let id = builder.requestId
                                try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders,
                                                         body: ByteBuffer(bytes: builder.bytes)) { response in
                                    if response.status == .ok { acknowledged.withLockedValue { _ = $0.insert(id) } }
                                }
                            }
                        }
                    }
                    group.addTask {
                        while ContinuousClock.now < end {
                            try await Task.sleep(for: .milliseconds(250))
                            try await endpoint.expireDue()
                        }
                    }
                    try await group.waitForAll()
                }
                let idleEnd = ContinuousClock.now + .seconds(20)
                while endpoint.staleConnections.withLockedValue({ $0.isEmpty }) && ContinuousClock.now < idleEnd {
                    try await Task.sleep(for: .milliseconds(250))
                    try await endpoint.expireDue()
                }
            }
            let day = try #require(CivilDay.parse("2026-11-29"))
            let usage = try await LedgerReader(redis: endpoint.redis).usage(on: day, only: [subscription])
            let counted = usage.reduce(Int64(0)) { $0 + ($1.counters[.requests] ?? 0) }
            let sent = acknowledged.withLockedValue { $0.count }
            #expect(sent > 100)
            // Every acknowledged event is counted once: none needed the spool (a spooled one would
            // not be replayed before this count, and the test would fail).
            #expect(counted == Int64(sent), "acknowledged \(sent), counted \(counted)")
            let stale = endpoint.staleConnections.withLockedValue { $0 }
            #expect(!stale.isEmpty && stale.allSatisfy { $0 == 0 }, "connections still on an expired token: \(stale)")
            // Its counters and dirty mark would otherwise be rolled up by other suites' rollup tests.
            _ = try await SubscriptionEraser(redis: endpoint.redis).erase(subscription, today: .now)
        }
    }

    @Test("without renewal, connections are still on the token when it expires and Redis closes them (the check above can fail)")
    func withoutRenewal() async throws {
        try await IdentityEndpoint.serving(ttlSeconds: 3) { endpoint, port in
            // The same token source, but the authentication never asks to be renewed.
            let identity = ManagedIdentityCredential(endpoint: "http://127.0.0.1:\(port)/msi/token", secret: endpoint.secret)
            let credentials: RedisCredentials = {
                let (token, _) = try await identity.token(for: "https://redis.azure.com")
                return RedisAuthentication(user: token.objectID, password: token.token, renewAt: nil)
            }
            let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 4, timeoutMilliseconds: 5000,
                                  credentials: credentials)
            _ = try await load(redis, endpoint: endpoint, seconds: 5, renew: true, expiries: 1)
            await redis.close()
            let stale = endpoint.staleConnections.withLockedValue { $0 }
            #expect(stale.contains { $0 > 0 }, "expected connections left on an expired token: \(stale)")
        }
    }

    @Test("the endpoint's answer: expires_on as a string or a number, the oid claim, renewal 5 minutes ahead; a refusal names only its status")
    func endpointProtocol() async throws {
        try await IdentityEndpoint.serving(ttlSeconds: 3600) { endpoint, port in
            let now = Int64(Date().timeIntervalSince1970)
            let identity = ManagedIdentityCredential(endpoint: "http://127.0.0.1:\(port)/msi/token", secret: endpoint.secret)
            let (token, renewAt) = try await identity.token(for: "https://redis.azure.com")
            #expect(token.objectID == endpoint.issued.withLockedValue { $0.first?.user })
            #expect(abs(token.expiresOn - (now + 3600)) <= 30)
            #expect(renewAt == token.expiresOn - 300)
            // Cached until due: a second call asks the endpoint nothing.
            _ = try await identity.token(for: "https://redis.azure.com")
            #expect(endpoint.issuedCount.withLockedValue { $0 } == 1)
            let wrong = ManagedIdentityCredential(endpoint: "http://127.0.0.1:\(port)/msi/token", secret: "not-the-secret")
            do {
                _ = try await wrong.token(for: "https://redis.azure.com")
                Issue.record("a refused request returned a token")
            } catch {
                #expect("\(error)" == "the managed identity endpoint answered 400 for https://redis.azure.com")
            }
        }
        #expect(AccessToken.objectID(ofJWT: IdentityEndpoint.jwt(oid: "7c1e-oid", expiresOn: 1, serial: 0)) == "7c1e-oid")
        #expect(AccessToken.objectID(ofJWT: "not.a-jwt") == nil)
        #expect(AccessToken(token: "t", expiresOn: 1_000, objectID: nil).renewAt(issuedAt: 994) == 997)
    }

    @Test("REDIS_AUTH=entra without the identity endpoint is refused at start, naming what is missing")
    func refusesWithoutEndpoint() {
        do {
            _ = try Configuration.fromEnvironment(["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "REDIS_AUTH": "entra"])
            Issue.record("accepted REDIS_AUTH=entra without IDENTITY_ENDPOINT")
        } catch {
            #expect(error.description.contains("IDENTITY_ENDPOINT and IDENTITY_HEADER"))
        }
        #expect(throws: Configuration.Error.self) { try Configuration.fromEnvironment(["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "REDIS_AUTH": "token"]) }
    }
}
