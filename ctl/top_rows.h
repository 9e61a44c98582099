/*
 * top_rows.h: the pure half of `gwctl top`: one sample of the pool taken
 * from a `workers` result, rates from two samples, sorting, and the lines
 * of the view cut to a width.  No I/O; ctl/cmd_top.c drives the terminal.
 */
#ifndef GWCTL_TOP_ROWS_H
#define GWCTL_TOP_ROWS_H

#include <stddef.h>

#include <jansson.h>

#define TOP_STATE_LEN  16
#define TOP_STATUS_LEN 256

enum top_sort {
	TOP_SORT_ID,  /* slot, ascending */
	TOP_SORT_MEM, /* RSS, largest first */
	TOP_SORT_CPU, /* CPU%, busiest first */
	TOP_SORT_REQ, /* requests per second, busiest first */
	TOP_SORT_COUNT
};

/*
 * A growing counter (cpu_s, requests) as top has watched it.  gwd samples
 * CPU every --stats-interval and workers report requests when they like,
 * so a counter moves in steps, not every second: its rate is its last
 * step over the time that step took (or, if it has been still for longer,
 * over the time since), which is honest at any sampling period.
 */
struct top_counter {
	double v;	     /* the value now, < 0: unknown */
	double since;	     /* when v was first seen */
	double seen;	     /* when the counter was first seen */
	double step, step_s; /* the last growth and its seconds, or < 0 */
	int    moved;	     /* it has changed while watched */
};

/* Seconds a counter may stay still before an unknown rate counts as 0. */
#define TOP_QUIET_S 25.0

/* One worker; a double < 0 is unknown (null, or not measured yet). */
struct top_worker {
	long long	   id, pid, generation, restarts; /* or -1 */
	char		   state[TOP_STATE_LEN];
	char		   status[TOP_STATUS_LEN]; /* cleaned, or "-" */
	double		   rss_kb, age_s;
	struct top_counter cpu, req;
	double		   cpu_pct, req_rate; /* from top_rows_rates() */
};

struct top_sample {
	double		   t; /* monotonic seconds it was taken */
	struct top_worker *w;
	size_t		   n;
};

/*
 * Fill s from a workers result (borrowed) taken at monotonic time t.
 * Worker-provided text is cleaned of control characters.
 */
void top_rows_parse(struct top_sample *, json_t *result, double t);
void top_rows_free(struct top_sample *);
/*
 * CPU% and requests per second of each worker of cur from its counters'
 * growth since earlier samples (prev: the last one, or NULL).  A worker
 * is the same one only with the same pid and id; a counter that went back
 * starts again, unknown, never negative.  The first change seen is not a
 * step (the value before it may have been sampled long before top saw
 * it), so a rate is known from the second change on.
 */
void top_rows_rates(const struct top_sample *prev, struct top_sample *cur);
void top_rows_sort(struct top_sample *, enum top_sort);

/* The key's name ("mem"), and the key for a name or a keystroke; -1 if none. */
const char *top_rows_sort_name(enum top_sort);
int	    top_rows_sort_by_name(const char *);
int	    top_rows_sort_by_key(int ch);

/*
 * Lines of the view, never longer than width columns (a UTF-8 sequence is
 * one column; it is never cut in the middle) nor len - 1 bytes.
 */
/* The pool in one line, from a status result (borrowed); now: unix time. */
void	    top_rows_summary(char *, size_t len, size_t width, json_t *status,
	   double now);
void	    top_rows_header(char *, size_t len, size_t width, enum top_sort);
void	    top_rows_format(char *, size_t len, size_t width,
	   const struct top_sample *, size_t i);

/* Cut s to at most width columns in place; returns the columns left. */
size_t	    top_rows_cut(char *s, size_t width);

#endif
