/*
 * statsdb_history.c: bounded time series for the status page's charts
 * (see statsdb_history.h).  SQLite does the grouping, so the answer is
 * at most `points` rows per series whatever the number of samples.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gw/statsdb_history.h"
#include "gw/util.h"

#define HISTORY_SPAN_DEFAULT 3600
#define HISTORY_SHORT_SPAN   7200 /* up to this: exits per 5 min */

/* The sample series, in the order of the SELECT below (after ts). */
static const char *const history_series[] = { "ready", "ready_min", "target",
	"master_rss_kb", "workers_rss_kb", "requests" };

static json_t *
history_fail(const char **code, char **message, const char *c, char *m)
{
	*code = c;
	*message = m;
	return NULL;
}

/* A time argument as the `stats` command takes it; 0, or -1. */
static int
history_time(json_t *args, const char *key, double now, double *out,
    char **message)
{
	json_t *v = json_object_get(args, key);
	double	d;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_number(v) || !isfinite(d = json_number_value(v)) ||
	    fabs(d) > 1e11) {
		*message = xasprintf("%s must be unix seconds, or negative: "
				     "seconds ago",
		    key);
		return -1;
	}
	*out = d < 0 ? now + d : d;
	return 0;
}

static int
history_args(json_t *args, double now, double *since, double *until,
    long *points, char **message)
{
	const char *key;
	json_t	   *v;

	*until = now;
	*since = -1;
	*points = STATSDB_HISTORY_POINTS;
	if (args != NULL && !json_is_null(args)) {
		if (!json_is_object(args)) {
			*message = xstrdup("args must be an object");
			return -1;
		}
		json_object_foreach(args, key,
		    v) if (strcmp(key, "since") != 0 &&
		    strcmp(key, "until") != 0 && strcmp(key, "points") != 0)
		{
			*message =
			    xasprintf("unknown argument '%s' "
				      "(history takes since, until, points)",
				key);
			return -1;
		}
		if (history_time(args, "until", now, until, message) == -1 ||
		    history_time(args, "since", now, since, message) == -1)
			return -1;
		v = json_object_get(args, "points");
		if (v != NULL) {
			if (!json_is_integer(v) || json_integer_value(v) < 2 ||
			    json_integer_value(v) >
				STATSDB_HISTORY_POINTS_MAX) {
				*message = xasprintf("points must be an "
						     "integer 2..%d",
				    STATSDB_HISTORY_POINTS_MAX);
				return -1;
			}
			*points = (long)json_integer_value(v);
		}
	}
	if (*since < 0)
		*since = *until - HISTORY_SPAN_DEFAULT;
	if (*since >= *until) {
		*message = xstrdup("since must be before until");
		return -1;
	}
	return 0;
}

/* A column as a JSON number, or null. */
static json_t *
history_value(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	default:
		return json_null();
	}
}

/* The samples, one row per bucket of step seconds: 0, or -1. */
static int
history_samples(sqlite3 *db, double since, double until, double step,
    long points, json_t *out)
{
	sqlite3_stmt *st;
	json_t	     *ts = json_array();
	size_t	      i;
	int	      rc;

	/* min() keeps a sample at exactly `until` in the last bucket. */
	rc = sqlite3_prepare_v2(db,
	    "SELECT min(ts), round(avg(ready), 2), "
	    "min(ready), max(target), max(master_rss_kb), "
	    "max(workers_rss_kb), max(requests) FROM samples "
	    "WHERE ts >= ?1 AND ts <= ?2 "
	    "GROUP BY min(CAST((ts - ?1) / ?3 AS INTEGER), ?4 - 1) "
	    "ORDER BY 1",
	    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		json_decref(ts);
		return -1;
	}
	sqlite3_bind_double(st, 1, since);
	sqlite3_bind_double(st, 2, until);
	sqlite3_bind_double(st, 3, step);
	sqlite3_bind_int64(st, 4, points);
	json_object_set_new(out, "ts", ts);
	for (i = 0; i < GW_ARRAY_LEN(history_series); i++)
		json_object_set_new(out, history_series[i], json_array());
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_array_append_new(ts,
		    json_real(sqlite3_column_double(st, 0)));
		for (i = 0; i < GW_ARRAY_LEN(history_series); i++)
			json_array_append_new(json_object_get(out,
						  history_series[i]),
			    history_value(st, (int)i + 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Exits by reason per bucket of step seconds (aligned to the epoch). */
static int
history_exits(sqlite3 *db, double since, double until, double step, json_t *out)
{
	sqlite3_stmt *st;
	int	      rc;

	rc = sqlite3_prepare_v2(db,
	    "SELECT CAST(ts / ?3 AS INTEGER) * ?3, "
	    "coalesce(reason, 'unknown'), count(*) FROM events "
	    "WHERE event = 'exit' AND ts >= ?1 AND ts <= ?2 "
	    "GROUP BY 1, 2 ORDER BY 1, 2",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_double(st, 1, since);
	sqlite3_bind_double(st, 2, until);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)step);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out,
		    json_pack("[I, s, I]",
			(json_int_t)sqlite3_column_int64(st, 0),
			(const char *)sqlite3_column_text(st, 1),
			(json_int_t)sqlite3_column_int64(st, 2)));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

json_t *
statsdb_history_at(sqlite3 *db, json_t *args, double now, const char **code,
    char **message)
{
	double	since, until, span, step, estep;
	long	points;
	json_t *o, *samples, *exits;

	*code = NULL;
	*message = NULL;
	if (history_args(args, now, &since, &until, &points, message) == -1)
		return history_fail(code, message, "invalid_argument",
		    *message);
	span = until - since;
	step = span / (double)points;
	estep = span <= HISTORY_SHORT_SPAN ? 300 : 3600;
	/* Whole hours, and no more buckets than points (+1 for alignment). */
	if (span / estep > (double)points - 1)
		estep = ceil(span / ((double)points - 1) / 3600.0) * 3600.0;
	samples = json_object();
	exits = json_array();
	if (history_samples(db, since, until, step, points, samples) == -1 ||
	    history_exits(db, since, until, estep, exits) == -1) {
		json_decref(samples);
		json_decref(exits);
		return history_fail(code, message, "internal",
		    xasprintf("history query: %s", sqlite3_errmsg(db)));
	}
	o = json_object();
	json_object_set_new(o, "since", json_real(since));
	json_object_set_new(o, "until", json_real(until));
	json_object_set_new(o, "step_s", json_real(step));
	json_object_set_new(o, "exit_step_s", json_integer((json_int_t)estep));
	json_object_set_new(o, "samples", samples);
	json_object_set_new(o, "exits", exits);
	return o;
}

json_t *
statsdb_history(sqlite3 *db, json_t *args, const char **code, char **message)
{
	return statsdb_history_at(db, args, gw_wall_time(), code, message);
}
