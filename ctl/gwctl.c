/*
 * gwctl.c: the control client (SPEC section 8).  One table of subcommands
 * drives parsing, dispatch and the usage text.  Each subcommand turns its
 * arguments into one request (or, for notify, one datagram), and renders
 * the result as a table or, with --json, prints it as received.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/notify_send.h"
#include "gw/parse.h"
#include "gw/paths.h"
#include "gw/protocol.h"
#include "gw/util.h"

#include "client.h"
#include "gwctl.h"
#include "render.h"

/* Every wait is bounded by this unless --timeout says otherwise. */
#define DEFAULT_TIMEOUT_MS 10000
/* How long notify stays alive after sending (see run_notify). */
/* How gwd starts a successful answer to our request (its id is 1). */
#define RAW_OK_PREFIX	   "{\"id\":1,\"ok\":true,\"result\":"
#define NOTIFY_WAIT_MS	   5000 /* for the receiver to confirm */

static const char *progname = "gwctl";

/* ---- shared helpers ------------------------------------------------------- */

const char *
gwctl_flag(const struct gwctl_inv *inv, const char *name)
{
	size_t i;

	for (i = 0; inv->cmd->flags != NULL && inv->cmd->flags[i].name != NULL;
	     i++)
		if (strcmp(inv->cmd->flags[i].name, name) == 0)
			return inv->flag[i];
	return NULL;
}

int
gwctl_usage_error(const struct gwctl_inv *inv, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", progname, inv->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", progname);
	return GWCTL_USAGE;
}

void
gwctl_print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
}

static void
timeout_text(char *buf, size_t len, const struct gwctl_inv *inv)
{
	format_duration(buf, len, inv->timeout_ms);
}

/* Why the conversation failed, as exit status 3. */
static int
conn_failure(const struct gwctl_inv *inv, const struct ctl_conn *c, int rc,
    const char *doing)
{
	char t[32];

	if (rc == CLIENT_TIMEOUT) {
		timeout_text(t, sizeof t, inv);
		fprintf(stderr,
		    "%s: %s: no answer from %s within %s (use "
		    "--timeout D to wait longer)\n",
		    progname, inv->cmd->name, c->path, t);
	} else if (rc == CLIENT_INTERRUPTED) {
		fprintf(stderr, "%s: %s: interrupted\n", progname,
		    inv->cmd->name);
	} else if (errno == 0 || errno == ECONNRESET || errno == EPIPE)
		fprintf(stderr, "%s: %s: %s closed the connection %s\n",
		    progname, inv->cmd->name, c->path, doing);
	else
		fprintf(stderr, "%s: %s: %s: %s %s\n", progname, inv->cmd->name,
		    c->path, strerror(errno), doing);
	return GWCTL_UNREACHABLE;
}

static int
connect_daemon(const struct gwctl_inv *inv, struct ctl_conn *c)
{
	char t[32];
	int  rc;

	if ((rc = client_open(c, inv->socket, inv->timeout_ms)) == CLIENT_OK)
		return GWCTL_OK;
	if (rc == CLIENT_TIMEOUT) {
		timeout_text(t, sizeof t, inv);
		fprintf(stderr,
		    "%s: cannot connect to %s within %s: its "
		    "backlog is full (use --timeout D to wait longer)\n",
		    progname, inv->socket, t);
	} else if (rc == CLIENT_INTERRUPTED)
		fprintf(stderr, "%s: interrupted\n", progname);
	else
		fprintf(stderr,
		    "%s: cannot connect to %s: %s (is gwd running? "
		    "use -s PATH or -n NAME)\n",
		    progname, inv->socket, strerror(errno));
	client_close(c);
	return GWCTL_UNREACHABLE;
}

/*
 * Read one answer line and split it.  Returns GWCTL_OK with *result, or
 * an exit status after printing why.  A reply with another id is only
 * accepted when it is an error about the connection itself (busy,
 * forbidden, too_large carry a null id).
 */
static int
read_answer(struct gwctl_inv *inv, struct ctl_conn *c, json_t **result)
{
	json_t *resp, *err, *ok;
	char   *line, buf[1024];
	size_t	len;
	int	rc;

	if ((rc = client_read_line(c, &line, &len)) != CLIENT_OK)
		return conn_failure(inv, c, rc, "before answering");
	/*
	 * --json prints the result exactly as received: when the answer has
	 * gwd's own shape, cut it out instead of parsing it (a 1000-worker
	 * table is 200 KB, and parsing it costs more than everything else).
	 */
	if (inv->raw_ok && len > sizeof RAW_OK_PREFIX &&
	    memcmp(line, RAW_OK_PREFIX, sizeof RAW_OK_PREFIX - 1) == 0 &&
	    line[len - 1] == '}' && line[sizeof RAW_OK_PREFIX - 1] == '{') {
		inv->raw = xstrndup(line + sizeof RAW_OK_PREFIX - 1,
		    len - sizeof RAW_OK_PREFIX);
		*result = json_null();
		return GWCTL_OK;
	}
	resp = json_loadb(line, len, 0, NULL);
	ok = json_object_get(resp, "ok");
	if (!json_is_object(resp) || !json_is_boolean(ok)) {
		fprintf(stderr,
		    "%s: %s: unreadable answer from %s (not a gwd "
		    "control socket?)\n",
		    progname, inv->cmd->name, c->path);
		json_decref(resp);
		return GWCTL_UNREACHABLE;
	}
	if (json_is_false(ok)) {
		err = json_object_get(resp, "error");
		render_scalar(buf, sizeof buf, json_object_get(err, "message"));
		fprintf(stderr, "%s: %s: %s\n", progname, inv->cmd->name, buf);
		json_decref(resp);
		return GWCTL_FAILED;
	}
	if (json_integer_value(json_object_get(resp, "id")) != 1) {
		fprintf(stderr, "%s: %s: answer to another request from %s\n",
		    progname, inv->cmd->name, c->path);
		json_decref(resp);
		return GWCTL_UNREACHABLE;
	}
	*result = json_incref(json_object_get(resp, "result"));
	if (*result == NULL)
		*result = json_object();
	json_decref(resp);
	return GWCTL_OK;
}

/* Send one request on an open connection. */
static int
send_request(struct gwctl_inv *inv, struct ctl_conn *c, const char *cmd,
    json_t *args)
{
	json_t *req;
	char   *s;
	int	rc;

	req = json_pack("{s:i, s:s, s:o}", "id", 1, "cmd", cmd, "args",
	    args != NULL ? args : json_object());
	s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	rc = client_send_line(c, s, strlen(s));
	free(s);
	/* A refused peer is told why before the daemon hangs up: read it. */
	if (rc == CLIENT_ERROR && (errno == EPIPE || errno == ECONNRESET))
		return GWCTL_OK;
	if (rc != CLIENT_OK)
		return conn_failure(inv, c, rc, "while sending");
	return GWCTL_OK;
}

int
gwctl_call(struct gwctl_inv *inv, const char *cmd, json_t *args,
    json_t **result)
{
	struct ctl_conn c;
	int		rc;

	if ((rc = connect_daemon(inv, &c)) != GWCTL_OK) {
		json_decref(args);
		return rc;
	}
	if ((rc = send_request(inv, &c, cmd, args)) == GWCTL_OK)
		rc = read_answer(inv, &c, result);
	client_close(&c);
	return rc;
}

/* The usual shape: one request, then --json or a renderer. */
static int
simple(struct gwctl_inv *inv, const char *cmd, json_t *args,
    void (*render)(FILE *, json_t *), const char *done)
{
	json_t *result;
	int	rc;

	inv->raw_ok = inv->json;
	rc = gwctl_call(inv, cmd, args, &result);
	inv->raw_ok = 0;
	if (rc != GWCTL_OK)
		return rc;
	if (inv->raw != NULL) {
		printf("%s\n", inv->raw);
		free(inv->raw);
		inv->raw = NULL;
	} else if (inv->json)
		gwctl_print_json(result);
	else if (render != NULL)
		render(stdout, result);
	else if (done != NULL)
		printf("%s\n", done);
	json_decref(result);
	return GWCTL_OK;
}

/* ---- subcommands ---------------------------------------------------------- */

static int
run_status(struct gwctl_inv *inv)
{
	json_t *result;
	int	rc;

	if ((rc = gwctl_call(inv, GW_CMD_STATUS, NULL, &result)) != GWCTL_OK)
		return rc;
	if (inv->json)
		gwctl_print_json(result);
	else
		render_status(stdout, result, gw_wall_time());
	json_decref(result);
	return GWCTL_OK;
}

static int
run_workers(struct gwctl_inv *inv)
{
	return simple(inv, GW_CMD_WORKERS, NULL, render_workers, NULL);
}

/* An integer argument, or a usage error. */
static int
int_arg(struct gwctl_inv *inv, const char *s, long long min, long long max,
    long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || *out < min ||
	    *out > max)
		return gwctl_usage_error(inv,
		    "'%s' is not a number in "
		    "%lld..%lld",
		    s, min, max);
	return GWCTL_OK;
}

static int
run_scale(struct gwctl_inv *inv)
{
	const char *a = inv->argv[0];
	long long   n;

	if (int_arg(inv, a, -1000000, 1000000, &n) != GWCTL_OK)
		return GWCTL_USAGE;
	return simple(inv, GW_CMD_SCALE,
	    a[0] == '+' || a[0] == '-' ?
		json_pack("{s:I}", "delta", (json_int_t)n) :
		json_pack("{s:I}", "workers", (json_int_t)n),
	    render_scale, NULL);
}

static int
run_ttinou(struct gwctl_inv *inv, const char *cmd)
{
	json_t	 *args = json_object();
	long long n;

	if (inv->argc > 0) {
		if (int_arg(inv, inv->argv[0], 1, 1000000, &n) != GWCTL_OK) {
			json_decref(args);
			return GWCTL_USAGE;
		}
		json_object_set_new(args, "n", json_integer(n));
	}
	return simple(inv, cmd, args, render_scale, NULL);
}

static int
run_ttin(struct gwctl_inv *inv)
{
	return run_ttinou(inv, GW_CMD_TTIN);
}

static int
run_ttou(struct gwctl_inv *inv)
{
	return run_ttinou(inv, GW_CMD_TTOU);
}

static int
run_reload(struct gwctl_inv *inv)
{
	json_t *result;
	int	wait = gwctl_flag(inv, "--wait") != NULL, rc;

	/* A rolling reload takes as long as it takes unless told. */
	if (wait && !inv->timeout_set)
		inv->timeout_ms = 0;
	rc = gwctl_call(inv, GW_CMD_RELOAD, json_pack("{s:b}", "wait", wait),
	    &result);
	if (rc != GWCTL_OK)
		return rc;
	if (inv->json)
		gwctl_print_json(result);
	else
		render_reload(stdout, result);
	if (wait && !json_is_true(json_object_get(result, "ok"))) {
		char e[512];

		render_scalar(e, sizeof e, json_object_get(result, "error"));
		fprintf(stderr, "%s: reload: failed: %s\n", progname, e);
		rc = GWCTL_FAILED;
	}
	json_decref(result);
	return rc;
}

/* How long the daemon may take: its --version check of the binary (5 s
 * at most), the stats writer's flush (2 s at most), exec and adoption. */
#define UPGRADE_TIMEOUT_MS 30000

static int
run_upgrade(struct gwctl_inv *inv)
{
	const char *bin = gwctl_flag(inv, "--binary");
	json_t	   *args = json_object(), *result;
	char	    cwd[4096];
	int	    rc;

	if (bin != NULL) {
		/* gwd resolves nothing against its own directory. */
		if (bin[0] != '/' && getcwd(cwd, sizeof cwd) != NULL)
			json_object_set_new(args, "binary",
			    json_pack("s++", cwd, "/", bin));
		else
			json_object_set_new(args, "binary", json_string(bin));
	}
	if (!inv->timeout_set)
		inv->timeout_ms = UPGRADE_TIMEOUT_MS;
	if ((rc = gwctl_call(inv, GW_CMD_UPGRADE, args, &result)) != GWCTL_OK)
		return rc;
	if (inv->json)
		gwctl_print_json(result);
	else {
		const char *v;

		v = json_string_value(json_object_get(result, "version"));
		printf("upgraded to gwd %s (pid %lld, %lld workers adopted)\n",
		    v != NULL ? v : "?",
		    (long long)json_integer_value(json_object_get(result,
			"pid")),
		    (long long)json_integer_value(json_object_get(result,
			"workers")));
	}
	json_decref(result);
	return GWCTL_OK;
}

/* Is pid gone (or a zombie)?  Read from /proc: kill(pid, 0) would call a
 * zombie alive, and fails with EPERM on another user's gwd. */
static int
pid_gone(long pid)
{
	char   path[64], buf[512], *p;
	FILE  *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 1;
	return p[2] == 'Z' || p[2] == 'X';
}

/*
 * stop --wait: after the answer gwd closes the connection when it exits
 * (it flushes answers first); then its pid, from the answer, must be gone.
 * Exit 0 once it is, 1 if the deadline (--timeout, none by default)
 * passes first.
 */
static int
stop_wait(struct gwctl_inv *inv, struct ctl_conn *c, json_t *result,
    uint64_t t0)
{
	json_t *jp = json_object_get(result, "pid");
	long	pid = json_is_integer(jp) ? (long)json_integer_value(jp) : 0;
	char   *line, t[32];
	size_t	len;
	int	rc;

	while ((rc = client_read_line(c, &line, &len)) == CLIENT_OK)
		; /* nothing more is expected: wait for EOF */
	if (rc == CLIENT_ERROR && errno != 0 && errno != ECONNRESET &&
	    errno != EPIPE) {
		fprintf(stderr, "%s: stop: %s: %s while waiting\n", progname,
		    c->path, strerror(errno));
		return GWCTL_FAILED;
	}
	while (rc != CLIENT_TIMEOUT && rc != CLIENT_INTERRUPTED && pid > 0 &&
	    !pid_gone(pid)) {
		if (client_stop)
			rc = CLIENT_INTERRUPTED;
		else if (inv->timeout_ms > 0 &&
		    gw_now_ms() - t0 >= inv->timeout_ms)
			rc = CLIENT_TIMEOUT;
		else
			(void)poll(NULL, 0, 20);
	}
	if (rc == CLIENT_INTERRUPTED) {
		fprintf(stderr,
		    "%s: stop: interrupted; gwd is still "
		    "stopping\n",
		    progname);
		return GWCTL_FAILED;
	}
	if (rc == CLIENT_TIMEOUT) {
		timeout_text(t, sizeof t, inv);
		fprintf(stderr,
		    "%s: stop: gwd%s%.0ld has not exited within "
		    "%s\n",
		    progname, pid > 0 ? " pid " : "", pid, t);
		return GWCTL_FAILED;
	}
	return GWCTL_OK;
}

static int
run_stop(struct gwctl_inv *inv)
{
	struct ctl_conn c;
	json_t	       *result;
	uint64_t	t0 = gw_now_ms();
	int		quick = gwctl_flag(inv, "--quick") != NULL, rc;
	json_t	       *args = json_pack("{s:b}", "graceful", !quick);

	if (gwctl_flag(inv, "--wait") == NULL)
		return simple(inv, GW_CMD_STOP, args, NULL,
		    quick ? "gwd is stopping (quick)" : "gwd is stopping");
	/* gwd bounds its own stop (--graceful-timeout): wait as long unless
	 * told otherwise. */
	if (!inv->timeout_set)
		inv->timeout_ms = 0;
	if ((rc = connect_daemon(inv, &c)) != GWCTL_OK) {
		json_decref(args);
		return rc;
	}
	if ((rc = send_request(inv, &c, GW_CMD_STOP, args)) != GWCTL_OK ||
	    (rc = read_answer(inv, &c, &result)) != GWCTL_OK) {
		client_close(&c);
		return rc;
	}
	rc = stop_wait(inv, &c, result, t0);
	client_close(&c);
	if (rc == GWCTL_OK) {
		if (inv->json)
			gwctl_print_json(result);
		else
			printf("gwd stopped in %.1fs\n",
			    (double)(gw_now_ms() - t0) / 1000.0);
	}
	json_decref(result);
	return rc;
}

static int
run_kill(struct gwctl_inv *inv)
{
	const char *w = inv->argv[0];
	json_t	   *args = json_object(), *result;
	long long   n;
	int	    sig = SIGTERM, rc;

	if (strncmp(w, "pid:", 4) == 0) {
		if (int_arg(inv, w + 4, 1, 0x7fffffff, &n) != GWCTL_OK)
			goto usage;
		json_object_set_new(args, "pid", json_integer(n));
	} else {
		if (int_arg(inv, w, 1, 1000000, &n) != GWCTL_OK)
			goto usage;
		json_object_set_new(args, "worker", json_integer(n));
	}
	if (inv->argc > 1) {
		if (parse_signal(inv->argv[1], &sig) == -1) {
			gwctl_usage_error(inv, "'%s' is not a signal",
			    inv->argv[1]);
			goto usage;
		}
		json_object_set_new(args, "signal", json_string(inv->argv[1]));
	}
	if ((rc = gwctl_call(inv, GW_CMD_KILL, args, &result)) != GWCTL_OK)
		return rc;
	if (inv->json)
		gwctl_print_json(result);
	else
		printf("sent %s to pid %lld\n", format_signal(sig),
		    (long long)json_integer_value(json_object_get(result,
			"pid")));
	json_decref(result);
	return GWCTL_OK;
usage:
	json_decref(args);
	return GWCTL_USAGE;
}

static int
run_config(struct gwctl_inv *inv)
{
	return simple(inv, GW_CMD_CONFIG, NULL, render_config, NULL);
}

static int
run_reopen_logs(struct gwctl_inv *inv)
{
	return simple(inv, GW_CMD_REOPEN_LOGS, NULL, NULL, "logs reopened");
}

static int
run_ping(struct gwctl_inv *inv)
{
	json_t	*result;
	uint64_t t0 = gw_now_ms();
	int	 rc;

	if ((rc = gwctl_call(inv, GW_CMD_PING, NULL, &result)) != GWCTL_OK)
		return rc;
	if (inv->json)
		gwctl_print_json(result);
	else
		printf("pong from %s in %llu ms\n", inv->socket,
		    (unsigned long long)(gw_now_ms() - t0));
	json_decref(result);
	return GWCTL_OK;
}

/*
 * health: gwd's readiness as an exit status, for HEALTHCHECK CMD and
 * scripts: 0 ready, 1 not ready (the reason on stderr), 3 unreachable.
 * --live: 0 whenever the master answers at all, even with an error.
 */
static int
run_health(struct gwctl_inv *inv)
{
	json_t *result;
	char	reason[256];
	int	live = gwctl_flag(inv, "--live") != NULL, rc, ready;

	rc = gwctl_call(inv, GW_CMD_HEALTH, NULL, &result);
	if (live && rc == GWCTL_FAILED)
		return GWCTL_OK; /* it answered: the loop runs */
	if (rc != GWCTL_OK)
		return rc;
	ready = json_is_true(json_object_get(result, "ready"));
	if (inv->json)
		gwctl_print_json(result);
	else if (live)
		printf("live\n");
	else if (ready)
		printf("ready: %lld of %lld workers ready\n",
		    (long long)json_integer_value(json_object_get(result,
			"ready_workers")),
		    (long long)json_integer_value(json_object_get(result,
			"target")));
	if (!ready && !live) {
		render_scalar(reason, sizeof reason,
		    json_object_get(result, "reason"));
		fprintf(stderr, "%s: health: %s\n", progname, reason);
	}
	json_decref(result);
	return ready || live ? GWCTL_OK : GWCTL_FAILED;
}

static int
run_version(struct gwctl_inv *inv)
{
	json_t *result;
	int	rc;

	if ((rc = gwctl_call(inv, GW_CMD_VERSION, NULL, &result)) != GWCTL_OK)
		return rc;
	if (inv->json)
		gwctl_print_json(result);
	else {
		printf("gwctl %s (protocol %d)\n", PACKAGE_VERSION,
		    GW_PROTOCOL_VERSION);
		render_version(stdout, result);
	}
	json_decref(result);
	return GWCTL_OK;
}

static void
on_signal(int sig)
{
	(void)sig;
	client_stop = 1;
}

/* events -f: subscribe and print each event until interrupted. */
static int
follow_events(struct gwctl_inv *inv)
{
	struct sigaction sa;
	struct ctl_conn	 c;
	json_t		*result, *ev;
	char		*line;
	size_t		 len;
	int		 rc;

	if (!inv->timeout_set)
		inv->timeout_ms = DEFAULT_TIMEOUT_MS;
	if ((rc = connect_daemon(inv, &c)) != GWCTL_OK)
		return rc;
	if ((rc = send_request(inv, &c, GW_CMD_SUBSCRIBE, NULL)) != GWCTL_OK ||
	    (rc = read_answer(inv, &c, &result)) != GWCTL_OK) {
		client_close(&c);
		return rc;
	}
	json_decref(result);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll must return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Streaming: --timeout, if given, bounds the whole stream. */
	client_deadline(&c, inv->timeout_set ? inv->timeout_ms : 0);
	for (;;) {
		rc = client_read_line(&c, &line, &len);
		if (rc == CLIENT_TIMEOUT || rc == CLIENT_INTERRUPTED) {
			rc = GWCTL_OK;
			break;
		}
		if (rc != CLIENT_OK) {
			rc = conn_failure(inv, &c, rc, "while following");
			break;
		}
		if (inv->json) {
			fwrite(line, 1, len, stdout);
			fputc('\n', stdout);
		} else if ((ev = json_loadb(line, len, 0, NULL)) != NULL) {
			render_event(stdout, ev);
			json_decref(ev);
		}
		fflush(stdout);
	}
	client_close(&c);
	return rc;
}

static int
run_events(struct gwctl_inv *inv)
{
	const char *lim = gwctl_flag(inv, "--limit");
	json_t	   *result, *rows, *ev;
	long long   n = 20;
	size_t	    i;
	int	    rc;

	if (gwctl_flag(inv, "--follow") != NULL) {
		if (lim != NULL)
			return gwctl_usage_error(inv,
			    "--limit and --follow "
			    "do not go together");
		return follow_events(inv);
	}
	if (lim != NULL && int_arg(inv, lim, 1, 100000, &n) != GWCTL_OK)
		return GWCTL_USAGE;
	rc = gwctl_call(inv, GW_CMD_STATS,
	    json_pack("{s:s, s:I}", "kind", "events", "limit", (json_int_t)n),
	    &result);
	if (rc != GWCTL_OK)
		return rc;
	rows = json_object_get(result, "rows");
	if (inv->json)
		gwctl_print_json(result);
	else
		json_array_foreach(rows, i, ev) render_event(stdout, ev);
	json_decref(result);
	return GWCTL_OK;
}

/* call JSON: the text goes out as it is; the answer line comes back raw. */
static int
run_call(struct gwctl_inv *inv)
{
	struct ctl_conn c;
	json_t	       *resp;
	const char     *req = inv->argv[0];
	char	       *line;
	size_t		len;
	int		rc;

	if (strchr(req, '\n') != NULL)
		return gwctl_usage_error(inv, "one request, on one line");
	if ((rc = connect_daemon(inv, &c)) != GWCTL_OK)
		return rc;
	rc = client_send_line(&c, req, strlen(req));
	if (rc != CLIENT_OK &&
	    !(rc == CLIENT_ERROR && (errno == EPIPE || errno == ECONNRESET))) {
		rc = conn_failure(inv, &c, rc, "while sending");
		goto out;
	}
	if ((rc = client_read_line(&c, &line, &len)) != CLIENT_OK) {
		rc = conn_failure(inv, &c, rc, "before answering");
		goto out;
	}
	fwrite(line, 1, len, stdout);
	fputc('\n', stdout);
	resp = json_loadb(line, len, 0, NULL);
	if (!json_is_boolean(json_object_get(resp, "ok")))
		rc = GWCTL_UNREACHABLE;
	else
		rc = json_is_true(json_object_get(resp, "ok")) ? GWCTL_OK :
								 GWCTL_FAILED;
	json_decref(resp);
out:
	client_close(&c);
	return rc;
}

/* notify KEY=VALUE...: one datagram to $NOTIFY_SOCKET, not the daemon. */
static int
run_notify(struct gwctl_inv *inv)
{
	const char *path = getenv("NOTIFY_SOCKET");
	char	   *msg, *p;
	size_t	    len = 0;
	int	    i;

	if (path == NULL || path[0] == '\0')
		return gwctl_usage_error(inv,
		    "NOTIFY_SOCKET is not set (run "
		    "it from a gwd worker)");
	for (i = 0; i < inv->argc; i++) {
		if (strchr(inv->argv[i], '=') == NULL ||
		    inv->argv[i][0] == '=' || strchr(inv->argv[i], '\n'))
			return gwctl_usage_error(inv, "'%s' is not KEY=VALUE",
			    inv->argv[i]);
		len += strlen(inv->argv[i]) + 1;
	}
	msg = p = xmalloc(len);
	for (i = 0; i < inv->argc; i++)
		p += sprintf(p, "%s%s", inv->argv[i],
		    i + 1 < inv->argc ? "\n" : "");
	/*
	 * gwd traces a sender to its worker through /proc while the datagram
	 * waits in its queue, so wait until it has been handled: a pipe's
	 * write end travels with it and gwd closes it when done.
	 */
	if (notify_send_barrier(NULL, msg,
		inv->timeout_set && inv->timeout_ms > 0 ?
		    (int)inv->timeout_ms :
		    NOTIFY_WAIT_MS) == -1) {
		if (errno != ETIMEDOUT) {
			fprintf(stderr, "%s: notify: cannot send to %s: %s\n",
			    progname, path, strerror(errno));
			free(msg);
			return GWCTL_UNREACHABLE;
		}
		fprintf(stderr,
		    "%s: notify: sent, but %s did not confirm it "
		    "in time\n",
		    progname, path);
	}
	free(msg);
	return GWCTL_OK;
}

/* ---- the table ------------------------------------------------------------ */

static const struct gwctl_flag no_flags[] = { { NULL, 0, NULL, NULL } };
static const struct gwctl_flag reload_flags[] = {
	{ "--wait", 'w', NULL,
	    "wait until the reload is done; exit 1 if "
	    "it failed" },
	{ NULL, 0, NULL, NULL }
};
static const struct gwctl_flag upgrade_flags[] = {
	{ "--binary", 'b', "PATH",
	    "the gwd binary to run (default: the path "
	    "gwd was started as)" },
	{ NULL, 0, NULL, NULL }
};
static const struct gwctl_flag stop_flags[] = {
	{ "--quick", 'q', NULL, "SIGINT now, SIGKILL after 2 s" },
	{ "--wait", 'w', NULL,
	    "return once gwd has exited; exit 1 if it "
	    "has not by --timeout" },
	{ NULL, 0, NULL, NULL }
};
static const struct gwctl_flag health_flags[] = {
	{ "--live", 'l', NULL, "exit 0 if gwd answers at all, ready or not" },
	{ NULL, 0, NULL, NULL }
};
static const struct gwctl_flag events_flags[] = {
	{ "--follow", 'f', NULL,
	    "print events as they happen, until "
	    "interrupted" },
	{ "--limit", 0, "N", "how many recent events (default 20)" },
	{ NULL, 0, NULL, NULL }
};

static const struct gwctl_cmd commands[] = {
	{ "status", NULL, NULL, 0, 0, no_flags, run_status,
	    "state, generation, pool counts, paths" },
	{ "workers", "ps", NULL, 0, 0, no_flags, run_workers,
	    "one line per worker" },
	{ "top", NULL, NULL, 0, 0, cmd_top_flags, cmd_top_run,
	    "live view of the pool; q quits" },
	{ "scale", NULL, "N|+K|-K", 1, 1, no_flags, run_scale,
	    "set the pool size, or change it by K" },
	{ "ttin", NULL, "[K]", 0, 1, no_flags, run_ttin,
	    "K more workers (default 1)" },
	{ "ttou", NULL, "[K]", 0, 1, no_flags, run_ttou,
	    "K fewer workers (default 1, not below 1)" },
	{ "reload", NULL, NULL, 0, 0, reload_flags, run_reload,
	    "re-read the configuration, replace workers" },
	{ "stop", NULL, NULL, 0, 0, stop_flags, run_stop,
	    "shut gwd down gracefully" },
	{ "kill", NULL, "ID|pid:PID [SIGNAL]", 1, 2, no_flags, run_kill,
	    "signal a worker (default TERM); it is replaced" },
	{ "config", NULL, NULL, 0, 0, no_flags, run_config,
	    "the effective configuration, as a file" },
	{ "reopen-logs", NULL, NULL, 0, 0, no_flags, run_reopen_logs,
	    "reopen log files (like SIGUSR1)" },
	{ "upgrade", NULL, NULL, 0, 0, upgrade_flags, run_upgrade,
	    "re-execute gwd in place (like SIGUSR2), keeping the workers" },
	{ "stats", NULL, NULL, 0, 0, cmd_stats_flags, cmd_stats_run,
	    "history from the stats database" },
	{ "events", NULL, NULL, 0, 0, events_flags, run_events,
	    "recent events; -f follows them live" },
	{ "health", NULL, NULL, 0, 0, health_flags, run_health,
	    "exit 0 if ready for traffic, 1 if not (and why)" },
	{ "ping", NULL, NULL, 0, 0, no_flags, run_ping,
	    "check that gwd answers" },
	{ "version", NULL, NULL, 0, 0, no_flags, run_version,
	    "gwctl's and gwd's versions" },
	{ "call", NULL, "JSON", 1, 1, no_flags, run_call,
	    "send one raw request line, print the answer" },
	{ "notify", NULL, "KEY=VALUE...", 1, -1, no_flags, run_notify,
	    "one sd_notify datagram to $NOTIFY_SOCKET" },
};

static void
usage(FILE *f)
{
	const struct gwctl_cmd	*c;
	const struct gwctl_flag *fl;
	char			 line[256];
	size_t			 i, n;

	fprintf(f,
	    "usage: %s [-s PATH | -n NAME] [--json] [--timeout D] "
	    "COMMAND [ARGS]\n\ncommands:\n",
	    progname);
	for (i = 0; i < GW_ARRAY_LEN(commands); i++) {
		c = &commands[i];
		n = (size_t)snprintf(line, sizeof line, "%s", c->name);
		if (c->alias != NULL)
			n += (size_t)snprintf(line + n, sizeof line - n,
			    " (%s)", c->alias);
		for (fl = c->flags; fl->name != NULL && n < sizeof line; fl++)
			n += (size_t)snprintf(line + n, sizeof line - n,
			    " [%s%s%s]", fl->name, fl->arg ? " " : "",
			    fl->arg ? fl->arg : "");
		if (c->args != NULL && n < sizeof line)
			snprintf(line + n, sizeof line - n, " %s", c->args);
		fprintf(f, "  %-30s %s\n", line, c->help);
	}
	fprintf(f,
	    "\noptions:\n"
	    "  -s, --socket PATH    the control socket\n"
	    "  -n, --name NAME      the instance (default gwd): its default "
	    "socket\n"
	    "  -j, --json           print the result object as received\n"
	    "  -t, --timeout D      bound every wait (default 10s; none for "
	    "reload --wait\n"
	    "                       and stop --wait)\n"
	    "  -h, --help           this text\n"
	    "  -V, --version        gwctl's version\n"
	    "\nThe socket is -s PATH, else the default of -n NAME, else "
	    "$GWD_SOCKET, else\nthe default of instance gwd.  Exit status: 0 "
	    "ok, 1 gwd answered with an\nerror, 2 usage error, 3 gwd cannot "
	    "be reached.\n");
}

static const struct gwctl_cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < GW_ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0 ||
		    (commands[i].alias != NULL &&
			strcmp(commands[i].alias, name) == 0))
			return &commands[i];
	return NULL;
}

struct globals {
	const char *socket, *name, *timeout;
	int	    json;
};

/*
 * One option (global or the subcommand's) at argv[*i].  Returns 1 if it
 * was one, 0 if it is a positional, -1 on a usage error (printed).
 */
static int
parse_option(struct gwctl_inv *inv, struct globals *g, int argc, char **argv,
    int *i)
{
	static const struct {
		const char *l;
		char	    s;
		int	    has_arg;
	} glob[] = {
		{ "--socket", 's', 1 },
		{ "--name", 'n', 1 },
		{ "--json", 'j', 0 },
		{ "--timeout", 't', 1 },
	};
	const struct gwctl_flag *fl = inv->cmd->flags;
	const char		*a = argv[*i], *val = NULL, *eq;
	size_t			 k, nlen;
	int			 has_arg, which = -1, fi = -1;
	char			*end;

	if (a[0] != '-' || a[1] == '\0')
		return 0;
	if (a[1] != '-') { /* -K for scale/ttou is a number */
		strtol(a + 1, &end, 10);
		if (*end == '\0')
			return 0;
	}
	eq = a[1] == '-' ? strchr(a, '=') : NULL;
	nlen = eq ? (size_t)(eq - a) : strlen(a);
	for (k = 0; k < GW_ARRAY_LEN(glob); k++)
		if ((a[1] == '-' && strlen(glob[k].l) == nlen &&
			strncmp(a, glob[k].l, nlen) == 0) ||
		    (a[1] == glob[k].s && a[2] == '\0'))
			which = (int)k;
	for (k = 0; which == -1 && fl[k].name != NULL; k++)
		if ((a[1] == '-' && strlen(fl[k].name) == nlen &&
			strncmp(a, fl[k].name, nlen) == 0) ||
		    (fl[k].shortc && a[1] == fl[k].shortc && a[2] == '\0'))
			fi = (int)k;
	if (which == -1 && fi == -1) {
		gwctl_usage_error(inv, "unknown option '%s'", a);
		return -1;
	}
	has_arg = which != -1 ? glob[which].has_arg : fl[fi].arg != NULL;
	if (has_arg) {
		if (eq != NULL)
			val = eq + 1;
		else if (*i + 1 < argc)
			val = argv[++*i];
		else {
			gwctl_usage_error(inv, "%s needs a value", a);
			return -1;
		}
	} else if (eq != NULL) {
		gwctl_usage_error(inv, "%.*s takes no value", (int)nlen, a);
		return -1;
	}
	if (fi != -1) {
		inv->flag[fi] = has_arg ? val : "1";
		return 1;
	}
	switch (glob[which].s) {
	case 's':
		g->socket = val;
		break;
	case 'n':
		g->name = val;
		break;
	case 'j':
		g->json = 1;
		break;
	case 't':
		g->timeout = val;
		break;
	}
	return 1;
}

/* -s, -n, $GWD_SOCKET, the default instance: the socket path. */
static int
resolve_socket(struct gwctl_inv *inv, struct globals *g)
{
	const char *env = getenv("GWD_SOCKET");

	if (g->socket != NULL && g->name != NULL) {
		fprintf(stderr, "%s: -s and -n do not go together\n", progname);
		return GWCTL_USAGE;
	}
	if (g->name != NULL &&
	    (g->name[0] == '\0' || strchr(g->name, '/') != NULL)) {
		fprintf(stderr, "%s: bad instance name '%s'\n", progname,
		    g->name);
		return GWCTL_USAGE;
	}
	if (g->socket != NULL)
		inv->socket = xstrdup(g->socket);
	else if (g->name != NULL)
		inv->socket = gw_default_control_socket(g->name);
	else if (env != NULL && env[0] != '\0')
		inv->socket = xstrdup(env);
	else
		inv->socket = gw_default_control_socket("gwd");
	return GWCTL_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = { { "socket", required_argument,
						      NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 } };
	struct gwctl_inv	   inv;
	struct globals		   g;
	const char		  *err;
	int			   ch, i, nflags, rc;

	memset(&inv, 0, sizeof inv);
	memset(&g, 0, sizeof g);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+s:n:jt:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 's':
			g.socket = optarg;
			break;
		case 'n':
			g.name = optarg;
			break;
		case 'j':
			g.json = 1;
			break;
		case 't':
			g.timeout = optarg;
			break;
		case 'h':
			usage(stdout);
			return GWCTL_OK;
		case 'V':
			printf("gwctl %s (protocol %d)\n", PACKAGE_VERSION,
			    GW_PROTOCOL_VERSION);
			return GWCTL_OK;
		default:
			fprintf(stderr, "%s: bad option '%s'\n", progname,
			    argv[optind - 1]);
			usage(stderr);
			return GWCTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return GWCTL_USAGE;
	}
	if ((inv.cmd = find_command(argv[optind])) == NULL) {
		fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n",
		    progname, argv[optind], progname);
		return GWCTL_USAGE;
	}
	for (nflags = 0; inv.cmd->flags[nflags].name != NULL; nflags++)
		;
	if (nflags > GWCTL_MAX_FLAGS)
		abort(); /* the table is wrong */
	inv.argv = xcalloc((size_t)argc, sizeof *inv.argv);
	for (i = optind + 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (++i < argc)
				inv.argv[inv.argc++] = argv[i];
			break;
		}
		rc = parse_option(&inv, &g, argc, argv, &i);
		if (rc == -1)
			goto out_usage;
		if (rc == 0)
			inv.argv[inv.argc++] = argv[i];
	}
	if (inv.argc < inv.cmd->min_args ||
	    (inv.cmd->max_args >= 0 && inv.argc > inv.cmd->max_args)) {
		gwctl_usage_error(&inv, "expected %s",
		    inv.cmd->args ? inv.cmd->args : "no arguments");
		goto out_usage;
	}
	inv.json = g.json;
	inv.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (g.timeout != NULL) {
		if (parse_duration_ms(g.timeout, &inv.timeout_ms, &err) == -1) {
			gwctl_usage_error(&inv, "--timeout %s: %s", g.timeout,
			    err);
			goto out_usage;
		}
		inv.timeout_set = 1;
	}
	if (resolve_socket(&inv, &g) != GWCTL_OK)
		goto out_usage;
	rc = inv.cmd->run(&inv);
	fflush(stdout);
	free(inv.argv);
	free(inv.socket);
	return rc;
out_usage:
	free(inv.argv);
	free(inv.socket);
	return GWCTL_USAGE;
}
