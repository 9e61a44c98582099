/*
 * util.h: allocation wrappers that never return NULL, and small string
 * helpers shared by gwd, gwctl and gwd-http.  Allocation failure is a broken
 * invariant: the wrappers print a message and abort.
 */
#ifndef GW_UTIL_H
#define GW_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define GW_PRINTF(f, a) __attribute__((format(printf, f, a)))

void  *xmalloc(size_t);
void  *xcalloc(size_t, size_t);
void  *xrealloc(void *, size_t);
void  *xreallocarray(void *, size_t, size_t);
char  *xstrdup(const char *);
char  *xstrndup(const char *, size_t);
char  *xasprintf(const char *, ...) GW_PRINTF(1, 2);

/* Copy src into dst of size n, always terminated; returns strlen(src). */
size_t gw_strlcpy(char *dst, const char *src, size_t n);

/*
 * The fd and clock helpers have files of their own; util.h still brings
 * them, being the one header of small helpers every file includes.
 */
#include "gw/fdutil.h"
#include "gw/timeutil.h"

#endif
