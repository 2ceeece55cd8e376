import NIOConcurrencyHelpers

/// A Lua script run by its SHA1: loaded on first use (`SCRIPT LOAD`), then called with `EVALSHA`, so
/// its source crosses the network once per process instead of with every call. A server that does not
/// have it (a restart, a failover to a replica, another cluster node) answers `NOSCRIPT`: the call is
/// then repeated once as `EVAL` with the source, which also caches it there. The first key routes the
/// call on a cluster; every key a script touches must be in that key's slot.
public final class RedisScript: Sendable {
    /// The Lua source.
    public let source: String
    private let sourceBytes: [UInt8]
    private let sha = NIOLockedValueBox<[UInt8]?>(nil)

    public init(_ source: String) {
        self.source = source
        self.sourceBytes = Array(source.utf8)
    }

    /// Runs the script with text keys and arguments.
    public func run(on redis: any RedisCommandRouter, keys: [String], arguments: [String] = [], durable: Bool = false) async throws -> RedisReply {
        try await run(on: redis, keys: keys.map { Array($0.utf8) }, arguments: arguments.map { Array($0.utf8) }, durable: durable)
    }

    /// Runs the script with binary-safe keys and arguments; an error reply is thrown as `RedisError.server`.
    /// `durable`: a write that completes once the router's durability check confirms it.
    public func run(on redis: any RedisCommandRouter, keys: [[UInt8]], arguments: [[UInt8]], durable: Bool = false) async throws -> RedisReply {
        let routing = keys.first
        var tail: [[UInt8]] = []
        tail.reserveCapacity(1 + keys.count + arguments.count)
        tail.append(Array(String(keys.count).utf8))
        tail += keys
        tail += arguments
        let known = try await loadedSHA(on: redis, routing: routing)
        do {
            return try await redis.send([Self.evalsha, known] + tail, key: routing, durable: durable)
        } catch let RedisError.server(message) where message.hasPrefix("NOSCRIPT") {
            return try await redis.send([Self.eval, sourceBytes] + tail, key: routing, durable: durable)
        }
    }

    /// The script's SHA1 as the server computed it, loading the script the first time.
    func loadedSHA(on redis: any RedisCommandRouter, routing: [UInt8]?) async throws -> [UInt8] {
        if let known = sha.withLockedValue({ $0 }) { return known }
        guard case let .bulk(loaded) = try await redis.send([Self.script, Self.load, sourceBytes], key: routing), !loaded.isEmpty else {
            throw RedisError.unexpectedReply("SCRIPT LOAD answered no SHA1")
        }
        sha.withLockedValue { $0 = loaded }
        return loaded
    }

    static let evalsha = Array("EVALSHA".utf8)
    static let eval = Array("EVAL".utf8)
    static let script = Array("SCRIPT".utf8)
    static let load = Array("LOAD".utf8)
}
