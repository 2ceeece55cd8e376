/// Everything that can go wrong talking to Redis. Messages never carry passwords or values.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection string is malformed; the payload says why.
    case invalidConnectionString(String)
    /// The transport this endpoint needs is not available in this build.
    case unsupportedTransport(String)
    /// Connecting or talking to the server failed at the socket level (hiredis `errstr`).
    case connection(String)
    /// The server answered with an error reply (`-ERR …`).
    case server(String)
    /// The reply had a shape the caller did not expect.
    case unexpectedReply(String)
    /// The client was shut down.
    case shutDown
    /// The write ran on the primary, but Redis did not confirm the durability asked for
    /// (`RedisDurability`): it may not survive a failover.
    case notDurable(String)

    public var description: String {
        switch self {
        case let .invalidConnectionString(reason): return "invalid Redis connection string: \(reason)"
        case let .unsupportedTransport(reason): return "unsupported Redis transport: \(reason)"
        case let .connection(reason): return "Redis connection failed: \(reason)"
        case let .server(message): return "Redis error reply: \(message)"
        case let .unexpectedReply(reason): return "unexpected Redis reply: \(reason)"
        case .shutDown: return "Redis client is shut down"
        case let .notDurable(reason): return "Redis did not confirm the write's durability: \(reason)"
        }
    }
}
