import ChargebackCore
import ChargebackRedis
import CivilCalendar
import Foundation
import RedisClient
import Testing
import TestSupport

/// `chargeback inspect` reads the ledger through `LedgerInspector`: the harness trusts these answers
/// instead of spelling keys, so they are checked against what the ledger wrote, plain and cluster.
@Suite("ledger inspector")
struct LedgerInspectorTests {
    static func redis(_ kind: String) throws -> any RedisCommandRouter {
        kind == "plain"
            ? RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)
            : RedisClusterPool(seeds: [try RedisEndpoint.parse("redis://" + (try TestEnvironment.clusterNodes()[0]))], timeoutMilliseconds: 5000)
    }

    @Test("dedupe ids come back exactly, escaped characters included, and only the subscription's", arguments: ["plain", "cluster"])
    func dedupeIds(kind: String) async throws {
        let redis = try Self.redis(kind)
        let ledger = RedisLedger(redis: redis)
        let harness = LedgerHarness()
        let other = LedgerHarness()
        var ids: [String] = []
        for index in 0..<3 {
            let event = try harness.event(index)
            ids.append(event.requestId)
            _ = try await ledger.record(event)
        }
        // An id with the characters keys escape: `:`, `*`, `{`, `}`, `%`, `|` and a space.
        var odd = try harness.event(9)
        odd.requestId = "a:b*{c}%d|e f"
        ids.append(odd.requestId)
        _ = try await ledger.record(odd)
        _ = try await ledger.record(try other.event(0))
        let inspector = LedgerInspector(redis: redis)
        #expect(try await inspector.dedupeIds(subscription: harness.subscription) == ids.sorted())
        #expect(try await inspector.dedupeIds(subscription: "never-\(UUID().uuidString)").isEmpty)
        await redis.close()
    }

    @Test("the slot is the one a cluster node computes for the subscription's keys")
    func slot() async throws {
        let nodes = try TestEnvironment.clusterNodes()
        let node = RedisPool(endpoint: try RedisEndpoint.parse("redis://" + nodes[0]), timeoutMilliseconds: 5000)
        for subscription in ["team-a", "team {a}:b", "équipe|42"] {
            let key = LedgerKeys.hour(subscription: subscription, hour: "2926-11-29T10")
            let answer = try await node.send(["CLUSTER", "KEYSLOT", key])
            #expect(answer == .integer(Int64(LedgerInspector.slot(subscription: subscription))), "\(subscription)")
        }
        await node.close()
    }

    @Test("the record call, sent by hand, counts like the ledger and is found by the reader", arguments: ["plain", "cluster"])
    func recordCall(kind: String) async throws {
        let redis = try Self.redis(kind)
        let harness = LedgerHarness()
        let call = RedisLedger(redis: redis).recordCall(for: try harness.event(0))
        for command in call.before { _ = try await redis.send(command, key: command[1]) }
        // EVAL, not SCRIPT LOAD + EVALSHA: other suites flush the shared server's script cache.
        let reply = try await redis.send(["EVAL", call.script, String(call.keys.count)] + call.keys + call.arguments, key: call.keys[0])
        // 1 counted, 2 counted under a deployment outside the (here empty) price book.
        #expect(reply == .integer(1) || reply == .integer(2))
        #expect(try await harness.counters(redis)["gpt-4o", .requests] == 1)
        let day = try #require(CivilDay.parse("2926-11-29"))
        let usage = try await LedgerReader(redis: redis).usage(on: day, only: [harness.subscription])
        #expect(usage.reduce(0) { $0 + ($1.counters[.requests] ?? 0) } == 1)
        #expect(try await LedgerInspector(redis: redis).dedupeIds(subscription: harness.subscription) == [try harness.event(0).requestId])
        await redis.close()
    }
}
