import NIOCore

/// Fired when a command's reply is late: every pending command fails and the channel closes.
struct RedisTimeout {
    let milliseconds: Int64
}

/// A command on its way out, with the promise its reply completes; a `durable` write's reply is
/// held until the durability check of its batch confirms it.
struct RedisRequest {
    let bytes: ByteBuffer
    let promise: EventLoopPromise<RedisReply>
    var durable = false
}

/// Pipelines commands over one channel: replies complete promises in order. Writes made in the
/// same event-loop tick leave in one flush (group commit); with a `RedisDurability`, a batch that
/// holds durable writes is followed by one `WAIT`/`WAITAOF`, and those writes complete when it
/// answers. Any failure fails every pending command and closes the channel, so a reply can never be
/// matched to the wrong command.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    enum Pending {
        case command(EventLoopPromise<RedisReply>, durable: Bool)
        case barrier
    }

    private var pending = CircularBuffer<Pending>()
    private let reader: RESPReader
    private var flushScheduled = false
    let durability: RedisDurability
    /// The durability check's command (nil: none), encoded once.
    private let barrier: ByteBuffer?
    /// Durable writes of the batch being written, waiting for their check to be queued.
    private var batchIsDurable = false
    /// Durable writes answered, waiting for their batch's check.
    private var held: [(EventLoopPromise<RedisReply>, RedisReply)] = []

    init(reader: RESPReader, durability: RedisDurability = .none, barrierMilliseconds: Int = 0) throws {
        self.reader = reader
        self.durability = durability
        self.barrier = try durability.barrier(milliseconds: barrierMilliseconds).map { try RESPFormat.command($0) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        let durable = request.durable && barrier != nil
        pending.append(.command(request.promise, durable: durable))
        if durable { batchIsDurable = true }
        context.write(wrapOutboundOut(request.bytes), promise: promise)
        guard !flushScheduled else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushScheduled = false
            if handler.batchIsDurable, let barrier = handler.barrier {
                handler.batchIsDurable = false
                handler.pending.append(.barrier)
                context.write(handler.wrapOutboundOut(barrier), promise: nil)
            }
            context.flush()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            try buffer.withUnsafeReadableBytes { try reader.feed($0) }
            while let reply = try reader.next() {
                switch pending.popFirst() {
                case nil:
                    throw RedisError.connection("a reply arrived with no command waiting")
                case let .command(promise, durable: false)?:
                    promise.succeed(reply)
                case let .command(promise, durable: true)?:
                    // An error reply wrote nothing to confirm: it is answered at once.
                    if case .error = reply { promise.succeed(reply) } else { held.append((promise, reply)) }
                case .barrier?:
                    let answered = held
                    held.removeAll(keepingCapacity: true)
                    if let shortfall = durability.shortfall(reply) {
                        for (promise, _) in answered { promise.fail(RedisError.notDurable(shortfall)) }
                    } else {
                        for (promise, reply) in answered { promise.succeed(reply) }
                    }
                }
            }
        } catch {
            failAll(error as? RedisError ?? .connection("unreadable reply"))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let timeout = event as? RedisTimeout {
            failAll(.connection("no reply within \(timeout.milliseconds) ms"))
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connection("the connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(.connection("\(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        for (promise, _) in held { promise.fail(error) }
        held.removeAll()
        while let entry = pending.popFirst() {
            if case let .command(promise, _) = entry { promise.fail(error) }
        }
    }
}
