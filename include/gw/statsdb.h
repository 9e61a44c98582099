/*
 * statsdb.h: the stats database file (SPEC section 9), shared by gwd (the
 * writer thread in daemon/stats.c) and gwctl (`stats --db PATH`).
 *
 * It owns the schema and its migrations (PRAGMA user_version), the insert
 * statements, retention, and the queries behind the `stats` control
 * command, so that the daemon and gwctl answer the same question the same
 * way.  Nothing here knows about threads or the event loop; every function
 * may block on the disk and must not be called on gwd's main thread.
 *
 * Schema versions:
 *   1  events and samples exactly as SPEC section 9 lists them.
 *   2  worker_samples (per-worker rows of each sample) and the indexes the
 *      queries and retention use.
 */
#ifndef GW_STATSDB_H
#define GW_STATSDB_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#define STATSDB_VERSION	      2

/* Limits of the `stats` query arguments. */
#define STATSDB_LIMIT_DEFAULT 100
#define STATSDB_LIMIT_MAX     10000
#define STATSDB_SINCE_DEFAULT 86400 /* seconds before `until` */

/* One events row.  Strings are borrowed; detail is JSON text or NULL. */
struct statsdb_event {
	double	    ts;
	long	    master_pid; /* 0 = NULL */
	long	    generation; /* -1 = NULL */
	long	    worker_id;	/* 0 = NULL */
	long	    pid;	/* 0 = NULL */
	const char *event;
	const char *reason;	 /* NULL */
	int	    exit_status; /* -1 = NULL */
	int	    signal;	 /* 0 = NULL */
	const char *detail;	 /* NULL */
};

/* One samples row. */
struct statsdb_sample {
	double	ts;
	long	generation, target, ready, booting, draining;
	int64_t master_rss_kb, workers_rss_kb; /* -1 = NULL */
	double	workers_cpu_s;		       /* < 0 = NULL */
	int64_t requests;		       /* -1 = NULL */
};

/* One worker_samples row.  state is borrowed. */
struct statsdb_worker_sample {
	double	    ts;
	long	    worker_id, pid, generation;
	const char *state;
	int64_t	    rss_kb;   /* -1 = NULL */
	double	    cpu_s;    /* < 0 = NULL */
	int64_t	    requests; /* -1 = NULL */
};

/*
 * Open path.  Read-write: create the file if needed, switch to WAL with
 * synchronous=NORMAL and migrate the schema to STATSDB_VERSION.  Read-only
 * (gwctl): the file must exist and hold a gwd schema of version 1 or
 * later; it is read while gwd writes.  Returns the connection or NULL with
 * a new message in *err (caller frees).
 */
sqlite3 *statsdb_open(const char *path, int readonly, char **err);
void	 statsdb_close(sqlite3 *);

/* Bring the schema of an open read-write connection to STATSDB_VERSION. */
int	 statsdb_migrate(sqlite3 *, char **err);
/* The schema version of the file (PRAGMA user_version), or -1. */
int	 statsdb_version(sqlite3 *);

/*
 * Inserts: 0, or an SQLite result code (SQLITE_BUSY, SQLITE_FULL, ...).
 * The caller wraps batches in statsdb_begin()/statsdb_commit().
 */
int	 statsdb_begin(sqlite3 *);
int	 statsdb_commit(sqlite3 *);
void	 statsdb_rollback(sqlite3 *);
int	 statsdb_insert_event(sqlite3 *, const struct statsdb_event *);
int	 statsdb_insert_sample(sqlite3 *, const struct statsdb_sample *);
int	 statsdb_insert_worker_sample(sqlite3 *,
	 const struct statsdb_worker_sample *);

/*
 * Delete at most batch rows older than before (unix seconds) from each
 * table, in one transaction.  Returns the number deleted (0 when nothing
 * is left), or -1 with the SQLite code in *rc.  Call it again until 0, so
 * that no single transaction holds the write lock for long.
 */
long	 statsdb_retention(sqlite3 *, double before, int batch, int *rc);

/*
 * The `stats` query.  args (borrowed, may be NULL) holds:
 *   kind   "summary" (default), "events", "samples" or "worker_samples"
 *   since  unix seconds; negative = that many seconds before now;
 *          default: until - 86400
 *   until  unix seconds; negative = seconds before now; default: now
 *   limit  rows for events and samples, 1..10000, default 100: the
 *          latest rows of the range, returned oldest first
 *   event  (events only) only rows of this event name
 *   worker (events, worker_samples) only rows of this worker id
 Returns a new result object, or NULL with *code set to a static error
 * code of SPEC section 7 (invalid_argument, internal) and *message to a
 * new message (caller frees).  statsdb_query_at() takes the current unix
 * time as an argument (tests).
 */
json_t	*statsdb_query(sqlite3 *, json_t *args, const char **code,
     char **message);
json_t *statsdb_query_at(sqlite3 *, json_t *args, double now, const char **code,
    char **message);

/*
 * gwctl's --since/--until: "1h", "30m", "90s" (that long before now),
 * "2026-11-21T03:00" or "2026-11-21T03:00:15" (local time; a trailing "Z"
 * means UTC), "2026-11-21", or plain unix seconds.  Returns 0 and the
 * unix time in *out, or -1 with a new message in *err.
 */
int	statsdb_parse_since(const char *, double now, double *out, char **err);

#endif
