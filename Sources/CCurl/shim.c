#define _GNU_SOURCE
#include "CCurl.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// The functions, resolved by load_once.
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    char *(*version)(void);
} curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded = 0;
static char load_error[512] = "";
static char loaded_path[PATH_MAX] = "";

// dlopen of `lib/libcurl.so.4` beside the running executable (/proc/self/exe), if it is there.
static void *open_beside_executable(void) {
    char path[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (length <= 0) return NULL;
    path[length] = '\0';
    char *slash = strrchr(path, '/');
    if (slash == NULL) return NULL;
    const char *bundled = "/lib/libcurl.so.4";
    if ((size_t)(slash - path) + strlen(bundled) + 1 > sizeof(path)) return NULL;
    strcpy(slash, bundled);
    if (access(path, R_OK) != 0) return NULL;
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) snprintf(load_error, sizeof(load_error), "%s", dlerror());
    return library;
}

#define RESOLVE(field, name)                                                              \
    do {                                                                                  \
        *(void **)(&curl.field) = dlsym(library, name);                                   \
        if (curl.field == NULL) {                                                         \
            snprintf(load_error, sizeof(load_error), "libcurl.so.4 has no %s", name);     \
            return;                                                                       \
        }                                                                                 \
    } while (0)

static void load_once(void) {
    void *library = open_beside_executable();
    if (library == NULL && load_error[0] != '\0') return;  // bundled but broken: say so, don't mask it
    if (library == NULL) library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(load_error, sizeof(load_error), "%s", dlerror());
        return;
    }
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_perform, "curl_easy_perform");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(version, "curl_version");
    Dl_info info;
    if (dladdr(*(void **)(&curl.easy_init), &info) != 0 && info.dli_fname != NULL) {
        snprintf(loaded_path, sizeof(loaded_path), "%s", info.dli_fname);
    }
    loaded = 1;
}

int ccurl_load(void) {
    pthread_once(&once, load_once);
    return loaded;
}

const char *ccurl_load_error(void) { return load_error; }
const char *ccurl_loaded_path(void) { return loaded_path; }
const char *ccurl_version(void) { return curl.version(); }

CURLcode ccurl_global_init(long flags) { return curl.global_init(flags); }
CURL *ccurl_easy_init(void) { return curl.easy_init(); }
void ccurl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
CURLcode ccurl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }
const char *ccurl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *text) { return curl.slist_append(list, text); }
void ccurl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }
CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) { return curl.easy_setopt(handle, option, value); }
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, const void *value) { return curl.easy_setopt(handle, option, value); }
CURLcode ccurl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) { return curl.easy_setopt(handle, option, value); }
CURLcode ccurl_setopt_write(CURL *handle, CURLoption option, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl.easy_setopt(handle, option, function);
}
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) { return curl.easy_getinfo(handle, info, value); }
