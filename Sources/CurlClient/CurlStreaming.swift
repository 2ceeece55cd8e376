import CCurl
import FoundationEssentials
import NIOConcurrencyHelpers
import NIOPosix

/// The status line and header fields of a response, known before its body.
public struct CurlResponseHead: Sendable {
    /// HTTP status code of the final response (1xx interim responses are skipped).
    public var status: Int
    /// Header fields, names as sent.
    public var headers: [(name: String, value: String)]

    /// The first value of header `name`, compared without case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

extension CurlHTTPClient {
    /// Starts `request` and returns as soon as the response head has arrived; the body follows as
    /// it arrives from the network (server-sent events pass through chunk by chunk). Ending the
    /// iteration early aborts the transfer. The transfer occupies one thread of the pool until it ends.
    public func stream(_ request: CurlRequest) async throws -> (head: CurlResponseHead, body: AsyncThrowingStream<[UInt8], any Error>) {
        let (body, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let head: CurlResponseHead = try await withCheckedThrowingContinuation { headContinuation in
            let relay = StreamRelay(head: headContinuation, body: continuation)
            continuation.onTermination = { _ in relay.cancel() }
            threadPool.submit { state in
                guard state == .active else { return relay.end(CurlError(code: -1, message: "the thread pool is shut down")) }
                do {
                    let sink = TransferSink(onHeaderLine: relay.headerLine, onBody: relay.bodyBytes)
                    _ = try Self.performBlocking(request, sink: sink)
                    relay.end(nil)
                } catch {
                    relay.end(error)
                }
            }
        }
        return (head, body)
    }
}

/// Hands one transfer's head to its awaiting caller, then its body chunks to the stream. Callbacks
/// come from the transfer's thread; `cancel` from the consumer's.
final class StreamRelay: Sendable {
    private struct State {
        var head: CheckedContinuation<CurlResponseHead, any Error>?
        var status = 0
        var headers: [(name: String, value: String)] = []
        var cancelled = false
    }
    private let state: NIOLockedValueBox<State>
    private let body: AsyncThrowingStream<[UInt8], any Error>.Continuation

    init(head: CheckedContinuation<CurlResponseHead, any Error>, body: AsyncThrowingStream<[UInt8], any Error>.Continuation) {
        state = NIOLockedValueBox(State(head: head))
        self.body = body
    }

    func cancel() { state.withLockedValue { $0.cancelled = true } }

    /// One raw header line; the blank line after a final status line releases the head.
    func headerLine(_ line: String) -> Bool {
        state.withLockedValue { state in
            switch HeaderLine(line) {
            case let .status(code):
                state.headers.removeAll()
                state.status = code
            case .end:
                if state.status >= 200, let head = state.head {
                    state.head = nil
                    head.resume(returning: CurlResponseHead(status: state.status, headers: state.headers))
                }
            case let .field(name, value):
                state.headers.append((name, value))
            case .other:
                break
            }
            return !state.cancelled
        }
    }

    /// Body bytes: yielded at once; false aborts the transfer (the consumer went away).
    func bodyBytes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let cancelled = state.withLockedValue { state -> Bool in
            if let head = state.head {
                state.head = nil
                head.resume(returning: CurlResponseHead(status: state.status, headers: state.headers))
            }
            return state.cancelled
        }
        guard !cancelled else { return false }
        body.yield(Array(bytes))
        return true
    }

    /// The transfer ended: with `error`, or completely.
    func end(_ error: (any Error)?) {
        let head = state.withLockedValue { state -> CheckedContinuation<CurlResponseHead, any Error>? in
            defer { state.head = nil }
            return state.head
        }
        if let head {
            head.resume(throwing: error ?? CurlError(code: -1, message: "the transfer ended without a response"))
        }
        if let error { body.finish(throwing: error) } else { body.finish() }
    }
}
