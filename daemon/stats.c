/*
 * stats.c: gwd's stats writer (SPEC section 9).
 *
 * The main thread copies events and samples into a bounded ring and
 * signals the writer thread; it never touches SQLite and never waits for
 * more than a mutex held for a few pointer moves.  The writer thread owns
 * the connection: it creates the directory, opens and migrates the file
 * (lib/statsdb.c), writes the ring in batched transactions, runs retention
 * in small batches, and answers `stats` queries.  Records stay in the ring
 * while the database is unavailable and are retried with backoff; once the
 * ring is full, new records are dropped and counted.
 *
 * Results travel back to the main thread through an eventfd watched by the
 * event base, so this works whether or not libevent's thread support is
 * enabled (no evthread_use_pthreads() needed).  The thread also hands its
 * log lines to the main thread that way: daemon/log.c is used from the
 * main thread only.  The thread blocks every signal; gwd forks only from
 * the main thread and the child execs at once, so the thread's locks never
 * matter in a child.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/fsutil.h"
#include "gw/statsdb.h"
#include "gw/util.h"
#include "log.h"
#include "stats.h"

enum { REC_EVENT, REC_SAMPLE };

struct stats_rec {
	int			      kind;
	struct statsdb_event	      ev; /* strings owned */
	struct statsdb_sample	      s;
	struct statsdb_worker_sample *ws; /* state strings owned */
	size_t			      nws;
};

enum { Q_PENDING, Q_RUNNING, Q_DONE };

struct stats_q {
	TAILQ_ENTRY(stats_q) entry;
	int	       state;
	int	       cancelled;
	json_t	      *args; /* owned */
	stats_query_fn fn;   /* statsdb_query, ... */
	uint64_t       want; /* written before it runs */
	stats_query_cb done;
	void	      *arg;
	json_t	      *result; /* owned until delivered */
	const char    *code;
	char	      *message;
};
TAILQ_HEAD(stats_qlist, stats_q);

struct stats_note {
	int   level;
	char *msg;
};

#define STATS_NOTES_MAX	 32
/* The writer thread's nice value. */
#define STATS_NICE	 10
/* The writer's SQLite page cache: 256 KiB (negative: in KiB). */
#define STATS_CACHE_SIZE "-256"

#define STATS_TUNING_DEFAULTS                                               \
	{                                                                   \
		.queue_max = 8192, .batch_max = 1024, .retry_min_ms = 1000, \
		.retry_max_ms = 60000, .retention_every_ms = 60000,         \
		.retention_batch = 500, .stop_wait_ms = 2000,               \
	}
static const struct stats_tuning stats_tune_default = STATS_TUNING_DEFAULTS;
static struct stats_tuning	 stats_tune_v = STATS_TUNING_DEFAULTS;

static void stats_on_event(const struct gw_event *, void *);

static struct {
	int		   enabled;
	int		   running; /* thread started, not joined */
	char		  *path;
	uint64_t	   retention_ms;
	struct event_base *base;
	struct event	  *wake_ev;
	int		   efd;

	pthread_t	   thread;
	pthread_mutex_t	   mtx;
	pthread_cond_t	   cond; /* wakes the writer */
	pthread_cond_t	   gone; /* the writer exited */

	/* Everything below is under mtx. */
	struct stats_rec **ring;
	size_t		   cap, head, count;
	struct stats_qlist queries;
	struct stats_note  notes[STATS_NOTES_MAX];
	size_t		   nnotes;
	int		   stop;
	int		   exited;
	uint64_t	   dropped, written;
	int		   ok;	  /* open and last write worked */
	char		  *error; /* last trouble, or NULL */
	double		   error_since;
	uint64_t	   retry_at; /* monotonic ms */
	int		   schema_version;
} st = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.gone = PTHREAD_COND_INITIALIZER,
	.efd = -1,
};

void
stats_tune(const struct stats_tuning *t)
{
	stats_tune_v = t ? *t : stats_tune_default;
	if (stats_tune_v.queue_max == 0)
		stats_tune_v.queue_max = 1;
	if (stats_tune_v.batch_max <= 0)
		stats_tune_v.batch_max = 1;
	if (stats_tune_v.retention_batch <= 0)
		stats_tune_v.retention_batch = 1;
}

void
stats_tuning_defaults(struct stats_tuning *t)
{
	*t = stats_tune_default;
}

static void
stats_qlist_init(void)
{
	if (st.queries.tqh_last == NULL)
		TAILQ_INIT(&st.queries);
}

static void
stats_rec_free(struct stats_rec *r)
{
	size_t i;

	if (r == NULL)
		return;
	free((char *)r->ev.event);
	free((char *)r->ev.reason);
	free((char *)r->ev.detail);
	for (i = 0; i < r->nws; i++)
		free((char *)r->ws[i].state);
	free(r->ws);
	free(r);
}

static void
stats_q_free(struct stats_q *q)
{
	json_decref(q->args);
	json_decref(q->result);
	free(q->message);
	free(q);
}

/* Tell the main thread there is something to deliver.  Under mtx or not. */
static void
stats_kick(void)
{
	uint64_t one = 1;

	if (st.efd != -1)
		(void)!write(st.efd, &one, sizeof one);
}

/* From the writer thread: a log line for the main thread.  Under mtx. */
static void
stats_note_locked(int level, char *msg)
{
	if (st.nnotes == STATS_NOTES_MAX) {
		free(msg);
		return;
	}
	st.notes[st.nnotes].level = level;
	st.notes[st.nnotes].msg = msg;
	st.nnotes++;
	stats_kick();
}

/* ---- the writer thread ------------------------------------------------- */

/* The thread's own state: no lock needed. */
static struct {
	sqlite3 *db;
	uint64_t delay_ms;
	uint64_t next_maint;
	int	 retention_pending;
} wr;

/* mkdir -p of the directory that holds path, new parts 0750. */
static int
stats_mkdirs(const char *path, char **err)
{
	char *dir = gw_parent_dir(path), *failed = NULL;
	int   rc = 0;

	if (dir != NULL && gw_mkdirs(dir, 0750, 0, NULL, NULL, &failed) == -1) {
		*err = xasprintf("cannot create directory %s: %s", failed,
		    strerror(errno));
		free(failed);
		rc = -1;
	}
	free(dir);
	return rc;
}

/* A trouble: log it once, keep it for status, back off. */
static void
stats_trouble(char *msg)
{
	uint64_t now = gw_now_ms();

	pthread_mutex_lock(&st.mtx);
	if (st.error == NULL) {
		stats_note_locked(LOG_WARNING,
		    xasprintf("stats: %s; gwd "
			      "keeps supervising, retries with backoff, and counts "
			      "what it drops",
			msg));
		st.error_since = gw_wall_time();
	}
	free(st.error);
	st.error = msg;
	st.ok = 0;
	if (wr.delay_ms == 0)
		wr.delay_ms = stats_tune_v.retry_min_ms;
	else if ((wr.delay_ms *= 2) > stats_tune_v.retry_max_ms)
		wr.delay_ms = stats_tune_v.retry_max_ms;
	st.retry_at = now + wr.delay_ms;
	pthread_mutex_unlock(&st.mtx);
}

static void
stats_good(void)
{
	pthread_mutex_lock(&st.mtx);
	if (st.error != NULL) {
		stats_note_locked(LOG_INFO,
		    xasprintf("stats: %s works again "
			      "(%llu records dropped so far)",
			st.path, (unsigned long long)st.dropped));
		free(st.error);
		st.error = NULL;
	}
	st.ok = 1;
	st.retry_at = 0;
	wr.delay_ms = 0;
	pthread_mutex_unlock(&st.mtx);
}

/* Open the database if it is not; 0 when open. */
static int
stats_ensure_open(void)
{
	char *err = NULL;

	if (wr.db != NULL)
		return 0;
	if (stats_mkdirs(st.path, &err) == -1) {
		stats_trouble(err);
		return -1;
	}
	if ((wr.db = statsdb_open(st.path, 0, &err)) == NULL) {
		stats_trouble(err);
		return -1;
	}
	/* The writer appends at the right edge of each b-tree: a small
	 * page cache serves it as well as SQLite's default of 2 MB, which
	 * the events of thousands of workers would otherwise fill, in the
	 * master's own memory. */
	(void)sqlite3_exec(wr.db, "PRAGMA cache_size = " STATS_CACHE_SIZE, NULL,
	    NULL, NULL);
	pthread_mutex_lock(&st.mtx);
	st.schema_version = statsdb_version(wr.db);
	pthread_mutex_unlock(&st.mtx);
	wr.retention_pending = 1;
	/* Not stats_good() yet: a locked file opens fine, then refuses. */
	return 0;
}

static void
stats_db_failed(const char *what)
{
	stats_trouble(xasprintf("%s: %s: %s", st.path, what,
	    sqlite3_errmsg(wr.db)));
	statsdb_rollback(wr.db);
	/* Start again from open: it may be a new file by then. */
	statsdb_close(wr.db);
	wr.db = NULL;
}

static int
stats_insert(const struct stats_rec *r)
{
	size_t i;
	int    rc;

	if (r->kind == REC_EVENT)
		return statsdb_insert_event(wr.db, &r->ev);
	if ((rc = statsdb_insert_sample(wr.db, &r->s)) != SQLITE_OK)
		return rc;
	for (i = 0; i < r->nws; i++)
		if ((rc = statsdb_insert_worker_sample(wr.db, &r->ws[i])) !=
		    SQLITE_OK)
			return rc;
	return SQLITE_OK;
}

/* Write n records in one transaction; 0, or -1 (left in the ring). */
static int
stats_write(struct stats_rec **recs, size_t n)
{
	size_t i;
	int    rc;

	if ((rc = statsdb_begin(wr.db)) != SQLITE_OK) {
		stats_db_failed("cannot write");
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((rc = stats_insert(recs[i])) != SQLITE_OK) {
			stats_db_failed("cannot write");
			return -1;
		}
	if (statsdb_commit(wr.db) != SQLITE_OK) {
		stats_db_failed("cannot commit");
		return -1;
	}
	return 0;
}

static void
stats_run_query(struct stats_q *q)
{
	sqlite3 *db = wr.db;
	char	*err = NULL;

	/* The writer may be failing while the file is still readable. */
	if (db == NULL && stats_ensure_open() == 0)
		db = wr.db;
	if (db == NULL && (db = statsdb_open(st.path, 1, &err)) == NULL) {
		q->code = "internal";
		q->message = xasprintf("the stats database is unavailable: "
				       "%s",
		    err);
		free(err);
		return;
	}
	q->result = q->fn(db, q->args, &q->code, &q->message);
	if (db != wr.db)
		statsdb_close(db);
}

/* One retention batch; clears wr.retention_pending when done. */
static void
stats_retention(void)
{
	double before;
	long   n;
	int    rc;

	if (st.retention_ms == 0) {
		wr.retention_pending = 0;
		return;
	}
	before = gw_wall_time() - (double)st.retention_ms / 1000.0;
	n = statsdb_retention(wr.db, before, stats_tune_v.retention_batch, &rc);
	if (n == -1) {
		stats_db_failed("retention");
		return;
	}
	if (n == 0)
		wr.retention_pending = 0;
}

/*
 * The next query to run: one whose records queued before it are written,
 * so that a query sees what happened before it was asked; or any, while
 * the database refuses writes.
 */
static struct stats_q *
stats_next_query_locked(void)
{
	struct stats_q *q;
	int		failing = st.error != NULL;

	TAILQ_FOREACH (q, &st.queries, entry)
		if (q->state == Q_PENDING && (failing || st.written >= q->want))
			return q;
	return NULL;
}

static int
stats_has_work_locked(uint64_t now)
{
	if (st.stop || stats_next_query_locked() != NULL)
		return 1;
	if (now >= st.retry_at &&
	    (st.count > 0 || (wr.retention_pending && wr.db != NULL)))
		return 1;
	return now >= wr.next_maint;
}

static void
stats_wait_locked(uint64_t until_ms)
{
	struct timespec ts;
	uint64_t	now = gw_now_ms(), wait = until_ms - now;

	if (until_ms <= now)
		return;
	if (wait > 60000)
		wait = 60000;
	/* The condvar uses CLOCK_MONOTONIC (see stats_start). */
	gw_timespec_after_ms(CLOCK_MONOTONIC, wait, &ts);
	pthread_cond_timedwait(&st.cond, &st.mtx, &ts);
}

static void *
stats_thread(void *unused)
{
	struct stats_rec **batch;
	struct stats_q	  *q;
	size_t		   n, i;
	uint64_t	   now, until;
	int		   stopping;

	(void)unused;
	/*
	 * Yield the CPU to the event loop: on a small machine a burst of
	 * inserts must not delay a reap or a spawn.  Linux nice is per
	 * thread; lowering it needs no privilege.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), STATS_NICE);
	batch = xreallocarray(NULL, (size_t)stats_tune_v.batch_max,
	    sizeof *batch);
	wr.next_maint = 0;
	pthread_mutex_lock(&st.mtx);
	for (;;) {
		while (!stats_has_work_locked(now = gw_now_ms())) {
			until = wr.next_maint;
			if ((st.count > 0 ||
				(wr.retention_pending && wr.db != NULL)) &&
			    st.retry_at < until)
				until = st.retry_at;
			stats_wait_locked(until);
		}
		stopping = st.stop;
		/* Peek: records leave the ring only once written. */
		n = st.count < (size_t)stats_tune_v.batch_max ?
		    st.count :
		    (size_t)stats_tune_v.batch_max;
		if (now < st.retry_at && !stopping)
			n = 0;
		for (i = 0; i < n; i++)
			batch[i] = st.ring[(st.head + i) % st.cap];
		pthread_mutex_unlock(&st.mtx);

		/* Open first (or again, after backoff). */
		if (wr.db == NULL && (n > 0 || now >= wr.next_maint) &&
		    (now >= st.retry_at || stopping) &&
		    stats_ensure_open() == 0 && n == 0)
			stats_good();
		if (n > 0 && wr.db != NULL && stats_write(batch, n) == 0) {
			pthread_mutex_lock(&st.mtx);
			st.head = (st.head + n) % st.cap;
			st.count -= n;
			st.written += n;
			pthread_mutex_unlock(&st.mtx);
			for (i = 0; i < n; i++)
				stats_rec_free(batch[i]);
			stats_good();
		}

		/* Queries after the writes, so they see what came before. */
		pthread_mutex_lock(&st.mtx);
		while ((q = stats_next_query_locked()) != NULL) {
			q->state = Q_RUNNING;
			if (q->cancelled) {
				q->state = Q_DONE;
				continue;
			}
			pthread_mutex_unlock(&st.mtx);
			stats_run_query(q);
			pthread_mutex_lock(&st.mtx);
			q->state = Q_DONE;
			stats_kick();
		}
		pthread_mutex_unlock(&st.mtx);

		now = gw_now_ms();
		if (now >= wr.next_maint) {
			wr.next_maint = now + stats_tune_v.retention_every_ms;
			wr.retention_pending = 1;
		}
		if (wr.retention_pending && wr.db != NULL && !stopping &&
		    now >= st.retry_at)
			stats_retention();

		pthread_mutex_lock(&st.mtx);
		/* Stop once the ring is empty or the database refuses it. */
		if (stopping && (st.count == 0 || wr.db == NULL))
			break;
	}
	st.dropped += st.count;
	st.exited = 1;
	pthread_cond_broadcast(&st.gone);
	pthread_mutex_unlock(&st.mtx);
	statsdb_close(wr.db);
	wr.db = NULL;
	free(batch);
	return NULL;
}

/* ---- the main thread ----------------------------------------------------- */

/* Log the lines the thread left for the main thread. */
static void
stats_flush_notes(void)
{
	struct stats_note notes[STATS_NOTES_MAX];
	size_t		  n, i;

	pthread_mutex_lock(&st.mtx);
	n = st.nnotes;
	memcpy(notes, st.notes, n * sizeof notes[0]);
	st.nnotes = 0;
	pthread_mutex_unlock(&st.mtx);
	for (i = 0; i < n; i++) {
		log_msg(notes[i].level, "%s", notes[i].msg);
		free(notes[i].msg);
	}
}

/* Deliver finished queries and the thread's log lines. */
static void
stats_deliver(evutil_socket_t fd, short what, void *unused)
{
	struct stats_qlist done = TAILQ_HEAD_INITIALIZER(done);
	struct stats_q	  *q, *next;
	uint64_t	   v;

	(void)what;
	(void)unused;
	(void)!read(fd, &v, sizeof v);
	stats_flush_notes();
	pthread_mutex_lock(&st.mtx);
	stats_qlist_init();
	for (q = TAILQ_FIRST(&st.queries); q != NULL; q = next) {
		next = TAILQ_NEXT(q, entry);
		if (q->state == Q_DONE) {
			TAILQ_REMOVE(&st.queries, q, entry);
			TAILQ_INSERT_TAIL(&done, q, entry);
		}
	}
	pthread_mutex_unlock(&st.mtx);
	while ((q = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, q, entry);
		/* A cancel may come between the thread's run and now. */
		if (!q->cancelled) {
			q->done(q->result, q->code, q->message, q->arg);
			q->result = NULL; /* the callback owns it */
		}
		stats_q_free(q);
	}
}

int
stats_start(struct event_base *base, const char *path, uint64_t retention_ms)
{
	pthread_condattr_t ca;
	sigset_t	   all, old;
	int		   rc;

	if (st.enabled || st.base != NULL)
		stats_stop();
	st.base = base;
	stats_qlist_init();
	if (base != NULL) {
		st.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (st.efd == -1)
			fatal("stats: eventfd: %s", strerror(errno));
		st.wake_ev = event_new(base, st.efd, EV_READ | EV_PERSIST,
		    stats_deliver, NULL);
		if (st.wake_ev == NULL || event_add(st.wake_ev, NULL) == -1)
			fatal("stats: cannot watch the eventfd");
	}
	if (path == NULL || strcmp(path, "none") == 0 || *path == '\0')
		return 0;

	st.path = xstrdup(path);
	st.retention_ms = retention_ms;
	st.cap = stats_tune_v.queue_max;
	st.ring = xcalloc(st.cap, sizeof *st.ring);
	st.head = st.count = 0;
	st.stop = st.exited = 0;
	st.dropped = st.written = 0;
	st.ok = 0;
	st.error = NULL;
	st.retry_at = 0;
	st.schema_version = 0;
	memset(&wr, 0, sizeof wr);

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&st.cond);
	pthread_cond_init(&st.cond, &ca);
	pthread_condattr_destroy(&ca);

	/* Signals are for the main thread's event loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&st.thread, NULL, stats_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		fatal("stats: cannot start the writer thread: %s",
		    strerror(rc));
	st.running = 1;
	st.enabled = 1;
	events_subscribe(stats_on_event, NULL);
	return 0;
}

int
stats_enabled(void)
{
	return st.enabled;
}

void
stats_stop(void)
{
	struct timespec ts;
	struct stats_q *q;
	size_t		i;
	int		gone = 1;

	if (st.enabled)
		events_unsubscribe(stats_on_event, NULL);
	if (st.running) {
		pthread_mutex_lock(&st.mtx);
		st.stop = 1;
		pthread_cond_signal(&st.cond);
		gw_timespec_after_ms(CLOCK_REALTIME, stats_tune_v.stop_wait_ms,
		    &ts);
		while (!st.exited)
			if (pthread_cond_timedwait(&st.gone, &st.mtx, &ts) ==
			    ETIMEDOUT)
				break;
		gone = st.exited;
		pthread_mutex_unlock(&st.mtx);
		st.running = 0;
		if (gone)
			pthread_join(st.thread, NULL);
		else {
			/* Stuck in SQLite: leave it to die with gwd. */
			log_warn("stats: the writer did not finish in time; "
				 "%zu records not written",
			    st.count);
			pthread_detach(st.thread);
		}
	}
	if (st.wake_ev != NULL) {
		event_free(st.wake_ev);
		st.wake_ev = NULL;
	}
	st.enabled = 0;
	st.base = NULL;
	/* A detached thread still uses all that follows. */
	if (!gone)
		return;
	stats_flush_notes();
	pthread_mutex_lock(&st.mtx);
	stats_qlist_init();
	while ((q = TAILQ_FIRST(&st.queries)) != NULL) {
		TAILQ_REMOVE(&st.queries, q, entry);
		stats_q_free(q);
	}
	for (i = 0; i < st.count; i++)
		stats_rec_free(st.ring[(st.head + i) % st.cap]);
	free(st.ring);
	st.ring = NULL;
	st.count = st.head = 0;
	free(st.error);
	st.error = NULL;
	free(st.path);
	st.path = NULL;
	pthread_mutex_unlock(&st.mtx);
	if (st.efd != -1)
		close(st.efd);
	st.efd = -1;
}

/* Put r in the ring, or drop it and count; never waits but for mtx. */
static void
stats_enqueue(struct stats_rec *r)
{
	pthread_mutex_lock(&st.mtx);
	if (st.count == st.cap) {
		st.dropped++;
		pthread_mutex_unlock(&st.mtx);
		stats_rec_free(r);
		return;
	}
	st.ring[(st.head + st.count) % st.cap] = r;
	st.count++;
	pthread_cond_signal(&st.cond);
	pthread_mutex_unlock(&st.mtx);
}

static void
stats_on_event(const struct gw_event *e, void *unused)
{
	struct stats_rec *r;

	(void)unused;
	if (!st.enabled || e->event == NULL)
		return;
	r = xcalloc(1, sizeof *r);
	r->kind = REC_EVENT;
	r->ev.ts = e->ts;
	r->ev.master_pid = e->master_pid;
	r->ev.generation = e->generation;
	r->ev.worker_id = e->worker_id > 0 ? e->worker_id : 0;
	r->ev.pid = e->pid > 0 ? e->pid : 0;
	r->ev.event = xstrdup(e->event);
	r->ev.reason = e->reason ? xstrdup(e->reason) : NULL;
	r->ev.exit_status = e->exit_status >= 0 ? e->exit_status : -1;
	r->ev.signal = e->signal > 0 ? e->signal : 0;
	r->ev.detail = e->detail && !json_is_null(e->detail) ?
	    json_dumps(e->detail, JSON_COMPACT | JSON_ENCODE_ANY) :
	    NULL;
	stats_enqueue(r);
}

static int64_t
stats_u64(uint64_t v)
{
	return v == UINT64_MAX ? -1 : (int64_t)v;
}

void
stats_sample(const struct stats_sample *s, const struct stats_worker_sample *w,
    size_t n)
{
	struct stats_rec *r;
	size_t		  i;

	if (!st.enabled)
		return;
	r = xcalloc(1, sizeof *r);
	r->kind = REC_SAMPLE;
	r->s.ts = s->ts;
	r->s.generation = s->generation;
	r->s.target = s->target;
	r->s.ready = s->ready;
	r->s.booting = s->booting;
	r->s.draining = s->draining;
	r->s.master_rss_kb = stats_u64(s->master_rss_kb);
	r->s.workers_rss_kb = stats_u64(s->workers_rss_kb);
	r->s.workers_cpu_s = s->workers_cpu_s;
	r->s.requests = stats_u64(s->requests);
	r->ws = n > 0 ? xcalloc(n, sizeof *r->ws) : NULL;
	r->nws = n;
	for (i = 0; i < n; i++) {
		r->ws[i].ts = s->ts;
		r->ws[i].worker_id = w[i].worker_id;
		r->ws[i].pid = w[i].pid;
		r->ws[i].generation = w[i].generation;
		r->ws[i].state = w[i].state ? xstrdup(w[i].state) : NULL;
		r->ws[i].rss_kb = stats_u64(w[i].rss_kb);
		r->ws[i].cpu_s = w[i].cpu_s;
		r->ws[i].requests = stats_u64(w[i].requests);
	}
	stats_enqueue(r);
}

json_t *
stats_status_json(void)
{
	json_t *o = json_object();

	json_object_set_new(o, "enabled", json_boolean(st.enabled));
	if (!st.enabled) {
		json_object_set_new(o, "path", json_null());
		json_object_set_new(o, "state", json_string("disabled"));
		return o;
	}
	pthread_mutex_lock(&st.mtx);
	json_object_set_new(o, "path", json_string(st.path));
	json_object_set_new(o, "state",
	    json_string(st.error ? "error" :
		    st.ok	 ? "ok" :
				   "opening"));
	json_object_set_new(o, "ok", json_boolean(st.ok));
	json_object_set_new(o, "error",
	    st.error ? json_string(st.error) : json_null());
	json_object_set_new(o, "error_since",
	    st.error ? json_real(st.error_since) : json_null());
	json_object_set_new(o, "retry_in_s",
	    st.error && st.retry_at ?
		json_real(st.retry_at > gw_now_ms() ?
			(double)(st.retry_at - gw_now_ms()) / 1000.0 :
			0.0) :
		json_null());
	json_object_set_new(o, "dropped", json_integer((json_int_t)st.dropped));
	json_object_set_new(o, "written", json_integer((json_int_t)st.written));
	json_object_set_new(o, "queued", json_integer((json_int_t)st.count));
	json_object_set_new(o, "schema_version",
	    st.schema_version > 0 ? json_integer(st.schema_version) :
				    json_null());
	pthread_mutex_unlock(&st.mtx);
	return o;
}

void
stats_query(json_t *args, stats_query_cb done, void *arg)
{
	stats_query_with(statsdb_query, args, done, arg);
}

void
stats_query_with(stats_query_fn fn, json_t *args, stats_query_cb done,
    void *arg)
{
	struct stats_q *q;

	if (!st.enabled && st.base == NULL) {
		/* Never started (tests, --check-config): answer now. */
		done(NULL, "not_found", "stats are disabled", arg);
		return;
	}
	q = xcalloc(1, sizeof *q);
	q->args = args ? json_deep_copy(args) : NULL;
	q->fn = fn;
	q->done = done;
	q->arg = arg;
	q->state = Q_PENDING;
	if (!st.enabled) {
		/* Answered from the loop like the others, never reentrant. */
		q->state = Q_DONE;
		q->code = "not_found";
		q->message = xstrdup("stats are disabled (--stats-db none)");
	}
	pthread_mutex_lock(&st.mtx);
	stats_qlist_init();
	q->want = st.written + st.count;
	TAILQ_INSERT_TAIL(&st.queries, q, entry);
	if (st.enabled)
		pthread_cond_signal(&st.cond);
	else
		stats_kick();
	pthread_mutex_unlock(&st.mtx);
}

void
stats_query_cancel(void *arg)
{
	struct stats_q *q;

	pthread_mutex_lock(&st.mtx);
	stats_qlist_init();
	TAILQ_FOREACH (q, &st.queries, entry)
		if (q->arg == arg)
			q->cancelled = 1;
	pthread_mutex_unlock(&st.mtx);
}

void
stats_counters(uint64_t *dropped, uint64_t *written)
{
	pthread_mutex_lock(&st.mtx);
	*dropped = st.dropped;
	*written = st.written;
	pthread_mutex_unlock(&st.mtx);
}

void
stats_add_counters(uint64_t dropped, uint64_t written)
{
	pthread_mutex_lock(&st.mtx);
	st.dropped += dropped;
	st.written += written;
	pthread_mutex_unlock(&st.mtx);
}
