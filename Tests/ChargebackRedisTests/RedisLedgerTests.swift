import ChargebackCore
import ChargebackRedis
import Foundation
import RedisClient
import Testing
import TestSupport

@Suite("Redis ledger: exactly once")
struct RedisLedgerTests {
    static func routers() throws -> [(String, any RedisCommandRouter)] {
        [
            ("plain", RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)),
            ("tls", RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.tlsRedisURL()), tls: RedisTLS(caFile: try TestEnvironment.tlsCAFile()), timeoutMilliseconds: 5000)),
            ("cluster", RedisClusterPool(seeds: [try RedisEndpoint.parse("redis://" + (try TestEnvironment.clusterNodes()[0]))], timeoutMilliseconds: 5000)),
        ]
    }

    @Test("64 concurrent distinct events, each delivered 3 times concurrently: counted once, totals exact", arguments: ["plain", "tls", "cluster"])
    func exactlyOnce(kind: String) async throws {
        guard let redis = try Self.routers().first(where: { $0.0 == kind })?.1 else { return }
        let ledger = RedisLedger(redis: redis)
        let harness = LedgerHarness()
        let events = try (0..<64).map { try harness.event($0, output: Int64($0 + 1)) }
        let outcomes = try await withThrowingTaskGroup(of: RecordOutcome.self) { group in
            for event in events {
                for _ in 0..<3 { group.addTask { try await ledger.record(event) } }
            }
            var outcomes: [RecordOutcome] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.filter { $0 == .recorded }.count == 64)
        #expect(outcomes.filter { $0 == .duplicate }.count == 128)
        let counters = try await harness.counters(redis)
        #expect(counters["gpt-4o", .requests] == 64)
        #expect(counters["gpt-4o", .quantity(.inputTokens)] == Int64(64 * 60))
        #expect(counters["gpt-4o", .quantity(.cachedInputTokens)] == Int64(64 * 40))
        #expect(counters["gpt-4o", .quantity(.outputTokens)] == Int64((1...64).reduce(0, +)))
        #expect(counters["gpt-4o", .operation(.chat)] == 64)
        #expect(counters.unreadable.isEmpty, "every field the record script wrote reads back as a counter")
        let day = LedgerKeys.day("2926-11-29")
        #expect(try await redis.send([Array("SISMEMBER".utf8), Array(day.utf8), Array(harness.subscription.utf8)], key: Array(day.utf8)) == .integer(1))
        await redis.close()
    }

    @Test("keys carry TTLs: counters the retention, markers the dedupe window")
    func ttls() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)
        let harness = LedgerHarness()
        let event = try harness.event(1)
        _ = try await RedisLedger(redis: redis, dedupeDays: 7, retentionDays: 35).record(event)
        guard case let .integer(counterTTL) = try await redis.send(["TTL", LedgerKeys.hour(subscription: harness.subscription, hour: "2926-11-29T10")]),
              case let .integer(markerTTL) = try await redis.send(["TTL", LedgerKeys.seen(event)]) else {
            Issue.record("TTL did not answer integers")
            return
        }
        #expect((35 * 86_400 - 60)...(35 * 86_400) ~= Int(counterTTL))
        #expect((7 * 86_400 - 60)...(7 * 86_400) ~= Int(markerTTL))
        await redis.close()
    }

    @Test("TTLs are set when a counter field or a day's dirty mark is created, not by every event")
    func ttlsOnCreation() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)
        let harness = LedgerHarness()
        let ledger = RedisLedger(redis: redis, dedupeDays: 7, retentionDays: 35)
        let hour = LedgerKeys.hour(subscription: harness.subscription, hour: "2926-11-29T10")
        let dirty = LedgerKeys.dirtyDays(subscription: harness.subscription)
        func ttl(_ key: String) async throws -> Int64 {
            guard case let .integer(seconds) = try await redis.send(["TTL", key]) else { return -3 }
            return seconds
        }
        let retention: ClosedRange<Int64> = (35 * 86_400 - 60)...(35 * 86_400)
        _ = try await ledger.record(try harness.event(1))
        #expect(retention ~= (try await ttl(hour)))
        #expect(retention ~= (try await ttl(dirty)))
        // TTLs taken away: a second event of the same deployment, hour and day creates nothing, sets none.
        _ = try await redis.send(["PERSIST", hour])
        _ = try await redis.send(["PERSIST", dirty])
        _ = try await ledger.record(try harness.event(2))
        #expect(try await ttl(hour) == -1)
        #expect(try await ttl(dirty) == -1)
        // Another deployment's first event in that hour creates fields: the hash gets its TTL again.
        var other = try harness.event(3)
        other.deployment = "gpt-4o-mini"
        _ = try await ledger.record(other)
        #expect(retention ~= (try await ttl(hour)))
        // The rollup clears the day's mark (compare-and-delete); the next event recreates it with a TTL.
        _ = try await redis.send(["DEL", dirty])
        _ = try await ledger.record(try harness.event(4))
        #expect(retention ~= (try await ttl(dirty)))
        await redis.close()
    }

    @Test("the script survives SCRIPT FLUSH (NOSCRIPT falls back to EVAL)")
    func noScript() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)
        let ledger = RedisLedger(redis: redis)
        let harness = LedgerHarness()
        #expect(try await ledger.record(try harness.event(1)) == .recorded)
        _ = try await redis.send(["SCRIPT", "FLUSH"])
        #expect(try await ledger.record(try harness.event(2)) == .recorded)
        #expect(try await ledger.record(try harness.event(2)) == .duplicate)
        await redis.close()
    }

    @Test("the canary: prompt and completion text never reach any Redis key or value")
    func canary() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)
        var builder = EnvelopeBuilder()
        let subscription = "sub-canary-\(UUID().uuidString.prefix(6))"
        builder.subscriptionId = subscription
        builder.requestId = "req-canary-\(UUID().uuidString.prefix(8))"
        builder.requestBody = "{\"messages\":[{\"role\":\"user\",\"content\":\"CANARY-PROMPT-3e1f\"}]}"
        builder.responseBody = "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"CANARY-COMPLETION-77b0\"}}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4}}"
        _ = try await RedisLedger(redis: redis).record(try UsageExtractor().extract(builder.bytes))
        var cursor = "0"
        var seen = 0
        repeat {
            guard case let .array(parts) = try await redis.send(["SCAN", cursor, "COUNT", "1000"]), parts.count == 2,
                  let next = parts[0].text, case let .array(keys) = parts[1] else { break }
            cursor = next
            for key in keys.compactMap(\.text) {
                seen += 1
                #expect(!key.contains("CANARY"))
                let type = try await redis.send(["TYPE", key]).text ?? ""
                let value: RedisReply
                switch type {
                case "hash": value = try await redis.send(["HGETALL", key])
                case "set": value = try await redis.send(["SMEMBERS", key])
                case "string": value = try await redis.send(["GET", key])
                default: continue
                }
                #expect(!"\(value)".contains("CANARY"))
            }
        } while cursor != "0"
        #expect(seen > 0)
        await redis.close()
    }
}
