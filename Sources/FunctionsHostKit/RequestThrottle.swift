import NIOConcurrencyHelpers
import NIOCore

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
        var waiting = CircularBuffer<CheckedContinuation<Void, Never>>()

        /// Takes a running slot if fewer than `limit` are taken.
        mutating func takeSlot(below limit: Int) -> Bool {
            guard running < limit else { return false }
            running += 1
            return true
        }
    }
    private let state = NIOLockedValueBox(State())

    init(maxOutstanding: Int?, maxConcurrent: Int?) {
        self.maxOutstanding = maxOutstanding
        self.maxConcurrent = maxConcurrent
    }

    /// Runs `body` when admitted; nil when the request is refused (over `maxOutstanding`).
    func run<Result: Sendable>(_ body: () async -> Result) async -> Result? {
        // host.json silent (the usual case): nothing to count.
        if maxOutstanding == nil, maxConcurrent == nil { return await body() }
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

    /// Requests admitted and not yet answered (for tests).
    var outstanding: Int { state.withLockedValue { $0.outstanding } }

    private func acquireSlot() async {
        guard let maxConcurrent else { return }
        if state.withLockedValue({ $0.takeSlot(below: maxConcurrent) }) { return }
        await withCheckedContinuation { continuation in
            // Checked again under the lock: a slot may have been released since.
            let resumeNow = state.withLockedValue { state -> Bool in
                if state.takeSlot(below: maxConcurrent) { return true }
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
            // The slot passes to the first waiter (running stays the same), or is freed.
            guard let waiter = state.waiting.popFirst() else {
                state.running -= 1
                return nil
            }
            return waiter
        }
        next?.resume()
    }
}
