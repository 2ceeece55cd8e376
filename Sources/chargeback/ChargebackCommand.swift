import ArgumentParser
import ChargebackApp
import FoundationEssentials
import Glibc
import Hummingbird
import Logging

/// The Azure Functions custom handler for the APIM → Azure OpenAI chargeback service.
@main
struct ChargebackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargeback",
        abstract: "Azure Functions custom handler: ingest APIM usage, roll it up, serve chargeback reports.")

    @Option(help: "Port on 127.0.0.1 (default: $FUNCTIONS_CUSTOMHANDLER_PORT, set by the Functions host).")
    var port: Int?

    func run() async throws {
        let configuration: Configuration
        do {
            configuration = try Configuration.fromEnvironment(ProcessInfo.processInfo.environment, portOverride: port)
        } catch {
            Self.fail("chargeback: bad configuration: \(error)")
        }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "chargeback")
        let app = ChargebackApplication.build(configuration, logger: logger)
        do {
            try await app.runService()
        } catch {
            Self.fail("chargeback: cannot serve on 127.0.0.1:\(configuration.port): \(error)")
        }
    }

    /// A start-up failure: the reason on stderr and exit code 1 (never 0: the host would not restart us).
    static func fail(_ message: String) -> Never {
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        Glibc.exit(1)
    }
}
