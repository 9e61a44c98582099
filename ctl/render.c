/*
 * render.c: tables and key/value lists for gwctl's human output.  Text the
 * daemon relays from workers (STATUS=) is never trusted to be printable.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/parse.h"
#include "gw/util.h"

#include "render.h"

void
render_seconds(char *buf, size_t len, json_t *v)
{
	double s;

	if (!json_is_number(v) || (s = json_number_value(v)) < 0 ||
	    !isfinite(s) || s > 1e15) {
		snprintf(buf, len, "-");
		return;
	}
	format_duration(buf, len, (uint64_t)(s * 1000 + 0.5));
}

void
render_kb(char *buf, size_t len, json_t *v)
{
	double kb;

	if (!json_is_number(v) || (kb = json_number_value(v)) < 0 ||
	    kb > 1e15) {
		snprintf(buf, len, "-");
		return;
	}
	format_size(buf, len, (uint64_t)kb * 1024);
}

void
render_time(char *buf, size_t len, json_t *v)
{
	struct tm tm;
	time_t	  t;

	if (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > 1e12) {
		snprintf(buf, len, "-");
		return;
	}
	t = (time_t)json_number_value(v);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * Copy s, replacing control characters so a worker cannot drive the tty:
 * C0 and DEL, and the C1 range U+0080..U+009F (UTF-8 C2 80..C2 9F), where
 * U+009B is a one-character CSI to some terminals.
 */
static void
clean(char *buf, size_t len, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t		     i, o;

	for (i = o = 0; len > 0 && o < len - 1 && u[i] != '\0'; i++, o++) {
		if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) {
			buf[o] = '?';
			i++;
		} else
			buf[o] = u[i] < 0x20 || u[i] == 0x7f ? '?' : s[i];
	}
	if (len > 0)
		buf[o] = '\0';
}

void
render_scalar(char *buf, size_t len, json_t *v)
{
	char *s;

	if (v == NULL || json_is_null(v))
		snprintf(buf, len, "-");
	else if (json_is_string(v))
		clean(buf, len, json_string_value(v));
	else if (json_is_true(v))
		snprintf(buf, len, "yes");
	else if (json_is_false(v))
		snprintf(buf, len, "no");
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
	else {
		s = json_dumps(v, JSON_COMPACT);
		clean(buf, len, s != NULL ? s : "?");
		free(s);
	}
}

/* ---- status ------------------------------------------------------------- */

static void
kv(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%-14s %s\n", key, value);
}

static const char *
get_str(json_t *o, const char *key, char *buf, size_t len)
{
	render_scalar(buf, len, json_object_get(o, key));
	return buf;
}

/*
 * last_reload: {at, result: {generation, ok, duration_s, error, worker}},
 * or null: "generation 2 failed at T after 310ms: worker 1 (pid 9)
 * exited 3: ModuleNotFoundError: ...".
 */
static void
last_reload(char *buf, size_t len, json_t *v)
{
	char	t[32], d[32], e[512];
	json_t *r = json_object_get(v, "result"), *ok;

	if (!json_is_object(v) || !json_is_object(r)) {
		render_scalar(buf, len, v);
		return;
	}
	render_time(t, sizeof t, json_object_get(v, "at"));
	render_seconds(d, sizeof d, json_object_get(r, "duration_s"));
	ok = json_object_get(r, "ok");
	render_scalar(e, sizeof e, json_object_get(r, "error"));
	snprintf(buf, len, "generation %lld %s at %s %s %s%s%s",
	    (long long)json_integer_value(json_object_get(r, "generation")),
	    json_is_true(ok) ? "ok" : "failed", t,
	    json_is_true(ok) ? "in" : "after", d,
	    json_is_string(json_object_get(r, "error")) ? ": " : "",
	    json_is_string(json_object_get(r, "error")) ? e : "");
}

/*
 * last_upgrade: {at, ok, binary, from, to, error}, or null: "ok at T:
 * 0.1.0 -> 0.2.0" or "failed at T: /usr/sbin/gwd: its check exited 1".
 */
static void
last_upgrade(char *buf, size_t len, json_t *v)
{
	char t[32], from[64], to[64], e[512];

	if (!json_is_object(v)) {
		render_scalar(buf, len, v);
		return;
	}
	render_time(t, sizeof t, json_object_get(v, "at"));
	render_scalar(from, sizeof from, json_object_get(v, "from"));
	render_scalar(to, sizeof to, json_object_get(v, "to"));
	render_scalar(e, sizeof e, json_object_get(v, "error"));
	if (json_is_true(json_object_get(v, "ok")))
		snprintf(buf, len, "ok at %s: %s -> %s", t, from, to);
	else
		snprintf(buf, len, "failed at %s: %s", t, e);
}

/* The last lines a failed reload's worker wrote, indented under it. */
static void
reload_stderr(FILE *f, const char *indent, json_t *result)
{
	json_t *lines = json_object_get(json_object_get(result, "worker"),
		   "stderr"),
	       *l;
	char   line[512];
	size_t i;

	if (!json_is_array(lines) || json_array_size(lines) == 0)
		return;
	fprintf(f, "%sits last output:\n", indent);
	json_array_foreach(lines, i, l)
	{
		render_scalar(line, sizeof line, l);
		fprintf(f, "%s  | %s\n", indent, line);
	}
}

/* stats: {enabled, path, state, error, dropped, written, ...}. */
static void
stats_line(char *buf, size_t len, json_t *v)
{
	char	   state[32], err[256];
	json_int_t dropped = json_integer_value(json_object_get(v, "dropped"));

	if (!json_is_object(v)) {
		render_scalar(buf, len, v);
		return;
	}
	render_scalar(state, sizeof state, json_object_get(v, "state"));
	render_scalar(err, sizeof err, json_object_get(v, "error"));
	snprintf(buf, len, "%s, %lld written, %lld dropped%s%s", state,
	    (long long)json_integer_value(json_object_get(v, "written")),
	    (long long)dropped,
	    json_is_string(json_object_get(v, "error")) ? ": " : "",
	    json_is_string(json_object_get(v, "error")) ? err : "");
}

static void
join_binds(char *buf, size_t len, json_t *binds)
{
	json_t *b, *addr;
	size_t	i, used = 0;
	char	one[256];

	buf[0] = '\0';
	if (!json_is_array(binds) || json_array_size(binds) == 0) {
		snprintf(buf, len, "-");
		return;
	}
	json_array_foreach(binds, i, b)
	{
		if (json_is_object(b)) {
			addr = json_object_get(b, "addr");
			if (addr == NULL)
				addr = json_object_get(b, "address");
			render_scalar(one, sizeof one, addr);
		} else
			render_scalar(one, sizeof one, b);
		used += (size_t)snprintf(buf + used,
		    used < len ? len - used : 0, "%s%s", i ? ", " : "", one);
		if (used >= len)
			break;
	}
}

void
render_status(FILE *f, json_t *r, double now)
{
	static const char *known[] = { "name", "pid", "version", "state",
		"generation", "started_at", "uptime_s", "workers", "binds",
		"control_socket", "notify_socket", "stats_db", "last_reload",
		"backoff_until", "upgraded_at", "last_upgrade", "stats" };
	json_t		  *w = json_object_get(r, "workers"), *v;
	char		   a[64], b[64], line[1024];
	const char	  *key;
	size_t		   i;

	kv(f, "name", get_str(r, "name", line, sizeof line));
	kv(f, "pid", get_str(r, "pid", a, sizeof a));
	kv(f, "version", get_str(r, "version", a, sizeof a));
	kv(f, "state", get_str(r, "state", a, sizeof a));
	kv(f, "generation", get_str(r, "generation", a, sizeof a));
	render_seconds(a, sizeof a, json_object_get(r, "uptime_s"));
	render_time(b, sizeof b, json_object_get(r, "started_at"));
	snprintf(line, sizeof line, "%s (since %s)", a, b);
	kv(f, "uptime", line);
	if (json_is_object(w)) {
		char		   t[5][32];
		static const char *wk[] = { "target", "ready", "booting",
			"draining", "total" };
		for (i = 0; i < 5; i++)
			render_scalar(t[i], sizeof t[i],
			    json_object_get(w, wk[i]));
		snprintf(line, sizeof line,
		    "%s ready of %s (booting %s, "
		    "draining %s, total %s)",
		    t[1], t[0], t[2], t[3], t[4]);
		kv(f, "workers", line);
	} else
		kv(f, "workers", "-");
	join_binds(line, sizeof line, json_object_get(r, "binds"));
	kv(f, "binds", line);
	kv(f, "control", get_str(r, "control_socket", line, sizeof line));
	kv(f, "notify", get_str(r, "notify_socket", line, sizeof line));
	kv(f, "stats db", get_str(r, "stats_db", line, sizeof line));
	v = json_object_get(r, "last_reload");
	last_reload(line, sizeof line, v);
	kv(f, "last reload", line);
	reload_stderr(f, "               ", json_object_get(v, "result"));
	v = json_object_get(r, "stats");
	if (v != NULL) {
		stats_line(line, sizeof line, v);
		kv(f, "stats", line);
	}
	v = json_object_get(r, "backoff_until");
	/* A backoff that has passed is no backoff. */
	if (json_is_number(v) && json_number_value(v) > now) {
		render_time(a, sizeof a, v);
		format_duration(b, sizeof b,
		    (uint64_t)((json_number_value(v) - now) * 1000 + 0.5));
		snprintf(line, sizeof line, "until %s (in %s)", a, b);
		kv(f, "backoff", line);
	} else
		kv(f, "backoff", "-");
	render_time(a, sizeof a, json_object_get(r, "upgraded_at"));
	kv(f, "upgraded", a);
	last_upgrade(line, sizeof line, json_object_get(r, "last_upgrade"));
	kv(f, "last upgrade", line);
	/* Whatever else a newer gwd reports is shown, not hidden. */
	json_object_foreach(r, key, v)
	{
		for (i = 0; i < GW_ARRAY_LEN(known); i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i < GW_ARRAY_LEN(known))
			continue;
		render_scalar(line, sizeof line, v);
		kv(f, key, line);
	}
}

/* ---- workers ------------------------------------------------------------ */

enum {
	W_ID,
	W_PID,
	W_GEN,
	W_STATE,
	W_AGE,
	W_BEAT,
	W_REQS,
	W_RSS,
	W_CPU,
	W_RESTARTS,
	W_STATUS,
	W_NCOLS
};

static const struct {
	const char *title;
	int	    right;
} wcols[W_NCOLS] = {
	{ "ID", 1 },
	{ "PID", 1 },
	{ "GEN", 1 },
	{ "STATE", 0 },
	{ "AGE", 1 },
	{ "BEAT", 1 },
	{ "REQS", 1 },
	{ "RSS", 1 },
	{ "CPU", 1 },
	{ "RESTARTS", 1 },
	{ "STATUS", 0 },
};

#define CELL 48

static void
worker_cells(json_t *w, char cell[W_NCOLS][CELL])
{
	render_scalar(cell[W_ID], CELL, json_object_get(w, "id"));
	render_scalar(cell[W_PID], CELL, json_object_get(w, "pid"));
	render_scalar(cell[W_GEN], CELL, json_object_get(w, "generation"));
	render_scalar(cell[W_STATE], CELL, json_object_get(w, "state"));
	render_seconds(cell[W_AGE], CELL, json_object_get(w, "age_s"));
	render_seconds(cell[W_BEAT], CELL,
	    json_object_get(w, "last_heartbeat_s"));
	render_scalar(cell[W_REQS], CELL, json_object_get(w, "requests"));
	render_kb(cell[W_RSS], CELL, json_object_get(w, "rss_kb"));
	render_seconds(cell[W_CPU], CELL, json_object_get(w, "cpu_s"));
	render_scalar(cell[W_RESTARTS], CELL, json_object_get(w, "restarts"));
	render_scalar(cell[W_STATUS], CELL, json_object_get(w, "status"));
}

void
render_workers(FILE *f, json_t *r)
{
	json_t *list = json_object_get(r, "workers"), *w;
	size_t	width[W_NCOLS], i, j, n;
	char(*cells)[W_NCOLS][CELL];

	n = json_is_array(list) ? json_array_size(list) : 0;
	if (n == 0) {
		fprintf(f, "no workers\n");
		return;
	}
	cells = xcalloc(n, sizeof *cells);
	for (j = 0; j < W_NCOLS; j++)
		width[j] = strlen(wcols[j].title);
	json_array_foreach(list, i, w)
	{
		worker_cells(w, cells[i]);
		for (j = 0; j < W_NCOLS; j++)
			if (strlen(cells[i][j]) > width[j])
				width[j] = strlen(cells[i][j]);
	}
	for (j = 0; j + 1 < W_NCOLS; j++)
		fprintf(f, "%*s ",
		    wcols[j].right ? (int)width[j] : -(int)width[j],
		    wcols[j].title);
	fprintf(f, "%s\n", wcols[j].title);
	for (i = 0; i < n; i++) {
		for (j = 0; j + 1 < W_NCOLS; j++)
			fprintf(f, "%*s ",
			    wcols[j].right ? (int)width[j] : -(int)width[j],
			    cells[i][j]);
		fprintf(f, "%s\n", cells[i][j]);
	}
	free(cells);
}

/* ---- the rest ----------------------------------------------------------- */

/* Is key a repeatable option (one line per value)? */
static int
repeatable(const char *key)
{
	return strcmp(key, "bind") == 0 || strcmp(key, "env") == 0 ||
	    strcmp(key, "hook") == 0;
}

/* Words joined so that the configuration file splits them back. */
static void
join_words(char *buf, size_t len, json_t *words)
{
	json_t	   *w;
	const char *s, *p;
	size_t	    i, used = 0;
	char	    one[1024];
	int	    plain;

	buf[0] = '\0';
	json_array_foreach(words, i, w)
	{
		render_scalar(one, sizeof one, w);
		s = one;
		plain = s[0] != '\0';
		for (p = s; *p; p++)
			if (strchr(" \t'\"\\#$`", *p) != NULL)
				plain = 0;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s",
			    i ? " " : "");
		if (plain) {
			if (used < len)
				used += (size_t)snprintf(buf + used, len - used,
				    "%s", s);
			continue;
		}
		/* Single quotes; a quote inside becomes '\''. */
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "'");
		for (p = s; *p && used < len; p++)
			used += (size_t)snprintf(buf + used, len - used,
			    *p == '\'' ? "'\\''" : "%c", *p);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "'");
	}
}

void
render_config(FILE *f, json_t *r)
{
	const char *key;
	json_t	   *v, *e;
	size_t	    i;
	char	    buf[4096];

	json_object_foreach(r, key, v)
	{
		if (json_is_null(v))
			fprintf(f, "# %s =\n", key);
		else if (json_is_array(v) && !repeatable(key)) {
			join_words(buf, sizeof buf, v);
			fprintf(f, "%s = %s\n", key, buf);
		} else if (json_is_array(v)) {
			if (json_array_size(v) == 0)
				fprintf(f, "# %s =\n", key);
			json_array_foreach(v, i, e)
			{
				render_scalar(buf, sizeof buf, e);
				fprintf(f, "%s = %s\n", key, buf);
			}
		} else if (json_is_boolean(v))
			fprintf(f, "%s = %s\n", key,
			    json_is_true(v) ? "true" : "false");
		else {
			render_scalar(buf, sizeof buf, v);
			fprintf(f, "%s = %s\n", key, buf);
		}
	}
}

void
render_event(FILE *f, json_t *ev)
{
	char	t[32], buf[256], *d;
	json_t *v;
	double	ts;

	v = json_object_get(ev, "ts");
	render_time(t, sizeof t, v);
	ts = json_is_number(v) ? json_number_value(v) : 0;
	render_scalar(buf, sizeof buf, json_object_get(ev, "event"));
	/* Milliseconds matter when events come in bursts. */
	if (json_is_number(v) && strlen(t) > 1)
		t[strlen(t) - 1] = '\0';
	fprintf(f, "%s%s%03dZ %-14s", t, json_is_number(v) ? "." : "",
	    json_is_number(v) ? (int)((ts - (double)(long long)ts) * 1000) : 0,
	    buf);
	if (json_is_integer(v = json_object_get(ev, "worker_id")))
		fprintf(f, " worker %lld", (long long)json_integer_value(v));
	if (json_is_integer(v = json_object_get(ev, "pid")))
		fprintf(f, " pid %lld", (long long)json_integer_value(v));
	if (json_is_integer(v = json_object_get(ev, "generation")))
		fprintf(f, " gen %lld", (long long)json_integer_value(v));
	if (json_is_string(v = json_object_get(ev, "reason"))) {
		render_scalar(buf, sizeof buf, v);
		fprintf(f, " reason=%s", buf);
	}
	if (json_is_integer(v = json_object_get(ev, "exit_status")))
		fprintf(f, " status=%lld", (long long)json_integer_value(v));
	if (json_is_integer(v = json_object_get(ev, "signal")))
		fprintf(f, " signal=%s",
		    format_signal((int)json_integer_value(v)));
	v = json_object_get(ev, "detail");
	if (json_is_string(v) && json_string_length(v) > 0) {
		render_scalar(buf, sizeof buf, v);
		fprintf(f, " %s", buf);
	} else if ((json_is_object(v) && json_object_size(v) > 0) ||
	    json_is_array(v)) {
		d = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(10));
		if (d != NULL) {
			clean(buf, sizeof buf, d);
			fprintf(f, " %s", buf);
		}
		free(d);
	}
	fputc('\n', f);
}

void
render_scale(FILE *f, json_t *r)
{
	char t[32], p[32];

	render_scalar(t, sizeof t, json_object_get(r, "target"));
	render_scalar(p, sizeof p, json_object_get(r, "previous"));
	fprintf(f, "target %s (was %s)\n", t, p);
}

void
render_reload(FILE *f, json_t *r)
{
	char	g[32], d[32], s[32], rt[32], e[512];
	json_t *ok = json_object_get(r, "ok");

	render_scalar(g, sizeof g, json_object_get(r, "generation"));
	if (ok == NULL) {
		fprintf(f, "reloading: generation %s\n", g);
		return;
	}
	render_seconds(d, sizeof d, json_object_get(r, "duration_s"));
	render_scalar(s, sizeof s, json_object_get(r, "started"));
	render_scalar(rt, sizeof rt, json_object_get(r, "retired"));
	if (json_is_true(ok))
		fprintf(f,
		    "reloaded: generation %s in %s (%s started, %s "
		    "retired)\n",
		    g, d, s, rt);
	else {
		render_scalar(e, sizeof e, json_object_get(r, "error"));
		fprintf(f, "reload to generation %s failed after %s: %s\n", g,
		    d, e);
		reload_stderr(f, "", r);
	}
}

void
render_version(FILE *f, json_t *r)
{
	char v[64], p[32];

	render_scalar(v, sizeof v, json_object_get(r, "version"));
	render_scalar(p, sizeof p, json_object_get(r, "protocol"));
	fprintf(f, "gwd %s (protocol %s)\n", v, p);
}
