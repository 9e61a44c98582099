/*
 * accesslog.c: the combined-format access log.  Lines are gathered in a
 * buffer and written with one write(2) per loop turn (or when the buffer
 * fills), so logging costs no syscall per request.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/util.h"
#include "http/accesslog.h"

#define ALOG_BUF      (64 * 1024)
#define ALOG_LINE_MAX (3 * 1024) /* escaped fields are truncated */

struct accesslog {
	char  *path;
	int    fd;
	int    failed; /* a write failed; said once */
	size_t len;
	time_t stamp_time;
	char   stamp[40]; /* "22/Nov/2026:11:00:00 +0000" */
	char   buf[ALOG_BUF];
};

static int
accesslog_open_fd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

struct accesslog *
accesslog_open(const char *path)
{
	struct accesslog *al;
	int		  fd;

	if ((fd = accesslog_open_fd(path)) == -1)
		return NULL;
	al = xcalloc(1, sizeof *al);
	al->path = xstrdup(path);
	al->fd = fd;
	al->stamp_time = (time_t)-1;
	return al;
}

int
accesslog_flush(struct accesslog *al)
{
	if (al->len == 0)
		return 0;
	if (gw_write_all(al->fd, al->buf, al->len) == -1) {
		if (!al->failed)
			fprintf(stderr, "gwd-http[%d]: access log %s: %s\n",
			    (int)getpid(), al->path, strerror(errno));
		al->failed = 1;
		al->len = 0;
		return -1;
	}
	al->failed = 0;
	al->len = 0;
	return 0;
}

int
accesslog_reopen(struct accesslog *al)
{
	int fd;

	accesslog_flush(al);
	if ((fd = accesslog_open_fd(al->path)) == -1)
		return -1;
	close(al->fd);
	al->fd = fd;
	return 0;
}

void
accesslog_close(struct accesslog *al)
{
	if (al == NULL)
		return;
	accesslog_flush(al);
	close(al->fd);
	free(al->path);
	free(al);
}

/* Append s escaped, at most max bytes of output; returns the new end. */
static char *
accesslog_escape(char *o, size_t max, const struct http_str *s)
{
	static const char hex[] = "0123456789abcdef";
	char		 *start = o;
	size_t		  i;

	if (s == NULL || s->p == NULL) {
		*o++ = '-';
		return o;
	}
	for (i = 0; i < s->len && (size_t)(o - start) + 4 <= max; i++) {
		unsigned char c = (unsigned char)s->p[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else
			*o++ = (char)c;
	}
	return o;
}

void
accesslog_add(struct accesslog *al, const char *addr, time_t now,
    const struct http_str *line, int status, uint64_t bytes,
    const struct http_str *referer, const struct http_str *ua)
{
	struct tm tm;
	char	 *o;
	int	  n;

	if (al->len + ALOG_LINE_MAX > sizeof al->buf)
		accesslog_flush(al);
	if (now != al->stamp_time) {
		localtime_r(&now, &tm);
		strftime(al->stamp, sizeof al->stamp, "%d/%b/%Y:%H:%M:%S %z",
		    &tm);
		al->stamp_time = now;
	}
	o = al->buf + al->len;
	n = snprintf(o, 128, "%.46s - - [%s] \"", addr, al->stamp);
	o += n;
	o = accesslog_escape(o, 1024, line);
	n = snprintf(o, 64, "\" %d %llu \"", status, (unsigned long long)bytes);
	o += n;
	o = accesslog_escape(o, 800, referer);
	*o++ = '"';
	*o++ = ' ';
	*o++ = '"';
	o = accesslog_escape(o, 800, ua);
	*o++ = '"';
	*o++ = '\n';
	al->len = (size_t)(o - al->buf);
}
