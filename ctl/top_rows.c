/*
 * top_rows.c: what `gwctl top` shows, computed without a terminal: the
 * workers of one sample, their rates against the previous sample, their
 * order, and each line cut to the screen's width.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/parse.h"
#include "gw/util.h"

#include "render.h"
#include "top_rows.h"

/*
 * Fixed column widths keep the table still from one refresh to the next;
 * a value wider than its column (a sixth-digit generation) pushes the rest
 * of its own row, nothing else.  STATUS takes what is left.
 */
enum {
	C_ID,
	C_PID,
	C_GEN,
	C_STATE,
	C_RSS,
	C_CPU,
	C_REQ,
	C_RESTARTS,
	C_AGE,
	C_STATUS,
	C_NCOLS
};

static const struct {
	const char *title;
	int	    width; /* negative: left-aligned */
	int	    sort;  /* the key that sorts by it, or -1 */
} top_cols[C_NCOLS] = {
	{ "ID", 4, TOP_SORT_ID },
	{ "PID", 7, -1 },
	{ "GEN", 5, -1 },
	{ "STATE", -8, -1 },
	{ "RSS", 6, TOP_SORT_MEM },
	{ "CPU%", 6, TOP_SORT_CPU },
	{ "REQ/S", 7, TOP_SORT_REQ },
	{ "RESTARTS", 8, -1 },
	{ "AGE", 7, -1 },
	{ "STATUS", 0, -1 },
};

static const struct {
	const char *name;
	int	    key;
} top_sorts[TOP_SORT_COUNT] = {
	[TOP_SORT_ID] = { "id", 'i' },
	[TOP_SORT_MEM] = { "mem", 'm' },
	[TOP_SORT_CPU] = { "cpu", 'c' },
	[TOP_SORT_REQ] = { "req", 'r' },
};

/* ---- samples and rates -------------------------------------------------- */

static long long
top_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ?
	    (long long)json_integer_value(v) :
	    -1;
}

static double
top_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	double	d;

	if (!json_is_number(v))
		return -1;
	d = json_number_value(v);
	return isfinite(d) && d >= 0 && d < 1e15 ? d : -1;
}

void
top_rows_parse(struct top_sample *s, json_t *result, double t)
{
	json_t		  *list = json_object_get(result, "workers"), *o;
	struct top_worker *w;
	size_t		   i;

	memset(s, 0, sizeof *s);
	s->t = t;
	if (!json_is_array(list) || json_array_size(list) == 0)
		return;
	s->w = xcalloc(json_array_size(list), sizeof *s->w);
	json_array_foreach(list, i, o)
	{
		if (!json_is_object(o))
			continue;
		w = &s->w[s->n++];
		w->id = top_int(o, "id");
		w->pid = top_int(o, "pid");
		w->generation = top_int(o, "generation");
		w->restarts = top_int(o, "restarts");
		render_scalar(w->state, sizeof w->state,
		    json_object_get(o, "state"));
		render_scalar(w->status, sizeof w->status,
		    json_object_get(o, "status"));
		w->rss_kb = top_num(o, "rss_kb");
		w->cpu.v = top_num(o, "cpu_s");
		w->req.v = top_num(o, "requests");
		w->age_s = top_num(o, "age_s");
		w->cpu_pct = w->req_rate = -1;
	}
}

void
top_rows_free(struct top_sample *s)
{
	free(s->w);
	memset(s, 0, sizeof *s);
}

/* The counter's value v at time t, given what it was before (or NULL). */
static void
top_count(struct top_counter *c, const struct top_counter *p, double v,
    double t)
{
	if (p == NULL || p->v < 0 || v < 0 || v < p->v) {
		c->v = v;
		c->since = c->seen = t;
		c->step = c->step_s = -1;
		c->moved = 0;
		return;
	}
	*c = *p;
	if (v == p->v)
		return;
	c->v = v;
	c->since = t;
	if (p->moved) {
		c->step = v - p->v;
		c->step_s = t - p->since;
	}
	c->moved = 1;
}

/* Per second at time t; -1 if not known yet. */
static double
top_count_rate(const struct top_counter *c, double t)
{
	double span;

	if (c->v < 0)
		return -1;
	if (c->step < 0 || c->step_s <= 0)
		return t - c->seen >= TOP_QUIET_S ? 0 : -1;
	span = t - c->since > c->step_s ? t - c->since : c->step_s;
	return c->step / span;
}

void
top_rows_rates(const struct top_sample *prev, struct top_sample *cur)
{
	const struct top_worker *p;
	struct top_worker	*w;
	size_t			 i, j;

	for (i = 0; i < cur->n; i++) {
		w = &cur->w[i];
		/*
		 * The daemon lists workers in the same order each time, so
		 * the match is almost always at the same index.
		 */
		p = NULL;
		if (prev != NULL && w->pid >= 0) {
			if (i < prev->n && prev->w[i].pid == w->pid)
				p = &prev->w[i];
			for (j = 0; p == NULL && j < prev->n; j++)
				if (prev->w[j].pid == w->pid)
					p = &prev->w[j];
			if (p != NULL && (p->id != w->id || cur->t < prev->t))
				p = NULL;
		}
		top_count(&w->cpu, p ? &p->cpu : NULL, w->cpu.v, cur->t);
		top_count(&w->req, p ? &p->req : NULL, w->req.v, cur->t);
		w->cpu_pct = top_count_rate(&w->cpu, cur->t);
		if (w->cpu_pct > 0)
			w->cpu_pct *= 100;
		w->req_rate = top_count_rate(&w->req, cur->t);
	}
}

/* ---- order -------------------------------------------------------------- */

/* Larger first; unknown (negative) last. */
static int
top_desc(double a, double b)
{
	if (a < 0 && b < 0)
		return 0;
	if (a < 0)
		return 1;
	if (b < 0)
		return -1;
	return a > b ? -1 : a < b;
}

static int
top_asc_ll(long long a, long long b)
{
	return a < b ? -1 : a > b;
}

/* Ties go by slot, then generation, then pid, so the order is total. */
#define TOP_CMP(name, expr)                                           \
	static int name(const void *va, const void *vb)               \
	{                                                             \
		const struct top_worker *a = va, *b = vb;             \
		int			 c = (expr);                  \
                                                                      \
		if (c == 0)                                           \
			c = top_asc_ll(a->id, b->id);                 \
		if (c == 0)                                           \
			c = top_asc_ll(a->generation, b->generation); \
		if (c == 0)                                           \
			c = top_asc_ll(a->pid, b->pid);               \
		return c;                                             \
	}
TOP_CMP(top_cmp_id, 0)
TOP_CMP(top_cmp_mem, top_desc(a->rss_kb, b->rss_kb))
TOP_CMP(top_cmp_cpu, top_desc(a->cpu_pct, b->cpu_pct))
TOP_CMP(top_cmp_req, top_desc(a->req_rate, b->req_rate))

void
top_rows_sort(struct top_sample *s, enum top_sort key)
{
	static int (*const cmp[TOP_SORT_COUNT])(const void *, const void *) = {
		[TOP_SORT_ID] = top_cmp_id,
		[TOP_SORT_MEM] = top_cmp_mem,
		[TOP_SORT_CPU] = top_cmp_cpu,
		[TOP_SORT_REQ] = top_cmp_req,
	};

	if (s->n > 1 && key >= 0 && key < TOP_SORT_COUNT)
		qsort(s->w, s->n, sizeof *s->w, cmp[key]);
}

const char *
top_rows_sort_name(enum top_sort key)
{
	return key >= 0 && key < TOP_SORT_COUNT ? top_sorts[key].name : "?";
}

int
top_rows_sort_by_name(const char *name)
{
	int i;

	for (i = 0; i < TOP_SORT_COUNT; i++)
		if (strcmp(top_sorts[i].name, name) == 0)
			return i;
	return -1;
}

int
top_rows_sort_by_key(int ch)
{
	int i;

	for (i = 0; i < TOP_SORT_COUNT; i++)
		if (top_sorts[i].key == ch)
			return i;
	return -1;
}

/* ---- lines -------------------------------------------------------------- */

/* How many bytes a UTF-8 sequence that starts with c has. */
static size_t
top_seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	return 4;
}

size_t
top_rows_cut(char *s, size_t width)
{
	size_t i, lead = 0, cols = 0;

	for (i = 0; s[i] != '\0'; i++) {
		/* A continuation byte belongs to the column before it. */
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (cols == width) {
			s[i] = '\0';
			break;
		}
		lead = i;
		cols++;
	}
	/* A byte limit upstream may have cut the last sequence short. */
	if (cols > 0 && i - lead < top_seq_len((unsigned char)s[lead])) {
		s[lead] = '\0';
		cols--;
	}
	return cols;
}

/* Append to buf at *used, like snprintf, never past len. */
static void GW_PRINTF(4, 5)
    top_add(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int	n;

	if (*used + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used = *used + (size_t)n < len ? *used + (size_t)n : len - 1;
}

/* The last reload: "reload gen 2 ok 3m12s ago", or its failure. */
static void
top_reload(char *buf, size_t len, json_t *lr, double now)
{
	json_t *r = json_object_get(lr, "result"), *at;
	char	ago[32], err[TOP_STATUS_LEN];
	size_t	used = 0;

	buf[0] = '\0';
	if (!json_is_object(r)) {
		snprintf(buf, len, "reload -");
		return;
	}
	top_add(buf, len, &used, "reload gen %lld %s",
	    (long long)json_integer_value(json_object_get(r, "generation")),
	    json_is_true(json_object_get(r, "ok")) ? "ok" : "FAILED");
	at = json_object_get(lr, "at");
	if (json_is_number(at) && now >= json_number_value(at)) {
		format_duration(ago, sizeof ago,
		    (uint64_t)((now - json_number_value(at)) * 1000));
		top_add(buf, len, &used, " %s ago", ago);
	}
	if (json_is_string(json_object_get(r, "error"))) {
		render_scalar(err, sizeof err, json_object_get(r, "error"));
		top_add(buf, len, &used, ": %s", err);
	}
}

void
top_rows_summary(char *buf, size_t len, size_t width, json_t *st, double now)
{
	json_t *w = json_object_get(st, "workers"), *bo;
	char	name[64], state[32], n[4][24], backoff[32], reload[512];
	size_t	used = 0, i;
	static const char *keys[] = { "ready", "target", "booting",
		"draining" };

	render_scalar(name, sizeof name, json_object_get(st, "name"));
	render_scalar(state, sizeof state, json_object_get(st, "state"));
	for (i = 0; i < GW_ARRAY_LEN(keys); i++)
		render_scalar(n[i], sizeof n[i], json_object_get(w, keys[i]));
	bo = json_object_get(st, "backoff_until");
	/* A backoff that has passed is no backoff. */
	if (json_is_number(bo) && json_number_value(bo) > now)
		format_duration(backoff, sizeof backoff,
		    (uint64_t)((json_number_value(bo) - now) * 1000 + 0.5));
	else
		snprintf(backoff, sizeof backoff, "-");
	top_reload(reload, sizeof reload, json_object_get(st, "last_reload"),
	    now);
	top_add(buf, len, &used,
	    "%s  gen %lld  %s  ready %s/%s  booting %s  "
	    "draining %s  backoff %s  %s",
	    name,
	    (long long)json_integer_value(json_object_get(st, "generation")),
	    state, n[0], n[1], n[2], n[3], backoff, reload);
	if (used == 0 && len > 0)
		buf[0] = '\0';
	top_rows_cut(buf, width);
}

/* One cell, aligned to its column, then a space (but after the last). */
static void
top_cell(char *buf, size_t len, size_t *used, int col, const char *text)
{
	int w = top_cols[col].width;

	if (col == C_STATUS)
		top_add(buf, len, used, "%s", text);
	else
		top_add(buf, len, used, "%*s ", w, text);
}

void
top_rows_header(char *buf, size_t len, size_t width, enum top_sort key)
{
	char   title[32];
	size_t used = 0;
	int    c;

	if (len > 0)
		buf[0] = '\0';
	/* The sorting column is marked with a star. */
	for (c = 0; c < C_NCOLS; c++) {
		snprintf(title, sizeof title, "%s%s",
		    top_cols[c].sort == (int)key ? "*" : "", top_cols[c].title);
		top_cell(buf, len, &used, c, title);
	}
	top_rows_cut(buf, width);
}

static void
top_ll(char *buf, size_t len, long long v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", v);
}

/* A rate: one decimal while it is small, whole numbers after. */
static void
top_rate_text(char *buf, size_t len, double v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else if (v < 100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.0f", v);
}

void
top_rows_format(char *buf, size_t len, size_t width, const struct top_sample *s,
    size_t i)
{
	const struct top_worker *w = &s->w[i];
	char			 t[32];
	size_t			 used = 0;

	if (len > 0)
		buf[0] = '\0';
	top_ll(t, sizeof t, w->id);
	top_cell(buf, len, &used, C_ID, t);
	top_ll(t, sizeof t, w->pid);
	top_cell(buf, len, &used, C_PID, t);
	top_ll(t, sizeof t, w->generation);
	top_cell(buf, len, &used, C_GEN, t);
	top_cell(buf, len, &used, C_STATE, w->state);
	if (w->rss_kb < 0)
		snprintf(t, sizeof t, "-");
	else
		format_size(t, sizeof t, (uint64_t)w->rss_kb * 1024);
	top_cell(buf, len, &used, C_RSS, t);
	top_rate_text(t, sizeof t, w->cpu_pct);
	top_cell(buf, len, &used, C_CPU, t);
	top_rate_text(t, sizeof t, w->req_rate);
	top_cell(buf, len, &used, C_REQ, t);
	top_ll(t, sizeof t, w->restarts);
	top_cell(buf, len, &used, C_RESTARTS, t);
	if (w->age_s < 0)
		snprintf(t, sizeof t, "-");
	else
		format_duration(t, sizeof t, (uint64_t)(w->age_s * 1000));
	top_cell(buf, len, &used, C_AGE, t);
	top_cell(buf, len, &used, C_STATUS, w->status);
	top_rows_cut(buf, width);
}
