import ChildProcess
import Foundation
import FunctionsProtocol
import Logging
import PlainHTTPClient
import ServiceLifecycle

/// Starts the custom handler as host.json describes, polls `GET /` every 25 ms until it answers,
/// restarts it with backoff when it exits non-zero, and kills it (SIGKILL, as the real host) on shutdown.
/// Exit code 0 is not restarted and exit code 200 is a requested restart, as in the real host; three
/// failures within 30 minutes stop the host.
public final class HandlerSupervisor: Service, Sendable {
    let app: FunctionApp
    let environment: [String: String]
    let state: HandlerState
    let client: PlainHTTPClient
    let logger: Logger

    /// Why the host gives up on the handler.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(app: FunctionApp, environment: [String: String], state: HandlerState, client: PlainHTTPClient, logger: Logger) {
        self.app = app
        self.environment = environment
        self.state = state
        self.client = client
        self.logger = logger
    }

    public func run() async throws {
        var failures: [ContinuousClock.Instant] = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let outcome = try await runOnce()
            switch outcome {
            case .shutdown:
                state.set(.stopped(reason: "the host is stopping"))
                return
            case .exitedCleanly:
                state.set(.stopped(reason: "the handler exited with code 0"))
                logger.error("handler exited with code 0; like the real host, not restarting it (exit non-zero or 200 to be restarted)")
                try await gracefulShutdown()
                return
            case .restartRequested:
                logger.info("handler exited with code 200: restarting")
            case .portTaken:
                continue
            case let .failed(reason):
                let now = ContinuousClock.now
                failures = failures.filter { now - $0 < .seconds(1800) } + [now]
                logger.error("handler failed", metadata: ["handler.reason": "\(reason)", "handler.failures_30min": "\(failures.count)"])
                guard failures.count < 3 else {
                    state.set(.stopped(reason: "three handler failures within 30 minutes"))
                    throw Failure(description: "the handler failed 3 times within 30 minutes (last: \(reason)); stopping, as the real host does")
                }
                let backoff = 250 * (1 << min(failures.count, 5))
                try await Task.sleep(for: .milliseconds(backoff))
            }
        }
        state.set(.stopped(reason: "the host is stopping"))
    }

    enum Outcome {
        case shutdown, exitedCleanly, restartRequested
        /// Another process took the picked port first: not the handler's failure, started again at once.
        case portTaken
        case failed(String)
    }

    func runOnce() async throws -> Outcome {
        state.set(.starting)
        let port = try FreePort.pick()
        let workerID = RandomGUID.next()
        let command: HandlerCommand
        do {
            command = try HandlerCommand.resolve(app.host, appRoot: app.root, environment: environment, port: port, workerID: workerID)
        } catch {
            throw Failure(description: "cannot start the handler: \(error)")
        }
        var childEnvironment = environment
        for (key, value) in [
            "FUNCTIONS_CUSTOMHANDLER_PORT": String(port), "FUNCTIONS_HTTPWORKER_PORT": String(port),
            "FUNCTIONS_CUSTOMHANDLER_WORKER_ID": workerID, "FUNCTIONS_HTTPWORKER_ID": workerID, "FUNCTIONS_APP_ROOT_PATH": app.root,
        ] { childEnvironment[key] = value }
        let (exits, continuation) = AsyncStream<ChildProcess.Termination>.makeStream()
        let started = ContinuousClock.now
        let process: ChildProcess
        do {
            process = try ChildProcess(executable: command.executable, arguments: command.arguments, environment: childEnvironment,
                                       workingDirectory: command.workingDirectory)
        } catch {
            return .failed("\(error)")
        }
        process.onTermination { termination in
            continuation.yield(termination)
            continuation.finish()
        }
        logger.info("handler started", metadata: ["handler.pid": "\(process.pid)", "handler.port": "\(port)", "handler.executable": "\(command.executable)"])
        let pid = process.pid

        let readiness = await waitUntilReady(port: port, process: process)
        if case .ready = readiness, PortOwner.isListening(on: port, ownedBy: pid) == false {
            // Another process bound the port between the pick and the handler's bind, and answered the
            // probe: this handler could not listen. Start again on another port.
            logger.warning("the handler's port is another process's; restarting on a new port", metadata: ["handler.port": "\(port)"])
            kill(pid, SIGKILL)
            _ = await exits.first { _ in true }
            return .portTaken
        }
        switch readiness {
        case .ready:
            logger.info("handler ready", metadata: ["handler.port": "\(port)", "handler.cold_start_ms": "\((ContinuousClock.now - started).milliseconds)"])
            state.set(.ready(port: port))
        case .timedOut:
            kill(pid, SIGKILL)
            _ = await exits.first { _ in true }
            return .failed("did not answer GET / within \(app.host.initializationTimeoutSeconds) s")
        case .exited, .cancelled:
            break
        }

        let exit = await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await exits.first { _ in true }
            } onCancel: {
                kill(pid, SIGKILL)
            }
        } onGracefulShutdown: {
            kill(pid, SIGKILL)
        }
        state.set(.starting)
        if Task.isCancelled || Task.isShuttingDownGracefully { return .shutdown }
        guard let exit else { return .failed("lost track of the handler process") }
        let status: Int32
        switch exit {
        case let .signalled(signal): return .failed("killed by signal \(signal)")
        case let .exited(code): status = code
        }
        switch status {
        case 0: return .exitedCleanly
        case 200: return .restartRequested
        default: return .failed("exited with code \(status)")
        }
    }

    enum Readiness { case ready, timedOut, exited, cancelled }

    /// Polls `GET http://127.0.0.1:<port>/` every 25 ms; any HTTP response means ready.
    func waitUntilReady(port: Int, process: ChildProcess) async -> Readiness {
        let deadline = ContinuousClock.now.advanced(by: .seconds(app.host.initializationTimeoutSeconds))
        while ContinuousClock.now < deadline {
            if Task.isCancelled || Task.isShuttingDownGracefully { return .cancelled }
            guard process.isRunning else { return .exited }
            let request = PlainHTTPRequest(method: .GET, url: "http://127.0.0.1:\(port)/")
            if let response = try? await client.execute(request, timeout: .seconds(2)) {
                _ = try? await response.body.collect(upTo: 1 << 16)
                return .ready
            }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return .timedOut
    }
}
