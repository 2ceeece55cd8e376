import Foundation
import ChargebackRedis
import RedisClient
import Testing
import TestSupport

/// Scripts by SHA1 against the real servers `scripts/test` starts: loaded once, `EVALSHA` after, and
/// `EVAL` again when a server has lost its script cache (restart, failover, another cluster node).
@Suite("Redis scripts")
struct RedisScriptTests {
    static let timeout = 5000

    /// KEYS[1] a counter; ARGV[1] an amount. The new total.
    let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")

    @Test("a script runs by SHA1 after its first call, and again after a restart emptied the server's script cache")
    func shaThenEvalAfterRestart() async throws {
        // A server of the test's own: it is restarted, and its command counts are read.
        let server = try OwnedRedis()
        try await server.start()
        let redis = RedisPool(endpoint: server.endpoint, size: 1, timeoutMilliseconds: Self.timeout)
        let key = "test:script"
        #expect(try await script.run(on: redis, keys: [key], arguments: ["2"]) == .integer(2))
        let sha = try #require(try await redis.send(["SCRIPT", "LOAD", script.source]).text)
        _ = try await redis.send(["CONFIG", "RESETSTAT"])
        #expect(try await script.run(on: redis, keys: [key], arguments: ["1"]) == .integer(3))
        #expect(try await calls("evalsha", redis) == 1)
        #expect(try await calls("eval", redis) == 0)
        // Restarted (its AOF keeps the counter, nothing keeps scripts): the next call answers NOSCRIPT
        // and is repeated as EVAL, which caches the script again.
        server.kill()
        try await server.start()
        for _ in 0..<50 where !(await redis.ping()) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await redis.send(["SCRIPT", "EXISTS", sha]) == .array([.integer(0)]))
        #expect(try await script.run(on: redis, keys: [key], arguments: ["3"]) == .integer(6))
        #expect(try await calls("eval", redis) == 1)
        #expect(try await redis.send(["SCRIPT", "EXISTS", sha]) == .array([.integer(1)]))
        let before = try await calls("evalsha", redis)
        #expect(try await script.run(on: redis, keys: [key], arguments: ["1"]) == .integer(7))
        #expect(try await calls("evalsha", redis) == before + 1)
        #expect(try await calls("eval", redis) == 1)
        await redis.close()
        server.kill()
    }

    /// Calls of `command` since the last CONFIG RESETSTAT (INFO commandstats).
    func calls(_ command: String, _ redis: RedisPool) async throws -> Int {
        let info = try #require(try await redis.send(["INFO", "commandstats"]).text)
        guard let line = info.split(separator: "\r\n").first(where: { $0.hasPrefix("cmdstat_\(command):") }),
              let field = line.split(separator: ",").first?.split(separator: "=").last else { return 0 }
        return Int(field) ?? -1
    }

    @Test("an error inside the script is thrown as the server's error, once")
    func errorsAreThrown() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: Self.timeout)
        let key = "test:script:\(UUID().uuidString)"
        await #expect(throws: RedisError.self) { try await script.run(on: redis, keys: [key], arguments: ["not a number"]) }
        _ = try await redis.send(["SET", key, "text"])
        await #expect(throws: RedisError.self) { try await script.run(on: redis, keys: [key], arguments: ["1"]) }
        #expect(try await redis.send(["GET", key]) == .bulk(Array("text".utf8)))
        _ = try await redis.send(["DEL", key])
        await redis.close()
    }

    @Test("on a cluster, each key's node learns the script on first use")
    func clusterNodes() async throws {
        let nodes = try TestEnvironment.clusterNodes()
        let cluster = RedisClusterPool(seeds: [try RedisEndpoint.parse("redis://" + nodes[0])], timeoutMilliseconds: Self.timeout)
        let tag = UUID().uuidString
        // Keys spread over the three masters: the SHA learnt on one node is unknown on the others.
        let keys = (0..<12).map { "test:script:{\(tag)-\($0)}" }
        for key in keys {
            #expect(try await script.run(on: cluster, keys: [key], arguments: ["4"]) == .integer(4))
            #expect(try await script.run(on: cluster, keys: [key], arguments: ["4"]) == .integer(8))
        }
        for key in keys { _ = try await cluster.send(["DEL", key], key: key) }
        await cluster.close()
    }
}
