import CTLS
import NIOCore

/// TLS for one Redis connection with OpenSSL, over two memory BIOs: ciphertext read from the
/// socket is written into one and decrypted out of `SSL_read`; plaintext written goes through
/// `SSL_write` and its ciphertext is read out of the other onto the socket. All on the channel's
/// event loop. Writes made before the handshake ends wait for it; a failed handshake (an untrusted
/// certificate, a wrong name) fails `handshake` and the channel with the reason, and closes it.
final class TLSClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case idle, handshaking, open, closed }

    /// Keeps the context alive as long as the connection (`SSL` holds a reference of its own too).
    private let context: TLSClientContext
    private let ssl: OpaquePointer
    /// Ciphertext from the socket, for OpenSSL to read (owned by `ssl`).
    private let socketIn: OpaquePointer
    /// Ciphertext OpenSSL wrote, for the socket (owned by `ssl`).
    private let socketOut: OpaquePointer
    private let peer: String
    private var state = State.idle
    /// Plaintext written during the handshake, and whether a flush was asked for.
    private var waiting = CircularBuffer<(ByteBuffer, EventLoopPromise<Void>?)>()
    private var flushWaiting = false
    /// Made when the handler is added; completed when the handshake ends, failed with its reason (or
    /// the channel's end, or `handshakeTimeout`) otherwise.
    private var handshake: EventLoopPromise<Void>?
    /// The handshake's outcome (on the channel's event loop).
    private(set) var handshakeFuture: EventLoopFuture<Void>?
    private let handshakeTimeout: TimeAmount
    private var handshakeTimer: Scheduled<Void>?

    /// `host` is sent as SNI and checked against the certificate's names, or, for an IP address,
    /// against its IP addresses. A handshake not done within `handshakeTimeout` fails the channel.
    init(context: TLSClientContext, host: String, isIPAddress: Bool, handshakeTimeout: TimeAmount) throws(RedisError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else { throw .connection("TLS setup failed: \(TLSErrors.drain())") }
        guard let socketIn = BIO_new(BIO_s_mem()), let socketOut = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .connection("TLS setup failed: \(TLSErrors.drain())")
        }
        SSL_set_bio(ssl, socketIn, socketOut)
        SSL_set_connect_state(ssl)
        let named = isIPAddress
            ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
            : ctls_set_server_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1
        guard named else {
            let reason = TLSErrors.drain()
            SSL_free(ssl)
            throw .connection("TLS setup failed for \(host): \(reason)")
        }
        self.context = context
        self.ssl = ssl
        self.socketIn = socketIn
        self.socketOut = socketOut
        self.peer = host
        self.handshakeTimeout = handshakeTimeout
    }

    deinit {
        SSL_free(ssl)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        handshake = promise
        handshakeFuture = promise.futureResult
        if context.channel.isActive { startHandshake(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startHandshake(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = unwrapInboundIn(data)
        guard state == .handshaking || state == .open else { return }
        let accepted = ciphertext.withUnsafeReadableBytes { bytes -> Bool in
            // A memory BIO takes everything (it grows); an empty read has nothing to give.
            bytes.isEmpty || BIO_write(socketIn, bytes.baseAddress, Int32(bytes.count)) == Int32(bytes.count)
        }
        guard accepted else { return fail(context: context, "TLS read buffer refused \(ciphertext.readableBytes) bytes: \(TLSErrors.drain())") }
        if state == .handshaking { continueHandshake(context: context) }
        if state == .open { readPlaintext(context: context) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            waiting.append((plaintext, promise))
        case .open:
            encrypt(plaintext, context: context, promise: promise)
        case .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    func flush(context: ChannelHandlerContext) {
        if state == .open { context.flush() } else { flushWaiting = true }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all, state == .open {
            // close_notify, best effort: the socket closes right after.
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            ERR_clear_error()
            writeCiphertext(context: context, promise: nil)
            context.flush()
        }
        if mode == .all { failWaiting(ChannelError.ioOnClosedChannel) }
        context.close(mode: mode, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failWaiting(ChannelError.ioOnClosedChannel)
        endHandshake(.failure(RedisError.connection("the connection to \(peer) closed during the TLS handshake")))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        endHandshake(.failure(RedisError.connection("the connection to \(peer) ended before its TLS handshake")))
    }

    private func endHandshake(_ result: Result<Void, any Error>) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        guard let handshake else { return }
        self.handshake = nil
        handshake.completeWith(result)
    }

    private func startHandshake(context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .handshaking
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timeout = handshakeTimeout
        handshakeTimer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.fail(context: context, "TLS handshake with \(handler.peer) not done within \(timeout.nanoseconds / 1_000_000) ms")
        }
        continueHandshake(context: context)
    }

    private func continueHandshake(context: ChannelHandlerContext) {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            state = .open
            endHandshake(.success(()))
            writeCiphertext(context: context, promise: nil)
            while let (plaintext, promise) = waiting.popFirst() { encrypt(plaintext, context: context, promise: promise) }
            flushWaiting = false
            context.flush()
            return
        }
        guard SSL_get_error(ssl, result) == SSL_ERROR_WANT_READ else {
            return fail(context: context, "TLS handshake with \(peer) failed: \(handshakeFailure())")
        }
        // The next flight (ClientHello, then the client's Finished) goes out; the server's answer is awaited.
        writeCiphertext(context: context, promise: nil)
        context.flush()
    }

    /// Why the handshake failed: the certificate check's verdict when there is one.
    private func handshakeFailure() -> String {
        let verdict = SSL_get_verify_result(ssl)
        let queue = TLSErrors.drain()
        guard verdict != X509_V_OK, let text = X509_verify_cert_error_string(verdict) else { return queue }
        return "certificate not accepted (\(String(cString: text))); \(queue)"
    }

    /// Decrypts what has arrived and passes it on; OpenSSL may also have something to send back.
    private func readPlaintext(context: ChannelHandlerContext) {
        while state == .open {
            ERR_clear_error()
            var buffer = context.channel.allocator.buffer(capacity: 16_384)
            var result: Int32 = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16_384) { bytes in
                result = SSL_read(ssl, bytes.baseAddress, Int32(bytes.count))
                return max(0, Int(result))
            }
            if result > 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
                continue
            }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ:
                writeCiphertext(context: context, promise: nil)
                context.flush()
                return
            case SSL_ERROR_ZERO_RETURN:
                // The server's close_notify: the connection ends here.
                state = .closed
                context.close(promise: nil)
                return
            default:
                return fail(context: context, "TLS read from \(peer) failed: \(TLSErrors.drain())")
            }
        }
    }

    private func encrypt(_ plaintext: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard plaintext.readableBytes > 0 else {
            promise?.succeed()
            return
        }
        ERR_clear_error()
        // A memory BIO never refuses: the whole buffer is taken in one call.
        let written = plaintext.withUnsafeReadableBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        guard written == Int32(plaintext.readableBytes) else {
            let error = RedisError.connection("TLS write to \(peer) failed: \(TLSErrors.drain())")
            promise?.fail(error)
            return fail(context: context, error)
        }
        writeCiphertext(context: context, promise: promise)
    }

    /// Moves what OpenSSL has written into the channel (not flushed).
    private func writeCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let pending = Int(BIO_ctrl_pending(socketOut))
        guard pending > 0 else {
            promise?.succeed()
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { bytes in
            max(0, Int(BIO_read(socketOut, bytes.baseAddress, Int32(pending))))
        }
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    private func fail(context: ChannelHandlerContext, _ reason: String) {
        fail(context: context, RedisError.connection(reason))
    }

    private func fail(context: ChannelHandlerContext, _ error: RedisError) {
        guard state != .closed else { return }
        state = .closed
        failWaiting(error)
        endHandshake(.failure(error))
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func failWaiting(_ error: any Error) {
        while let (_, promise) = waiting.popFirst() { promise?.fail(error) }
    }
}
