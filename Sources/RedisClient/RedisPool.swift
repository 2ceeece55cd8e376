import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// What the ledger needs from Redis: commands routed by the key they touch, one at a time or
/// pipelined. A single server (`RedisPool`) and a cluster (`RedisClusterPool`) both provide it.
public protocol RedisCommandRouter: Sendable {
    /// Sends one command that touches `key` (or any node when nil).
    func send(_ arguments: [[UInt8]], key: [UInt8]?) async throws -> RedisReply
    /// Sends one write that must be durable as the router's `RedisDurability` says before it completes.
    func send(_ arguments: [[UInt8]], key: [UInt8]?, durable: Bool) async throws -> RedisReply
    /// True when the server(s) answer `PING`.
    func ping() async -> Bool
    /// Closes every connection.
    func close() async
    /// Authenticates again every live connection whose credentials are due (short-lived tokens).
    /// Never on a command's path: the owner calls it periodically.
    func renewCredentials() async
}

/// A bounded pool of connections to one server, used round-robin; a broken connection is
/// replaced on next use, with exponential backoff (50 ms doubling to 2 s) after failed connects.
public final class RedisPool: RedisCommandRouter {
    let endpoint: RedisEndpoint
    let tls: RedisTLS
    let timeoutMilliseconds: Int
    let credentials: RedisCredentials?
    let durability: RedisDurability
    /// Where the primary is now (Sentinel); nil: always `endpoint`.
    let sentinel: SentinelResolver?

    struct Slot {
        var connection: RedisConnection?
        var failures = 0
        var retryAt = NIODeadline.uptimeNanoseconds(0)
    }

    private let slots: NIOLockedValueBox<[Slot]>
    private let next = NIOLockedValueBox(0)

    public init(endpoint: RedisEndpoint, tls: RedisTLS = RedisTLS(), size: Int = 4, timeoutMilliseconds: Int = 1000,
                credentials: RedisCredentials? = nil, durability: RedisDurability = .none, sentinel: SentinelResolver? = nil) {
        self.endpoint = endpoint
        self.tls = tls
        self.timeoutMilliseconds = timeoutMilliseconds
        self.credentials = credentials
        self.durability = durability
        self.sentinel = sentinel
        self.slots = NIOLockedValueBox(Array(repeating: Slot(), count: max(1, size)))
    }

    public func send(_ arguments: [[UInt8]], key: [UInt8]? = nil) async throws -> RedisReply {
        try await send(arguments, key: key, durable: false)
    }

    public func send(_ arguments: [[UInt8]], key: [UInt8]?, durable: Bool) async throws -> RedisReply {
        let connection = try await connection()
        do {
            return try await connection.send(bytes: arguments, durable: durable)
        } catch let RedisError.server(message) where sentinel != nil && message.hasPrefix("READONLY") {
            // A primary demoted by a failover: this connection goes, the next one asks Sentinel.
            await connection.close()
            throw RedisError.server(message)
        }
    }

    /// Sends one command of text arguments.
    public func send(_ arguments: [String]) async throws -> RedisReply {
        try await send(arguments.map { Array($0.utf8) }, key: nil)
    }

    public func ping() async -> Bool {
        (try? await send(["PING"]))?.text == "PONG"
    }

    public func close() async {
        let connections = slots.withLockedValue { slots in
            defer { for index in slots.indices { slots[index].connection = nil } }
            return slots.compactMap(\.connection)
        }
        for connection in connections { await connection.close() }
    }

    /// Renewal is never on a command's path: a command must not wait for the identity endpoint
    /// (up to 10 s) while the current token is valid for minutes. The owner calls this periodically
    /// (the handler's `RedisCredentialRenewal`, every 5 s); renewal is due ahead of expiry.
    public func renewCredentials() async {
        guard credentials != nil else { return }
        let connections = slots.withLockedValue { $0.compactMap(\.connection) }
        for connection in connections where connection.isActive { await connection.renewAuthenticationIfDue(credentials) }
    }

    /// A live connection: one served by the caller's own event loop when the caller runs on one
    /// (the handler runs its tasks on NIO's loops: a command then wakes no other thread, neither to
    /// be written nor to resume its caller), else the next slot's, connecting (or refusing during
    /// backoff) as needed. A new connection is made on the caller's loop.
    func connection() async throws -> RedisConnection {
        let current = MultiThreadedEventLoopGroup.currentEventLoop
        if let current {
            let local = slots.withLockedValue { slots in
                slots.lazy.compactMap(\.connection).first { $0.isActive && $0.channel.eventLoop === current }
            }
            if let local { return local }
        }
        let index = next.withLockedValue { value in
            defer { value = value &+ 1 }
            return value
        } % slots.withLockedValue { $0.count }
        let (existing, retryAt) = slots.withLockedValue { ($0[index].connection, $0[index].retryAt) }
        if let existing, existing.isActive { return existing }
        guard NIODeadline.now() >= retryAt else { throw RedisError.connection("\(endpoint) is unreachable; retrying with backoff") }
        do {
            let target = try await sentinel?.primary(like: endpoint, tls: tls, timeoutMilliseconds: timeoutMilliseconds) ?? endpoint
            let connection = try await RedisConnection.connect(
                to: target, tls: tls, timeoutMilliseconds: timeoutMilliseconds, credentials: credentials, durability: durability,
                group: current ?? MultiThreadedEventLoopGroup.singleton)
            if sentinel != nil {
                // Sentinel's answer may be stale for a moment after a failover: only a primary is kept.
                guard case let .array(role) = try await connection.send(["ROLE"]), role.first?.text == "master" else {
                    await connection.close()
                    throw RedisError.connection("\(target), named by Sentinel, is not a primary yet")
                }
            }
            // Another caller may have filled the slot meanwhile: keep the live one, close the spare
            // (ours has nothing in flight; a dead one has nothing to lose).
            let (chosen, spare) = slots.withLockedValue { slots -> (RedisConnection, RedisConnection?) in
                if let current = slots[index].connection, current.isActive { return (current, connection) }
                let dead = slots[index].connection
                slots[index] = Slot(connection: connection)
                return (connection, dead)
            }
            if let spare { await spare.close() }
            return chosen
        } catch {
            slots.withLockedValue { slots in
                slots[index].failures += 1
                let delay = min(2_000, 50 << min(slots[index].failures - 1, 6))
                slots[index].retryAt = .now() + .milliseconds(Int64(delay))
            }
            throw error
        }
    }
}

extension RedisCommandRouter {
    /// Nothing to renew (a router without expiring credentials).
    public func renewCredentials() async {}

    /// Sends one durable write given as text, routed by `key`.
    public func send(_ arguments: [String], key: String, durable: Bool) async throws -> RedisReply {
        try await send(arguments.map { Array($0.utf8) }, key: Array(key.utf8), durable: durable)
    }

    /// Sends one command given as text, routed by `key` (the form every ledger and snapshot call uses).
    public func send(_ arguments: [String], key: String) async throws -> RedisReply {
        try await send(arguments.map { Array($0.utf8) }, key: Array(key.utf8))
    }
}
