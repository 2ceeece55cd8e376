import Foundation
import RedisClient
import Testing
import TestSupport

/// Against the real servers `scripts/test` starts.
@Suite("hiredis connection")
struct RedisConnectionTests {
    func plain() throws -> RedisConnection {
        RedisConnection(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()))
    }

    @Test("PING, SET and GET round-trip binary-safe values")
    func roundTrip() async throws {
        let redis = try plain()
        #expect(await redis.ping())
        let key = "test:roundtrip:\(UUID().uuidString)"
        let value = "é\u{0}\r\nvalue"
        #expect(try await redis.send(["SET", key, value, "EX", "60"]) == .status("OK"))
        #expect(try await redis.send(["GET", key]) == .bulk(Array(value.utf8)))
        #expect(try await redis.send(["INCRBY", key + ":n", "5"]) == .integer(5))
        #expect(try await redis.send(["GET", key + ":missing"]) == .null)
        let list = try await redis.send(["MGET", key, key + ":missing"])
        #expect(list == .array([.bulk(Array(value.utf8)), .null]))
    }

    @Test("an error reply is thrown as a server error and the connection stays usable")
    func errorReply() async throws {
        let redis = try plain()
        await #expect(throws: RedisError.self) { try await redis.send(["NOSUCHCOMMAND"]) }
        #expect(await redis.ping())
    }

    @Test("AUTH with an ACL user and password")
    func authenticates() async throws {
        let admin = try plain()
        let user = "tester\(Int.random(in: 1000...9999))"
        _ = try await admin.send(["ACL", "SETUSER", user, "on", ">pw-\(user)", "~*", "+@all"])
        let url = try TestEnvironment.plainRedisURL().replacingOccurrences(of: "redis://", with: "redis://\(user):pw-\(user)@")
        let authed = RedisConnection(endpoint: try RedisEndpoint.parse(url))
        #expect(try await authed.send(["ACL", "WHOAMI"]).text == user)
        let wrong = RedisConnection(endpoint: try RedisEndpoint.parse(url.replacingOccurrences(of: ":pw-", with: ":bad-")))
        #expect(await !wrong.ping())
        _ = try await admin.send(["ACL", "DELUSER", user])
    }

    @Test("a server that is not there is a connection error, quickly")
    func unreachable() async throws {
        let port = try TestEnvironment.unusedPort()
        let redis = RedisConnection(endpoint: RedisEndpoint(host: "127.0.0.1", port: port), timeoutMilliseconds: 500)
        await #expect(throws: RedisError.self) { try await redis.send(["PING"]) }
        #expect(await !redis.ping())
    }

    @Test("reconnects after the server drops the connection")
    func reconnects() async throws {
        let redis = try plain()
        let admin = try plain()
        #expect(await redis.ping())
        guard case let .integer(id) = try await redis.send(["CLIENT", "ID"]) else {
            Issue.record("CLIENT ID did not answer an integer")
            return
        }
        #expect(try await admin.send(["CLIENT", "KILL", "ID", String(id)]) == .integer(1))
        await #expect(throws: RedisError.self) { try await redis.send(["PING"]) }
        #expect(await redis.ping())
    }

    @Test("TLS endpoints are refused honestly until the NIO transport lands")
    func tlsRefused() async throws {
        let redis = RedisConnection(endpoint: try RedisEndpoint.parse(try TestEnvironment.tlsRedisURL()))
        await #expect(throws: RedisError.self) { try await redis.send(["PING"]) }
    }

    @Test("the 3-master cluster is up and hiredis reads its state")
    func clusterIsUp() async throws {
        let nodes = try TestEnvironment.clusterNodes()
        #expect(nodes.count == 3)
        let first = try RedisEndpoint.parse("redis://" + nodes[0])
        let info = try await RedisConnection(endpoint: first).send(["CLUSTER", "INFO"])
        #expect(info.text?.contains("cluster_state:ok") == true)
        #expect(info.text?.contains("cluster_known_nodes:3") == true)
    }
}
