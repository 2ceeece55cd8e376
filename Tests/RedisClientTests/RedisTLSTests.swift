import ChildProcess
import Foundation
import RedisClient
import Testing
import TestSupport

/// TLS (OpenSSL over memory BIOs, `TLSClientHandler`) against the test TLS server `scripts/test`
/// starts, and against a redis-server of the test's own whose certificate names another host.
@Suite("Redis over TLS: verified names, large values, refusals with a reason")
struct RedisTLSTests {
    static let timeout = 5000

    func endpoint(host: String) throws -> RedisEndpoint {
        var endpoint = try RedisEndpoint.parse(try TestEnvironment.tlsRedisURL())
        endpoint.host = host
        return endpoint
    }

    @Test("an IP address is checked against the certificate's IP names (the test certificate has 127.0.0.1)")
    func ipAddress() async throws {
        let connection = try await RedisConnection.connect(to: try endpoint(host: "127.0.0.1"), tls: RedisTLS(caFile: try TestEnvironment.tlsCAFile()),
                                                           timeoutMilliseconds: Self.timeout)
        #expect(try await connection.send(["PING"]).text == "PONG")
        await connection.close()
    }

    @Test("values of several TLS records each way (1 MiB, 100 pipelined) come back byte for byte")
    func largeValues() async throws {
        let connection = try await RedisConnection.connect(to: try endpoint(host: "localhost"), tls: RedisTLS(caFile: try TestEnvironment.tlsCAFile()),
                                                           timeoutMilliseconds: Self.timeout)
        let key = "test:tls-large:\(UUID().uuidString)"
        let value = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        #expect(try await connection.send(bytes: [Array("SET".utf8), Array(key.utf8), value, Array("EX".utf8), Array("60".utf8)]) == .status("OK"))
        #expect(try await connection.send(bytes: [Array("GET".utf8), Array(key.utf8)]) == .bulk(value))
        let replies = try await connection.pipeline((1...100).map { _ in [Array("INCR".utf8), Array((key + ":n").utf8)] })
        #expect(replies == (1...100).map { RedisReply.integer(Int64($0)) })
        await connection.close()
    }

    @Test("an untrusted certificate is refused, and the error says why")
    func untrusted() async throws {
        await #expect {
            try await RedisConnection.connect(to: try endpoint(host: "localhost"), tls: RedisTLS(caFile: nil), timeoutMilliseconds: Self.timeout)
        } throws: { error in
            "\(error)".contains("certificate not accepted")
        }
    }

    @Test("a CA file that cannot be read is refused before connecting")
    func missingCAFile() async throws {
        await #expect {
            try await RedisConnection.connect(to: try endpoint(host: "localhost"), tls: RedisTLS(caFile: "/nonexistent/ca.pem"),
                                              timeoutMilliseconds: Self.timeout)
        } throws: { error in
            "\(error)".contains("cannot load the CA file /nonexistent/ca.pem")
        }
    }

    @Test("a server that accepts the connection and never answers the handshake fails it within the timeout")
    func silentServer() async throws {
        let (descriptor, port) = try TestEnvironment.boundSocket(listening: true)
        defer { close(descriptor) }
        let started = ContinuousClock.now
        await #expect {
            try await RedisConnection.connect(to: try RedisEndpoint.parse("rediss://127.0.0.1:\(port)"), tls: RedisTLS(caFile: try TestEnvironment.tlsCAFile()),
                                              timeoutMilliseconds: 300)
        } throws: { error in
            "\(error)".contains("not done within 300 ms")
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("a plain Redis spoken to over TLS is refused, not hung on")
    func plainServer() async throws {
        var endpoint = try RedisEndpoint.parse(try TestEnvironment.plainRedisURL())
        endpoint.usesTLS = true
        // Redis reads the ClientHello as an inline command and waits for its end of line: the
        // handshake's timeout ends it, or Redis's own refusal (a protocol error) if it comes first.
        await #expect {
            try await RedisConnection.connect(to: endpoint, tls: RedisTLS(caFile: try TestEnvironment.tlsCAFile()), timeoutMilliseconds: 500)
        } throws: { error in
            "\(error)".contains("TLS handshake") || "\(error)".contains("closed during the TLS handshake")
        }
    }

    @Test("TLS 1.2 with only Azure Managed Redis's 1.2 suites (ECDHE-RSA, AES-CBC, SHA-256/384) is spoken")
    func azureTLS12Suites() async throws {
        // learn.microsoft.com/azure/redis/tls-configuration: TLS 1.2 and 1.3 only; the 1.2 suites
        // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 and TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256.
        let server = try await ForeignNameServer.start(names: "DNS:localhost", extra: [
            "--tls-protocols", "TLSv1.2", "--tls-ciphers", "ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256",
        ])
        defer { server.stop() }
        let connection = try await RedisConnection.connect(to: try RedisEndpoint.parse("rediss://localhost:\(server.port)"),
                                                           tls: RedisTLS(caFile: server.caFile), timeoutMilliseconds: Self.timeout)
        #expect(try await connection.send(["PING"]).text == "PONG")
        let info = try await connection.send(["INFO", "server"]).text ?? ""
        #expect(info.contains("redis_version"))
        await connection.close()
    }

    @Test("a trusted certificate for another name is refused, by name and by IP address")
    func wrongName() async throws {
        let server = try await ForeignNameServer.start(names: "DNS:elsewhere.example")
        defer { server.stop() }
        for host in ["localhost", "127.0.0.1"] {
            let endpoint = try RedisEndpoint.parse("rediss://\(host):\(server.port)")
            await #expect {
                try await RedisConnection.connect(to: endpoint, tls: RedisTLS(caFile: server.caFile), timeoutMilliseconds: Self.timeout)
            } throws: { error in
                "\(error)".contains("certificate not accepted") && "\(error)".contains("mismatch")
            }
        }
    }
}

/// A TLS redis-server of the test's own, its certificate (signed by a CA of its own) carrying only
/// the names given (a subjectAltName value), with redis-server's `extra` TLS settings.
final class ForeignNameServer: @unchecked Sendable {
    let directory: String
    let port: Int
    let process: ChildProcess
    var caFile: String { directory + "/ca.crt" }

    private init(directory: String, port: Int, process: ChildProcess) {
        self.directory = directory
        self.port = port
        self.process = process
    }

    static func start(names: String, extra: [String] = []) async throws -> ForeignNameServer {
        let directory = NSTemporaryDirectory() + "tls-name-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let environment = ProcessInfo.processInfo.environment
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=foreign-test-ca", "-keyout", "\(directory)/ca.key", "-out", "\(directory)/ca.crt"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test-server", "-keyout", "\(directory)/server.key", "-out", "\(directory)/server.csr"],
            ["x509", "-req", "-in", "\(directory)/server.csr", "-CA", "\(directory)/ca.crt", "-CAkey", "\(directory)/ca.key", "-CAcreateserial", "-days", "1",
             "-extfile", "\(directory)/san.ext", "-out", "\(directory)/server.crt"],
        ]
        try "subjectAltName=\(names)\n".write(toFile: "\(directory)/san.ext", atomically: true, encoding: .utf8)
        for step in steps {
            let outcome = try await Spawn.run("/usr/bin/openssl", step, environment: environment)
            guard outcome.status == 0 else { throw TestEnvironment.Missing(description: "openssl \(step[0]) failed: \(outcome.standardError)") }
        }
        let port = try TestEnvironment.unusedPort()
        let process = try ChildProcess(executable: "/usr/bin/redis-server", arguments: [
            "--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no",
            "--tls-cert-file", "\(directory)/server.crt", "--tls-key-file", "\(directory)/server.key", "--tls-ca-cert-file", "\(directory)/ca.crt",
            "--tls-auth-clients", "no", "--logfile", "\(directory)/redis.log",
        ] + extra, environment: environment)
        let server = ForeignNameServer(directory: directory, port: port, process: process)
        // Listening: a TCP connect succeeds (no TLS yet: that is what the test is about).
        for _ in 0..<100 {
            if accepts(port: port) { return server }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw TestEnvironment.Missing(description: "the TLS redis-server on \(port) did not start; log in \(directory)")
    }

    func stop() {
        process.send(SIGKILL)
        _ = process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// True when a TCP connection to 127.0.0.1:`port` is accepted.
    static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
