import ArgumentParser
import EventLoopExecutor
import Foundation
import FunctionsHostKit
import JSONLog
import Logging

/// `functions-host`: runs a custom-handler function app locally the way the Azure Functions host does.
@main
struct FunctionsHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "functions-host",
        abstract: "A local Azure Functions host for custom handlers (no .NET needed).")

    @Option(help: "The folder that holds host.json.")
    var appRoot: String = "."

    @Option(help: "Port on 127.0.0.1 for clients.")
    var port: Int = 7071

    @Option(help: "The function key (default: generated and printed).")
    var functionKey: String?

    @Option(help: "The master key for the admin API (default: generated and printed).")
    var masterKey: String?

    @Option(name: .customLong("named-function-key"), help: "Another function key as NAME=VALUE, accepted by every function (repeatable; e.g. a cost-center report key).")
    var namedFunctionKeys: [String] = []

    @Option(name: .customLong("function-level-key"), help: "A key of one function as FUNCTION=VALUE, accepted by that function only (repeatable; e.g. the ingest key APIM holds).")
    var functionLevelKeys: [String] = []

    @Option(help: "Largest request body in bytes (default: $FUNCTIONS_REQUEST_BODY_SIZE_LIMIT or 104857600).")
    var maxBodyBytes: Int?

    @Option(help: "Proxying mode (host.json enableProxyingHttpRequest): the longest wait for the handler's next bytes, in ms (the host's 240 s).")
    var proxyActivityTimeoutMs = 240_000

    func validate() throws {
        guard proxyActivityTimeoutMs > 0 else { throw ValidationError("--proxy-activity-timeout-ms must be positive") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1...65535") }
        if let maxBodyBytes, maxBodyBytes < 1 { throw ValidationError("--max-body-bytes must be positive") }
        for pair in namedFunctionKeys where !pair.contains("=") || pair.hasPrefix("=") || pair.hasSuffix("=") {
            throw ValidationError("--named-function-key needs NAME=VALUE")
        }
        for pair in functionLevelKeys where !pair.contains("=") || pair.hasPrefix("=") || pair.hasSuffix("=") {
            throw ValidationError("--function-level-key needs FUNCTION=VALUE")
        }
    }

    func run() async throws {
        let root = URL(fileURLWithPath: appRoot).standardizedFileURL.path
        let limit = maxBodyBytes ?? ProcessInfo.processInfo.environment["FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"].flatMap(Int.init) ?? 104_857_600
        var keys = HostKeys.make(functionKey: functionKey, masterKey: masterKey)
        for pair in namedFunctionKeys {
            let parts = pair.split(separator: "=", maxSplits: 1)
            keys.namedFunctionKeys[String(parts[0])] = String(parts[1])
        }
        for pair in functionLevelKeys {
            let parts = pair.split(separator: "=", maxSplits: 1)
            keys.functionLevelKeys[parts[0].lowercased()] = String(parts[1])
        }
        var settings = HostSettings(appRoot: root, port: port, keys: keys, maxBodyBytes: limit)
        settings.proxyActivityTimeoutMilliseconds = proxyActivityTimeoutMs
        if functionKey == nil || masterKey == nil {
            settings.generatedKeysFile = try Self.writeGeneratedKeys(keys, port: port)
        }
        // One JSON object per line on stderr, as the handler writes its own on stdout: swift-log's
        // default StreamLogHandler formatted its local time anew for every line (localtime, strftime),
        // 8% of the host's CPU per proxied request in the profile.
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, sink: .standardError) }
        var logger = Logger(label: "functions-host")
        logger.logLevel = .info
        do {
            // Every task of the host runs on the event loops (EventLoopExecutor), as in the handler.
            try await withTaskExecutorPreference(EventLoopTaskExecutor()) {
                try await FunctionsHost.run(settings: settings, logger: logger)
            }
        } catch {
            FileHandle.standardError.write(Data("functions-host: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Generated keys go to a file only the user can read, never to the terminal in full.
    static func writeGeneratedKeys(_ keys: HostKeys, port: Int) throws -> String {
        let folder = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let path = "\(folder)/functions-host-\(port).keys"
        let text = "functionKey=\(keys.functionKey)\nmasterKey=\(keys.masterKey)\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write the generated keys to \(path)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }
}
