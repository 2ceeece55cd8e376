import Foundation
import Testing
import TestSupport

/// The `chargeback` executable's start-up contract: a readable message and a non-zero exit on a fatal
/// start error (exit code 0 would make the Functions host give up on it silently).
@Suite("chargeback executable start-up")
struct ExecutableTests {
    struct Outcome {
        let status: Int32
        let stderr: String
    }

    func run(_ arguments: [String], environment: [String: String]) async throws -> Outcome {
        let outcome = try await Spawn.run(try TestEnvironment.binaryDirectory() + "/chargeback", arguments,
                                          environment: environment.merging(["PATH": "/usr/bin:/bin"]) { $1 })
        return Outcome(status: outcome.status, stderr: outcome.standardError)
    }

    @Test("no port: exit 1 naming FUNCTIONS_CUSTOMHANDLER_PORT")
    func noPort() async throws {
        let outcome = try await run([], environment: [:])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("FUNCTIONS_CUSTOMHANDLER_PORT"))
    }

    @Test("bad configuration: exit 1 naming the variable")
    func badConfiguration() async throws {
        let outcome = try await run(["--port", "1"], environment: ["REDIS_CONNECTION_STRING": "redis://:x@host:notaport"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("REDIS_CONNECTION_STRING"))
        #expect(!outcome.stderr.contains(":x@"))
    }

    @Test("port taken: exit 1 with the address")
    func portTaken() async throws {
        let (descriptor, port) = try TestEnvironment.boundSocket(listening: true)
        defer { close(descriptor) }
        let outcome = try await run([], environment: ["FUNCTIONS_CUSTOMHANDLER_PORT": String(port)])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("127.0.0.1:\(port)"))
    }
}

@Suite("chargeback extract")
struct ExtractCommandTests {
    func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let outcome = try await Spawn.run(try TestEnvironment.binaryDirectory() + "/chargeback", ["extract"] + arguments,
                                          environment: ProcessInfo.processInfo.environment)
        return (outcome.status, outcome.standardOutput, outcome.standardError)
    }

    @Test("prints the event of a documented example")
    func example() async throws {
        let result = try await run([TestEnvironment.repositoryRoot + "/docs/examples/chat-completion.envelope.json"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"cachedInputTokens\" : 1664"))
        #expect(!result.stdout.contains("Chargeback assigns"))
    }

    @Test("exit 2 with the reason code on a refused envelope, 1 on an unreadable file")
    func failures() async throws {
        let file = NSTemporaryDirectory() + "bad-\(UUID().uuidString).json"
        try "{\"schemaVersion\":2}".write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try await run([file])
        #expect(refused.status == 2)
        #expect(refused.stderr.hasPrefix("unsupported_schema_version:"))
        let tooLarge = try await run([file, "--max-bytes", "5"])
        #expect(tooLarge.status == 2)
        #expect(tooLarge.stderr.hasPrefix("envelope_too_large:"))
        let missing = try await run(["/nonexistent/envelope.json"])
        #expect(missing.status == 1)
    }
}
