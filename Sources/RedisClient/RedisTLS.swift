/// TLS settings for `rediss://` and `ssl=True`: certificates are always verified, against the
/// system roots or a CA file (`REDIS_TLS_CA_FILE`), and the host name is sent as SNI and checked.
public struct RedisTLS: Sendable {
    /// A PEM file of trusted CAs; nil trusts the system roots.
    public var caFile: String?

    public init(caFile: String? = nil) {
        self.caFile = caFile
    }

    func context() throws(RedisError) -> TLSClientContext {
        try TLSClientContext(caFile: caFile)
    }
}
