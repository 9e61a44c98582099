/*
 * pool.c: worker records and the facts that move them between states.
 * Pure: no system calls, time comes from the callers.  Decisions about
 * what to do next (spawn, stop, kill) belong to plan.c.
 */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gw/util.h"
#include "notify_msg.h"
#include "pool.h"

/* A worker that exits within this long of ready counts as a failure. */
#define FAILURE_WINDOW_MS	1000
#define BACKOFF_BASE_MS		100

static const char *reason_names[] = {
	[R_NONE] = "none",
	[R_CRASH] = "crash",
	[R_EXIT] = "exit",
	[R_BOOT_FAILED] = "boot_failed",
	[R_BOOT_TIMEOUT] = "boot_timeout",
	[R_TIMEOUT] = "timeout",
	[R_RELOAD] = "reload",
	[R_SCALE] = "scale",
	[R_RECYCLE_REQUESTS] = "recycle_requests",
	[R_RECYCLE_AGE] = "recycle_age",
	[R_RECYCLE_MEMORY] = "recycle_memory",
	[R_RECYCLE_REQUESTED] = "recycle_requested",
	[R_KILLED] = "killed",
	[R_SHUTDOWN] = "shutdown",
};

static const char *state_names[] = {
	[WS_SPAWNING] = "spawning",
	[WS_BOOTING] = "booting",
	[WS_READY] = "ready",
	[WS_DRAINING] = "draining",
	[WS_KILLING] = "killing",
	[WS_EXITED] = "exited",
};

const char *
reason_name(enum reason r)
{
	return reason_names[r];
}

const char *
wstate_name(enum wstate s)
{
	return state_names[s];
}

void
actions_push(struct actions *a, enum action_kind kind, struct worker *w,
    int sig, enum note_kind note, const char *text)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	a->v[a->n].kind = kind;
	a->v[a->n].w = w;
	a->v[a->n].sig = sig;
	a->v[a->n].note = note;
	a->v[a->n].text = text;
	a->n++;
}

void
actions_clear(struct actions *a)
{
	a->n = 0;
}

void
actions_free(struct actions *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

void
pool_init(struct pool *p, unsigned target, unsigned generation)
{
	memset(p, 0, sizeof *p);
	p->target = target;
	p->generation = p->gen_counter = generation;
	p->mode = PM_RUNNING;
}

void
pool_free(struct pool *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		free(p->w[i]);
	free(p->w);
	free(p->slot_restarts);
	memset(p, 0, sizeof *p);
}

struct worker *
pool_add(struct pool *p, int id, uint64_t now)
{
	struct worker	*w = xcalloc(1, sizeof *w);

	if ((size_t)id >= p->nslots) {
		size_t	n = (size_t)id + 16;

		p->slot_restarts = xreallocarray(p->slot_restarts, n,
		    sizeof *p->slot_restarts);
		memset(p->slot_restarts + p->nslots, 0,
		    (n - p->nslots) * sizeof *p->slot_restarts);
		p->nslots = n;
	}
	w->id = id;
	w->generation = p->generation;
	w->state = WS_SPAWNING;
	w->spawned_at = w->state_since = now;
	w->exit_status = -1;
	w->restarts = p->slot_restarts[id]++;
	p->w = xreallocarray(p->w, p->n + 1, sizeof *p->w);
	p->w[p->n++] = w;
	p->spawns_total++;
	return w;
}

struct worker *
pool_find_pid(struct pool *p, pid_t pid)
{
	size_t	i;

	if (pid <= 0)
		return NULL;
	for (i = 0; i < p->n; i++)
		if (p->w[i]->pid == pid && p->w[i]->state != WS_EXITED)
			return p->w[i];
	return NULL;
}

struct worker *
pool_find_id(struct pool *p, int id)
{
	struct worker	*best = NULL;
	size_t		 i;

	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i];

		if (w->id != id || w->state == WS_EXITED || w->pid <= 0)
			continue;
		if (best == NULL || w->spawned_at >= best->spawned_at)
			best = w;
	}
	return best;
}

static void
set_state(struct worker *w, enum wstate s, uint64_t now)
{
	w->state = s;
	w->state_since = now;
}

void
pool_on_forked(struct pool *p, struct worker *w, pid_t pid, uint64_t now,
    struct actions *a)
{
	(void)p;
	(void)now;
	w->pid = pid;
	actions_push(a, A_NOTE, w, 0, N_SPAWN, NULL);
}

static void
become_ready(struct worker *w, uint64_t now, struct actions *a)
{
	set_state(w, WS_READY, now);
	w->ready_at = now;
	w->was_ready = 1;
	w->proving = 0;
	w->deadline = 0;
	actions_push(a, A_NOTE, w, 0, N_READY, NULL);
}

void
pool_on_readiness(struct pool *p, struct worker *w, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	(void)p;
	if (w->stop_reason != R_NONE || w->proving ||
	    (w->state != WS_SPAWNING && w->state != WS_BOOTING))
		return;
	if (t->readiness_grace_ms == 0) {
		become_ready(w, now, a);
		return;
	}
	w->proving = 1;
	w->proving_since = now;
	/* It signalled in time: the boot deadline leaves room for the
	 * grace. */
	if (w->deadline != 0 && w->deadline < now + t->readiness_grace_ms)
		w->deadline = now + t->readiness_grace_ms;
}

void
pool_on_proven(struct pool *p, struct worker *w, uint64_t now,
    struct actions *a)
{
	(void)p;
	if (w->proving && w->stop_reason == R_NONE &&
	    (w->state == WS_SPAWNING || w->state == WS_BOOTING))
		become_ready(w, now, a);
}

void
pool_on_exec_ok(struct pool *p, struct worker *w, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	if (w->state != WS_SPAWNING)
		return;
	set_state(w, WS_BOOTING, now);
	if (!t->readiness_notify)
		pool_on_readiness(p, w, now, t, a);
}

uint64_t
pool_backoff_delay(unsigned failures, uint64_t max_ms)
{
	uint64_t	d = BACKOFF_BASE_MS;
	unsigned	i;

	if (failures == 0)
		return 0;
	for (i = 1; i < failures && d < max_ms; i++)
		d *= 2;
	return d < max_ms ? d : max_ms;
}

static void
count_failure(struct pool *p, uint64_t now, const struct pool_timing *t,
    struct actions *a)
{
	p->failures++;
	p->last_failure_at = now;
	p->backoff_until = now + pool_backoff_delay(p->failures,
	    t->backoff_max_ms);
	actions_push(a, A_NOTE, NULL, 0, N_BACKOFF, NULL);
}

void
pool_count_failure(struct pool *p, struct worker *w, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	if (w->failure_told)
		return;
	w->failure_told = 1;
	count_failure(p, now, t, a);
}

void
pool_reload_abort(struct pool *p, struct worker *failed, const char *why,
    struct actions *a)
{
	size_t	i;

	if (!p->reload.active)
		return;
	if (failed != NULL)
		failed->failure_told = 1;	/* not a crash loop */
	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i];

		if (w->state >= WS_DRAINING)
			continue;
		if (w->generation == p->reload.old_generation &&
		    w->retire == R_RELOAD)
			w->retire = R_NONE;
		else if (w->generation == p->generation &&
		    w->stop_reason == R_NONE)
			w->stop_reason = R_RELOAD;
	}
	p->generation = p->reload.old_generation;
	p->reload.active = 0;
	actions_push(a, A_NOTE, failed, 0, N_RELOAD_FAILED, why);
}

int
pool_exit_is_failure(const struct worker *w)
{
	switch (w->exit_reason) {
	case R_CRASH:
	case R_BOOT_FAILED:
	case R_BOOT_TIMEOUT:
	case R_TIMEOUT:
		return 1;
	case R_EXIT:
		return !w->self_stopping;
	default:
		return 0;
	}
}

/* Why a reload failed, from how its new worker ended. */
static const char *
abort_reason(const struct worker *w)
{
	switch (w->exit_reason) {
	case R_BOOT_FAILED:
		return w->proving ? "a new worker exited within its readiness "
		    "grace" : "a new worker exited before it was ready";
	case R_BOOT_TIMEOUT:
		return "a new worker did not become ready in time";
	case R_TIMEOUT:
		return "a new worker missed its heartbeat";
	case R_CRASH:
		return "a new worker crashed";
	default:
		return "a new worker exited";
	}
}

void
pool_on_spawn_failed(struct pool *p, struct worker *w, int err, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	w->exec_errno = err;
	w->exit_reason = R_BOOT_FAILED;
	set_state(w, WS_EXITED, now);
	actions_push(a, A_NOTE, w, 0, N_EXIT, NULL);
	if (p->mode != PM_RUNNING)
		return;
	/* New code that fails fails its reload; it is no crash loop of
	 * the generation that keeps serving. */
	if (p->reload.active && w->generation == p->generation)
		pool_reload_abort(p, w, "cannot start new workers", a);
	else
		count_failure(p, now, t, a);
}

/* The reason of an exit nobody asked for, and whether it is a failure. */
static enum reason
classify(const struct worker *w, uint64_t now, int *failure)
{
	int	clean = w->exit_signal == 0 && w->exit_status == 0;

	*failure = 0;
	if (!w->was_ready) {
		*failure = 1;
		return R_BOOT_FAILED;
	}
	if (now - w->ready_at < FAILURE_WINDOW_MS && !w->self_stopping)
		*failure = 1;
	if (clean || w->self_stopping)
		return R_EXIT;
	return R_CRASH;
}

struct worker *
pool_on_exit(struct pool *p, pid_t pid, int status, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	struct worker	*w = pool_find_pid(p, pid);
	int		 failure = 0;

	if (w == NULL)
		return NULL;
	if (WIFSIGNALED(status)) {
		w->exit_signal = WTERMSIG(status);
		w->exit_status = -1;
	} else {
		w->exit_status = WEXITSTATUS(status);
		w->exit_signal = 0;
	}
	if (w->stop_reason != R_NONE) {
		w->exit_reason = w->stop_reason;
		if (w->stop_reason == R_BOOT_TIMEOUT)
			failure = 1;
	} else if (w->killed)
		w->exit_reason = R_KILLED;
	else
		w->exit_reason = classify(w, now, &failure);
	set_state(w, WS_EXITED, now);
	w->deadline = 0;
	actions_push(a, A_NOTE, w, 0, N_EXIT, NULL);

	if (p->mode != PM_RUNNING)
		return w;
	/* Any failure of the new code during its reload fails the reload,
	 * whether or not that worker had become ready; it is no crash loop
	 * of the generation that keeps serving. */
	if (p->reload.active && w->generation == p->generation &&
	    pool_exit_is_failure(w))
		pool_reload_abort(p, w, abort_reason(w), a);
	else if (failure)
		pool_count_failure(p, w, now, t, a);
	return w;
}

void
pool_on_notify(struct pool *p, struct worker *w, const struct notify_msg *m,
    uint64_t now, const struct pool_timing *t, struct actions *a)
{
	if (w->state == WS_EXITED)
		return;
	if (m->has_status)
		gw_strlcpy(w->status, m->status, sizeof w->status);
	if (m->has_requests) {
		w->requests = m->requests;
		w->reports_requests = 1;
	}
	if (m->stopping)
		w->self_stopping = 1;
	if (m->watchdog && t->timeout_ms > 0)
		w->last_heartbeat = now;
	if (m->ready && t->readiness_notify)
		pool_on_readiness(p, w, now, t, a);
	if (m->has_extend && w->deadline != 0 && (w->state == WS_SPAWNING ||
	    w->state == WS_BOOTING || w->state == WS_DRAINING)) {
		uint64_t	d = now + m->extend_usec / 1000;

		if (d > w->deadline)
			w->deadline = d;
	}
	/* A worker that counts requests itself (gwd-http) asks at its own
	 * --max-requests: that is recycling for requests, not a whim. */
	if (m->recycle && w->state == WS_READY && w->retire == R_NONE &&
	    w->stop_reason == R_NONE)
		w->retire = t->max_requests > 0 &&
		    w->requests >= t->max_requests ? R_RECYCLE_REQUESTS :
		    R_RECYCLE_REQUESTED;
}

void
pool_on_dump_done(struct pool *p, struct worker *w, uint64_t now)
{
	(void)p;
	if (w == NULL || w->state != WS_KILLING || !w->dumping)
		return;
	w->dumping = 0;
	w->deadline = now;	/* the planner sends the kill now */
}

unsigned
pool_set_target(struct pool *p, unsigned target)
{
	unsigned	prev = p->target;

	p->target = target;
	return prev;
}

unsigned
pool_start_reload(struct pool *p, int surge, unsigned batch, uint64_t now)
{
	size_t	i;

	p->reload.active = 1;
	p->reload.surge = surge;
	p->reload.batch = batch ? batch : 1;
	p->reload.old_generation = p->generation;
	p->reload.started_at = now;
	p->reload.started = p->reload.retired = 0;
	p->generation = ++p->gen_counter;
	/* Replacing a failing pool should not wait for an old backoff. */
	p->failures = 0;
	p->backoff_until = 0;
	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i];

		if (w->generation == p->generation || w->state >= WS_DRAINING)
			continue;
		/* Old workers that never became ready are not worth keeping. */
		if (w->state != WS_READY && w->stop_reason == R_NONE)
			w->stop_reason = R_RELOAD;
		else if (surge && w->retire == R_NONE)
			w->retire = R_RELOAD;
	}
	return p->generation;
}

void
pool_shutdown(struct pool *p, int quick)
{
	p->mode = PM_STOPPING;
	p->quick = quick;
	p->reload.active = 0;
	p->backoff_until = 0;	/* nothing more is started */
}

void
pool_mark_killed(struct pool *p, struct worker *w)
{
	(void)p;
	w->killed = 1;
}

void
pool_gc(struct pool *p)
{
	size_t	i, j = 0;

	for (i = 0; i < p->n; i++) {
		if (p->w[i]->state == WS_EXITED)
			free(p->w[i]);
		else
			p->w[j++] = p->w[i];
	}
	p->n = j;
}

void
pool_count(const struct pool *p, struct pool_counts *c)
{
	size_t	i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < p->n; i++) {
		switch (p->w[i]->state) {
		case WS_SPAWNING:
		case WS_BOOTING:
			c->booting++;
			break;
		case WS_READY:
			c->ready++;
			break;
		case WS_DRAINING:
		case WS_KILLING:
			c->draining++;
			break;
		case WS_EXITED:
			continue;
		}
		c->total++;
	}
}
