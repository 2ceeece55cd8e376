import ArgumentParser
import ChargebackApp
import FoundationEssentials
import Glibc

/// The Azure Functions custom handler for the APIM → Azure OpenAI chargeback service, and its tools.
@main
struct ChargebackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargeback",
        abstract: "Azure Functions custom handler: ingest APIM usage, roll it up, serve chargeback reports.",
        subcommands: [ServeCommand.self, ExtractCommand.self, RollupCommand.self, CheckCommand.self, EraseCommand.self, ReplayCommand.self,
                      InspectCommand.self, RestoreCommand.self, ReconcileCommand.self],
        defaultSubcommand: ServeCommand.self)

    /// The Functions host starts the handler with no arguments (host.json: `"arguments": []`): it
    /// then serves without the argument parser, whose reflection over every command's options costs
    /// the cold start about 2.5 ms of runtime type lookups (scripts/bench measures the cold start).
    static func main() async {
        if CommandLine.arguments.count <= 1 {
            await ServeCommand.serve(port: nil)
        } else {
            await main(nil)
        }
    }

    /// The handler's configuration for a tool subcommand (no port needed); bad → exit 1 naming it.
    static func toolConfiguration(_ command: String) -> Configuration {
        var environment = ProcessInfo.processInfo.environment
        environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = environment["FUNCTIONS_CUSTOMHANDLER_PORT"] ?? "1"
        do {
            return try Configuration.fromEnvironment(environment)
        } catch {
            fail("chargeback \(command): bad configuration: \(error)")
        }
    }

    /// A failure: the reason on stderr and a non-zero exit code (never 0: the host would not restart us).
    static func fail(_ message: String, exitCode: Int32 = 1) -> Never {
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        Glibc.exit(exitCode)
    }
}
