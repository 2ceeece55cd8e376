import ChargebackCore
import RedisClient

/// Which Redis errors mean "not now" to the spool (`ChargebackSpool.SpoolingLedger`).
extension RedisError: TransientStoreError {
    /// True when the store cannot take writes now (as opposed to a bug in the command).
    public var isTransient: Bool {
        switch self {
        case .connection, .shutDown, .notDurable: return true
        case let .server(message):
            return ["LOADING", "MASTERDOWN", "READONLY", "CLUSTERDOWN", "TRYAGAIN", "OOM", "BUSY"].contains { message.hasPrefix($0) }
        default: return false
        }
    }

    /// The error's kind without its text, for logs.
    public var kind: String {
        switch self {
        case .connection: return "connection"
        case .server: return "server"
        case .shutDown: return "shut_down"
        case .notDurable: return "not_durable"
        default: return "other"
        }
    }
}
