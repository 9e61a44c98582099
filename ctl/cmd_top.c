/*
 * cmd_top.c: `gwctl top`, a live view of the pool.  Once a second it asks
 * for `status` and `workers` on one connection, computes the rates
 * (ctl/top_rows.c) and redraws the whole screen in one write; keys change
 * the order or quit.  The terminal is restored on every way out
 * (ctl/term.c).  Not on a terminal, it prints one snapshot.  Joins
 * gwctl's table.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/parse.h"
#include "gw/protocol.h"
#include "gw/util.h"

#include "client.h"
#include "gwctl.h"
#include "render.h"
#include "term.h"
#include "top_rows.h"

#define TOP_REFRESH_MS 1000
/* Without --timeout, how long an unreachable gwd is retried. */
#define TOP_GIVE_UP_MS 30000
/* The most one refresh may wait for its answers: keys must stay live. */
#define TOP_REQUEST_MS 2000
#define TOP_LINE       2048

const struct gwctl_flag cmd_top_flags[] = {
	{ "--once", 0, NULL,
	    "print one snapshot and exit (the default "
	    "when not on a terminal)" },
	{ "--sort", 0, "KEY", "order by id (default), mem, cpu or req" },
	{ NULL, 0, NULL, NULL }
};

struct top {
	struct gwctl_inv *inv;
	struct ctl_conn	  conn;
	int		  connected;
	json_t		 *status;    /* the last answers, or NULL */
	struct top_sample cur, view; /* as received; sorted */
	enum top_sort	  sort;
	char		  error[512];	 /* why the refresh failed */
	uint64_t	  failing_since; /* 0: the last one worked */
	size_t		  cols, rows;
	char		 *frame; /* the screen being built */
	size_t		  frame_len, frame_cap;
};

static volatile sig_atomic_t top_quit, top_winch, top_tstp;

static void
top_on_signal(int sig)
{
	switch (sig) {
	case SIGWINCH:
		top_winch = 1;
		break;
	case SIGTSTP:
		top_tstp = 1;
		break;
	default:
		top_quit = 1;
		client_stop = 1; /* a refresh in progress gives up */
		break;
	}
}

/* ---- asking gwd ---------------------------------------------------------- */

static void GW_PRINTF(2, 3) top_fail(struct top *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->error, sizeof t->error, fmt, ap);
	va_end(ap);
}

/* Why the connection failed, in t->error; it is closed. */
static int
top_conn_failure(struct top *t, int rc, const char *doing)
{
	char d[32];

	if (rc == CLIENT_TIMEOUT) {
		format_duration(d, sizeof d, TOP_REQUEST_MS);
		top_fail(t, "no answer from %s within %s", t->inv->socket, d);
	} else if (rc == CLIENT_INTERRUPTED)
		top_fail(t, "interrupted");
	else if (errno == 0 || errno == ECONNRESET || errno == EPIPE)
		top_fail(t, "%s closed the connection %s", t->inv->socket,
		    doing);
	else
		top_fail(t, "%s: %s %s", t->inv->socket, strerror(errno),
		    doing);
	client_close(&t->conn);
	t->connected = 0;
	return GWCTL_UNREACHABLE;
}

/* One answer line: its result (new reference), or an exit status. */
static int
top_answer(struct top *t, json_int_t id, json_t **result)
{
	json_t *resp, *ok;
	char   *line, msg[256];
	size_t	len;
	int	rc;

	if ((rc = client_read_line(&t->conn, &line, &len)) != CLIENT_OK)
		return top_conn_failure(t, rc, "before answering");
	resp = json_loadb(line, len, 0, NULL);
	ok = json_object_get(resp, "ok");
	if (!json_is_boolean(ok)) {
		json_decref(resp);
		top_fail(t,
		    "unreadable answer from %s (not a gwd control "
		    "socket?)",
		    t->inv->socket);
		client_close(&t->conn);
		t->connected = 0;
		return GWCTL_UNREACHABLE;
	}
	if (json_is_false(ok)) {
		render_scalar(msg, sizeof msg,
		    json_object_get(json_object_get(resp, "error"), "message"));
		top_fail(t, "%s", msg);
		json_decref(resp);
		return GWCTL_FAILED;
	}
	if (json_integer_value(json_object_get(resp, "id")) != id) {
		json_decref(resp);
		top_fail(t, "answer to another request from %s",
		    t->inv->socket);
		return GWCTL_UNREACHABLE;
	}
	*result = json_incref(json_object_get(resp, "result"));
	json_decref(resp);
	return *result != NULL ? GWCTL_OK : GWCTL_UNREACHABLE;
}

/*
 * Ask for status and workers (pipelined, on the connection kept from the
 * last refresh) and take them in.  An exit status; t->error says why.
 */
static int
top_ask(struct top *t, uint64_t timeout_ms)
{
	static const char req[] = "{\"id\":1,\"cmd\":\"" GW_CMD_STATUS
				  "\"}\n{\"id\":2,\"cmd\":\"" GW_CMD_WORKERS
				  "\"}";
	struct top_sample prev;
	json_t		 *status = NULL, *workers = NULL;
	int		  rc;

	if (!t->connected) {
		rc = client_open(&t->conn, t->inv->socket, timeout_ms);
		if (rc != CLIENT_OK) {
			if (rc == CLIENT_TIMEOUT)
				top_fail(t,
				    "cannot connect to %s: its backlog "
				    "is full",
				    t->inv->socket);
			else if (rc == CLIENT_INTERRUPTED)
				top_fail(t, "interrupted");
			else
				top_fail(t,
				    "cannot connect to %s: %s (is gwd "
				    "running? use -s PATH or -n NAME)",
				    t->inv->socket, strerror(errno));
			client_close(&t->conn);
			return GWCTL_UNREACHABLE;
		}
		t->connected = 1;
	}
	client_deadline(&t->conn, timeout_ms);
	if ((rc = client_send_line(&t->conn, req, sizeof req - 1)) != CLIENT_OK)
		return top_conn_failure(t, rc, "while sending");
	if ((rc = top_answer(t, 1, &status)) != GWCTL_OK)
		return rc;
	if ((rc = top_answer(t, 2, &workers)) != GWCTL_OK) {
		json_decref(status);
		return rc;
	}
	json_decref(t->status);
	t->status = status;
	prev = t->cur;
	top_rows_parse(&t->cur, workers, (double)gw_now_ms() / 1000.0);
	top_rows_rates(prev.n > 0 ? &prev : NULL, &t->cur);
	top_rows_free(&prev);
	json_decref(workers);
	return GWCTL_OK;
}

/*
 * One refresh.  A connection kept from before may have been closed in the
 * meantime (gwd restarted, or closed it as idle): then a fresh one gets a
 * second chance before the refresh counts as failed.
 */
static int
top_refresh(struct top *t, uint64_t timeout_ms)
{
	int reused = t->connected, rc;

	rc = top_ask(t, timeout_ms);
	if (rc == GWCTL_UNREACHABLE && reused && !client_stop) {
		if (t->connected)
			client_close(&t->conn);
		t->connected = 0;
		rc = top_ask(t, timeout_ms);
	}
	/* Whatever is left unread on a failed connection is not ours. */
	if (rc != GWCTL_OK && t->connected) {
		client_close(&t->conn);
		t->connected = 0;
	}
	return rc;
}

/* The view: a sorted copy of the latest sample. */
static void
top_resort(struct top *t)
{
	top_rows_free(&t->view);
	t->view = t->cur;
	t->view.w = NULL;
	if (t->cur.n > 0) {
		t->view.w = xcalloc(t->cur.n, sizeof *t->view.w);
		memcpy(t->view.w, t->cur.w, t->cur.n * sizeof *t->view.w);
	}
	top_rows_sort(&t->view, t->sort);
}

/* ---- the screen ---------------------------------------------------------- */

static void
top_put(struct top *t, const char *s, size_t len)
{
	if (t->frame_cap - t->frame_len < len + 1) {
		t->frame_cap = (t->frame_len + len + 1) * 2;
		t->frame = xrealloc(t->frame, t->frame_cap);
	}
	memcpy(t->frame + t->frame_len, s, len);
	t->frame_len += len;
}

static void
top_puts(struct top *t, const char *s)
{
	top_put(t, s, strlen(s));
}

/* A line of the screen: the text (already cut), the rest of it cleared. */
static void
top_line(struct top *t, const char *attr, const char *text, int last)
{
	if (attr != NULL)
		top_puts(t, attr);
	top_puts(t, text);
	top_puts(t, "\033[K");
	if (attr != NULL)
		top_puts(t, "\033[0m");
	if (!last)
		top_puts(t, "\r\n");
}

/* Seconds left before top gives up on an unreachable gwd. */
static void
top_give_up_text(struct top *t, char *buf, size_t len, uint64_t bound)
{
	uint64_t now = gw_now_ms(), end = t->failing_since + bound;

	if (bound == 0)
		snprintf(buf, len, "retrying");
	else /* whole seconds: the line should not flicker */
		format_duration(buf, len,
		    end > now ? (end - now + 999) / 1000 * 1000 : 0);
}

static void
top_draw(struct top *t, uint64_t bound)
{
	char	  line[TOP_LINE], left[32], clock[16];
	struct tm tm;
	time_t	  now = time(NULL);
	size_t	  i, body, shown;

	t->frame_len = 0;
	top_puts(t, "\033[H");
	if (t->status != NULL)
		top_rows_summary(line, sizeof line, t->cols, t->status,
		    gw_wall_time());
	else
		snprintf(line, sizeof line, "gwctl top: %s", t->inv->socket);
	top_rows_cut(line, t->cols);
	top_line(t, "\033[1m", line, t->rows <= 1);
	if (t->rows <= 1)
		goto out;
	localtime_r(&now, &tm);
	strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	if (t->failing_since != 0) {
		top_give_up_text(t, left, sizeof left, bound);
		snprintf(line, sizeof line, "%s  gwd unreachable (%s%s): %s",
		    clock, bound ? "giving up in " : "", left, t->error);
	} else
		snprintf(line, sizeof line,
		    "%s  %zu worker%s  sort: %s  keys: "
		    "i id, m mem, c cpu, r req/s, q quit",
		    clock, t->cur.n, t->cur.n == 1 ? "" : "s",
		    top_rows_sort_name(t->sort));
	top_rows_cut(line, t->cols);
	top_line(t, t->failing_since ? "\033[7m" : NULL, line, t->rows <= 2);
	if (t->rows <= 2)
		goto out;
	top_rows_header(line, sizeof line, t->cols, t->sort);
	/* The header bar spans the screen. */
	for (i = strlen(line); i < t->cols && i + 1 < sizeof line; i++)
		line[i] = ' ';
	line[i] = '\0';
	top_rows_cut(line, t->cols);
	top_line(t, "\033[7m", line, t->rows <= 3);
	if (t->rows <= 3)
		goto out;
	body = t->rows - 3;
	shown = t->view.n <= body ? t->view.n : body - 1;
	for (i = 0; i < shown; i++) {
		top_rows_format(line, sizeof line, t->cols, &t->view, i);
		/* Rows from before gwd went away are shown faint. */
		top_line(t, t->failing_since ? "\033[2m" : NULL, line,
		    i + 1 == body);
	}
	if (shown < t->view.n) {
		snprintf(line, sizeof line,
		    "... %zu more (a taller terminal "
		    "shows them)",
		    t->view.n - shown);
		top_rows_cut(line, t->cols);
		top_line(t, NULL, line, 1);
	}
out:
	top_puts(t, "\033[J");
	(void)gw_write_all(STDOUT_FILENO, t->frame, t->frame_len);
}

/* ---- the loop ---------------------------------------------------------- */

static void
top_signals(int on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH,
		SIGTSTP };
	struct sigaction sa;
	size_t		 i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on ? top_on_signal : SIG_DFL; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < GW_ARRAY_LEN(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Ctrl-Z: give the terminal back, stop, and take it again on SIGCONT. */
static int
top_suspend(struct top *t)
{
	struct sigaction sa;

	term_leave();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTSTP, &sa, NULL);
	raise(SIGTSTP);
	/* Here again after SIGCONT. */
	top_signals(1);
	top_tstp = 0;
	if (term_enter(STDIN_FILENO, STDOUT_FILENO) == -1)
		return -1;
	term_size(STDOUT_FILENO, &t->cols, &t->rows);
	return 0;
}

/* Read what keys there are: -1 if one asks to quit, 1 if the view changed. */
static int
top_keys(struct top *t)
{
	char	buf[64];
	ssize_t n, i;
	int	key, changed = 0;

	/* End of input or a terminal gone (EIO): nobody is watching. */
	if ((n = read(STDIN_FILENO, buf, sizeof buf)) == 0)
		return -1;
	if (n == -1)
		return errno != EINTR && errno != EAGAIN ? -1 : 0;
	for (i = 0; i < n; i++) {
		if (buf[i] == 'q' || buf[i] == 'Q')
			return -1;
		if ((key = top_rows_sort_by_key(buf[i])) != -1 &&
		    key != (int)t->sort) {
			t->sort = (enum top_sort)key;
			top_resort(t);
			changed = 1;
		}
	}
	return changed;
}

static int
top_live(struct top *t)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	uint64_t      bound, next = 0, now;
	int	      rc = GWCTL_OK, timeout, keys;

	bound = t->inv->timeout_set ? t->inv->timeout_ms : TOP_GIVE_UP_MS;
	/*
	 * A gwd that is not there at all (a wrong -n) is an error at once,
	 * before the screen is taken; one that goes away later is retried.
	 */
	if ((rc = top_refresh(t, t->inv->timeout_ms)) != GWCTL_OK) {
		fprintf(stderr, "gwctl: top: %s\n", t->error);
		return rc;
	}
	top_resort(t);
	next = gw_now_ms() + TOP_REFRESH_MS;
	top_signals(1);
	if (term_enter(STDIN_FILENO, STDOUT_FILENO) == -1) {
		top_signals(0);
		fprintf(stderr, "gwctl: top: cannot set up the terminal: %s\n",
		    strerror(errno));
		return GWCTL_FAILED;
	}
	atexit(term_leave);
	term_size(STDOUT_FILENO, &t->cols, &t->rows);
	top_draw(t, bound);
	while (!top_quit) {
		if (top_tstp) {
			if (top_suspend(t) == -1)
				break;
			top_draw(t, bound);
		}
		if (top_winch) {
			top_winch = 0;
			term_size(STDOUT_FILENO, &t->cols, &t->rows);
			top_draw(t, bound);
		}
		if ((now = gw_now_ms()) >= next) {
			rc = top_refresh(t,
			    bound && bound < TOP_REQUEST_MS ? bound :
							      TOP_REQUEST_MS);
			if (top_quit)
				break;
			now = gw_now_ms();
			if (rc == GWCTL_OK) {
				t->failing_since = 0;
				top_resort(t);
			} else if (rc == GWCTL_FAILED)
				break; /* gwd said no: retrying cannot help */
			else if (t->failing_since == 0)
				t->failing_since = now;
			else if (bound && now - t->failing_since >= bound)
				break;
			next = now + TOP_REFRESH_MS;
			top_draw(t, bound);
		}
		timeout = (int)(next > now ? next - now : 0);
		if (poll(&pfd, 1, timeout) > 0) {
			/* A key is answered at once, not at the refresh. */
			if ((keys = top_keys(t)) == -1)
				break;
			if (keys == 1)
				top_draw(t, bound);
		}
	}
	term_leave();
	top_signals(0);
	if (top_quit || rc == GWCTL_OK)
		return GWCTL_OK;
	fprintf(stderr, "gwctl: top: %s\n", t->error);
	return rc;
}

/* Not on a terminal: the same lines once, uncut. */
static int
top_once(struct top *t)
{
	char   line[TOP_LINE];
	size_t i;
	int    rc;

	if ((rc = top_refresh(t, t->inv->timeout_ms)) != GWCTL_OK) {
		fprintf(stderr, "gwctl: top: %s\n", t->error);
		return rc;
	}
	top_resort(t);
	top_rows_summary(line, sizeof line, sizeof line, t->status,
	    gw_wall_time());
	printf("%s\n", line);
	top_rows_header(line, sizeof line, sizeof line, t->sort);
	printf("%s\n", line);
	for (i = 0; i < t->view.n; i++) {
		top_rows_format(line, sizeof line, sizeof line, &t->view, i);
		printf("%s\n", line);
	}
	return GWCTL_OK;
}

int
cmd_top_run(struct gwctl_inv *inv)
{
	struct top  t;
	const char *sort = gwctl_flag(inv, "--sort");
	int	    key = TOP_SORT_ID, rc;

	if (inv->json)
		return gwctl_usage_error(inv,
		    "no --json view (use status "
		    "and workers)");
	if (sort != NULL && (key = top_rows_sort_by_name(sort)) == -1)
		return gwctl_usage_error(inv,
		    "--sort %s: not id, mem, cpu "
		    "or req",
		    sort);
	memset(&t, 0, sizeof t);
	t.inv = inv;
	t.sort = (enum top_sort)key;
	t.conn.fd = -1;
	if (gwctl_flag(inv, "--once") != NULL || !isatty(STDOUT_FILENO) ||
	    !isatty(STDIN_FILENO))
		rc = top_once(&t);
	else
		rc = top_live(&t);
	if (t.connected)
		client_close(&t.conn);
	json_decref(t.status);
	top_rows_free(&t.cur);
	top_rows_free(&t.view);
	free(t.frame);
	return rc;
}
