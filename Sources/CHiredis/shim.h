#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>

/// Swift cannot read the fixed char array `errstr` as a String directly; copy it out.
static inline const char *chiredis_context_errstr(const redisContext *c) { return c->errstr; }
/// The reader's fixed char array `errstr`, for the same reason.
static inline const char *chiredis_reader_errstr(const redisReader *r) { return r->errstr; }
#endif
