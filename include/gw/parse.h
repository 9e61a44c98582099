/*
 * parse.h: the value syntax shared by the config file, the command line,
 * gwctl and gwd-http: durations, sizes, shell-like word splitting, and the
 * human formats of durations and sizes.  Pure functions, no allocation
 * except where a result is returned (parse_words).
 */
#ifndef GW_PARSE_H
#define GW_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * "250ms", "30" (seconds), "30s", "5m", "1h", "7d", also "1.5s" and
 * compounds like "1m30s".  Returns 0, or -1 with a static message in *err.
 */
int	    parse_duration_ms(const char *, uint64_t *, const char **err);

/* "4096", "512K", "64M", "1G" (powers of 1024; "KB"/"KiB" accepted). */
int	    parse_size(const char *, uint64_t *, const char **err);

/* A non-negative decimal integer within [min, max]. */
int	    parse_uint(const char *, uint64_t min, uint64_t max, uint64_t *,
	    const char **err);

/* A signal name ("TERM", "SIGTERM") or number; returns 0 or -1. */
int	    parse_signal(const char *, int *);
/* "TERM" for SIGTERM, or the number as text; static storage. */
const char *format_signal(int);

/*
 * Split a command line into words the way a POSIX shell would, without any
 * expansion: single and double quotes, backslash escapes.  On success
 * *argvp is a NULL-terminated array (free with parse_words_free) and the
 * count is returned; on error -1 with a static message in *err.
 */
int	    parse_words(const char *, char ***argvp, const char **err);
void	    parse_words_free(char **);

/* "3m12s", "450ms", "2d4h"; "-" for UINT64_MAX. */
void	    format_duration(char *, size_t, uint64_t ms);
/* "14.2M", "512K", "812B" from bytes. */
void	    format_size(char *, size_t, uint64_t bytes);

#endif
