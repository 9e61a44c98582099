/*
 * render_stats.c: `gwctl stats` for people: the summary as labelled lines,
 * rows as aligned tables with units.  --json output does not come here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/parse.h"
#include "gw/util.h"
#include "render_stats.h"

#define DETAIL_MAX 60

/* A non-negative count of milliseconds, rounded (no libm for gwctl). */
static uint64_t
round_ms(double v)
{
	return v > 0 && v < 1e18 ? (uint64_t)(v + 0.5) : 0;
}

struct table {
	size_t ncols, nrows;
	char **cells; /* nrows * ncols, row 0 is the header */
};

static void
table_add(struct table *t, char **row)
{
	size_t i;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof *t->cells);
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = row[i];
	t->nrows++;
}

/* Print aligned (the last column unpadded), then free the cells. */
static void
table_print(FILE *fp, struct table *t)
{
	size_t *w = xcalloc(t->ncols, sizeof *w), r, c, n, last;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if ((n = strlen(t->cells[r * t->ncols + c])) > w[c])
				w[c] = n;
	for (r = 0; r < t->nrows; r++) {
		/* No padding after the last non-empty cell. */
		for (last = t->ncols; last > 1; last--)
			if (*t->cells[r * t->ncols + last - 1] != '\0')
				break;
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c + 1 == last)
				fprintf(fp, "%s\n", s);
			else if (c + 1 < last)
				fprintf(fp, "%-*s  ", (int)w[c], s);
			free(t->cells[r * t->ncols + c]);
		}
	}
	free(t->cells);
	free(w);
}

static char *
fmt_time(json_t *v)
{
	char	  buf[32];
	struct tm tm;
	time_t	  t;

	if (!json_is_number(v))
		return xstrdup("-");
	t = (time_t)json_number_value(v);
	localtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
	return xstrdup(buf);
}

static char *
fmt_int(json_t *v)
{
	if (!json_is_number(v))
		return xstrdup("-");
	return xasprintf("%lld", (long long)json_number_value(v));
}

static char *
fmt_kb(json_t *v)
{
	char buf[32];

	if (!json_is_number(v) || json_number_value(v) < 0)
		return xstrdup("-");
	format_size(buf, sizeof buf, (uint64_t)json_number_value(v) * 1024);
	return xstrdup(buf);
}

static char *
fmt_secs(json_t *v)
{
	char   buf[32];
	double d;

	if (!json_is_number(v) || (d = json_number_value(v)) < 0)
		return xstrdup("-");
	format_duration(buf, sizeof buf, round_ms(d * 1000));
	return xstrdup(buf);
}

static char *
fmt_str(json_t *v)
{
	return xstrdup(json_is_string(v) ? json_string_value(v) : "-");
}

/* "1" for an exit status, "SIGKILL" for a signal, "-" for neither. */
static char *
fmt_status(json_t *row)
{
	json_t *sig = json_object_get(row, "signal");
	json_t *es = json_object_get(row, "exit_status");

	if (json_is_integer(sig) && json_integer_value(sig) > 0)
		return xasprintf("SIG%s",
		    format_signal((int)json_integer_value(sig)));
	if (json_is_integer(es))
		return xasprintf("%lld", (long long)json_integer_value(es));
	return xstrdup("-");
}

static void
detail_value(char *buf, size_t len, const char *key, json_t *v)
{
	size_t kl = strlen(key);
	double d;

	if (json_is_number(v)) {
		d = json_number_value(v);
		if (d >= 0 && kl > 3 && strcmp(key + kl - 3, "_ms") == 0)
			format_duration(buf, len, round_ms(d));
		else if (d >= 0 && kl > 2 && strcmp(key + kl - 2, "_s") == 0)
			format_duration(buf, len, round_ms(d * 1000));
		else if (d >= 0 && kl > 3 && strcmp(key + kl - 3, "_kb") == 0)
			format_size(buf, len, (uint64_t)d * 1024);
		else if (json_is_integer(v))
			snprintf(buf, len, "%lld",
			    (long long)json_integer_value(v));
		else
			snprintf(buf, len, "%g", d);
	} else if (json_is_string(v)) {
		if (strpbrk(json_string_value(v), " \t=") != NULL ||
		    *json_string_value(v) == '\0')
			snprintf(buf, len, "\"%s\"", json_string_value(v));
		else
			snprintf(buf, len, "%s", json_string_value(v));
	} else if (json_is_true(v))
		snprintf(buf, len, "yes");
	else if (json_is_false(v))
		snprintf(buf, len, "no");
	else if (json_is_null(v))
		snprintf(buf, len, "-");
	else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(buf, len, "%s", s ? s : "?");
		free(s);
	}
}

void
render_stats_detail(char *buf, size_t len, json_t *detail)
{
	const char *key;
	json_t	   *v;
	char	    val[128];
	size_t	    n = 0, add;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (detail == NULL || json_is_null(detail))
		return;
	if (!json_is_object(detail)) {
		detail_value(buf, len, "", detail);
		return;
	}
	json_object_foreach(detail, key, v)
	{
		detail_value(val, sizeof val, key, v);
		add = strlen(key) + 1 + strlen(val) + (n > 0);
		if (n + add >= len) {
			/* Cut, and say so. */
			if (len > 4) {
				if (n + 4 >= len)
					n = len - 4;
				snprintf(buf + n, len - n, "...");
			}
			return;
		}
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s",
		    n > 0 ? " " : "", key, val);
	}
}

static void
render_events(FILE *fp, json_t *rows)
{
	struct table t = { .ncols = 7 };
	char	    *row[7], detail[DETAIL_MAX + 1];
	json_t	    *r;
	size_t	     i;

	row[0] = xstrdup("TIME");
	row[1] = xstrdup("WORKER");
	row[2] = xstrdup("PID");
	row[3] = xstrdup("EVENT");
	row[4] = xstrdup("REASON");
	row[5] = xstrdup("STATUS");
	row[6] = xstrdup("DETAIL");
	table_add(&t, row);
	json_array_foreach(rows, i, r)
	{
		row[0] = fmt_time(json_object_get(r, "ts"));
		row[1] = fmt_int(json_object_get(r, "worker_id"));
		row[2] = fmt_int(json_object_get(r, "pid"));
		row[3] = fmt_str(json_object_get(r, "event"));
		row[4] = fmt_str(json_object_get(r, "reason"));
		row[5] = fmt_status(r);
		render_stats_detail(detail, sizeof detail,
		    json_object_get(r, "detail"));
		row[6] = xstrdup(detail);
		table_add(&t, row);
	}
	table_print(fp, &t);
}

/* A table whose every column is one key of the row, formatted. */
struct column {
	const char *head;
	const char *key;
	char *(*fmt)(json_t *);
};

static void
render_columns(FILE *fp, const struct column *cols, size_t ncols, json_t *rows)
{
	struct table t = { .ncols = ncols };
	char	    *row[16];
	json_t	    *r;
	size_t	     i, c;

	for (c = 0; c < ncols; c++)
		row[c] = xstrdup(cols[c].head);
	table_add(&t, row);
	json_array_foreach(rows, i, r)
	{
		for (c = 0; c < ncols; c++)
			row[c] = cols[c].fmt(json_object_get(r, cols[c].key));
		table_add(&t, row);
	}
	table_print(fp, &t);
}

static const struct column sample_cols[] = {
	{ "TIME", "ts", fmt_time },
	{ "GEN", "generation", fmt_int },
	{ "TARGET", "target", fmt_int },
	{ "READY", "ready", fmt_int },
	{ "BOOTING", "booting", fmt_int },
	{ "DRAINING", "draining", fmt_int },
	{ "MASTER_RSS", "master_rss_kb", fmt_kb },
	{ "WORKERS_RSS", "workers_rss_kb", fmt_kb },
	{ "CPU", "workers_cpu_s", fmt_secs },
	{ "REQUESTS", "requests", fmt_int },
};

static const struct column worker_sample_cols[] = {
	{ "TIME", "ts", fmt_time },
	{ "WORKER", "worker_id", fmt_int },
	{ "PID", "pid", fmt_int },
	{ "GEN", "generation", fmt_int },
	{ "STATE", "state", fmt_str },
	{ "RSS", "rss_kb", fmt_kb },
	{ "CPU", "cpu_s", fmt_secs },
	{ "REQUESTS", "requests", fmt_int },
};

static void
render_samples(FILE *fp, json_t *rows)
{
	render_columns(fp, sample_cols, GW_ARRAY_LEN(sample_cols), rows);
}

static void
render_worker_samples(FILE *fp, json_t *rows)
{
	render_columns(fp, worker_sample_cols, GW_ARRAY_LEN(worker_sample_cols),
	    rows);
}

/* "crash 5, timeout 2" from {"crash": 5, "timeout": 2}; "none" if empty. */
static void
render_counts(FILE *fp, const char *label, json_t *m)
{
	const char *key;
	json_t	   *v;
	int	    first = 1;

	fprintf(fp, "  %-18s", label);
	json_object_foreach(m, key, v)
	{
		fprintf(fp, "%s%s %lld", first ? "" : ", ", key,
		    (long long)json_integer_value(v));
		first = 0;
	}
	fprintf(fp, "%s\n", first ? "none" : "");
}

static void
render_line(FILE *fp, const char *label, char *value)
{
	fprintf(fp, "  %-18s%s\n", label, value);
	free(value);
}

static void
render_summary(FILE *fp, json_t *o)
{
	json_t *rl = json_object_get(o, "reloads");
	json_t *last = json_object_get(o, "last_sample");
	char   *a, *b, buf[32];
	double	span;

	a = fmt_time(json_object_get(o, "since"));
	b = fmt_time(json_object_get(o, "until"));
	span = json_number_value(json_object_get(o, "until")) -
	    json_number_value(json_object_get(o, "since"));
	format_duration(buf, sizeof buf, span > 0 ? round_ms(span * 1000) : 0);
	fprintf(fp, "Stats from %s to %s (%s)\n", a, b, buf);
	free(a);
	free(b);
	render_line(fp, "spawns", fmt_int(json_object_get(o, "spawns")));
	render_line(fp, "restarts",
	    xasprintf("%lld (%.2f per hour)",
		(long long)json_integer_value(json_object_get(o, "restarts")),
		json_number_value(json_object_get(o, "restarts_per_hour"))));
	render_counts(fp, "exits", json_object_get(o, "exits"));
	render_line(fp, "reloads",
	    xasprintf("%lld started, %lld ok, "
		      "%lld failed",
		(long long)json_integer_value(json_object_get(rl, "started")),
		(long long)json_integer_value(json_object_get(rl, "ok")),
		(long long)json_integer_value(json_object_get(rl, "failed"))));
	render_line(fp, "backoffs", fmt_int(json_object_get(o, "backoffs")));
	if (json_is_number(json_object_get(o, "mean_time_to_ready_ms"))) {
		format_duration(buf, sizeof buf,
		    round_ms(json_number_value(json_object_get(o,
			"mean_time_to_ready_ms"))));
		render_line(fp, "time to ready", xasprintf("%s (mean)", buf));
	} else
		render_line(fp, "time to ready", xstrdup("-"));
	render_line(fp, "max worker RSS",
	    fmt_kb(json_object_get(o, "max_rss_kb")));
	render_line(fp, "max workers RSS",
	    fmt_kb(json_object_get(o, "max_workers_rss_kb")));
	render_line(fp, "max master RSS",
	    fmt_kb(json_object_get(o, "max_master_rss_kb")));
	render_line(fp, "control commands",
	    fmt_int(json_object_get(o, "control_commands")));
	render_counts(fp, "events", json_object_get(o, "events"));
	if (json_is_object(last)) {
		char *t = fmt_time(json_object_get(last, "ts"));
		char *mr = fmt_kb(json_object_get(last, "master_rss_kb"));
		char *wr = fmt_kb(json_object_get(last, "workers_rss_kb"));
		char *cpu = fmt_secs(json_object_get(last, "workers_cpu_s"));

		render_line(fp, "last sample",
		    xasprintf("%s: generation "
			      "%lld, target %lld, ready %lld, booting %lld, draining "
			      "%lld, master %s, workers %s, cpu %s",
			t,
			(long long)json_integer_value(json_object_get(last,
			    "generation")),
			(long long)json_integer_value(json_object_get(last,
			    "target")),
			(long long)json_integer_value(json_object_get(last,
			    "ready")),
			(long long)json_integer_value(json_object_get(last,
			    "booting")),
			(long long)json_integer_value(json_object_get(last,
			    "draining")),
			mr, wr, cpu));
		free(t);
		free(mr);
		free(wr);
		free(cpu);
	}
}

void
render_stats(FILE *fp, const char *kind, json_t *result)
{
	json_t *rows = json_object_get(result, "rows");
	char   *a, *b;

	if (kind == NULL || strcmp(kind, "summary") == 0) {
		render_summary(fp, result);
		return;
	}
	if (!json_is_array(rows) || json_array_size(rows) == 0) {
		a = fmt_time(json_object_get(result, "since"));
		b = fmt_time(json_object_get(result, "until"));
		fprintf(fp, "no %s between %s and %s\n",
		    strcmp(kind, "events") == 0 ? "events" : "samples", a, b);
		free(a);
		free(b);
		return;
	}
	if (strcmp(kind, "events") == 0)
		render_events(fp, rows);
	else if (strcmp(kind, "worker_samples") == 0)
		render_worker_samples(fp, rows);
	else
		render_samples(fp, rows);
	if (json_is_true(json_object_get(result, "more")))
		fprintf(fp,
		    "(older rows not shown: raise the limit or "
		    "narrow --since)\n");
}
