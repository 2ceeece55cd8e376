#ifndef CTLS_SHIM_H
#define CTLS_SHIM_H
// OpenSSL's libssl (Debian's libssl-dev): TLS for Redis connections, run over memory BIOs by
// RedisClient's TLSClientHandler. The system's library instead of a BoringSSL compiled from source
// (swift-nio-ssl), which was a third of the release build. What Swift cannot call (macros) is here.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

static inline int ctls_set_min_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

// A server's renegotiation request (TLS 1.2 HelloRequest) is refused rather than followed: with
// memory BIOs, a write during one would have to wait for it.
static inline void ctls_refuse_renegotiation(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION);
}

static inline int ctls_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
#endif
