/*
 * stats.h: the stats database writer (SQLite, SPEC section 9).
 *
 * A writer thread owns the database connection; the main thread only
 * enqueues copies of events and samples into a bounded queue and never
 * waits on SQLite.  When the queue is full records are dropped and counted.
 * Trouble (cannot open, locked, read-only, corrupt, disk full) is logged
 * once, shown in stats_status_json(), and retried with backoff; it never
 * stops supervision.  Queries for the `stats` control command run off the
 * main thread too and answer through a callback on the main thread.
 */
#ifndef GWD_STATS_H
#define GWD_STATS_H

#include <sys/types.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "events.h"

struct stats_sample {
	double	 ts;
	unsigned generation, target, ready, booting, draining;
	uint64_t master_rss_kb, workers_rss_kb;
	double	 workers_cpu_s;
	uint64_t requests; /* UINT64_MAX: nobody reports them */
};

/* Per-worker rows of a sample; UINT64_MAX in a counter means unknown. */
struct stats_worker_sample {
	int	    worker_id;
	pid_t	    pid;
	unsigned    generation;
	const char *state;
	uint64_t    rss_kb;
	double	    cpu_s;
	uint64_t    requests;
};

/*
 * Start the writer on path ("none" or NULL: disabled, everything below is
 * a no-op).  Subscribes to the event stream itself.  Returns 0; failure to
 * open is not an error here (it is retried and reported in status).
 */
int  stats_start(struct event_base *, const char *path, uint64_t retention_ms);
/* Whether a database is configured (stats_start with a path). */
int  stats_enabled(void);
/* Flush what is queued (bounded wait) and stop the thread. */
void stats_stop(void);

/* Enqueue one sample and its per-worker rows (copied; never blocks). */
void stats_sample(const struct stats_sample *,
    const struct stats_worker_sample *, size_t);

/*
 * {enabled, path, state (disabled|opening|ok|error), ok, error,
 *  error_since, retry_in_s, dropped, written, queued, schema_version}
 * (new reference).
 */
json_t *stats_status_json(void);

/*
 * The `stats` control command.  args (borrowed) holds since, until, kind,
 * limit as in SPEC section 7.  done() is called exactly once on the main
 * thread, with a new result object (the callback owns it) or with NULL,
 * an error code and a message (borrowed), unless stats_query_cancel(arg)
 * was called first.  It is never called from inside stats_query().
 */
typedef void (*stats_query_cb)(json_t *result, const char *code,
    const char *message, void *arg);
void stats_query(json_t *args, stats_query_cb done, void *arg);
/*
 * The same for another query of the database with statsdb_query()'s
 * signature (statsdb_history(), say): fn runs on the stats thread.
 */
struct sqlite3;
typedef json_t *(*stats_query_fn)(struct sqlite3 *, json_t *args,
    const char **code, char **message);
void stats_query_with(stats_query_fn, json_t *args, stats_query_cb done,
    void *arg);
void stats_query_cancel(void *arg);

/*
 * In-place upgrade: the writer's counters (records dropped and written)
 * carry on in the new image: stats_counters() before stats_stop(),
 * stats_add_counters() after stats_start().
 */
void stats_counters(uint64_t *dropped, uint64_t *written);
void stats_add_counters(uint64_t dropped, uint64_t written);
/*
 * Knobs for tests and the benchmark; stats_tune(NULL) restores the
 * defaults.  Takes effect at the next stats_start().
 */
struct stats_tuning {
	size_t	 queue_max;	     /* records in the ring: 8192 */
	int	 batch_max;	     /* per transaction: 1024 */
	uint64_t retry_min_ms;	     /* backoff: 1 s ... */
	uint64_t retry_max_ms;	     /* ... doubling to 60 s */
	uint64_t retention_every_ms; /* 60 s */
	int	 retention_batch;    /* rows per table and txn: 500 */
	uint64_t stop_wait_ms;	     /* stats_stop() flush: 2 s */
};
void stats_tune(const struct stats_tuning *);
void stats_tuning_defaults(struct stats_tuning *);

#endif
