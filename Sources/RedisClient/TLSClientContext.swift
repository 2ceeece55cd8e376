import CTLS

/// An OpenSSL client context (`SSL_CTX`): TLS 1.2 or later, the server's certificate verified
/// against the system's roots (OpenSSL's default paths: Debian's /etc/ssl/certs) or, with a CA
/// file, against that file alone. Shared by the connections made with one `RedisTLS`: OpenSSL
/// allows `SSL_new` from any thread once a context is set up, and nothing changes it afterwards. Azure Managed Redis
/// speaks only TLS 1.2 and 1.3 ("TLS configuration", learn.microsoft.com/azure/redis/tls-configuration):
/// 1.3 is negotiated, and its 1.2 suites (ECDHE-RSA with AES-CBC-SHA256/384) are in OpenSSL's defaults.
final class TLSClientContext: @unchecked Sendable {
    let pointer: OpaquePointer

    init(caFile: String?) throws(RedisError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .connection("TLS setup failed: \(TLSErrors.drain())")
        }
        // Until the context is this object's, it is freed here on failure.
        var set = ctls_set_min_tls12(context) == 1
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        ctls_refuse_renegotiation(context)
        if set {
            set = (caFile.map { SSL_CTX_load_verify_locations(context, $0, nil) } ?? SSL_CTX_set_default_verify_paths(context)) == 1
        }
        guard set else {
            let reason = TLSErrors.drain()
            SSL_CTX_free(context)
            throw .connection(caFile.map { "TLS setup failed: cannot load the CA file \($0): \(reason)" } ?? "TLS setup failed: \(reason)")
        }
        pointer = context
    }

    deinit {
        SSL_CTX_free(pointer)
    }
}

/// OpenSSL's per-thread error queue, read out as text.
enum TLSErrors {
    /// Empties the calling thread's queue; its entries joined, or "unknown error".
    static func drain() -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? "unknown error" : reasons.joined(separator: "; ")
    }
}
