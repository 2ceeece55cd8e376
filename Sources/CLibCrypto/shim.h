#ifndef CLIBCRYPTO_SHIM_H
#define CLIBCRYPTO_SHIM_H
// OpenSSL's libcrypto (Debian's libssl-dev): the one-shot SHA-256 and HMAC the handler needs.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif
