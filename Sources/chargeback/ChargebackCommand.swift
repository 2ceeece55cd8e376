import ArgumentParser
import FoundationEssentials
import Glibc

/// The Azure Functions custom handler for the APIM → Azure OpenAI chargeback service, and its tools.
@main
struct ChargebackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargeback",
        abstract: "Azure Functions custom handler: ingest APIM usage, roll it up, serve chargeback reports.",
        subcommands: [ServeCommand.self, ExtractCommand.self, RollupCommand.self, EraseCommand.self],
        defaultSubcommand: ServeCommand.self)

    /// A failure: the reason on stderr and a non-zero exit code (never 0: the host would not restart us).
    static func fail(_ message: String, exitCode: Int32 = 1) -> Never {
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        Glibc.exit(exitCode)
    }
}
