import ChildProcess
import CurlClient
import Foundation
import FunctionsProtocol
import TestSupport

/// A throwaway function app folder and a `functions-host` process serving it.
final class HostHarness: @unchecked Sendable {
    let root: String
    let port: Int
    let recordPath: String
    let outputPath: String
    private(set) var process: ChildProcess?
    let curl = CurlHTTPClient()
    static let functionKey = "fk-test"
    static let masterKey = "mk-test"

    /// Writes host.json (from `hostJSON`), the HttpTrigger and TimerTrigger fixtures' function.json,
    /// and a local.settings.json; the handler is the Python stub.
    static func stubApp(hostJSON: String, forwarding: Bool, timerJSON: String? = nil) throws -> String {
        let root = NSTemporaryDirectory() + "host-test-" + UUID().uuidString
        let manager = FileManager.default
        for name in ["HttpTrigger", "TimerTrigger"] { try manager.createDirectory(atPath: root + "/functions/" + name, withIntermediateDirectories: true) }
        try Data(try Fixture.bytes("function-http.json")).write(to: URL(fileURLWithPath: root + "/functions/HttpTrigger/function.json"))
        let timer = try timerJSON.map { Data($0.utf8) } ?? Data(try Fixture.bytes("function-timer.json"))
        try timer.write(to: URL(fileURLWithPath: root + "/functions/TimerTrigger/function.json"))
        let settings = "{\"IsEncrypted\":false,\"Values\":{\"FUNCTIONS_WORKER_RUNTIME\":\"custom\",\"STUB_FROM_SETTINGS\":\"yes\",\"STUB_OVERRIDDEN\":\"from-settings\"}}"
        try settings.write(toFile: root + "/local.settings.json", atomically: true, encoding: .utf8)
        try hostJSON.write(toFile: root + "/host.json", atomically: true, encoding: .utf8)
        return root
    }

    /// host.json that starts the stub through `python3` on PATH.
    static func stubHostJSON(forwarding: Bool) throws -> String {
        let script = try Fixture.path("stub_handler.py")
        return """
        {"version":"2.0","extensions":{"http":{"routePrefix":"api"}},
         "customHandler":{"description":{"defaultExecutablePath":"python3","arguments":["\(script)"]},
                          "enableForwardingHttpRequest":\(forwarding)}}
        """
    }

    init(root: String, environment: [String: String] = [:], extraArguments: [String] = []) throws {
        self.root = root
        self.port = try TestEnvironment.unusedPort()
        self.recordPath = root + "/records.jsonl"
        self.outputPath = root + "/host-output.log"
        // A file that cannot be created makes the FileHandle below throw.
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let arguments = ["--app-root", root, "--port", String(port), "--function-key", Self.functionKey, "--master-key", Self.masterKey] + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["STUB_RECORD"] = recordPath
        env["STUB_INVOCATION_RESPONSE"] = try Fixture.path("functions/http-invocation-response.json")
        env["STUB_OVERRIDDEN"] = "from-environment"
        env["PATH"] = try TestEnvironment.binaryDirectory() + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        for (key, value) in environment { env[key] = value }
        process = try ChildProcess(executable: try TestEnvironment.binaryDirectory() + "/functions-host", arguments: arguments, environment: env,
                                   standardOutput: output.fileDescriptor, standardError: output.fileDescriptor)
        try output.close()
    }

    /// True while the host runs.
    var isRunning: Bool { process?.isRunning ?? false }

    /// Waits (off the cooperative pool) until the host exits; returns its exit status.
    func waitForExit() async -> Int32 {
        guard let process else { return -1 }
        return await withCheckedContinuation { continuation in
            process.onTermination { termination in
                switch termination {
                case let .exited(code): continuation.resume(returning: code)
                case let .signalled(signal): continuation.resume(returning: 128 + signal)
                }
            }
        }
    }

    /// Waits until the host itself answers `GET /`.
    func waitUntilServing() async throws {
        for _ in 0..<400 {
            if let response = try? await curl.perform(CurlRequest(url: "http://127.0.0.1:\(port)/", timeoutMilliseconds: 500)), response.status == 200 { return }
            guard isRunning else { throw TestEnvironment.Missing(description: "functions-host exited: \(output)") }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestEnvironment.Missing(description: "functions-host did not start: \(output)")
    }

    func request(_ method: String = "GET", _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) async throws -> CurlResponse {
        try await curl.perform(CurlRequest(method: method, url: "http://127.0.0.1:\(port)\(path)", headers: headers, body: body, timeoutMilliseconds: 20_000))
    }

    /// Every JSON line the stub recorded.
    var records: [JSONValue] {
        guard let text = try? String(contentsOfFile: recordPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
    }

    /// Recorded requests other than readiness probes.
    var invocations: [JSONValue] {
        records.filter { $0["kind"] == .string("request") && $0["target"] != .string("/") }
    }

    var starts: [JSONValue] { records.filter { $0["kind"] == .string("start") } }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then wait for exit; returns the exit status.
    func stop() async -> Int32 {
        process?.send(SIGTERM)
        return await waitForExit()
    }
}

extension JSONValue {
    /// The recorded header `name` (case-insensitive) from a stub record's `headers` pairs.
    func recordedHeader(_ name: String) -> String? {
        self["headers"]?.arrayValue?.first { $0.arrayValue?.first?.stringValue?.lowercased() == name.lowercased() }?.arrayValue?.last?.stringValue
    }
}
