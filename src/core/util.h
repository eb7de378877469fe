/* util: allocation wrappers and small string helpers that know nothing about mail.
 * The x* allocators abort with a message on out-of-memory, so call sites need no checks. */
#ifndef MXS_UTIL_H
#define MXS_UTIL_H
#include <stddef.h>

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* ASCII-only case folding in place (host names are compared in A-label form). */
void str_ascii_lower(char *s);
/* 1 when s starts with prefix. */
int str_starts_with(const char *s, const char *prefix);

#endif
