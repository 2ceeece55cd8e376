import Foundation
import FunctionsProtocol
import Hummingbird
import Logging
import PlainHTTPClient

/// The local Functions host: loads the app, supervises the handler, serves clients, fires timers.
public enum FunctionsHost {
    /// Connections kept to the handler when host.json does not bound `maxConcurrentRequests`.
    static let handlerConnections = 128

    /// Loads the app and serves until SIGINT/SIGTERM; throws on invalid configuration or a handler that keeps failing.
    public static func run(settings: HostSettings, logger: Logger) async throws {
        let app = try FunctionApp.load(root: settings.appRoot)
        // Like Core Tools: local.settings.json Values apply unless the variable is already set.
        let environment = app.settings.merging(ProcessInfo.processInfo.environment) { $1 }
        // Keep-alive connections to the handler, pooled: as many as requests may run at once; past
        // that, requests wait for a connection.
        let connections = app.host.maxConcurrentRequests ?? handlerConnections
        let clientConfiguration = PlainHTTPClient.Configuration(
            connectTimeout: .seconds(2), maxConnectionsPerOrigin: connections, maxIdlePerOrigin: connections)
        let client = PlainHTTPClient(configuration: clientConfiguration)
        // Proxying mode's own client: the activity timeout bounds the wait for the handler's next bytes
        // (no limit on the whole exchange). It never retries; the proxy retries refused connects itself
        // (YARP's 10, 50→250 ms), on the handler's current port.
        var proxyConfiguration = clientConfiguration
        proxyConfiguration.activityTimeout = .milliseconds(Int64(settings.proxyActivityTimeoutMilliseconds))
        let proxyClient = PlainHTTPClient(configuration: proxyConfiguration)
        let state = HandlerState()
        let invoker = HandlerInvoker(client: client, state: state, settings: settings, functionTimeoutSeconds: app.host.functionTimeoutSeconds)
        let supervisor = HandlerSupervisor(app: app, environment: environment, state: state, client: client, logger: logger)
        let timers = TimerScheduler(app: app, invoker: invoker, logger: logger)
        let proxy = HandlerProxy(client: proxyClient, state: state, settings: settings)
        let responder = HostResponder(app: app, settings: settings, invoker: invoker, proxy: proxy, timers: timers, logger: logger)
        let application = Application(
            responder: responder,
            configuration: .init(address: .hostname("127.0.0.1", port: settings.port), serverName: nil),
            services: [supervisor, timers],
            logger: logger)
        FileHandle.standardOutput.write(Data((banner(app: app, settings: settings) + "\n").utf8))
        do {
            try await application.runService()
        } catch {
            await client.shutdown()
            await proxyClient.shutdown()
            throw error
        }
        await client.shutdown()
        await proxyClient.shutdown()
    }

    /// What runs where, printed at start like Core Tools does.
    static func banner(app: FunctionApp, settings: HostSettings) -> String {
        var lines = ["Functions host (local emulation of the Azure Functions custom-handler host)", "App root: \(app.root)", "", "Functions:"]
        for function in app.functions {
            switch function.trigger {
            case let .http(trigger):
                let methods = (trigger.methods ?? ["*"]).joined(separator: ",")
                let prefix = app.host.routePrefix.isEmpty ? "" : "/" + app.host.routePrefix
                lines.append("    \(function.name): [\(methods)] http://127.0.0.1:\(settings.port)\(prefix)/\(trigger.route) (auth: \(trigger.authLevel.rawValue))")
            case let .timer(trigger):
                lines.append("    \(function.name): timerTrigger '\(trigger.schedule)' (UTC); run now: POST http://127.0.0.1:\(settings.port)/admin/functions/\(function.name)")
            }
        }
        let mode = app.host.enableProxyingHttpRequest ? "proxying (streamed)" : (app.host.enableForwardingHttpRequest ? "forwarding" : "JSON protocol")
        // Keys are shown masked: a banner ends up in CI logs and terminals' scrollback.
        lines += ["", "HTTP delivery: \(mode)", "Function key: \(HostKeys.masked(settings.keys.functionKey))",
                  "Master key: \(HostKeys.masked(settings.keys.masterKey))"]
        if !settings.keys.namedFunctionKeys.isEmpty { lines.append("Named function keys: \(settings.keys.namedFunctionKeys.keys.sorted().joined(separator: ", "))") }
        if !settings.keys.functionLevelKeys.isEmpty { lines.append("Function-level keys for: \(settings.keys.functionLevelKeys.keys.sorted().joined(separator: ", "))") }
        if let path = settings.generatedKeysFile { lines.append("Generated keys written to \(path) (mode 600)") }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
