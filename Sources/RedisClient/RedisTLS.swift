import NIOConcurrencyHelpers

/// TLS settings for `rediss://` and `ssl=True`: certificates are always verified, against the
/// system roots or a CA file (`REDIS_TLS_CA_FILE`), and the host name is sent as SNI and checked.
public struct RedisTLS: Sendable {
    /// A PEM file of trusted CAs; nil trusts the system roots.
    public var caFile: String?
    /// The OpenSSL context, built on the first TLS connect and shared by the later ones (the roots
    /// are read once; a failure is not kept, so a CA file that appears later is read then).
    private let cache = ContextCache()

    public init(caFile: String? = nil) {
        self.caFile = caFile
    }

    func context() throws(RedisError) -> TLSClientContext {
        try cache.context(caFile: caFile)
    }

    private final class ContextCache: Sendable {
        private let built = NIOLockedValueBox<(caFile: String?, context: TLSClientContext)?>(nil)

        func context(caFile: String?) throws(RedisError) -> TLSClientContext {
            let result = built.withLockedValue { built -> Result<TLSClientContext, RedisError> in
                if let built, built.caFile == caFile { return .success(built.context) }
                do throws(RedisError) {
                    let context = try TLSClientContext(caFile: caFile)
                    built = (caFile, context)
                    return .success(context)
                } catch {
                    return .failure(error)
                }
            }
            return try result.get()
        }
    }
}
