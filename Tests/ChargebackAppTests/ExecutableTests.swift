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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.binaryDirectory() + "/chargeback")
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = errors.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: Outcome(status: process.terminationStatus, stderr: String(decoding: data, as: UTF8.self)))
            }
        }
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
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 1) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        #expect(listening)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let outcome = try await run([], environment: ["FUNCTIONS_CUSTOMHANDLER_PORT": String(port)])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("127.0.0.1:\(port)"))
    }
}
