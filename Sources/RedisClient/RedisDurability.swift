/// When a write counts as done (`CHARGEBACK_DURABILITY`): once the primary answered (`none`), or
/// once Redis confirms it reached `count` replicas (`WAIT`) or the primary's append-only file on
/// disk (`WAITAOF 1 0`, Redis 7.2 and later). The confirmation is asked once per batch of writes a
/// connection flushes together (group commit), right behind them; a write's reply is held until
/// it arrives, and a confirmation short of the requirement fails the batch's writes as
/// `RedisError.notDurable` (their effect may or may not survive a failover: the caller spools them,
/// and the dedupe markers make the replay count each once). The check waits a quarter of the
/// connection's command timeout.
///
/// `WAIT` narrows the window, it does not close it: Redis documents that a write acknowledged by
/// replicas can still be lost in some failover scenarios (https://redis.io/docs/latest/commands/wait/).
public enum RedisDurability: Sendable, Equatable, CustomStringConvertible {
    case none
    case replicas(Int)
    case aof

    /// The confirming command, its server-side timeout `milliseconds`; nil for `none`.
    func barrier(milliseconds: Int) -> [[UInt8]]? {
        switch self {
        case .none: return nil
        case let .replicas(count): return [Array("WAIT".utf8), Array(String(count).utf8), Array(String(milliseconds).utf8)]
        case .aof: return [Array("WAITAOF".utf8), Array("1".utf8), Array("0".utf8), Array(String(milliseconds).utf8)]
        }
    }

    /// nil when `reply` confirms the requirement, else why not.
    func shortfall(_ reply: RedisReply) -> String? {
        switch (self, reply) {
        case (.none, _): return nil
        case let (.replicas(count), .integer(acknowledged)):
            return acknowledged >= count ? nil : "WAIT: \(acknowledged) of \(count) replicas acknowledged in time"
        case let (.aof, .array(parts)):
            guard case let .integer(local)? = parts.first else { return "WAITAOF answered \(reply)" }
            return local >= 1 ? nil : "WAITAOF: the primary's append-only file was not fsynced in time (is appendonly on?)"
        case let (_, .error(message)):
            return "\(self == .aof ? "WAITAOF" : "WAIT") refused: \(message)"
        default:
            return "the durability check answered \(reply)"
        }
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case let .replicas(count): return "replica (WAIT \(count))"
        case .aof: return "aof (WAITAOF 1 0)"
        }
    }
}
