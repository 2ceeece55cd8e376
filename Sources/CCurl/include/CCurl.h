#ifndef CCURL_H
#define CCURL_H
// libcurl, loaded on first use with dlopen instead of linked: the handler starts without libcurl's
// closure (OpenSSL, nghttp2, libssh2, LDAP, Kerberos…) mapped, and most invocations never use it
// (only alerts and upstream calls do). The types and constants come from libcurl's own header; the
// functions are resolved from libcurl.so.4 by ccurl_load, once per process.
#include <curl/curl.h>

/// Loads libcurl.so.4 once per process (thread-safe): first from the folder `lib/` beside the
/// executable (the package bundles it there), then from the dynamic linker's search path. Returns
/// 1 when every function below is resolved; 0 otherwise, with the reason from ccurl_load_error.
int ccurl_load(void);
/// Why ccurl_load failed (dlerror's text, or the symbol missing); empty after a success.
const char *ccurl_load_error(void);
/// The file libcurl was loaded from (dladdr); empty before a successful ccurl_load.
const char *ccurl_loaded_path(void);

/// curl_version(): libcurl's version and its TLS and compression libraries.
const char *ccurl_version(void);
// The libcurl functions the client calls. Each is valid only after ccurl_load returned 1.
CURLcode ccurl_global_init(long flags);
CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
CURLcode ccurl_easy_perform(CURL *handle);
const char *ccurl_easy_strerror(CURLcode code);
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *text);
void ccurl_slist_free_all(struct curl_slist *list);

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed shim per
// argument kind.
CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
/// String and pointer options.
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, const void *value);
/// 64-bit sizes (CURLOPT_POSTFIELDSIZE_LARGE).
CURLcode ccurl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
/// The write and header callbacks.
CURLcode ccurl_setopt_write(CURL *handle, CURLoption option, size_t (*function)(char *, size_t, size_t, void *));
/// Reads a long (CURLINFO_RESPONSE_CODE).
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);

#endif
