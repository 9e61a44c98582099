/*
 * metrics.c: every metric family gwd exports, in one place.  See
 * metrics.h; the families, their types and labels are listed in gwd(8),
 * METRICS.  Counters are kept here from the event stream, where the
 * supervisor emits what happened; gauges are read from the pool at scrape
 * time.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "control.h"
#include "events.h"
#include "gw/util.h"
#include "listeners.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "pool.h"
#include "procfs.h"
#include "promtext.h"
#include "sockdiag.h"
#include "stats.h"
#include "sampling.h"
#include "supervisor.h"
#include "upgrade.h"
#include "web.h"

/* Exit reasons of SPEC section 5, in enum reason order after R_NONE. */
#define NREASONS (R_SHUTDOWN + 1)

enum { RL_OK, RL_FAILED, RL_INVALID, RL_COUNT };
static const char *const reload_results[RL_COUNT] = { "ok", "failed",
	"invalid" };

/* The live states a worker can be in (exited ones are not shown). */
static const enum wstate live_states[] = { WS_SPAWNING, WS_BOOTING, WS_READY,
	WS_DRAINING, WS_KILLING };

static struct {
	int	 started;
	uint64_t exits[NREASONS];
	uint64_t reloads[RL_COUNT];
	uint64_t retired_requests; /* of workers that exited */
	int	 requests_seen;	   /* some worker reported */
	int	 diag_warned;
} m;

static enum reason
metrics_reason(const char *name)
{
	int r;

	for (r = R_CRASH; r < NREASONS; r++)
		if (strcmp(pool_reason_name((enum reason)r), name) == 0)
			return (enum reason)r;
	return R_NONE;
}

/* Count what happened, as it is emitted. */
static void
metrics_on_event(const struct gw_event *ev, void *arg)
{
	json_t *req;

	(void)arg;
	if (strcmp(ev->event, "exit") == 0) {
		if (ev->reason != NULL)
			m.exits[metrics_reason(ev->reason)]++;
		req = ev->detail ? json_object_get(ev->detail, "requests") :
				   NULL;
		if (json_is_integer(req) && json_integer_value(req) > 0)
			m.retired_requests += (uint64_t)json_integer_value(req);
	} else if (strcmp(ev->event, "reload_done") == 0)
		m.reloads[RL_OK]++;
	else if (strcmp(ev->event, "reload_failed") == 0)
		m.reloads[RL_FAILED]++;
	else if (strcmp(ev->event, "config_error") == 0)
		m.reloads[RL_INVALID]++;
}

void
metrics_start(void)
{
	if (m.started)
		return;
	memset(&m, 0, sizeof m);
	m.started = 1;
	events_subscribe(metrics_on_event, NULL);
}

void
metrics_stop(void)
{
	if (!m.started)
		return;
	events_unsubscribe(metrics_on_event, NULL);
	m.started = 0;
}

static void
metrics_gauge(struct evbuffer *b, const char *name, const char *help, double v)
{
	promtext_family(b, name, "gauge", help);
	promtext_sample(b, name, v, NULL);
}

static void
metrics_counter(struct evbuffer *b, const char *name, const char *help,
    double v)
{
	promtext_family(b, name, "counter", help);
	promtext_sample(b, name, v, NULL);
}

static json_int_t
metrics_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* The master itself, under the names every Prometheus client uses. */
static void
metrics_process(struct evbuffer *b)
{
	struct procfs_usage u;

	metrics_gauge(b, "process_start_time_seconds",
	    "Start time of the gwd master since the epoch, in seconds.",
	    supervisor_started_at());
	if (procfs_usage(getpid(), &u) == -1)
		return;
	metrics_counter(b, "process_cpu_seconds_total",
	    "CPU time of the gwd master (user and system), in seconds.",
	    u.cpu_s);
	metrics_gauge(b, "process_resident_memory_bytes",
	    "Resident memory of the gwd master, in bytes.",
	    (double)u.rss_kb * 1024);
}

/* The pool as a whole: target, states, generation, backoff. */
static void
metrics_pool(struct evbuffer *b, const struct pool *p, uint64_t now)
{
	unsigned counts[WS_EXITED + 1];
	size_t	 i;

	memset(counts, 0, sizeof counts);
	for (i = 0; i < p->n; i++)
		counts[p->w[i]->state]++;
	promtext_family(b, "gwd_info", "gauge",
	    "Always 1: the version of gwd and the instance name.");
	promtext_sample(b, "gwd_info", 1, "version", GWD_VERSION, "name",
	    supervisor_config()->name, NULL);
	metrics_gauge(b, "gwd_generation",
	    "The generation new workers get (bumped by each reload).",
	    p->generation);
	metrics_gauge(b, "gwd_workers_target", "The target pool size.",
	    p->target);
	promtext_family(b, "gwd_workers", "gauge",
	    "Workers by state (spawning, booting, ready, draining, killing).");
	for (i = 0; i < GW_ARRAY_LEN(live_states); i++)
		promtext_sample(b, "gwd_workers", counts[live_states[i]],
		    "state", pool_state_name(live_states[i]), NULL);
	metrics_gauge(b, "gwd_reloading",
	    "1 while a reload is replacing workers, else 0.",
	    p->reload.active ? 1 : 0);
	metrics_counter(b, "gwd_spawns_total",
	    "Workers started since the master started.",
	    (double)p->spawns_total);
	promtext_family(b, "gwd_worker_exits_total", "counter",
	    "Worker exits since the master started, by reason.");
	for (i = R_CRASH; i < NREASONS; i++)
		promtext_sample(b, "gwd_worker_exits_total", (double)m.exits[i],
		    "reason", pool_reason_name((enum reason)i), NULL);
	promtext_family(b, "gwd_reloads_total", "counter",
	    "Reloads since the master started, by result: ok, failed (the "
	    "new workers did not become ready), invalid (the configuration "
	    "was refused).");
	for (i = 0; i < RL_COUNT; i++)
		promtext_sample(b, "gwd_reloads_total", (double)m.reloads[i],
		    "result", reload_results[i], NULL);
	metrics_gauge(b, "gwd_backoff_seconds",
	    "Seconds until the next spawn attempt of a crash loop, 0 when "
	    "not backing off.",
	    p->backoff_until > now ? (double)(p->backoff_until - now) / 1000.0 :
				     0);
	metrics_gauge(b, "gwd_backoff_failures",
	    "Consecutive worker failures (the crash-loop count).", p->failures);
}

/*
 * The newest live worker of each slot, in pool order: one series per
 * slot id, found in one pass (the pool may hold thousands).  Returns
 * how many (new array in *out, caller frees).
 */
static size_t
metrics_slot_heads(const struct pool *p, const struct worker ***out)
{
	const struct worker **best, **heads;
	size_t		      i, n = 0;
	int		      maxid = 0;

	for (i = 0; i < p->n; i++)
		if (p->w[i]->id > maxid)
			maxid = p->w[i]->id;
	best = xcalloc((size_t)maxid + 1, sizeof *best);
	heads = xcalloc(p->n + 1, sizeof *heads);
	for (i = 0; i < p->n; i++) {
		const struct worker *w = p->w[i];

		if (w->state == WS_EXITED || w->pid <= 0 || w->id < 0)
			continue;
		if (best[w->id] == NULL ||
		    w->spawned_at >= best[w->id]->spawned_at)
			best[w->id] = w;
	}
	for (i = 0; i < p->n; i++)
		if (p->w[i]->id >= 0 && best[p->w[i]->id] == p->w[i])
			heads[n++] = p->w[i];
	free(best);
	*out = heads;
	return n;
}

/* One family of per-worker samples; what() gives the value or -1. */
typedef double (*metrics_worker_fn)(const struct worker *, uint64_t now,
    uint64_t fresh);

struct worker_family {
	const char	 *name, *type, *help;
	metrics_worker_fn what;
};

static void
metrics_per_worker(struct evbuffer *b, const struct worker **heads,
    size_t nheads, const struct worker_family *f, uint64_t now, uint64_t fresh)
{
	char   id[16];
	double v;
	size_t i;

	promtext_family(b, f->name, f->type, f->help);
	for (i = 0; i < nheads; i++) {
		const struct worker *w = heads[i];

		if ((v = f->what(w, now, fresh)) < 0)
			continue;
		snprintf(id, sizeof id, "%d", w->id);
		promtext_sample(b, f->name, v, "id", id, NULL);
	}
}

/* The last /proc scan's usage of w (sampling.h), read-only. */
static double
w_rss(const struct worker *w, uint64_t now, uint64_t fresh)
{
	uint64_t rss_kb;
	double	 cpu_s;

	return sampling_usage(w, now, fresh, &rss_kb, &cpu_s) ?
	    (double)rss_kb * 1024 :
	    -1;
}

static double
w_cpu(const struct worker *w, uint64_t now, uint64_t fresh)
{
	uint64_t rss_kb;
	double	 cpu_s;

	return sampling_usage(w, now, fresh, &rss_kb, &cpu_s) ? cpu_s : -1;
}

static double
w_requests(const struct worker *w, uint64_t now, uint64_t fresh)
{
	(void)now;
	(void)fresh;
	return w->reports_requests ? (double)w->requests : -1;
}

static double
w_age(const struct worker *w, uint64_t now, uint64_t fresh)
{
	(void)fresh;
	return now >= w->spawned_at ? (double)(now - w->spawned_at) / 1000.0 :
				      0;
}

static double
w_heartbeat(const struct worker *w, uint64_t now, uint64_t fresh)
{
	(void)fresh;
	if (w->last_heartbeat == 0)
		return -1;
	return now >= w->last_heartbeat ?
	    (double)(now - w->last_heartbeat) / 1000.0 :
	    0;
}

static double
w_generation(const struct worker *w, uint64_t now, uint64_t fresh)
{
	(void)now;
	(void)fresh;
	return w->generation;
}

static double
w_restarts(const struct worker *w, uint64_t now, uint64_t fresh)
{
	(void)now;
	(void)fresh;
	return w->restarts;
}

/* The per-slot families after gwd_worker_state, in page order. */
static const struct worker_family worker_families[] = {
	{ "gwd_worker_generation", "gauge",
	    "Generation of the newest worker of slot id.", w_generation },
	{ "gwd_worker_rss_bytes", "gauge",
	    "Resident memory of the worker's process tree, in bytes.", w_rss },
	{ "gwd_worker_cpu_seconds_total", "counter",
	    "CPU time of the worker's process tree, in seconds.", w_cpu },
	{ "gwd_worker_requests_total", "counter",
	    "Requests the worker reported (GWD_REQUESTS=).", w_requests },
	{ "gwd_worker_age_seconds", "gauge",
	    "Seconds since the worker was started.", w_age },
	{ "gwd_worker_heartbeat_age_seconds", "gauge",
	    "Seconds since the worker's last heartbeat (WATCHDOG=1).",
	    w_heartbeat },
	{ "gwd_worker_restarts_total", "counter",
	    "Workers slot id had before this one.", w_restarts },
};

static void
metrics_workers(struct evbuffer *b, const struct pool *p, uint64_t now,
    uint64_t fresh)
{
	const struct worker **heads;
	char		      id[16];
	double		      rss = 0, requests, v;
	size_t		      i, j, nheads;

	requests = (double)m.retired_requests;
	nheads = metrics_slot_heads(p, &heads);
	promtext_family(b, "gwd_worker_state", "gauge",
	    "1 for the state the newest worker of slot id is in, 0 for the "
	    "others.");
	for (i = 0; i < nheads; i++) {
		const struct worker *w = heads[i];

		snprintf(id, sizeof id, "%d", w->id);
		for (j = 0; j < GW_ARRAY_LEN(live_states); j++)
			promtext_sample(b, "gwd_worker_state",
			    w->state == live_states[j] ? 1 : 0, "id", id,
			    "state", pool_state_name(live_states[j]), NULL);
	}
	for (i = 0; i < GW_ARRAY_LEN(worker_families); i++)
		metrics_per_worker(b, heads, nheads, &worker_families[i], now,
		    fresh);
	free(heads);

	/* Totals over every live worker, old ones being replaced too. */
	for (i = 0; i < p->n; i++) {
		const struct worker *w = p->w[i];

		if (w->state == WS_EXITED)
			continue;
		if ((v = w_rss(w, now, fresh)) >= 0)
			rss += v;
		if (w->reports_requests) {
			requests += (double)w->requests;
			m.requests_seen = 1;
		}
	}
	if (m.retired_requests > 0)
		m.requests_seen = 1;
	metrics_gauge(b, "gwd_workers_rss_bytes",
	    "Resident memory of all live workers' process trees, in bytes.",
	    rss);
	if (m.requests_seen)
		metrics_counter(b, "gwd_requests_total",
		    "Requests served, as reported by the workers "
		    "(GWD_REQUESTS=), since the master started.",
		    requests);
}

/* The accept queue of every bind, read from the kernel. */
static void
metrics_queues(struct evbuffer *b, const struct listeners *ls)
{
	struct sockdiag_queue *q;
	int		      *ok;
	size_t		       i;

	if (ls == NULL)
		return;
	q = xcalloc(ls->n + 1, sizeof *q);
	ok = xcalloc(ls->n + 1, sizeof *ok);
	for (i = 0; i < ls->n; i++) {
		ok[i] = sockdiag_listen_queue(ls->v[i].fd, &q[i]) == 0;
		if (!ok[i] && !m.diag_warned++)
			log_warn("metrics: cannot read the accept queue of "
				 "%s: %s",
			    ls->v[i].addr, strerror(errno));
	}
	promtext_family(b, "gwd_listen_queue_depth", "gauge",
	    "Connections waiting in the accept queue of the bind, not yet "
	    "accepted by any worker.");
	for (i = 0; i < ls->n; i++)
		if (ok[i])
			promtext_sample(b, "gwd_listen_queue_depth", q[i].depth,
			    "bind", ls->v[i].addr, NULL);
	promtext_family(b, "gwd_listen_queue_max", "gauge",
	    "Maximum length of the accept queue of the bind (the backlog "
	    "the kernel applies).");
	for (i = 0; i < ls->n; i++)
		if (ok[i])
			promtext_sample(b, "gwd_listen_queue_max", q[i].max,
			    "bind", ls->v[i].addr, NULL);
	free(ok);
	free(q);
}

/* The stats writer, the notify socket and the control socket. */
static void
metrics_io(struct evbuffer *b)
{
	json_t *st = stats_status_json();

	metrics_gauge(b, "gwd_stats_up",
	    "1 when the stats database is open and written, else 0.",
	    json_is_true(json_object_get(st, "ok")) ? 1 : 0);
	metrics_counter(b, "gwd_stats_dropped_total",
	    "Stats records (events, samples) dropped because the writer's "
	    "queue was full or the database failed.",
	    (double)metrics_int(st, "dropped"));
	metrics_counter(b, "gwd_stats_written_total",
	    "Stats records written to the database.",
	    (double)metrics_int(st, "written"));
	metrics_gauge(b, "gwd_stats_queued",
	    "Stats records waiting for the writer thread.",
	    (double)metrics_int(st, "queued"));
	json_decref(st);
	metrics_counter(b, "gwd_notify_dropped_total",
	    "Notify datagrams dropped (not from a worker, or malformed).",
	    (double)notify_dropped());
	metrics_gauge(b, "gwd_control_clients",
	    "Clients connected to the control socket.", control_clients());
}

void
metrics_render(struct evbuffer *out)
{
	const struct pool *p = supervisor_pool();
	uint64_t	   fresh, now;

	fresh = sampling_fresh_ms();
	now = gw_now_ms();
	metrics_pool(out, p, now);
	metrics_workers(out, p, now, fresh);
	metrics_queues(out, supervisor_listeners());
	metrics_io(out);
	metrics_process(out);
}

static void
metrics_answer(void *arg)
{
	struct evhttp_request *req = arg;
	struct evbuffer	      *b = evbuffer_new();

	metrics_render(b);
	web_reply(req, 200, "OK", PROM_CONTENT_TYPE, b);
	evbuffer_free(b);
}

void
metrics_serve(struct evhttp_request *req, void *arg)
{
	(void)arg;
	/* A stale table: answer once the sampling thread's scan is in
	 * (evhttp keeps req for us even if the client goes away). */
	if (sampling_wait(metrics_answer, req))
		metrics_answer(req);
}
