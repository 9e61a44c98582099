/*
 * statsdb_history.h: the charts of the status page, from the stats
 * database: samples downsampled to a bounded number of points, and exits
 * counted by reason per time bucket.  Like statsdb.h it may block on the
 * disk: gwd runs it on the stats writer's thread (stats_query_with()).
 */
#ifndef GW_STATSDB_HISTORY_H
#define GW_STATSDB_HISTORY_H

#include <jansson.h>
#include <sqlite3.h>

/* Points per series: the default, and the most that may be asked. */
#define STATSDB_HISTORY_POINTS	   500
#define STATSDB_HISTORY_POINTS_MAX 1000

/*
 * args (borrowed, may be NULL): since, until (unix seconds; negative =
 * seconds before now; default: the last hour), points (2..1000, default
 * 500).  The samples between since and until are grouped into at most
 * `points` equal buckets; each bucket gives one point:
 *
 *   {since, until, step_s, exit_step_s,
 *    samples: {ts: [...], ready: [...], ready_min: [...], target: [...],
 *              master_rss_kb: [...], workers_rss_kb: [...],
 *              requests: [...]},
 *    exits: [[bucket_start_ts, reason, count], ...]}
 *
 * ts is the first sample's time in the bucket, ready the mean, ready_min
 * the lowest, target, the RSS and requests (the live workers' cumulative
 * count) the highest; null where nothing was recorded.  Exits are counted
 * per 5 minutes for a span of up to 2 hours, else per hour (longer
 * buckets if that would make more than `points` of them).
 *
 * Returns a new object, or NULL with *code (static) and *message (new).
 */
json_t *statsdb_history(sqlite3 *, json_t *args, const char **code,
    char **message);
json_t *statsdb_history_at(sqlite3 *, json_t *args, double now,
    const char **code, char **message);

#endif
