import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for plain-HTTP servers: the local host's calls to its handler, the twin's
/// day of traffic, the load generator. Keep-alive connections are pooled per origin (one exchange
/// at a time each); a caller on one of NIO's event loops gets a connection of its own loop when one
/// is idle, and a new one is made there. It replaces AsyncHTTPClient, whose dependencies (BoringSSL,
/// HTTP/2) were a third of the debug build for features these callers never use.
public final class PlainHTTPClient: Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout: TimeAmount
        /// The longest wait for the next bytes of an answer during an exchange (nil: no limit).
        public var activityTimeout: TimeAmount?
        /// Connections open at once per origin (nil: no limit); past it, requests wait for one to be
        /// free, first come first served.
        public var maxConnectionsPerOrigin: Int?
        /// Idle connections kept per origin; more are closed once their answer ends.
        public var maxIdlePerOrigin: Int

        public init(connectTimeout: TimeAmount = .seconds(5), activityTimeout: TimeAmount? = nil, maxConnectionsPerOrigin: Int? = nil,
                    maxIdlePerOrigin: Int = 128) {
            self.connectTimeout = connectTimeout
            self.activityTimeout = activityTimeout
            self.maxConnectionsPerOrigin = maxConnectionsPerOrigin
            self.maxIdlePerOrigin = maxIdlePerOrigin
        }
    }

    /// What a caller waiting for a connection is given: one that is free, or a slot to connect in.
    enum Handoff {
        case use(Connection)
        case connect
        /// The caller was cancelled, or its deadline passed, while it waited.
        case gaveUp(any Error)
    }

    struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Handoff, Never>
    }

    final class Connection: Sendable {
        let channel: any Channel
        let handler: ExchangeHandler
        let origin: Origin

        init(channel: any Channel, handler: ExchangeHandler, origin: Origin) {
            self.channel = channel
            self.handler = handler
            self.origin = origin
        }
    }

    private struct Pool {
        var idle: [Origin: [Connection]] = [:]
        /// Connections open or being opened, per origin.
        var open: [Origin: Int] = [:]
        var waiters: [Origin: CircularBuffer<Waiter>] = [:]
        var nextWaiter = 0
        var shutDown = false
    }

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let pool = NIOLockedValueBox(Pool())

    public init(configuration: Configuration = .init(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// Sends `request` and returns once the answer's head has come; the body streams after.
    /// `timeout` bounds the whole exchange, body included.
    public func execute(_ request: PlainHTTPRequest, timeout: TimeAmount? = nil) async throws -> PlainHTTPResponse {
        let (origin, target) = try Origin.split(request.url)
        let head = Self.head(request, origin: origin, target: target)
        // The deadline counts from here: a wait for a free connection is part of it.
        let deadline = timeout.map { NIODeadline.now() + $0 }
        // A pooled connection the server closed just before the request went out: nothing was
        // sent, so another connection is tried (three attempts in all).
        for _ in 1..<3 {
            do {
                return try await send(head, body: request.body, to: origin, deadline: deadline)
            } catch PlainHTTPError.notSent {
                continue
            }
        }
        return try await send(head, body: request.body, to: origin, deadline: deadline)
    }

    /// One attempt: a connection, the request on it, the answer's head.
    private func send(_ head: HTTPRequestHead, body: ByteBuffer?, to origin: Origin, deadline: NIODeadline?) async throws -> PlainHTTPResponse {
        let connection = try await connection(to: origin, deadline: deadline)
        let remaining = deadline.map { $0 - NIODeadline.now() }
        let loop = connection.channel.eventLoop
        let promise = loop.makePromise(of: PlainHTTPResponse.self)
        loop.execute {
            connection.handler.start(head, body: body, timeout: remaining, promise: promise) { [self] in giveBack(connection) }
        }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            loop.execute { connection.handler.cancel(promise) }
        }
    }

    /// Closes the idle connections; those in use close as their answers end.
    public func shutdown() async {
        let idle = pool.withLockedValue { pool in
            defer { pool.idle = [:]; pool.shutDown = true }
            return pool.idle.values.flatMap { $0 }
        }
        for connection in idle { try? await connection.channel.close() }
    }

    static func head(_ request: PlainHTTPRequest, origin: Origin, target: String) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        if !request.headers.contains(name: "Host") { headers.add(name: "Host", value: origin.authority) }
        for (name, value) in request.headers {
            let lowered = name.lowercased()
            guard lowered != "content-length", lowered != "transfer-encoding" else { continue }
            headers.add(name: name, value: value)
        }
        if request.chunked {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        } else if let body = request.body {
            headers.add(name: "Content-Length", value: String(body.readableBytes))
        } else if ![.GET, .HEAD, .DELETE, .CONNECT, .TRACE].contains(request.method) {
            // As AsyncHTTPClient did: a method that may carry a body says it carries none.
            headers.add(name: "Content-Length", value: "0")
        }
        return HTTPRequestHead(version: .http1_1, method: request.method, uri: target, headers: headers)
    }

    /// An idle connection to `origin` (one of the caller's loop first), a new one on the caller's
    /// loop, or, at the origin's limit, the first one given back.
    private func connection(to origin: Origin, deadline: NIODeadline?) async throws -> Connection {
        let current = MultiThreadedEventLoopGroup.currentEventLoop
        let now = pool.withLockedValue { pool in Self.take(origin, preferring: current, limit: configuration.maxConnectionsPerOrigin, from: &pool) }
        let handoff = if let now { now } else { await wait(for: origin, preferring: current, deadline: deadline) }
        // Cancelled while waiting: what was handed over goes on to the next caller.
        if Task.isCancelled {
            switch handoff {
            case let .use(connection): giveBack(connection)
            case .connect: releaseSlot(of: origin)
            case .gaveUp: break
            }
            throw CancellationError()
        }
        switch handoff {
        case let .use(connection): return connection
        case .connect: break
        case let .gaveUp(error): throw error
        }
        let loop = current ?? group.next()
        let handler = ExchangeHandler(activityTimeout: configuration.activityTimeout)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(handler)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: origin.host, port: origin.port).get()
        } catch {
            releaseSlot(of: origin)
            throw PlainHTTPError.connect("\(origin.authority): \(error)")
        }
        // The slot is free again when the connection closes, whoever closes it; a closed idle
        // connection leaves the pool.
        channel.closeFuture.whenComplete { [self] _ in
            pool.withLockedValue { pool in pool.idle[origin]?.removeAll { $0.channel === channel } }
            releaseSlot(of: origin)
        }
        return Connection(channel: channel, handler: handler, origin: origin)
    }

    /// What is free for `origin` now: an idle connection, or a slot to connect in (counted); nil at the limit.
    private static func take(_ origin: Origin, preferring current: (any EventLoop)?, limit: Int?, from pool: inout Pool) -> Handoff? {
        if var idle = pool.idle[origin] {
            defer { pool.idle[origin] = idle }
            idle.removeAll { !$0.channel.isActive }
            if let current, let index = idle.lastIndex(where: { $0.channel.eventLoop === current }) { return .use(idle.remove(at: index)) }
            if let last = idle.popLast() { return .use(last) }
        }
        if let limit, pool.open[origin, default: 0] >= max(1, limit) { return nil }
        pool.open[origin, default: 0] += 1
        return .connect
    }

    /// Waits in line for `origin`; a waiter that gives up (cancelled, or past its deadline) leaves
    /// the line at once.
    private func wait(for origin: Origin, preferring current: (any EventLoop)?, deadline: NIODeadline?) async -> Handoff {
        let id = pool.withLockedValue { pool in
            defer { pool.nextWaiter += 1 }
            return pool.nextWaiter
        }
        let timer = deadline.map { deadline in
            group.next().scheduleTask(deadline: deadline) { [self] in giveUp(waiter: id, of: origin, PlainHTTPError.timedOut) }
        }
        defer { timer?.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Handoff, Never>) in
                // Checked again under the lock: a connection may have been given back meanwhile.
                let now = pool.withLockedValue { pool -> Handoff? in
                    if let free = Self.take(origin, preferring: current, limit: configuration.maxConnectionsPerOrigin, from: &pool) { return free }
                    pool.waiters[origin, default: []].append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            giveUp(waiter: id, of: origin, CancellationError())
        }
    }

    /// A connection closed (or never opened): its slot goes to the first waiter, who connects.
    private func releaseSlot(of origin: Origin) {
        let waiter = pool.withLockedValue { pool -> Waiter? in
            if let waiter = pool.waiters[origin]?.popFirst() { return waiter }
            pool.open[origin, default: 1] -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .connect)
    }

    /// A waiter still queued is taken out and told why; one already handed a connection is left be.
    private func giveUp(waiter id: Int, of origin: Origin, _ error: any Error) {
        let waiter = pool.withLockedValue { pool -> Waiter? in
            guard let index = pool.waiters[origin]?.firstIndex(where: { $0.id == id }) else { return nil }
            return pool.waiters[origin]?.remove(at: index)
        }
        waiter?.continuation.resume(returning: .gaveUp(error))
    }

    /// An answer ended on a connection that stays open: to the first waiter, else idle (or closed).
    private func giveBack(_ connection: Connection) {
        enum Next { case handOff(Waiter), kept, close }
        let next = pool.withLockedValue { pool -> Next in
            guard !pool.shutDown, connection.channel.isActive else { return .close }
            if let waiter = pool.waiters[connection.origin]?.popFirst() { return .handOff(waiter) }
            guard pool.idle[connection.origin, default: []].count < configuration.maxIdlePerOrigin else { return .close }
            pool.idle[connection.origin, default: []].append(connection)
            return .kept
        }
        switch next {
        case let .handOff(waiter): waiter.continuation.resume(returning: .use(connection))
        case .kept: break
        case .close: connection.channel.close(promise: nil)
        }
    }
}
