import NIOCore
import NIOHTTP1

/// One connection's request/answer exchanges, one at a time, on the connection's event loop: it
/// writes a request, hands the answer's head to the caller and streams the body into a
/// backpressured sequence, reading from the socket only while the consumer wants more. The head is
/// handed over once the reads it came in are done: an answer that ended in them too (up to
/// `wholeLimit` bytes) is handed over whole, and its connection is free before the caller resumes. The
/// activity timeout runs only during an exchange, from its start and each read (an idle connection
/// in the pool is not timed: NIO's IdleStateHandler would count from its last read, before the
/// request, and time out a reused connection early).
final class ExchangeHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case idle
        case awaitingHead(EventLoopPromise<PlainHTTPResponse>)
        /// The head came in the current reads; the body read so far is kept until they are done.
        case headRead(EventLoopPromise<PlainHTTPResponse>, HTTPResponseHead, ByteBuffer)
        case streaming(PlainHTTPBody.Producer.Source)
        case closed
    }

    private var state = State.idle
    private var context: ChannelHandlerContext?
    /// Counts exchanges, so that a late signal from an earlier answer's consumer is ignored.
    private var exchange = 0
    private var readAllowed = true
    private var readPending = false
    private var keepAlive = true
    private var deadline: Scheduled<Void>?
    /// The activity timeout: the longest wait for the server's next bytes during an exchange.
    private let activityTimeout: TimeAmount?
    private var lastActivity = NIODeadline.now()
    private var activityCheck: Scheduled<Void>?
    private var whenReusable: (() -> Void)?

    /// The most of an answer's body kept to hand over whole: beyond it, the body streams.
    static let wholeLimit = 64 * 1024

    init(activityTimeout: TimeAmount?) {
        self.activityTimeout = activityTimeout
    }

    /// The consumer's demand, passed from any thread to the handler's loop.
    struct Demand: NIOAsyncSequenceProducerDelegate {
        let handler: ExchangeHandler
        let loop: any EventLoop
        let exchange: Int

        func produceMore() {
            loop.execute { handler.resumeReading(exchange: exchange) }
        }

        func didTerminate() {
            loop.execute { handler.consumerLeft(exchange: exchange) }
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends a request (on the loop). `whenReusable` runs once its answer has ended on a connection
    /// that stays open.
    func start(_ head: HTTPRequestHead, body: ByteBuffer?, timeout: TimeAmount?, promise: EventLoopPromise<PlainHTTPResponse>,
               whenReusable: @escaping () -> Void) {
        guard case .idle = state, let context, context.channel.isActive else {
            // Nothing was sent: the caller may try a new connection.
            promise.fail(PlainHTTPError.notSent)
            return
        }
        exchange += 1
        state = .awaitingHead(promise)
        keepAlive = head.isKeepAlive
        readAllowed = true
        self.whenReusable = whenReusable
        if let timeout {
            let current = exchange
            deadline = context.eventLoop.scheduleTask(in: timeout) { [self] in
                if current == exchange { fail(PlainHTTPError.timedOut) }
            }
        }
        if let activityTimeout {
            lastActivity = .now()
            scheduleActivityCheck(at: lastActivity + activityTimeout, exchange: exchange)
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        switch unwrapInboundIn(data) {
        case let .head(head):
            guard case let .awaitingHead(promise) = state else { return }
            keepAlive = keepAlive && head.isKeepAlive
            state = .headRead(promise, head, ByteBuffer())
        case var .body(buffer):
            switch state {
            case .headRead(let promise, let head, var kept):
                if kept.readableBytes + buffer.readableBytes > Self.wholeLimit {
                    let source = startStreaming(promise, head, kept, context: context)
                    if source.yield(buffer) == .stopProducing { readAllowed = false }
                } else {
                    if kept.readableBytes == 0 { kept = buffer } else { kept.writeBuffer(&buffer) }
                    state = .headRead(promise, head, kept)
                }
            case let .streaming(source):
                if source.yield(buffer) == .stopProducing { readAllowed = false }
            case .idle, .awaitingHead, .closed:
                return
            }
        case .end:
            let answered = state
            switch answered {
            case .headRead, .streaming: break
            case .idle, .awaitingHead, .closed: return
            }
            stopTimers()
            state = .idle
            readAllowed = true
            // A read held back for a slow consumer is issued now: the connection goes back idle and
            // must notice the server closing it, and read the next answer.
            if readPending {
                readPending = false
                context.read()
            }
            if case let .headRead(promise, head, kept) = answered {
                promise.succeed(PlainHTTPResponse(status: head.status, headers: head.headers, body: PlainHTTPBody(complete: kept)))
            } else if case let .streaming(source) = answered {
                source.finish()
            }
            let reusable = whenReusable
            whenReusable = nil
            if keepAlive { reusable?() } else { close() }
        }
    }

    /// The reads are done: a head whose answer has not ended is handed over now, its body to stream.
    func channelReadComplete(context: ChannelHandlerContext) {
        if case let .headRead(promise, head, kept) = state { _ = startStreaming(promise, head, kept, context: context) }
        context.fireChannelReadComplete()
    }

    /// Hands the head over with a body sequence that starts with what was read so far.
    private func startStreaming(_ promise: EventLoopPromise<PlainHTTPResponse>, _ head: HTTPResponseHead, _ kept: ByteBuffer,
                                context: ChannelHandlerContext) -> PlainHTTPBody.Producer.Source {
        let made = PlainHTTPBody.Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8), finishOnDeinit: false,
            delegate: Demand(handler: self, loop: context.eventLoop, exchange: exchange))
        state = .streaming(made.source)
        if kept.readableBytes > 0, made.source.yield(kept) == .stopProducing { readAllowed = false }
        promise.succeed(PlainHTTPResponse(status: head.status, headers: head.headers, body: PlainHTTPBody(sequence: made.sequence)))
        return made.source
    }

    func read(context: ChannelHandlerContext) {
        if readAllowed { context.read() } else { readPending = true }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(PlainHTTPError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
    }

    /// The caller was cancelled before the answer's head: its exchange, and only its, is abandoned.
    func cancel(_ promise: EventLoopPromise<PlainHTTPResponse>) {
        switch state {
        case let .awaitingHead(current), let .headRead(current, _, _):
            guard current.futureResult === promise.futureResult else { return }
            fail(CancellationError())
        case .idle, .streaming, .closed:
            return
        }
    }

    /// The activity timeout, checked at `at`: the server silent since `lastActivity` for longer than
    /// the timeout fails the exchange, unless the reads are held back for a slow consumer.
    private func scheduleActivityCheck(at deadline: NIODeadline, exchange: Int) {
        guard let context, let activityTimeout else { return }
        activityCheck = context.eventLoop.scheduleTask(deadline: deadline) { [self] in
            guard exchange == self.exchange else { return }
            switch state {
            case .awaitingHead, .headRead, .streaming:
                if case .streaming = state, !readAllowed {
                    // Paused by the consumer: not the server's silence; the wait starts again on resuming.
                    lastActivity = .now()
                }
                let due = lastActivity + activityTimeout
                if due <= .now() { fail(PlainHTTPError.timedOut) } else { scheduleActivityCheck(at: due, exchange: exchange) }
            case .idle, .closed:
                break
            }
        }
    }

    private func resumeReading(exchange: Int) {
        guard exchange == self.exchange, case .streaming = state, !readAllowed else { return }
        readAllowed = true
        lastActivity = .now()
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// The consumer stopped before the end (or was cancelled): the answer is abandoned, the connection goes.
    private func consumerLeft(exchange: Int) {
        guard exchange == self.exchange, case .streaming = state else { return }
        fail(PlainHTTPError.connectionClosed)
    }

    private func fail(_ error: any Error) {
        let previous = state
        state = .closed
        stopTimers()
        whenReusable = nil
        switch previous {
        case let .awaitingHead(promise), let .headRead(promise, _, _): promise.fail(error)
        case let .streaming(source): source.finish(error)
        case .idle, .closed: break
        }
        close()
    }

    private func close() {
        state = .closed
        context?.close(promise: nil)
    }

    private func stopTimers() {
        deadline?.cancel()
        deadline = nil
        activityCheck?.cancel()
        activityCheck = nil
    }
}
