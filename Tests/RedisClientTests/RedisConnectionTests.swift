import Foundation
import NIOConcurrencyHelpers
import RedisClient
import Testing
import TestSupport

/// Against the real servers `scripts/test` starts.
@Suite("Redis over NIO with hiredis's protocol layer")
struct RedisConnectionTests {
    func plain() throws -> RedisPool {
        RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: Self.timeout)
    }

    /// Generous: the whole suite shares two cores; these tests check behaviour, not latency.
    static let timeout = 5000

    @Test("PING, SET and GET round-trip binary-safe values; pipelines keep order")
    func roundTrip() async throws {
        let redis = try plain()
        #expect(await redis.ping())
        let key = "test:roundtrip:\(UUID().uuidString)"
        let value = "é\u{0}\r\nvalue"
        #expect(try await redis.send(["SET", key, value, "EX", "60"]) == .status("OK"))
        #expect(try await redis.send(["GET", key]) == .bulk(Array(value.utf8)))
        #expect(try await redis.send(["INCRBY", key + ":n", "5"]) == .integer(5))
        #expect(try await redis.send(["GET", key + ":missing"]) == .null)
        #expect(try await redis.send(["MGET", key, key + ":missing"]) == .array([.bulk(Array(value.utf8)), .null]))
        // Zero-length arguments, in the middle and last (the encoder points hiredis into one block of
        // all the arguments: an empty one is a pointer to its end), and one argument of 1 MiB.
        #expect(try await redis.send(["HSET", key + ":h", "", "empty name", "empty value", ""]) == .integer(2))
        #expect(try await redis.send(["HMGET", key + ":h", "", "empty value"]) == .array([.bulk(Array("empty name".utf8)), .bulk([])]))
        let large = [UInt8]((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        #expect(try await redis.send([Array("SET".utf8), Array((key + ":large").utf8), large], key: nil) == .status("OK"))
        #expect(try await redis.send([Array("GET".utf8), Array((key + ":large").utf8)], key: nil) == .bulk(large))
        _ = try await redis.send(["DEL", key + ":h", key + ":large"])
        let connection = try await RedisConnection.connect(to: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: Self.timeout)
        let replies = try await connection.pipeline((1...100).map { _ in [Array("INCR".utf8), Array((key + ":p").utf8)] })
        #expect(replies == (1...100).map { RedisReply.integer(Int64($0)) })
        await connection.close()
        await redis.close()
    }

    @Test("many concurrent commands on a small pool all get their own replies")
    func concurrency() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 2, timeoutMilliseconds: Self.timeout)
        let key = "test:concurrent:\(UUID().uuidString)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 {
                group.addTask {
                    let echoed = try await redis.send(["ECHO", "value-\(index)"])
                    guard echoed.text == "value-\(index)" else { throw RedisError.unexpectedReply("mismatched reply") }
                    _ = try await redis.send(["INCR", key])
                }
            }
            try await group.waitForAll()
        }
        #expect(try await redis.send(["GET", key]).text == "500")
        await redis.close()
    }

    @Test("an error reply is thrown as a server error and the connection stays usable")
    func errorReply() async throws {
        let redis = try plain()
        await #expect(throws: RedisError.self) { try await redis.send(["NOSUCHCOMMAND"]) }
        #expect(await redis.ping())
        await redis.close()
    }

    @Test("AUTH with an ACL user and password; a wrong password is refused")
    func authenticates() async throws {
        let admin = try plain()
        let user = "tester\(Int.random(in: 1000...9999))"
        _ = try await admin.send(["ACL", "SETUSER", user, "on", ">pw-\(user)", "~*", "+@all"])
        let url = try TestEnvironment.plainRedisURL().replacingOccurrences(of: "redis://", with: "redis://\(user):pw-\(user)@")
        let authed = RedisPool(endpoint: try RedisEndpoint.parse(url), timeoutMilliseconds: Self.timeout)
        #expect(try await authed.send(["ACL", "WHOAMI"]).text == user)
        let wrong = RedisPool(endpoint: try RedisEndpoint.parse(url.replacingOccurrences(of: ":pw-", with: ":bad-")))
        #expect(await !wrong.ping())
        _ = try await admin.send(["ACL", "DELUSER", user])
        for pool in [admin, authed, wrong] { await pool.close() }
    }

    @Test("credentials come from the refresh hook on each connect (Entra tokens)")
    func credentialHook() async throws {
        let admin = try plain()
        let user = "entra\(Int.random(in: 1000...9999))"
        _ = try await admin.send(["ACL", "SETUSER", user, "on", ">token-1", "~*", "+@all"])
        let pool = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: Self.timeout) {
            RedisAuthentication(user: user, password: "token-1")
        }
        #expect(try await pool.send(["ACL", "WHOAMI"]).text == user)
        _ = try await admin.send(["ACL", "DELUSER", user])
        await pool.close()
        await admin.close()
    }

    @Test("a live connection authenticates again once its credentials are due, on the same connection")
    func renewsOnLiveConnection() async throws {
        let admin = try plain()
        let first = "entra\(Int.random(in: 1000...9999))a", second = "entra\(Int.random(in: 1000...9999))b"
        for (user, token) in [(first, "token-1"), (second, "token-2")] {
            _ = try await admin.send(["ACL", "SETUSER", user, "on", ">" + token, "~*", "+@all"])
        }
        let calls = NIOLockedValueBox(0)
        // Far enough ahead that a loaded machine's connect and first call land before it (CI once took
        // over a second there, and the check before the sleep saw the credentials already due).
        let renewAt = Int64(Date().timeIntervalSince1970) + 5
        let pool = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 1, timeoutMilliseconds: Self.timeout) {
            calls.withLockedValue { value -> Int in value += 1; return value } == 1
                ? RedisAuthentication(user: first, password: "token-1", renewAt: renewAt)
                : RedisAuthentication(user: second, password: "token-2")
        }
        #expect(try await pool.send(["ACL", "WHOAMI"]).text == first)
        let id = try await pool.send(["CLIENT", "ID"])
        await pool.renewCredentials()
        #expect(calls.withLockedValue { $0 } == 1, "renewed before it was due")
        // Until just past the renewal time, however long the calls above took.
        let wait = Double(renewAt + 1) - Date().timeIntervalSince1970
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000) + 100)) }
        // Commands never renew (they must not wait for the identity endpoint); the owner's sweep does.
        #expect(try await pool.send(["ACL", "WHOAMI"]).text == first)
        await pool.renewCredentials()
        #expect(try await pool.send(["ACL", "WHOAMI"]).text == second)
        #expect(try await pool.send(["CLIENT", "ID"]) == id)
        #expect(calls.withLockedValue { $0 } == 2)
        for user in [first, second] { _ = try await admin.send(["ACL", "DELUSER", user]) }
        await pool.close()
        await admin.close()
    }

    @Test("a server that is not there is a connection error, quickly, then backoff")
    func unreachable() async throws {
        let port = try TestEnvironment.unusedPort()
        let redis = RedisPool(endpoint: RedisEndpoint(host: "127.0.0.1", port: port), size: 1, timeoutMilliseconds: 500)
        await #expect(throws: RedisError.self) { try await redis.send(["PING"]) }
        #expect(await !redis.ping())
    }

    @Test("reconnects after the server drops the connection")
    func reconnects() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 1, timeoutMilliseconds: Self.timeout)
        let admin = try plain()
        guard case let .integer(id) = try await redis.send(["CLIENT", "ID"]) else {
            Issue.record("CLIENT ID did not answer an integer")
            return
        }
        #expect(try await admin.send(["CLIENT", "KILL", "ID", String(id)]) == .integer(1))
        // The drop is noticed on the next use; a loaded machine may need a few tries past the backoff.
        var answered = false
        for _ in 0..<50 where !answered {
            try await Task.sleep(for: .milliseconds(100))
            answered = await redis.ping()
        }
        #expect(answered)
        await redis.close()
        await admin.close()
    }

    @Test("TLS with the test CA: verified, SNI sent, commands work")
    func tls() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.tlsRedisURL()),
                              tls: RedisTLS(caFile: try TestEnvironment.tlsCAFile()), timeoutMilliseconds: Self.timeout)
        #expect(try await redis.send(["PING"]).text == "PONG")
        let key = "test:tls:\(UUID().uuidString)"
        #expect(try await redis.send(["SET", key, "over TLS", "EX", "60"]) == .status("OK"))
        #expect(try await redis.send(["GET", key]).text == "over TLS")
        await redis.close()
    }

    @Test("TLS with a certificate the client does not trust is refused")
    func tlsUntrusted() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.tlsRedisURL()), tls: RedisTLS(caFile: nil), size: 1)
        await #expect(throws: RedisError.self) { try await redis.send(["PING"]) }
        await redis.close()
    }

    @Test("the 3-master cluster: keys land on their slots' masters; hash tags keep keys together")
    func cluster() async throws {
        let nodes = try TestEnvironment.clusterNodes()
        #expect(nodes.count == 3)
        let cluster = RedisClusterPool(seeds: [try RedisEndpoint.parse("redis://" + nodes[0])], timeoutMilliseconds: Self.timeout)
        #expect(await cluster.ping())
        for index in 0..<50 {
            let key = Array("test:cluster:\(UUID().uuidString):\(index)".utf8)
            _ = try await cluster.send([Array("SET".utf8), key, Array("v\(index)".utf8), Array("EX".utf8), Array("60".utf8)], key: key)
            #expect(try await cluster.send([Array("GET".utf8), key], key: key).text == "v\(index)")
        }
        #expect(RedisClusterPool.slot(of: Array("{user1000}.following".utf8)) == RedisClusterPool.slot(of: Array("{user1000}.followers".utf8)))
        #expect(RedisClusterPool.slot(of: Array("123456789".utf8)) == 12_739)
        await cluster.close()
    }
}
