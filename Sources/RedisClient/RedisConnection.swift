import Glibc
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

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

/// Credentials for AUTH: asked on every (re)connect and whenever a live connection's authentication
/// is due for renewal, so short-lived Microsoft Entra tokens are sent again before they expire.
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
        credentials: RedisCredentials? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RedisConnection {
        let sslContext = endpoint.usesTLS ? try tls.context() : nil
        let timeout = TimeAmount.milliseconds(Int64(timeoutMilliseconds))
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = channel.pipeline.syncOperations
                    if let sslContext {
                        let hostname = endpoint.host.isIPAddress ? nil : endpoint.host
                        try handlers.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: hostname))
                    }
                    try handlers.addHandler(RedisChannelHandler(reader: try RESPReader()))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            throw RedisError.connection("cannot connect to \(endpoint): \(error)")
        }
        let connection = RedisConnection(channel: channel, timeout: timeout)
        do {
            try await connection.authenticate(try await credentials?() ?? RedisAuthentication(user: endpoint.user, password: endpoint.password))
            if endpoint.database != 0 { _ = try await connection.send(["SELECT", String(endpoint.database)]) }
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
        guard let password = authentication.password else { return }
        _ = try await send(["AUTH"] + (authentication.user.map { [$0] } ?? []) + [password])
        // Connections renew at spread-out moments, not all at once (Azure's advice): up to a tenth of
        // the time left, at most a minute, earlier than asked. A password already due (an identity
        // endpoint still serving an old token) is tried again 10 s later, not on every command.
        let now = Self.now()
        let dueAt = authentication.renewAt.map { renewAt -> Int64 in
            guard renewAt > now else { return now + 10 }
            return renewAt - Int64.random(in: 0...min(60, (renewAt - now) / 10))
        }
        renewal.withLockedValue { $0 = (dueAt, false) }
    }

    /// Authenticates again when due; one renewal at a time per connection, while the others go on
    /// with the current authentication (still valid: renewal is due ahead of expiry). A refused
    /// AUTH closes the connection (the next use reconnects with fresh credentials); a failed
    /// credential fetch is retried 5 s later.
    func renewAuthenticationIfDue(_ credentials: RedisCredentials?) async {
        guard let credentials else { return }
        let now = Self.now()
        let starts = renewal.withLockedValue { state -> Bool in
            guard let due = state.dueAt, now >= due, !state.inProgress else { return false }
            state.inProgress = true
            return true
        }
        guard starts else { return }
        do {
            try await authenticate(try await credentials())
        } catch let error as RedisError {
            if case .server = error { await close() }
            renewal.withLockedValue { $0 = (now + 5, false) }
        } catch {
            renewal.withLockedValue { $0 = (now + 5, false) }
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

    /// Sends one command of binary-safe arguments.
    public func send(bytes arguments: [[UInt8]]) async throws -> RedisReply {
        let encoded = try RESPFormat.command(arguments)
        let promise = channel.eventLoop.makePromise(of: RedisReply.self)
        let timeoutTask = scheduleTimeout()
        // No flush here: the channel handler flushes once per event-loop tick, so concurrent commands
        // leave together (group commit).
        channel.write(RedisRequest(bytes: ByteBuffer(bytes: encoded), promise: promise)).cascadeFailure(to: promise)
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
            channel.write(RedisRequest(bytes: ByteBuffer(bytes: try RESPFormat.command(arguments)), promise: promise)).cascadeFailure(to: promise)
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
