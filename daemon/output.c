/*
 * output.c: a worker's output pipe: pass each line on, keep the last ones
 * (see output.h).
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/uio.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "gw/util.h"
#include "log.h"
#include "output.h"

/* Longest line kept in the tail (its end is what explains a failure). */
#define TAIL_LINE_MAX (OUTPUT_TAIL_BYTES / 4)
/* At a worker's exit, read at most this much before reporting it. */
#define DRAIN_MAX     65536

struct output {
	struct event	  *ev;
	struct evbuffer	  *in;
	int		   fd;
	int		   id;
	pid_t		   pid;
	int		   to_log;
	int		   detached;
	struct output_tail tail;
	LIST_ENTRY(output) entry;
};

/* Every output, for output_free_all(); a list a worker's exit leaves in
 * constant time, however many workers there are. */
static LIST_HEAD(, output) outputs = LIST_HEAD_INITIALIZER(outputs);

/* Make line valid UTF-8 without control characters, in place: whatever
 * is not becomes '?' (a tab a space), so that JSON, C strings and an
 * operator's terminal can carry it. */
static void
utf8_clean(char *s, size_t len)
{
	size_t i = 0, n, k;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		/* NUL and control characters (a worker's colours, a
		 * terminal title) would reach an operator's terminal. */
		if (c < 0x20 || c == 0x7f) {
			s[i++] = c == '\t' ? ' ' : '?';
			continue;
		}
		n = c < 0x80			    ? 0 :
		    (c & 0xe0) == 0xc0 && c >= 0xc2 ? 1 :
		    (c & 0xf0) == 0xe0		    ? 2 :
		    (c & 0xf8) == 0xf0 && c <= 0xf4 ? 3 :
						      4;
		for (k = 1; n < 4 && k <= n; k++)
			if (i + k >= len ||
			    ((unsigned char)s[i + k] & 0xc0) != 0x80)
				n = 4;
		/* Overlong three-byte forms and surrogates. */
		if (n == 2 &&
		    ((c == 0xe0 && (unsigned char)s[i + 1] < 0xa0) ||
			(c == 0xed && (unsigned char)s[i + 1] >= 0xa0)))
			n = 4;
		if (n == 3 &&
		    ((c == 0xf0 && (unsigned char)s[i + 1] < 0x90) ||
			(c == 0xf4 && (unsigned char)s[i + 1] >= 0x90)))
			n = 4;
		if (n == 4) {
			s[i++] = '?';
			continue;
		}
		i += n + 1;
	}
}

/*
 * Whether a line says why a program failed: its first word is an error's
 * name followed by ':' or " [" (Python's "ModuleNotFoundError: ...",
 * Node's "Error: ..." and "Error [ERR_...]: ...", Java's "...Exception:"),
 * or "panic:", "fatal:", "error:" (Go, compilers, most CLIs).  A stack
 * frame ("at emitErrorNT (node:net:1944:8)") is not.
 */
static int
names_error(const char *line, size_t len)
{
	static const char *const ends[] = { "Error", "Exception", "Err" };
	static const char *const words[] = { "panic", "fatal", "Fatal", "FATAL",
		"error", "ERROR" };
	size_t			 i = 0, start, n, k;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	start = i;
	while (i < len &&
	    (isalnum((unsigned char)line[i]) || line[i] == '_' ||
		line[i] == '.' || line[i] == '$'))
		i++;
	n = i - start;
	if (n == 0 || i == len ||
	    (line[i] != ':' &&
		!(line[i] == ' ' && i + 1 < len && line[i + 1] == '[')))
		return 0;
	for (k = 0; k < GW_ARRAY_LEN(ends); k++) {
		size_t m = strlen(ends[k]);

		if (n >= m && memcmp(line + i - m, ends[k], m) == 0)
			return 1;
	}
	for (k = 0; k < GW_ARRAY_LEN(words); k++)
		if (n == strlen(words[k]) &&
		    memcmp(line + start, words[k], n) == 0)
			return 1;
	return 0;
}

void
output_tail_add(struct output_tail *t, const char *line, size_t len)
{
	size_t need, drop = 0;

	if (len > TAIL_LINE_MAX) {
		line += len - TAIL_LINE_MAX;
		len = TAIL_LINE_MAX;
	}
	need = len + 1;
	/* Grow as lines come, so a quiet worker costs little. */
	if (t->len + need > t->cap && t->cap < OUTPUT_TAIL_BYTES) {
		t->cap = t->cap ? t->cap * 2 : 128;
		while (t->cap < t->len + need && t->cap < OUTPUT_TAIL_BYTES)
			t->cap *= 2;
		if (t->cap > OUTPUT_TAIL_BYTES)
			t->cap = OUTPUT_TAIL_BYTES;
		t->buf = xrealloc(t->buf, t->cap);
	}
	/* Drop whole lines from the front until the new one fits. */
	while (t->len - drop + need > t->cap) {
		char *nl = memchr(t->buf + drop, '\n', t->len - drop);

		drop = nl != NULL ? (size_t)(nl - t->buf) + 1 : t->len;
	}
	memmove(t->buf, t->buf + drop, t->len - drop);
	t->len -= drop;
	memcpy(t->buf + t->len, line, len);
	utf8_clean(t->buf + t->len, len);
	t->buf[t->len + len] = '\n';
	/* The newest line naming an error is kept apart, for a while, in
	 * case a long stack trace pushes it out of the tail. */
	if (len > 0 && names_error(t->buf + t->len, len)) {
		size_t n = len < OUTPUT_CAUSE_MAX ? len : OUTPUT_CAUSE_MAX;

		if (t->cause == NULL)
			t->cause = xmalloc(OUTPUT_CAUSE_MAX + 1);
		memcpy(t->cause, t->buf + t->len, n);
		t->cause[n] = '\0';
		t->since_cause = 0;
	} else if (t->cause != NULL && ++t->since_cause > OUTPUT_CAUSE_LINES) {
		free(t->cause);
		t->cause = NULL;
	}
	t->len += need;
}

json_t *
output_tail_to_json(const struct output_tail *t)
{
	json_t *a;
	size_t	at = 0;

	if (t->len == 0)
		return NULL;
	a = json_array();
	while (at < t->len) {
		char  *nl = memchr(t->buf + at, '\n', t->len - at);
		size_t n = (size_t)(nl - (t->buf + at));

		/* utf8_clean made every line valid */
		json_array_append_new(a, json_stringn_nocheck(t->buf + at, n));
		at += n + 1;
	}
	return a;
}

const char *
output_tail_cause(const struct output_tail *t, char *buf, size_t len)
{
	size_t end = t->len, start, n = 0;

	if (len == 0)
		return NULL;
	if (t->cause != NULL) {
		gw_strlcpy(buf, t->cause, len);
		return buf;
	}
	/* No error named lately: the newest line that is not blank. */
	while (end > 0) {
		start = end - 1; /* the '\n' of this line */
		while (start > 0 && t->buf[start - 1] != '\n')
			start--;
		n = end - 1 - start;
		if (n > 0) {
			if (n >= len)
				n = len - 1;
			memcpy(buf, t->buf + start, n);
			buf[n] = '\0';
			return buf;
		}
		end = start;
	}
	return NULL;
}

void
output_tail_free(struct output_tail *t)
{
	free(t->buf);
	free(t->cause);
	memset(t, 0, sizeof *t);
}

/* Pass one line on and keep it. */
static void
output_line(struct output *o, const char *line, size_t len)
{
	if (o->to_log)
		log_info("worker %d (pid %ld): %.*s", o->id, (long)o->pid,
		    (int)len, line);
	else {
		struct iovec iov[2] = { { (void *)(uintptr_t)line, len },
			{ (void *)"\n", 1 } };
		ssize_t	     n;

		/* One write, so that the line stays whole among other
		 * writers'.  A failure is ignored, as the worker's own
		 * write to gwd's stderr would have been. */
		n = writev(STDERR_FILENO, iov, 2);
		if (n >= 0 && (size_t)n < len)
			(void)gw_write_all(STDERR_FILENO, line + n,
			    len - (size_t)n);
		if (n >= 0 && (size_t)n < len + 1)
			(void)gw_write_all(STDERR_FILENO, "\n", 1);
	}
	output_tail_add(&o->tail, line, len);
}

/* Every whole line in the buffer; at EOF, or past OUTPUT_LINE_MAX, what
 * is left too. */
static void
output_lines(struct output *o, int eof)
{
	char  *line;
	size_t len;

	if (o->in == NULL)
		return;
	while ((line = evbuffer_readln(o->in, &len, EVBUFFER_EOL_LF)) != NULL) {
		output_line(o, line, len);
		free(line);
	}
	while (evbuffer_get_length(o->in) >= OUTPUT_LINE_MAX ||
	    (eof && evbuffer_get_length(o->in) > 0)) {
		char buf[OUTPUT_LINE_MAX];
		int  n = evbuffer_remove(o->in, buf, sizeof buf);

		if (n <= 0)
			break;
		output_line(o, buf, (size_t)n);
	}
}

static void
output_free(struct output *o)
{
	LIST_REMOVE(o, entry);
	if (o->ev != NULL)
		event_free(o->ev);
	if (o->fd != -1)
		close(o->fd);
	if (o->in != NULL)
		evbuffer_free(o->in);
	output_tail_free(&o->tail);
	free(o);
}

/* The pipe is at EOF: stop watching it; free unless the worker's record
 * still wants the tail. */
static void
output_eof(struct output *o)
{
	output_lines(o, 1);
	event_free(o->ev);
	o->ev = NULL;
	close(o->fd);
	o->fd = -1;
	if (o->detached)
		output_free(o);
}

/*
 * Read up to max bytes; returns 1 at EOF (or a read error), else 0.
 * Through a buffer on the stack, so that the evbuffer holds only what was
 * read (evbuffer_read would first grow it by a whole line's room, which
 * every worker keeps until it is freed, even for a read that finds EOF),
 * and only once a worker has written something.
 */
static int
output_read(struct output *o, size_t max)
{
	char	buf[OUTPUT_LINE_MAX];
	size_t	got = 0;
	ssize_t n;

	while (got < max) {
		n = read(o->fd, buf, sizeof buf);
		if (n == 0)
			return 1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno != EAGAIN;
		}
		if (o->in == NULL && (o->in = evbuffer_new()) == NULL)
			fatal("out of memory");
		if (evbuffer_add(o->in, buf, (size_t)n) == -1)
			fatal("out of memory");
		got += (size_t)n;
		output_lines(o, 0);
	}
	return 0;
}

static void
output_ready(evutil_socket_t fd, short what, void *arg)
{
	struct output *o = arg;

	(void)fd;
	(void)what;
	/* One pipe's worth per wake-up, so a chatty worker cannot starve
	 * the loop. */
	if (output_read(o, 65536))
		output_eof(o);
}

struct output *
output_start(struct event_base *base, int fd, int id, pid_t pid, int to_log)
{
	struct output *o = xcalloc(1, sizeof *o);

	o->fd = fd;
	o->id = id;
	o->pid = pid;
	o->to_log = to_log;
	o->ev = event_new(base, fd, EV_READ | EV_PERSIST, output_ready, o);
	if (o->ev == NULL)
		fatal("out of memory");
	event_add(o->ev, NULL);
	LIST_INSERT_HEAD(&outputs, o, entry);
	return o;
}

void
output_drain(struct output *o)
{
	if (o == NULL || o->fd == -1)
		return;
	if (output_read(o, DRAIN_MAX))
		output_eof(o);
}

void
output_detach(struct output *o)
{
	if (o == NULL)
		return;
	if (o->fd == -1)
		output_free(o);
	else
		o->detached = 1;
}

json_t *
output_tail_json(const struct output *o)
{
	return o != NULL ? output_tail_to_json(&o->tail) : NULL;
}

const char *
output_cause(const struct output *o, char *buf, size_t len)
{
	return o != NULL ? output_tail_cause(&o->tail, buf, len) : NULL;
}

void
output_free_all(void)
{
	while (!LIST_EMPTY(&outputs))
		output_free(LIST_FIRST(&outputs));
}

int
output_fd(const struct output *o)
{
	return o != NULL ? o->fd : -1;
}

void
output_restore_tail(struct output *o, const json_t *lines)
{
	const json_t *v;
	size_t	      i;

	if (o == NULL || !json_is_array(lines))
		return;
	json_array_foreach(lines, i, v) if (json_is_string(v))
	    output_tail_add(&o->tail, json_string_value(v),
		json_string_length(v));
}
