import NIOCore

/// Fired when a command's reply is late: every pending command fails and the channel closes.
struct RedisTimeout {
    let milliseconds: Int64
}

/// A command on its way out, with the promise its reply completes.
struct RedisRequest {
    let bytes: ByteBuffer
    let promise: EventLoopPromise<RedisReply>
}

/// Pipelines commands over one channel: replies complete promises in order. Writes made in the
/// same event-loop tick leave in one flush (group commit). Any failure fails every pending command
/// and closes the channel, so a reply can never be matched to the wrong command.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RedisReply>>()
    private let reader: RESPReader
    private var flushScheduled = false

    init(reader: RESPReader) {
        self.reader = reader
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        pending.append(request.promise)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
        guard !flushScheduled else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushScheduled = false
            context.flush()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            try buffer.withUnsafeReadableBytes { try reader.feed($0) }
            while let reply = try reader.next() {
                guard let promise = pending.popFirst() else {
                    throw RedisError.connection("a reply arrived with no command waiting")
                }
                promise.succeed(reply)
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
        while let promise = pending.popFirst() { promise.fail(error) }
    }
}
