import ApimTwin
import ArgumentParser
import CivilCalendar
import Foundation
import LocalGateway
import Logging

/// Local development only: a twin of the APIM gateway with the chargeback policy, an
/// OpenAI-compatible synthetic upstream, and a replayer of a day of traffic.
@main
struct LocalGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-gateway",
        abstract: "Local stand-ins for APIM and Azure OpenAI (development and tests only), and a day of traffic.",
        subcommands: [Gateway.self, Upstream.self, Traffic.self])
}

struct Gateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The APIM twin: contract v1 and the streaming modes of policies/, upstream through libcurl.")

    @Option(help: "Port on 127.0.0.1.") var port = 8080
    @Option(help: "Azure OpenAI base URL, real (https://<resource>.openai.azure.com, key from AZURE_OPENAI_API_KEY) or synthetic.")
    var upstream: String?
    @Option(help: "The ingest function's URL (named value chargeback-function-url).") var ingest = "http://127.0.0.1:7071/api/v1/ingest"
    @Option(help: "The subscriptions file: {\"subscriptions\": [{\"key\", \"id\", \"name\", \"productId\"}]}.")
    var subscriptions = "config/local-subscriptions.json"
    @Option(help: "buffered, passthrough or relay (named value chargeback-stream-mode).") var streamMode = "buffered"
    @Option(help: "Relay mode: the relay function's URL (named value chargeback-relay-url).") var relay = "http://127.0.0.1:7071/api/v1/relay"
    @Option(help: "Relay mode: milliseconds the relay may take to answer headers before the call goes to Azure OpenAI directly.")
    var relayHeadTimeoutMs = 10_000
    @Option(help: "Bodies larger than this are posted as null with their length.") var maxBodyBytes = 4_194_304
    @Flag(help: "Honour x-twin-timestamp and x-twin-deliveries (replaying a past day; tests).") var testHeaders = false
    @Option(help: "forward-request timeout: milliseconds to wait for the backend's response headers (APIM honours at most 240 s).")
    var forwardTimeoutMs = 240_000
    @Option(help: "Milliseconds a client connection may carry nothing before it is dropped (Azure Load Balancer: 4 minutes).")
    var clientIdleMs = 240_000

    func run() async throws {
        guard (1...600_000).contains(forwardTimeoutMs), (1...600_000).contains(clientIdleMs) else {
            throw ValidationError("--forward-timeout-ms and --client-idle-ms must be 1…600000")
        }
        guard let mode = StreamMode(rawValue: streamMode) else { throw ValidationError("--stream-mode must be buffered, passthrough or relay") }
        guard (1...600_000).contains(relayHeadTimeoutMs) else { throw ValidationError("--relay-head-timeout-ms must be 1...600000") }
        let environment = ProcessInfo.processInfo.environment
        let directory: SubscriptionDirectory
        do { directory = try SubscriptionDirectory.load(path: subscriptions) } catch { throw ValidationError("\(error)") }
        let base = upstream ?? environment["AZURE_OPENAI_ENDPOINT"] ?? "http://127.0.0.1:8081"
        let key = base.hasPrefix("http://127.0.0.1") ? nil : environment["AZURE_OPENAI_API_KEY"]
        if !base.hasPrefix("http://127.0.0.1"), key == nil { throw ValidationError("a remote --upstream needs AZURE_OPENAI_API_KEY") }
        var configuration = GatewayConfiguration(
            port: port, upstream: base, upstreamKey: key, ingestURL: ingest, functionKey: environment["FUNCTIONS_FUNCTION_KEY"],
            mode: mode, maxBodyBytes: maxBodyBytes, acceptsTestHeaders: testHeaders, subscriptions: directory)
        configuration.forwardTimeoutMilliseconds = forwardTimeoutMs
        configuration.clientIdleMilliseconds = clientIdleMs
        configuration.relayURL = relay
        configuration.relayHeadTimeoutMilliseconds = relayHeadTimeoutMs
        try await GatewayServer.run(configuration, logger: Logger(label: "apim-twin"))
    }
}

struct Upstream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "An OpenAI-compatible upstream with deterministic usage.")

    @Option(help: "Port on 127.0.0.1.") var port = 8081
    @Option(help: "Pause between server-sent events, in milliseconds.") var eventDelayMs = 0

    func run() async throws {
        try await UpstreamServer.run(port: port, eventDelayMilliseconds: eventDelayMs, logger: Logger(label: "synthetic-upstream"))
    }
}

struct Traffic: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replays a realistic day of traffic through the gateway and writes what the clients saw.")

    @Option(help: "The gateway's base URL.") var gateway = "http://127.0.0.1:8080"
    @Option(help: "Requests in the day.") var requests = 20_000
    @Option(help: "The UTC day replayed (YYYY-MM-DD); default yesterday.") var day: String?
    @Option(help: "Concurrent clients.") var concurrency = 32
    @Option(help: "Seed: the same seed replays the same day.") var seed: UInt64 = 20_261_129
    @Option(help: "The subscriptions file (as for gateway).") var subscriptions = "config/local-subscriptions.json"
    @Option(help: "Write the client-side summary (JSON) here.") var summary: String?
    @Flag(help: "No progress bar.") var quiet = false

    func run() async throws {
        let directory: SubscriptionDirectory
        do { directory = try SubscriptionDirectory.load(path: subscriptions) } catch { throw ValidationError("\(error)") }
        let today = CivilDay(daysSinceEpoch: Int64(Date().timeIntervalSince1970) / 86_400)
        guard let replayed = day.map({ CivilDay.parse($0) }) ?? today.adding(days: -1) else { throw ValidationError("--day must be YYYY-MM-DD") }
        guard requests > 0 else { throw ValidationError("--requests must be positive") }
        let calls = TrafficPlan.day(replayed, requests: requests, subscriptions: directory.all, seed: seed)
        let result = try await TrafficRunner.run(calls, gateway: gateway, concurrency: concurrency, showProgress: !quiet)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let text = try encoder.encode(result)
        if let summary { try text.write(to: URL(fileURLWithPath: summary)) } else { print(String(decoding: text, as: UTF8.self)) }
    }
}
