/*
 * sampling.c: the periodic /proc sample of the workers (facts for the
 * planner and rows for the stats writer), and the table of the last scan
 * that read-only requests show.  The scan itself runs on a thread of its
 * own (see sampling.h for why and how).
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gw/util.h"
#include "log.h"
#include "pool.h"
#include "procfs.h"
#include "sampling.h"
#include "stats.h"
#include "supervisor.h"
#include "usage_table.h"

/*
 * One scan.  The main thread fills everything but out and done before the
 * thread starts, and reads out only once the thread has been joined; the
 * thread reads the rest and writes out, then done, then the eventfd.
 */
struct scan {
	pid_t		     master; /* root of the walk */
	int		     efd;    /* wakes the loop */
	size_t		     n;
	pid_t		    *pids;  /* n: the roots, for procfs */
	struct usage_root   *roots; /* n: pid and worker id */
	struct procfs_usage *out;   /* n: what the scan found */
	uint64_t	     at;    /* monotonic ms, when asked */
	unsigned	     seq;
	int		     periodic; /* report facts when done */
	int		     joinable; /* a thread to join */
	int		     skipped;  /* no thread: nothing was read */
	pthread_t	     thread;
	atomic_int	     done;
};

/* A reader waiting for a scan that started after it asked. */
struct waiter {
	TAILQ_ENTRY(waiter) entry;
	void (*done)(void *);
	void	     *arg;
	unsigned      need;  /* the scan's seq */
	struct event *timer; /* SAMPLING_WAIT_MS */
};
TAILQ_HEAD(waiters, waiter);

static struct {
	struct event_base *base;
	struct pool	  *pool;
	pid_t		   master;
	void (*sampled)(void);
	struct event	  *timer;
	struct usage_table t;
	int		   efd;
	struct event	  *wake;
	struct scan	  *running; /* NULL: no scan runs */
	unsigned	   started; /* seq of the last scan begun */
	struct waiters	   waiters;
} smp = { .efd = -1 };

static void scan_end(void);

static const struct usage *
usage_find(const struct worker *w)
{
	return usage_table_find(&smp.t, w->pid, w->id);
}

uint64_t
sampling_fresh_ms(void)
{
	const struct gw_config *cfg = supervisor_config();

	return cfg->stats_interval_ms > 1000 ? cfg->stats_interval_ms : 1000;
}

/* Does some live worker lack a usage at most fresh ms old? */
static int
table_stale(uint64_t now, uint64_t fresh)
{
	const struct usage *u;
	size_t		    i;

	for (i = 0; i < smp.pool->n; i++) {
		const struct worker *w = smp.pool->w[i];

		if (w->state != WS_EXITED && w->pid > 0 &&
		    ((u = usage_find(w)) == NULL || now - u->at > fresh))
			return 1;
	}
	return 0;
}

/* The sampling thread: /proc only, nothing of gwd's state. */
static void
scan_run(struct scan *s)
{
	struct procfs_table t = { NULL, 0, 0 };
	uint64_t	    one = 1;

	/* gwd's own subtree: as subreaper it holds every worker's tree. */
	if (procfs_table_read_tree(&t, s->master) == 0)
		procfs_tree_usage(&t, s->pids, s->n, s->master, s->out);
	procfs_table_free(&t);
	atomic_store(&s->done, 1);
	if (s->efd != -1)
		(void)!write(s->efd, &one, sizeof one);
}

static void *
scan_thread(void *arg)
{
	scan_run(arg);
	return NULL;
}

static void
scan_free(struct scan *s)
{
	free(s->pids);
	free(s->roots);
	free(s->out);
	free(s);
}

/*
 * Begin a scan of every live worker: snapshot their pids here, walk /proc
 * on a thread.  If no thread can be made (a full process table), the scan
 * ends at once having read nothing: the loop never walks /proc itself.
 * Readers are answered with the table as it is, a periodic sample reports
 * no facts and the next one tries again.
 */
static void
scan_begin(int periodic)
{
	struct scan *s = xcalloc(1, sizeof *s);
	sigset_t     all, old;
	size_t	     i;
	int	     rc;

	s->master = smp.master;
	s->efd = smp.efd;
	s->n = smp.pool->n;
	s->pids = xcalloc(s->n + 1, sizeof *s->pids);
	s->roots = xcalloc(s->n + 1, sizeof *s->roots);
	s->out = xcalloc(s->n + 1, sizeof *s->out);
	for (i = 0; i < s->n; i++) {
		const struct worker *w = smp.pool->w[i];

		if (w->state == WS_EXITED)
			continue;
		s->pids[i] = s->roots[i].pid = w->pid;
		s->roots[i].id = w->id;
	}
	s->at = gw_now_ms();
	s->seq = ++smp.started;
	s->periodic = periodic;
	atomic_init(&s->done, 0);
	smp.running = s;
	/* Signals are for the main thread's event loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, scan_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		s->joinable = 1;
		return;
	}
	log_warn("sampling: cannot start a thread (%s): this sample is "
		 "skipped",
	    strerror(rc));
	s->skipped = 1;
	atomic_store(&s->done, 1);
	if (s->efd != -1) {
		uint64_t one = 1;

		(void)!write(s->efd, &one, sizeof one);
	}
}

/*
 * The facts of a periodic sample: the one place that writes rss_kb, cpu_s
 * and sampled_at into the worker records (the planner recycles on
 * rss_kb).  Fills ws (one row per worker the scan found, room for every
 * record) and the totals of *s; returns the number of rows.
 */
static size_t
sampling_apply(uint64_t at, struct stats_worker_sample *ws,
    struct stats_sample *s)
{
	const struct usage *u;
	size_t		    i, n = 0;

	for (i = 0; i < smp.pool->n; i++) {
		struct worker *w = smp.pool->w[i];

		if (w->pid <= 0 || w->state == WS_EXITED ||
		    (u = usage_find(w)) == NULL || u->at != at)
			continue;
		/* A fact: the planner recycles on rss_kb. */
		pool_on_sample(smp.pool, w, u->rss_kb, u->cpu_s, at);
		ws[n].worker_id = w->id;
		ws[n].pid = w->pid;
		ws[n].generation = w->generation;
		ws[n].state = pool_state_name(w->state);
		ws[n].rss_kb = w->rss_kb;
		ws[n].cpu_s = w->cpu_s;
		ws[n].requests = w->reports_requests ? w->requests : UINT64_MAX;
		s->workers_rss_kb += w->rss_kb;
		s->workers_cpu_s += w->cpu_s;
		if (w->reports_requests)
			s->requests = (s->requests == UINT64_MAX ?
					      0 :
					      s->requests) +
			    w->requests;
		n++;
	}
	return n;
}

/* A periodic scan is in: facts, stats rows, the next sample, the planner. */
static void
sample_report(uint64_t at)
{
	struct stats_worker_sample *ws;
	struct stats_sample	    s;
	struct pool_counts	    c;
	struct procfs_usage	    mu;
	size_t			    n;

	ws = xcalloc(smp.pool->n + 1, sizeof *ws);
	memset(&s, 0, sizeof s);
	s.requests = UINT64_MAX; /* NULL unless some worker reports */
	n = sampling_apply(at, ws, &s);
	if (stats_enabled()) {
		pool_count(smp.pool, &c);
		s.ts = gw_wall_time();
		s.generation = smp.pool->generation;
		s.target = smp.pool->target;
		s.ready = c.ready;
		s.booting = c.booting;
		s.draining = c.draining;
		/* One small file of gwd's own: cheap enough here. */
		if (procfs_usage(smp.master, &mu) == 0)
			s.master_rss_kb = mu.rss_kb;
		stats_sample(&s, ws, n);
	}
	free(ws);
	sampling_arm(); /* a one-shot timer: the next sample */
	smp.sampled();
}

static void
waiter_free(struct waiter *w)
{
	event_free(w->timer);
	free(w);
}

/* The first waiter the scans so far satisfy, or NULL. */
static struct waiter *
waiter_ready(void)
{
	struct waiter *w;
	unsigned ended = smp.running != NULL ? smp.started - 1 : smp.started;

	TAILQ_FOREACH (w, &smp.waiters, entry)
		if (w->need <= ended)
			return w;
	return NULL;
}

/*
 * The running scan's thread is done (or joined): merge its result, report
 * it if periodic, answer the readers it satisfies, then begin the next
 * scan if a reader still waits for one.
 */
static void
scan_end(void)
{
	struct scan   *s = smp.running;
	struct waiter *w;

	if (s == NULL)
		return;
	if (s->joinable)
		pthread_join(s->thread, NULL);
	smp.running = NULL;
	if (s->skipped) {
		if (s->periodic)
			sampling_arm(); /* no facts: try at the next one */
	} else {
		usage_table_merge(&smp.t, s->roots, s->out, s->n, s->at);
		if (s->periodic)
			sample_report(s->at);
	}
	scan_free(s);
	/* One at a time: an answer may cancel another waiter. */
	while ((w = waiter_ready()) != NULL) {
		TAILQ_REMOVE(&smp.waiters, w, entry);
		w->done(w->arg);
		waiter_free(w);
	}
	if (smp.running == NULL && !TAILQ_EMPTY(&smp.waiters))
		scan_begin(0);
}

/* The eventfd: a scan's thread has finished. */
static void
scan_wake(evutil_socket_t fd, short what, void *arg)
{
	uint64_t v;

	(void)what;
	(void)arg;
	(void)!read(fd, &v, sizeof v);
	/* A scan ended by sampling_refresh may have left a wake-up behind:
	 * join only a thread that has finished, never wait on the loop. */
	if (smp.running != NULL && atomic_load(&smp.running->done))
		scan_end();
}

/* A reader waited SAMPLING_WAIT_MS: it answers with what there is. */
static void
waiter_expire(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&smp.waiters, w, entry);
	w->done(w->arg);
	waiter_free(w);
}

int
sampling_usage(const struct worker *w, uint64_t now, uint64_t fresh,
    uint64_t *rss_kb, double *cpu_s)
{
	const struct usage *u = usage_find(w);

	if (u == NULL || now < u->at || now - u->at > fresh)
		return 0;
	*rss_kb = u->rss_kb;
	*cpu_s = u->cpu_s;
	return 1;
}

int
sampling_wait(void (*done)(void *), void *arg)
{
	struct waiter *w;
	struct timeval tv;

	if (smp.pool == NULL || smp.wake == NULL ||
	    !table_stale(gw_now_ms(), sampling_fresh_ms()))
		return 1;
	w = xcalloc(1, sizeof *w);
	w->done = done;
	w->arg = arg;
	/* A scan already running may have been asked before some worker
	 * was: wait for the one after it. */
	w->need = smp.started + 1;
	w->timer = evtimer_new(smp.base, waiter_expire, w);
	tv = gw_ms_to_timeval(SAMPLING_WAIT_MS);
	evtimer_add(w->timer, &tv);
	TAILQ_INSERT_TAIL(&smp.waiters, w, entry);
	if (smp.running == NULL)
		scan_begin(0);
	return 0;
}

void
sampling_wait_cancel(void (*done)(void *), void *arg)
{
	struct waiter *w, *next;

	if (smp.waiters.tqh_last == NULL) /* never started */
		return;
	for (w = TAILQ_FIRST(&smp.waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->done == done && w->arg == arg) {
			TAILQ_REMOVE(&smp.waiters, w, entry);
			waiter_free(w);
		}
	}
}

uint64_t
sampling_refresh(void)
{
	uint64_t fresh = sampling_fresh_ms();

	/* Blocking, for callers without a loop: finish the scan running,
	 * then one more if the table is still stale. */
	if (smp.running != NULL)
		scan_end();
	if (table_stale(gw_now_ms(), fresh)) {
		scan_begin(0);
		scan_end();
	}
	return fresh;
}

void
sampling_quiesce(void)
{
	struct scan *s = smp.running;

	/* Its result stays for the loop (the eventfd is still readable). */
	if (s != NULL && s->joinable) {
		pthread_join(s->thread, NULL);
		s->joinable = 0;
	}
}

/* The timer: a periodic sample (at most one scan at a time). */
static void
sample_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (smp.running != NULL)
		smp.running->periodic = 1; /* its facts will do */
	else
		scan_begin(1);
}

void
sampling_start(struct event_base *base, struct pool *pool, pid_t master,
    void (*sampled)(void))
{
	smp.base = base;
	smp.pool = pool;
	smp.master = master;
	smp.sampled = sampled;
	TAILQ_INIT(&smp.waiters);
	smp.timer = evtimer_new(base, sample_fire, NULL);
	smp.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (smp.efd == -1)
		fatal("sampling: eventfd: %s", strerror(errno));
	smp.wake = event_new(base, smp.efd, EV_READ | EV_PERSIST, scan_wake,
	    NULL);
	if (smp.wake == NULL || event_add(smp.wake, NULL) == -1)
		fatal("sampling: cannot watch the eventfd");
}

void
sampling_arm(void)
{
	const struct gw_config *cfg = supervisor_config();
	struct timeval		tv;
	uint64_t		ms = cfg->stats_interval_ms;

	/* Only wake when someone needs the numbers. */
	if ((cfg->max_worker_memory == 0 && !stats_enabled()) || ms == 0) {
		event_del(smp.timer);
		return;
	}
	tv = gw_ms_to_timeval(ms);
	event_add(smp.timer, &tv);
}

void
sampling_stop(void)
{
	struct waiter *w;

	sampling_quiesce();
	if (smp.running != NULL)
		scan_free(smp.running);
	smp.running = NULL;
	/* gwd is going away: the readers' connections go with it. */
	while (smp.waiters.tqh_last != NULL &&
	    (w = TAILQ_FIRST(&smp.waiters)) != NULL) {
		TAILQ_REMOVE(&smp.waiters, w, entry);
		waiter_free(w);
	}
	if (smp.timer != NULL)
		event_free(smp.timer);
	smp.timer = NULL;
	if (smp.wake != NULL)
		event_free(smp.wake);
	smp.wake = NULL;
	if (smp.efd != -1)
		close(smp.efd);
	smp.efd = -1;
	smp.pool = NULL;
	usage_table_clear(&smp.t);
}
