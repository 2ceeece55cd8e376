import NIOConcurrencyHelpers

/// host.json's `extensions.http.maxOutstandingRequests` and `maxConcurrentRequests`, applied as the
/// real host's HTTP throttle applies them (Azure Functions host.json reference, "http" settings,
/// `includes/functions-host-json-http.md` in MicrosoftDocs/azure-docs): a request over the
/// outstanding limit (queued or running) is refused at once with 429 "Too Busy"; at most
/// `maxConcurrentRequests` functions run in parallel and the rest wait, first come first served.
/// Unbounded (nil) unless host.json sets them, as on every plan but Consumption.
final class RequestThrottle: Sendable {
    let maxOutstanding: Int?
    let maxConcurrent: Int?

    private struct State {
        var outstanding = 0
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
        var nextWaiter = 0
    }
    private let state = NIOLockedValueBox(State())

    init(maxOutstanding: Int?, maxConcurrent: Int?) {
        self.maxOutstanding = maxOutstanding
        self.maxConcurrent = maxConcurrent
    }

    /// Runs `body` when admitted; nil when the request is refused (over `maxOutstanding`).
    func run<Result: Sendable>(_ body: () async -> Result) async -> Result? {
        let admitted = state.withLockedValue { state -> Bool in
            if let maxOutstanding, state.outstanding >= maxOutstanding { return false }
            state.outstanding += 1
            return true
        }
        guard admitted else { return nil }
        await acquireSlot()
        let result = await body()
        releaseSlot()
        return result
    }

    /// Requests admitted and not yet answered (for tests and the banner).
    var outstanding: Int { state.withLockedValue { $0.outstanding } }

    private func acquireSlot() async {
        guard let maxConcurrent else { return }
        let started = state.withLockedValue { state -> Bool in
            guard state.running < maxConcurrent else { return false }
            state.running += 1
            return true
        }
        guard !started else { return }
        await withCheckedContinuation { continuation in
            // Re-checked under the lock: a slot may have been released since.
            let resumeNow = state.withLockedValue { state -> Bool in
                if state.running < maxConcurrent {
                    state.running += 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func releaseSlot() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.outstanding -= 1
            guard maxConcurrent != nil else { return nil }
            guard state.nextWaiter < state.waiting.count else {
                state.running -= 1
                if state.nextWaiter > 0 {
                    state.waiting.removeAll(keepingCapacity: true)
                    state.nextWaiter = 0
                }
                return nil
            }
            // The slot passes to the first waiter (running stays the same).
            let waiter = state.waiting[state.nextWaiter]
            state.nextWaiter += 1
            if state.nextWaiter > 1024, state.nextWaiter * 2 > state.waiting.count {
                state.waiting.removeFirst(state.nextWaiter)
                state.nextWaiter = 0
            }
            return waiter
        }
        next?.resume()
    }
}
