import NIOConcurrencyHelpers

/// Whether the handler process can take invocations; shared by the supervisor and the responder.
public final class HandlerState: Sendable {
    /// The handler's phase.
    public enum Phase: Sendable, Equatable {
        /// Started (or restarting), not answering `GET /` yet.
        case starting
        /// Answering on 127.0.0.1:port.
        case ready(port: Int)
        /// Not running and not coming back (exit code 0, or the host is stopping).
        case stopped(reason: String)
    }

    private let phase = NIOLockedValueBox<Phase>(.starting)

    public init() {}

    /// The current phase.
    public var current: Phase { phase.withLockedValue { $0 } }

    func set(_ newPhase: Phase) { phase.withLockedValue { $0 = newPhase } }

    /// The handler's port once it is ready, waiting up to `timeoutMilliseconds` while it starts.
    public func readyPort(waitingUpTo timeoutMilliseconds: Int) async -> Int? {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMilliseconds))
        while true {
            switch current {
            case let .ready(port): return port
            case .stopped: return nil
            case .starting:
                guard ContinuousClock.now < deadline else { return nil }
                try? await Task.sleep(for: .milliseconds(25))
            }
        }
    }
}
