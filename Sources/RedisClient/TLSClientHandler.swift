import CTLS
import NIOCore

/// TLS for one Redis connection with OpenSSL, over two memory BIOs: ciphertext read from the
/// socket is written into one and decrypted out of `SSL_read`; plaintext written goes through
/// `SSL_write` and its ciphertext is read out of the other onto the socket. All on the channel's
/// event loop. Writes are encrypted together at each flush (a pipeline of commands makes a few
/// records, not one per command); writes made before the handshake ends wait for it. A failed
/// handshake (an untrusted certificate, a wrong name, no answer in time) fails `handshakeFuture`
/// and the channel with the reason, and closes it.
final class TLSClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case idle, handshaking, open, closed }

    /// The most plaintext given to one `SSL_write`: a TLS record's worth.
    static let chunkBytes = 16_384

    /// Keeps the context alive as long as the connection (`SSL` holds a reference of its own too).
    private let sslContext: TLSClientContext
    private let ssl: OpaquePointer
    /// Ciphertext from the socket, for OpenSSL to read (owned by `ssl`).
    private let socketIn: OpaquePointer
    /// Ciphertext OpenSSL wrote, for the socket (owned by `ssl`).
    private let socketOut: OpaquePointer
    private let peer: String
    private let isIPAddress: Bool
    private var state = State.idle
    /// Plaintext written and not yet encrypted (until the next flush, or the handshake's end), and
    /// the writes' promises, completed when its ciphertext is written.
    private var plaintext: ByteBuffer
    private var promises: [EventLoopPromise<Void>] = []
    /// A read buffer that `SSL_read` left empty, kept for the next read instead of a new one.
    private var spareReadBuffer: ByteBuffer?
    /// Made when the handler is added; completed when the handshake ends, failed with its reason (or
    /// the channel's end, or `handshakeTimeout`) otherwise.
    private var handshake: EventLoopPromise<Void>?
    /// The handshake's outcome (on the channel's event loop).
    private(set) var handshakeFuture: EventLoopFuture<Void>?
    private let handshakeTimeout: TimeAmount
    private var handshakeTimer: Scheduled<Void>?

    /// `host` is sent as SNI and checked against the certificate's names; an IP address is checked
    /// against its IP addresses (the address connected to, as the socket has it). A handshake not
    /// done within `handshakeTimeout` fails the channel.
    init(context: TLSClientContext, host: String, handshakeTimeout: TimeAmount) throws(RedisError) {
        let isIPAddress = host.isIPAddress
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else { throw .connection("TLS setup failed: \(TLSErrors.drain())") }
        guard let socketIn = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .connection("TLS setup failed: \(TLSErrors.drain())")
        }
        guard let socketOut = BIO_new(BIO_s_mem()) else {
            BIO_free(socketIn)
            SSL_free(ssl)
            throw .connection("TLS setup failed: \(TLSErrors.drain())")
        }
        SSL_set_bio(ssl, socketIn, socketOut)
        SSL_set_connect_state(ssl)
        // Names: SNI, and the certificate must carry the name (no partial wildcards such as f*.example.com).
        if !isIPAddress {
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard ctls_set_server_name(ssl, host) == 1, SSL_set1_host(ssl, host) == 1 else {
                let reason = TLSErrors.drain()
                SSL_free(ssl)
                throw .connection("TLS setup failed for \(host): \(reason)")
            }
        }
        self.sslContext = context
        self.ssl = ssl
        self.socketIn = socketIn
        self.socketOut = socketOut
        self.peer = host
        self.isIPAddress = isIPAddress
        self.handshakeTimeout = handshakeTimeout
        self.plaintext = ByteBuffer()
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

    func handlerRemoved(context: ChannelHandlerContext) {
        state = .closed
        failWrites(ChannelError.ioOnClosedChannel)
        endHandshake(.failure(RedisError.connection("the connection to \(peer) ended before its TLS handshake")))
    }

    func channelActive(context: ChannelHandlerContext) {
        // Active first, as NIOSSL does: a handshake that fails at once then closes an active channel.
        context.fireChannelActive()
        startHandshake(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        failWrites(ChannelError.ioOnClosedChannel)
        endHandshake(.failure(RedisError.connection("the connection to \(peer) closed during the TLS handshake")))
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = unwrapInboundIn(data)
        guard state == .handshaking || state == .open else { return }
        // NIO reads at most 64 KiB at a time; a memory BIO takes it all (it grows).
        let accepted = ciphertext.withUnsafeReadableBytes { bytes -> Bool in
            bytes.isEmpty || BIO_write(socketIn, bytes.baseAddress, Int32(bytes.count)) == Int32(bytes.count)
        }
        guard accepted else { return fail(context: context, "TLS read buffer refused \(ciphertext.readableBytes) bytes: \(TLSErrors.drain())") }
        if state == .handshaking { continueHandshake(context: context) }
        if state == .open { readPlaintext(context: context) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard state != .closed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var data = unwrapOutboundIn(data)
        plaintext.writeBuffer(&data)
        if let promise { promises.append(promise) }
    }

    func flush(context: ChannelHandlerContext) {
        // During the handshake the writes wait; its end encrypts and flushes them.
        guard state == .open else { return }
        encryptWrites(context: context)
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all {
            if state == .open {
                // close_notify, best effort: the socket closes right after.
                ERR_clear_error()
                _ = SSL_shutdown(ssl)
                ERR_clear_error()
                writeCiphertext(context: context, promise: nil)
                context.flush()
            }
            state = .closed
            failWrites(ChannelError.ioOnClosedChannel)
        }
        context.close(mode: mode, promise: promise)
    }

    private func startHandshake(context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .handshaking
        // An IP address is checked as the socket has it: the literal as the resolver read it
        // ("010.0.0.1" is 8.0.0.1 to inet_aton, 10.0.0.1 to OpenSSL's own parser).
        if isIPAddress {
            let address = context.channel.remoteAddress?.ipAddress ?? peer
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address) == 1 else {
                return fail(context: context, "TLS setup failed for \(peer): cannot check the address \(address): \(TLSErrors.drain())")
            }
        }
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
            // The client's last flight, then what was written meanwhile, leave before anyone hears of it.
            writeCiphertext(context: context, promise: nil)
            encryptWrites(context: context)
            context.flush()
            endHandshake(.success(()))
            return
        }
        guard SSL_get_error(ssl, result) == SSL_ERROR_WANT_READ else {
            return fail(context: context, "TLS handshake with \(peer) failed: \(handshakeFailure())")
        }
        // The next flight (ClientHello, then the client's Finished) goes out; the server's answer is awaited.
        writeCiphertext(context: context, promise: nil)
        context.flush()
    }

    private func endHandshake(_ result: Result<Void, any Error>) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        guard let handshake else { return }
        self.handshake = nil
        handshake.completeWith(result)
    }

    /// Why the handshake failed: the certificate check's verdict when there is one.
    private func handshakeFailure() -> String {
        let verdict = SSL_get_verify_result(ssl)
        let queue = TLSErrors.drain()
        guard verdict != X509_V_OK, let text = X509_verify_cert_error_string(verdict) else { return queue }
        return "certificate not accepted (\(String(cString: text))); \(queue)"
    }

    /// Decrypts what has arrived and passes it on; OpenSSL may also have something to send back
    /// (a TLS 1.3 KeyUpdate's answer).
    private func readPlaintext(context: ChannelHandlerContext) {
        while state == .open {
            ERR_clear_error()
            var buffer = spareReadBuffer ?? context.channel.allocator.buffer(capacity: Self.chunkBytes)
            spareReadBuffer = nil
            var result: Int32 = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.chunkBytes) { bytes in
                result = SSL_read(ssl, bytes.baseAddress, Int32(min(bytes.count, Self.chunkBytes)))
                return max(0, Int(result))
            }
            if result > 0 {
                // The next handler may close the channel from here: the loop then stops (state).
                context.fireChannelRead(wrapInboundOut(buffer))
                continue
            }
            spareReadBuffer = buffer
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ:
                writeCiphertext(context: context, promise: nil)
                context.flush()
                return
            case SSL_ERROR_ZERO_RETURN:
                // The server's close_notify: the connection ends here.
                context.close(promise: nil)
                return
            default:
                return fail(context: context, "TLS read from \(peer) failed: \(TLSErrors.drain())")
            }
        }
    }

    /// Encrypts the writes made since the last flush, a record at a time, and writes the ciphertext
    /// (not flushed); their promises complete with that write.
    private func encryptWrites(context: ChannelHandlerContext) {
        let waiting = promises
        promises = []
        var written = waiting.first
        if waiting.count > 1 {
            let promise = context.eventLoop.makePromise(of: Void.self)
            for each in waiting { promise.futureResult.cascade(to: each) }
            written = promise
        }
        guard plaintext.readableBytes > 0 else {
            written?.succeed()
            return
        }
        while plaintext.readableBytes > 0 {
            let count = min(plaintext.readableBytes, Self.chunkBytes)
            ERR_clear_error()
            // A memory BIO never refuses, and renegotiation is off (TLSClientContext): the chunk is taken whole.
            let result = plaintext.withUnsafeReadableBytes { SSL_write(ssl, $0.baseAddress, Int32(count)) }
            guard result == Int32(count) else {
                let error = RedisError.connection("TLS write to \(peer) failed: \(TLSErrors.drain())")
                written?.fail(error)
                return fail(context: context, error)
            }
            plaintext.moveReaderIndex(forwardBy: count)
            // Out as it is made: a large command is never held whole as plaintext, BIO and ciphertext at once.
            writeCiphertext(context: context, promise: plaintext.readableBytes > 0 ? nil : written)
        }
        plaintext.clear()
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
        failWrites(error)
        endHandshake(.failure(error))
        // The alert OpenSSL wrote (a bad certificate, say) goes to the server before the close.
        writeCiphertext(context: context, promise: nil)
        context.flush()
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func failWrites(_ error: any Error) {
        plaintext.clear()
        let waiting = promises
        promises = []
        for promise in waiting { promise.fail(error) }
    }
}
