/// A Redis reply, copied out of hiredis's memory into an owned Swift value.
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    indirect case array([RedisReply])

    /// The reply as text when it is a status or bulk string.
    public var text: String? {
        switch self {
        case let .status(text): return text
        case let .bulk(bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }
}
