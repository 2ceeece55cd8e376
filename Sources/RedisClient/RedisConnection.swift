import Glibc
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// What AUTH sends, and when it must be sent again.
public struct RedisAuthentication: Sendable, Equatable {
    /// The ACL user (Microsoft Entra: the identity's object id); nil: the default user.
    public var user: String?
    /// The password (Microsoft Entra: an access token); nil: no AUTH.
    public var password: String?
    /// When live connections must authenticate again (seconds since the epoch), ahead of the
    /// password's expiry; nil: never (a plain password).
    public var renewAt: Int64?

    public init(user: String?, password: String?, renewAt: Int64? = nil) {
        self.user = user
        self.password = password
        self.renewAt = renewAt
    }
}

/// Credentials for AUTH: asked on every (re)connect and, through the pool's `renewCredentials()`
/// (called periodically by its owner), whenever a live connection's authentication is due, so
/// short-lived Microsoft Entra tokens are sent again before they expire.
public typealias RedisCredentials = @Sendable () async throws -> RedisAuthentication

/// One Redis connection: hiredis's protocol layer over a non-blocking NIO channel, plain or TLS.
/// Commands pipeline: many may be in flight; replies come back in order.
public final class RedisConnection: Sendable {
    let channel: any Channel
    let timeout: TimeAmount
    /// When this connection must AUTH again (seconds since the epoch), and whether a renewal is under way.
    let renewal = NIOLockedValueBox<(dueAt: Int64?, inProgress: Bool)>((nil, false))

    init(channel: any Channel, timeout: TimeAmount) {
        self.channel = channel
        self.timeout = timeout
    }

    /// Connects, negotiates TLS when the endpoint asks for it, authenticates and selects the database.
    public static func connect(
        to endpoint: RedisEndpoint, tls: RedisTLS = RedisTLS(), timeoutMilliseconds: Int = 1000,
        credentials: RedisCredentials? = nil, durability: RedisDurability = .none,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RedisConnection {
        let tlsContext = endpoint.usesTLS ? try tls.context() : nil
        let timeout = TimeAmount.milliseconds(Int64(timeoutMilliseconds))
        // Each attempt's TLS handshake outcome, by channel (Happy Eyeballs may try several): kept
        // here, as the handler leaves the pipeline when its handshake fails and closes the channel.
        let handshakes = NIOLockedValueBox<[ObjectIdentifier: EventLoopFuture<Void>]>([:])
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = channel.pipeline.syncOperations
                    if let tlsContext {
                        let handler = try TLSClientHandler(context: tlsContext, host: endpoint.host, handshakeTimeout: timeout)
                        try handlers.addHandler(handler)
                        if let future = handler.handshakeFuture { handshakes.withLockedValue { $0[ObjectIdentifier(channel)] = future } }
                    }
                    // The durability check waits at most a quarter of the command timeout: Redis runs a
                    // connection's commands in order, so a batch can queue behind the previous batch's
                    // check; with up to three checks ahead of a reply it still comes (a shortfall, not a
                    // timeout) before the connection gives up on it.
                    try handlers.addHandler(RedisChannelHandler(reader: try RESPReader(), durability: durability,
                                                                barrierMilliseconds: max(1, timeoutMilliseconds / 4)))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            throw RedisError.connection("cannot connect to \(endpoint): \(error)")
        }
        let connection = RedisConnection(channel: channel, timeout: timeout)
        if tlsContext != nil {
            // Its own failure (an untrusted certificate, a wrong name) is the error a caller sees.
            do {
                guard let handshake = handshakes.withLockedValue({ $0[ObjectIdentifier(channel)] }) else {
                    throw RedisError.connection("no TLS handshake was started with \(endpoint)")
                }
                try await handshake.get()
            } catch {
                await connection.close()
                throw error as? RedisError ?? RedisError.connection("TLS handshake with \(endpoint) failed: \(error)")
            }
        }
        do {
            try await connection.authenticate(try await credentials?() ?? RedisAuthentication(user: endpoint.user, password: endpoint.password))
            if endpoint.database != 0 { _ = try await connection.send(["SELECT", String(endpoint.database)]) }
            if durability == .aof, try await connection.send(["COMMAND", "INFO", "WAITAOF"]) == .array([.null]) {
                throw RedisError.connection("CHARGEBACK_DURABILITY=aof needs WAITAOF (Redis 7.2 or later); \(endpoint) does not have it")
            }
            // A round trip proves the TLS handshake and the server.
            _ = try await connection.send(["PING"])
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Sends AUTH and notes when it is due again.
    func authenticate(_ authentication: RedisAuthentication) async throws {
        guard let password = authentication.password else {
            renewal.withLockedValue { $0 = (nil, false) }
            return
        }
        _ = try await send(["AUTH"] + (authentication.user.map { [$0] } ?? []) + [password])
        renewal.withLockedValue { $0 = (Self.dueAt(authentication.renewAt, now: Self.now()), false) }
    }

    /// When to authenticate again. Connections renew at spread-out moments, not all at once (Azure's
    /// advice): up to a tenth of the time left, at most a minute, before `renewAt` (the credential
    /// source hands out a fresh token from that earliest moment on: `renewalJitterBound`). A password
    /// already due (an identity endpoint still serving an old token) is tried again 10 s later.
    static func dueAt(_ renewAt: Int64?, now: Int64) -> Int64? {
        renewAt.map { renewAt in
            guard renewAt > now else { return now + 10 }
            return renewAt - Int64.random(in: 0...renewalJitterBound(renewAt - now))
        }
    }

    /// The most a connection renews before `renewAt`, for `secondsLeft` seconds to go.
    public static func renewalJitterBound(_ secondsLeft: Int64) -> Int64 { min(60, max(0, secondsLeft / 10)) }

    /// Authenticates again when due; one renewal at a time per connection, while commands go on with
    /// the current authentication (still valid: renewal is due ahead of expiry). A refused AUTH
    /// leaves the connection on its current login (Redis keeps it) and is retried 5 s later, as is a
    /// failed credential fetch: the connection is closed only by the server, when its token expires.
    func renewAuthenticationIfDue(_ credentials: RedisCredentials?) async {
        guard let credentials else { return }
        let starts = renewal.withLockedValue { state -> Bool in
            guard let due = state.dueAt, Self.now() >= due, !state.inProgress else { return false }
            state.inProgress = true
            return true
        }
        guard starts else { return }
        do {
            try await authenticate(try await credentials())
        } catch {
            renewal.withLockedValue { $0 = (Self.now() + 5, false) }
        }
    }

    /// Seconds since the epoch.
    static func now() -> Int64 { Int64(time(nil)) }

    /// True while the channel is open.
    public var isActive: Bool { channel.isActive }

    /// Sends one command; an error reply is thrown as `RedisError.server`.
    public func send(_ arguments: [String]) async throws -> RedisReply {
        try await send(bytes: arguments.map { Array($0.utf8) })
    }

    /// Sends one command of binary-safe arguments; a `durable` write completes once its batch's
    /// durability check confirms it (`RedisDurability`; at once without one).
    public func send(bytes arguments: [[UInt8]], durable: Bool = false) async throws -> RedisReply {
        let encoded = try RESPFormat.command(arguments)
        let promise = channel.eventLoop.makePromise(of: RedisReply.self)
        let timeoutTask = scheduleTimeout()
        // No flush here: the channel handler flushes once per event-loop tick, so concurrent commands
        // leave together (group commit).
        channel.write(RedisRequest(bytes: encoded, promise: promise, durable: durable)).cascadeFailure(to: promise)
        defer { timeoutTask.cancel() }
        let reply = try await Self.reply(promise.futureResult)
        if case let .error(message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// Sends many commands in one flush and returns their replies in order (error replies included).
    public func pipeline(_ commands: [[[UInt8]]]) async throws -> [RedisReply] {
        var futures: [EventLoopFuture<RedisReply>] = []
        for arguments in commands {
            let promise = channel.eventLoop.makePromise(of: RedisReply.self)
            channel.write(RedisRequest(bytes: try RESPFormat.command(arguments), promise: promise)).cascadeFailure(to: promise)
            futures.append(promise.futureResult)
        }
        channel.flush()
        let timeoutTask = scheduleTimeout()
        defer { timeoutTask.cancel() }
        var replies: [RedisReply] = []
        for future in futures { replies.append(try await Self.reply(future)) }
        return replies
    }

    /// A late reply cannot be told from the next one's: a timeout fails everything pending and closes.
    func scheduleTimeout() -> Scheduled<Void> {
        let milliseconds = timeout.nanoseconds / 1_000_000
        return channel.eventLoop.scheduleTask(in: timeout) { [channel] in
            channel.pipeline.fireUserInboundEventTriggered(RedisTimeout(milliseconds: milliseconds))
        }
    }

    /// Awaits a reply; channel failures (closed, reset, TLS) become `RedisError.connection`.
    static func reply(_ future: EventLoopFuture<RedisReply>) async throws -> RedisReply {
        do {
            return try await future.get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError.connection("\(error)")
        }
    }

    /// Closes the channel.
    public func close() async {
        try? await channel.close()
    }
}

extension String {
    /// True for IPv4 and IPv6 literals (no SNI for those).
    var isIPAddress: Bool {
        contains(":") || split(separator: ".").count == 4 && allSatisfy { $0.isNumber || $0 == "." }
    }
}
