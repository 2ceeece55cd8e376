import NIOConcurrencyHelpers

/// Redis Cluster (OSS protocol): a slot map from `CLUSTER SLOTS`, one pool per master, commands
/// routed by their key's slot (hash tags honoured), `MOVED` refreshing the map and `ASK` followed
/// once with `ASKING`.
public final class RedisClusterPool: RedisCommandRouter {
    let seeds: [RedisEndpoint]
    let tls: RedisTLS
    let timeoutMilliseconds: Int
    let credentials: RedisCredentials?
    let poolSize: Int
    let durability: RedisDurability

    struct Topology {
        var slots: [String] = []
        var pools: [String: RedisPool] = [:]
    }

    private let topology = NIOLockedValueBox(Topology())

    public init(seeds: [RedisEndpoint], tls: RedisTLS = RedisTLS(), poolSize: Int = 2, timeoutMilliseconds: Int = 1000,
                credentials: RedisCredentials? = nil, durability: RedisDurability = .none) {
        self.seeds = seeds
        self.tls = tls
        self.timeoutMilliseconds = timeoutMilliseconds
        self.credentials = credentials
        self.poolSize = poolSize
        self.durability = durability
    }

    public func send(_ arguments: [[UInt8]], key: [UInt8]?) async throws -> RedisReply {
        try await send(arguments, key: key, durable: false)
    }

    /// A durable write waits for the durability check on its shard's primary (`WAIT` counts that
    /// shard's replicas).
    public func send(_ arguments: [[UInt8]], key: [UInt8]?, durable: Bool) async throws -> RedisReply {
        if topology.withLockedValue({ $0.slots.isEmpty }) { try await refresh() }
        var node = try self.node(for: key)
        for attempt in 0..<5 {
            do {
                return try await pool(node).send(arguments, key: key, durable: durable)
            } catch let RedisError.server(message) where message.hasPrefix("MOVED ") {
                try await refresh()
                node = String(message.split(separator: " ").last ?? "")
            } catch let RedisError.server(message) where message.hasPrefix("ASK ") {
                let target = try pool(String(message.split(separator: " ").last ?? ""))
                let connection = try await target.connection()
                _ = try await connection.send(["ASKING"])
                return try await connection.send(bytes: arguments, durable: durable)
            } catch let error as RedisError where attempt < 4 {
                guard case .connection = error else { throw error }
                // A failover moves the slot: learn the new map and try again.
                try? await refresh()
                node = try self.node(for: key)
            }
        }
        throw RedisError.connection("the cluster kept redirecting the command")
    }

    public func ping() async -> Bool {
        if topology.withLockedValue({ $0.slots.isEmpty }) { try? await refresh() }
        let pools = topology.withLockedValue { Array($0.pools.values) }
        guard !pools.isEmpty else { return false }
        for pool in pools where await !pool.ping() { return false }
        return true
    }

    public func renewCredentials() async {
        let pools = topology.withLockedValue { Array($0.pools.values) }
        for pool in pools { await pool.renewCredentials() }
    }

    public func close() async {
        let pools = topology.withLockedValue { Array($0.pools.values) }
        for pool in pools { await pool.close() }
    }

    /// Reads the slot map from the first seed (or known node) that answers.
    public func refresh() async throws {
        let known = topology.withLockedValue { Array($0.pools.keys) }
        var lastError: (any Error)?
        for candidate in seeds.map({ "\($0.host):\($0.port)" }) + known {
            do {
                let reply = try await pool(candidate).send([Array("CLUSTER".utf8), Array("SLOTS".utf8)], key: nil)
                var slots = Array(repeating: "", count: 16_384)
                guard case let .array(ranges) = reply else { throw RedisError.unexpectedReply("CLUSTER SLOTS is not an array") }
                for range in ranges {
                    guard case let .array(parts) = range, parts.count >= 3, case let .integer(start) = parts[0], case let .integer(end) = parts[1],
                          case let .array(master) = parts[2], master.count >= 2, let host = master[0].text, case let .integer(port) = master[1],
                          start >= 0, end < 16_384, start <= end
                    else { throw RedisError.unexpectedReply("CLUSTER SLOTS entry malformed") }
                    let name = "\(host.isEmpty ? (seeds.first?.host ?? "127.0.0.1") : host):\(port)"
                    for slot in Int(start)...Int(end) { slots[slot] = name }
                }
                topology.withLockedValue { $0.slots = slots }
                return
            } catch {
                lastError = error
            }
        }
        throw lastError ?? RedisError.connection("no cluster node answered")
    }

    func node(for key: [UInt8]?) throws -> String {
        try topology.withLockedValue { topology in
            guard !topology.slots.isEmpty else { throw RedisError.connection("no cluster slot map") }
            let node = key.map { topology.slots[Int(Self.slot(of: $0))] } ?? topology.slots.first { !$0.isEmpty } ?? ""
            guard !node.isEmpty else { throw RedisError.connection("slot not served by any node") }
            return node
        }
    }

    func pool(_ node: String) throws -> RedisPool {
        guard let colon = node.lastIndex(of: ":"), let port = Int(node[node.index(after: colon)...]), let seed = seeds.first else {
            throw RedisError.unexpectedReply("node address '\(node)' malformed")
        }
        return topology.withLockedValue { topology in
            if let pool = topology.pools[node] { return pool }
            var endpoint = seed
            endpoint.host = String(node[..<colon])
            endpoint.port = port
            let pool = RedisPool(endpoint: endpoint, tls: tls, size: poolSize, timeoutMilliseconds: timeoutMilliseconds, credentials: credentials,
                                 durability: durability)
            topology.pools[node] = pool
            return pool
        }
    }

    /// The cluster slot of a key: CRC16 (XMODEM) of the hash tag `{…}` if it has one, mod 16384.
    public static func slot(of key: [UInt8]) -> UInt16 {
        var hashed = key[...]
        if let open = key.firstIndex(of: UInt8(ascii: "{")),
           let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 {
            hashed = key[(open + 1)..<close]
        }
        var crc: UInt16 = 0
        for byte in hashed {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc % 16_384
    }
}
