/*
 * accesslog.h: gwd-http's access log in the combined format, buffered in
 * memory and written once per event-loop turn, reopened on SIGUSR1.
 */
#ifndef GWD_HTTP_ACCESSLOG_H
#define GWD_HTTP_ACCESSLOG_H

#include <stdint.h>
#include <time.h>

#include "http/parser.h"

struct accesslog;

/* Open (create, append) path; NULL with errno on failure. */
struct accesslog *accesslog_open(const char *path);
/* Flush and reopen the same path (log rotation); 0 or -1 with errno. */
int		  accesslog_reopen(struct accesslog *);
/* Write out what is buffered; 0 or -1 (the lines are then dropped). */
int		  accesslog_flush(struct accesslog *);
/* Flush and free. */
void		  accesslog_close(struct accesslog *);

/*
 * Add one line:
 * ADDR - - [22/Nov/2026:11:00:00 +0000] "LINE" STATUS BYTES "REF" "UA"
 * line, referer and ua may be NULL ("-").  Bytes outside printable ASCII,
 * '"' and '\\' are written as \xHH, so a request cannot forge log lines.
 */
void accesslog_add(struct accesslog *, const char *addr, time_t now,
    const struct http_str *line, int status, uint64_t bytes,
    const struct http_str *referer, const struct http_str *ua);

#endif
