/*
 * plan.c: the planner (see plan.h).  Pure: it reads the time only from its
 * argument and makes no system calls.
 *
 * The first half is the transition table of one worker and its steps; the
 * second half is the run over the pool.  Order of a run: shutdown,
 * deadlines, recycling, reload progress, stops, spawns.
 */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gw/util.h"
#include "plan.h"

/* A worker that exits within this long of ready counts as a failure. */
#define FAILURE_WINDOW_MS	1000

struct cell;

/* One event being applied. */
struct ctx {
	struct pool			*p;
	const struct pool_timing	*t;
	uint64_t			 now;
	struct actions			*a;
	uint64_t			 arg;	/* the event's (plan.h) */
	const struct cell		*c;
	int				 failure; /* the exit is a failure */
};

typedef int	guard_fn(const struct ctx *, const struct worker *);
typedef void	step_fn(struct ctx *, struct worker *);

/* A cell: the public part, a guard (0: the event is ignored this time),
 * and up to three steps run in order after the state has changed. */
struct cell {
	struct plan_transition	 tr;
	guard_fn		*guard;
	step_fn			*step[3];
	const char		*why;		/* the log's word for a kill */
	const char		*hook;		/* GWD_REASON of its hook */
	const char		*reload_why;	/* how it fails a reload */
};

static void	fire(struct ctx *, struct worker *, enum plan_event,
		    uint64_t);

/* ---- steps: what a transition does besides changing the state ---- */

static void
send_stop(struct worker *w, int sig, uint64_t deadline, uint64_t now,
    struct actions *a)
{
	w->state_since = now;	/* also when a quick stop follows */
	w->deadline = deadline;
	w->stop_signal = sig;
	actions_push(a, A_SIGNAL, w, sig, N_STOP, NULL);
}

static void
send_kill(struct worker *w, int sig, uint64_t now, struct actions *a,
    const char *why)
{
	w->deadline = sig == SIGABRT ? now + PLAN_ABORT_GRACE_MS : 0;
	w->stop_signal = sig;
	actions_push(a, A_SIGNAL, w, sig, N_KILL, why);
}

static void
step_booted(struct ctx *x, struct worker *w)
{
	/* --readiness spawn: the exec is the readiness signal. */
	if (!x->t->readiness_notify)
		fire(x, w, PE_READINESS, 0);
}

static int
guard_readiness(const struct ctx *x, const struct worker *w)
{
	(void)x;
	return w->stop_reason == R_NONE && !w->proving;
}

/* Ready now, or once it has stayed alive for the readiness grace. */
static void
step_prove(struct ctx *x, struct worker *w)
{
	uint64_t	grace = x->t->readiness_grace_ms;

	if (grace == 0) {
		fire(x, w, PE_PROVEN, 0);
		return;
	}
	w->proving = 1;
	w->proving_since = x->now;
	/* It signalled in time: the boot deadline leaves room for the
	 * grace. */
	if (w->deadline != 0 && w->deadline < x->now + grace)
		w->deadline = x->now + grace;
}

static int
guard_proven(const struct ctx *x, const struct worker *w)
{
	return w->stop_reason == R_NONE &&
	    (w->proving || x->t->readiness_grace_ms == 0);
}

static void
step_ready(struct ctx *x, struct worker *w)
{
	w->ready_at = x->now;
	w->was_ready = 1;
	w->proving = 0;
	w->deadline = 0;
	actions_push(x->a, A_NOTE, w, 0, N_READY, NULL);
}

/* EXTEND_TIMEOUT_USEC moves a boot or stop deadline later, never
 * earlier, and never arms one that is off. */
static void
step_extend(struct ctx *x, struct worker *w)
{
	if (w->deadline != 0 && x->arg > w->deadline)
		w->deadline = x->arg;
}

static int
guard_not_leaving(const struct ctx *x, const struct worker *w)
{
	(void)x;
	return w->retire == R_NONE && w->stop_reason == R_NONE;
}

/* A worker that counts requests itself (gwd-http) asks at its own
 * --max-requests: that is recycling for requests, not a whim. */
static void
step_recycle_asked(struct ctx *x, struct worker *w)
{
	w->retire = x->t->max_requests > 0 &&
	    w->requests >= x->t->max_requests ? R_RECYCLE_REQUESTS :
	    R_RECYCLE_REQUESTED;
}

static void
count_failure(struct ctx *x)
{
	struct pool	*p = x->p;

	p->failures++;
	p->last_failure_at = x->now;
	p->backoff_until = x->now + pool_backoff_delay(p->failures,
	    x->t->backoff_max_ms);
	actions_push(x->a, A_NOTE, NULL, 0, N_BACKOFF, NULL);
}

/* w failed (crash loop): count it once, and back off.  At its exit, or
 * earlier when it is killed for a boot timeout, so that no slot is
 * refilled between the kill and the exit. */
static void
count_failure_once(struct ctx *x, struct worker *w)
{
	if (w->failure_told)
		return;
	w->failure_told = 1;
	count_failure(x);
}

/* New workers of the reload in progress failed (failed is the first that
 * did, why says how): the old generation keeps serving, the new is
 * stopped. */
static void
reload_abort(struct pool *p, struct worker *failed, const char *why,
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

/* w is of the generation a reload is bringing in. */
static int
of_new_generation(const struct pool *p, const struct worker *w)
{
	return p->reload.active && w->generation == p->generation;
}

static void
step_exec_failed(struct ctx *x, struct worker *w)
{
	w->exec_errno = (int)x->arg;
	w->exit_reason = R_BOOT_FAILED;
	actions_push(x->a, A_NOTE, w, 0, N_EXIT, NULL);
	if (x->p->mode != PM_RUNNING)
		return;
	/* New code that fails fails its reload; it is no crash loop of
	 * the generation that keeps serving. */
	if (of_new_generation(x->p, w))
		reload_abort(x->p, w, "cannot start new workers", x->a);
	else
		count_failure(x);
}

int
plan_exit_is_failure(const struct worker *w)
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

/* The exit's reason: the one we stopped it for, `killed` on request, or
 * what its status says. */
static void
step_exit(struct ctx *x, struct worker *w)
{
	x->failure = 0;
	if (w->stop_reason != R_NONE) {
		w->exit_reason = w->stop_reason;
		if (w->stop_reason == R_BOOT_TIMEOUT)
			x->failure = 1;
	} else if (w->killed)
		w->exit_reason = R_KILLED;
	else
		w->exit_reason = classify(w, x->now, &x->failure);
	w->deadline = 0;
	actions_push(x->a, A_NOTE, w, 0, N_EXIT, NULL);
	/* Leftovers in its process group (grandchildren) go with it. */
	if (w->pid > 0)
		actions_push(x->a, A_SIGNAL, w, SIGKILL, N_GROUP_KILL, NULL);
}

/* What the exit means for the pool: any failure of the new code during
 * its reload fails the reload, whether or not that worker had become
 * ready (it is no crash loop of the generation that keeps serving);
 * another failure counts towards the backoff. */
static void
step_judge_exit(struct ctx *x, struct worker *w)
{
	if (x->p->mode != PM_RUNNING)
		return;
	if (of_new_generation(x->p, w) && plan_exit_is_failure(w))
		reload_abort(x->p, w, abort_reason(w), x->a);
	else if (x->failure)
		count_failure_once(x, w);
}

/*
 * Kill a hung worker.  With a worker_timeout hook the kill waits: the
 * worker is in killing unsignalled and dumping, so that a stack dumper sees
 * it as it hung, until the hook ends (PE_HOOK_DONE) or its time limit
 * passes (PE_DUMP_OVER).
 */
static void
step_kill_hung(struct ctx *x, struct worker *w)
{
	if (x->t->dump_hook && !w->dumped && w->pid > 0) {
		w->dumped = 1;
		w->dumping = 1;
		w->dump_sig = x->c->tr.sig;
		w->dump_why = x->c->why;
		w->deadline = x->now + x->t->hook_timeout_ms;
		actions_push(x->a, A_NOTE, w, x->c->tr.sig, N_DUMP,
		    x->c->hook);
		return;
	}
	send_kill(w, x->c->tr.sig, x->now, x->a, x->c->why);
}

static void
step_kill(struct ctx *x, struct worker *w)
{
	send_kill(w, x->c->tr.sig, x->now, x->a, x->c->why);
}

/* A new worker of the reload in progress is being killed for a timeout:
 * the reload fails now, not once the worker is gone, so that its end
 * never waits on a process that does not die. */
static void
step_fail_reload(struct ctx *x, struct worker *w)
{
	if (of_new_generation(x->p, w))
		reload_abort(x->p, w, x->c->reload_why, x->a);
}

static void
step_count_failure(struct ctx *x, struct worker *w)
{
	count_failure_once(x, w);
}

static int
guard_dump_held(const struct ctx *x, const struct worker *w)
{
	(void)x;
	return w->dump_sig != 0;
}

/* The hook has looked, or ran out of time (or a quick stop cannot wait):
 * the kill it held back. */
static void
step_kill_after_dump(struct ctx *x, struct worker *w)
{
	int	sig = w->dump_sig;

	w->dump_sig = 0;
	w->dumping = 0;
	send_kill(w, sig, x->now, x->a, w->dump_why);
}

static int
guard_dumping(const struct ctx *x, const struct worker *w)
{
	(void)x;
	return w->dumping;
}

/* The hook is done: the next run sends the kill it held back. */
static void
step_hook_done(struct ctx *x, struct worker *w)
{
	w->dumping = 0;
	w->deadline = x->now;
}

static void
step_stop(struct ctx *x, struct worker *w)
{
	send_stop(w, x->t->stop_signal, x->now + x->t->graceful_timeout_ms,
	    x->now, x->a);
}

static void
step_quick_stop(struct ctx *x, struct worker *w)
{
	send_stop(w, SIGINT, x->now + PLAN_QUICK_MS, x->now, x->a);
}

static int
guard_forked(const struct ctx *x, const struct worker *w)
{
	(void)x;
	return w->pid > 0;
}

static void
step_kill_asked(struct ctx *x, struct worker *w)
{
	w->killed = 1;
	actions_push(x->a, A_SIGNAL, w, (int)x->arg, N_SIGNAL, NULL);
}

/* Only ready workers get the reopen signal: one still booting may not
 * handle it yet, and one on its way out keeps its files. */
static int
guard_reopen(const struct ctx *x, const struct worker *w)
{
	return w->pid > 0 && x->arg != 0;
}

static void
step_reopen(struct ctx *x, struct worker *w)
{
	actions_push(x->a, A_SIGNAL, w, (int)x->arg, N_REOPEN, NULL);
}

/* ---- the table ------------------------------------------------------- */

/*
 * CELL(next, stop reason, signal, guard, what it does, steps...);
 * KILL(next, stop reason, signal, what it does, the log's word, the
 * worker_timeout hook's GWD_REASON, how it fails a reload, steps...).
 */
#define CELL(nx, rs, sg, gd, does, ...)					\
	{ { does, nx, rs, sg }, gd, { __VA_ARGS__ }, NULL, NULL, NULL }
#define KILL(nx, rs, sg, does, why, hook, rwhy, ...)			\
	{ { does, nx, rs, sg }, NULL, { __VA_ARGS__ }, why, hook, rwhy }

/* Cells of every state a worker is alive in. */
#define LIVE_CELLS							\
	[PE_SPAWN_FAILED] = CELL(WS_EXITED, R_NONE, 0, NULL,		\
	    "fail the reload (new code) or count a failure",		\
	    step_exec_failed),						\
	[PE_EXIT] = CELL(WS_EXITED, R_NONE, 0, NULL,			\
	    "the exit reason; SIGKILL its process group; fail the "	\
	    "reload (new code) or count a failure",			\
	    step_exit, step_judge_exit),				\
	[PE_KILL_ASKED] = CELL(PLAN_STAY, R_NONE, 0, guard_forked,	\
	    "send the signal; the exit is `killed` (if forked)",	\
	    step_kill_asked)

/* Cells of spawning and booting. */
#define BOOT_CELLS							\
	LIVE_CELLS,							\
	[PE_READINESS] = CELL(PLAN_STAY, R_NONE, 0, guard_readiness,	\
	    "ready now, or after --readiness-grace (unless stopping)",	\
	    step_prove),						\
	[PE_PROVEN] = CELL(WS_READY, R_NONE, 0, guard_proven,		\
	    "ready; the boot deadline is off (unless stopping)",	\
	    step_ready),						\
	[PE_EXTEND] = CELL(PLAN_STAY, R_NONE, 0, NULL,			\
	    "move the deadline later, never earlier", step_extend),	\
	[PE_BOOT_TIMEOUT] = KILL(WS_KILLING, R_BOOT_TIMEOUT, SIGKILL,	\
	    "SIGKILL (after the worker_timeout hook); fail the reload; " \
	    "count a failure", "boot timeout", "boot_timeout",		\
	    "a new worker did not become ready in time",		\
	    step_kill_hung, step_fail_reload, step_count_failure),	\
	[PE_STOP] = CELL(WS_DRAINING, R_NONE, 0, NULL,			\
	    "the stop signal; graceful deadline", step_stop),		\
	[PE_QUICK_STOP] = CELL(WS_DRAINING, R_NONE, SIGINT, NULL,	\
	    "SIGINT; deadline in 2 s", step_quick_stop)

static const struct cell table[WS_COUNT][PE_COUNT] = {
	[WS_SPAWNING] = {
		BOOT_CELLS,
		[PE_EXEC_OK] = CELL(WS_BOOTING, R_NONE, 0, NULL,
		    "with --readiness spawn the exec is its readiness signal",
		    step_booted),
	},
	[WS_BOOTING] = {
		BOOT_CELLS,
	},
	[WS_READY] = {
		LIVE_CELLS,
		[PE_RECYCLE_ASKED] = CELL(PLAN_STAY, R_NONE, 0,
		    guard_not_leaving, "retire it (unless leaving already)",
		    step_recycle_asked),
		[PE_HEARTBEAT_TIMEOUT] = KILL(WS_KILLING, R_TIMEOUT, SIGABRT,
		    "SIGABRT (after the worker_timeout hook), SIGKILL 1 s "
		    "later; fail the reload", "heartbeat timeout", "timeout",
		    "a new worker missed its heartbeat",
		    step_kill_hung, step_fail_reload),
		[PE_STOP] = CELL(WS_DRAINING, R_NONE, 0, NULL,
		    "the stop signal; graceful deadline", step_stop),
		[PE_QUICK_STOP] = CELL(WS_DRAINING, R_NONE, SIGINT, NULL,
		    "SIGINT; deadline in 2 s", step_quick_stop),
		[PE_LOGS_REOPENED] = CELL(PLAN_STAY, R_NONE, 0, guard_reopen,
		    "send --worker-reopen-signal, if set", step_reopen),
	},
	[WS_DRAINING] = {
		LIVE_CELLS,
		[PE_EXTEND] = CELL(PLAN_STAY, R_NONE, 0, NULL,
		    "move the deadline later, never earlier", step_extend),
		/* A quick stop after a graceful one shortens it. */
		[PE_QUICK_STOP] = CELL(PLAN_STAY, R_NONE, SIGINT, NULL,
		    "SIGINT; deadline in 2 s", step_quick_stop),
		[PE_DRAIN_TIMEOUT] = KILL(WS_KILLING, R_NONE, SIGKILL,
		    "SIGKILL (after the worker_timeout hook)",
		    "graceful timeout", "graceful_timeout", NULL,
		    step_kill_hung),
		[PE_SHUTDOWN_TIMEOUT] = KILL(WS_KILLING, R_NONE, SIGKILL,
		    "SIGKILL (after the worker_timeout hook)",
		    "did not stop in time", "graceful_timeout", NULL,
		    step_kill_hung),
		[PE_QUICK_TIMEOUT] = KILL(WS_KILLING, R_NONE, SIGKILL,
		    "SIGKILL, no hook", "did not stop in time", NULL, NULL,
		    step_kill),
	},
	[WS_KILLING] = {
		LIVE_CELLS,
		[PE_ABORT_TIMEOUT] = KILL(PLAN_STAY, R_NONE, SIGKILL,
		    "SIGKILL", "still running after SIGABRT", NULL, NULL,
		    step_kill),
		[PE_SHUTDOWN_TIMEOUT] = KILL(PLAN_STAY, R_NONE, SIGKILL,
		    "SIGKILL", "did not stop in time", NULL, NULL, step_kill),
		[PE_QUICK_TIMEOUT] = KILL(PLAN_STAY, R_NONE, SIGKILL,
		    "SIGKILL", "did not stop in time", NULL, NULL, step_kill),
		[PE_DUMP_OVER] = CELL(PLAN_STAY, R_NONE, 0, guard_dump_held,
		    "send the kill the hook held back", step_kill_after_dump),
		[PE_HOOK_DONE] = CELL(PLAN_STAY, R_NONE, 0, guard_dumping,
		    "the held-back kill is due now", step_hook_done),
	},
	/* WS_EXITED: every event is ignored. */
};

static const char *event_names[PE_COUNT] = {
	[PE_EXEC_OK] = "exec_ok",
	[PE_READINESS] = "readiness",
	[PE_PROVEN] = "proven",
	[PE_EXTEND] = "extend",
	[PE_RECYCLE_ASKED] = "recycle_asked",
	[PE_SPAWN_FAILED] = "spawn_failed",
	[PE_EXIT] = "exit",
	[PE_BOOT_TIMEOUT] = "boot_timeout",
	[PE_HEARTBEAT_TIMEOUT] = "heartbeat_timeout",
	[PE_STOP] = "stop",
	[PE_QUICK_STOP] = "quick_stop",
	[PE_DRAIN_TIMEOUT] = "drain_timeout",
	[PE_SHUTDOWN_TIMEOUT] = "shutdown_timeout",
	[PE_QUICK_TIMEOUT] = "quick_timeout",
	[PE_ABORT_TIMEOUT] = "abort_timeout",
	[PE_DUMP_OVER] = "dump_over",
	[PE_HOOK_DONE] = "hook_done",
	[PE_KILL_ASKED] = "kill_asked",
	[PE_LOGS_REOPENED] = "logs_reopened",
};

const char *
plan_event_name(enum plan_event ev)
{
	return ev < PE_COUNT ? event_names[ev] : "?";
}

const struct plan_transition *
plan_transition(enum wstate s, enum plan_event ev)
{
	static const struct plan_transition	none;

	if ((unsigned)s >= WS_COUNT || (unsigned)ev >= PE_COUNT)
		return &none;
	return &table[s][ev].tr;
}

void
plan_event(struct pool *p, struct worker *w, enum plan_event ev,
    uint64_t arg, uint64_t now, const struct pool_timing *t,
    struct actions *a)
{
	const struct cell	*c;
	struct ctx		 x;
	size_t			 i;

	if ((unsigned)w->state >= WS_COUNT || (unsigned)ev >= PE_COUNT)
		return;
	c = &table[w->state][ev];
	if (c->tr.does == NULL)
		return;
	x.p = p;
	x.t = t;
	x.now = now;
	x.a = a;
	x.arg = arg;
	x.c = c;
	x.failure = 0;
	if (c->guard != NULL && !c->guard(&x, w))
		return;
	pool_touch(p, w);
	if (c->tr.reason != R_NONE)
		w->stop_reason = c->tr.reason;
	if (c->tr.next != PLAN_STAY)
		pool_set_state(w, c->tr.next, now);
	for (i = 0; i < sizeof c->step / sizeof c->step[0] &&
	    c->step[i] != NULL; i++)
		c->step[i](&x, w);
}

static void
fire(struct ctx *x, struct worker *w, enum plan_event ev, uint64_t arg)
{
	plan_event(x->p, w, ev, arg, x->now, x->t, x->a);
}

/* ---- pool-wide facts ------------------------------------------------- */

void
plan_reload_started(struct pool *p)
{
	size_t	i;

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
		else if (p->reload.surge && w->retire == R_NONE)
			w->retire = R_RELOAD;
	}
}

void
plan_shutdown_started(struct pool *p)
{
	p->reload.active = 0;
	p->backoff_until = 0;	/* nothing more is started */
}

unsigned
plan_scale_step(unsigned target, long long delta, unsigned max)
{
	long long	t = (long long)target + delta;

	if (delta >= 0)
		return t > (long long)max ? max : (unsigned)t;
	if (t < 1)
		return target < 1 ? target : 1;
	return (unsigned)t;
}

unsigned
plan_reload_target(unsigned target, unsigned old_workers,
    unsigned new_workers)
{
	if (new_workers != old_workers || target == 0)
		return new_workers;
	return target;
}

/* ---- the run --------------------------------------------------------- */

static int
alive(const struct worker *w)
{
	return w->state != WS_EXITED;
}

/* Not on its way out: counts as the slot's worker. */
static int
current(const struct worker *w)
{
	return w->state < WS_DRAINING && w->retire == R_NONE &&
	    w->stop_reason == R_NONE;
}

/* Being killed for hanging: the slot is refilled once it is gone, so a
 * crash loop of hangs still goes through the backoff. */
static int
holds_slot(const struct worker *w)
{
	return current(w) || (w->state == WS_KILLING &&
	    (w->stop_reason == R_TIMEOUT || w->stop_reason == R_BOOT_TIMEOUT));
}

/* The index keeps each slot's workers in pool order. */
static int
lists_ok(const struct pool *p)
{
	return p->ix.valid && !p->ix.off;
}

static struct worker *
slot_current(const struct pool *p, int id)
{
	size_t	i;

	if (lists_ok(p)) {
		const struct pool_slot	*s;

		if (id < 1 || (size_t)id >= p->ix.nslot)
			return NULL;
		s = &p->ix.slot[id];
		for (i = 0; i < s->n; i++)
			if (current(s->w[i]))
				return s->w[i];
		return NULL;
	}
	for (i = 0; i < p->n; i++)
		if (p->w[i]->id == id && current(p->w[i]))
			return p->w[i];
	return NULL;
}

/*
 * Which slots 1..target are held (holds_slot): one pass over the pool
 * instead of one per slot, so that a planner run stays linear in the pool
 * (a scan per slot made 2048 workers take 4.5 s to start, 72 % of it
 * here).  Returns a new array of target + 1 flags; index 0 is unused.
 */
static unsigned char *
slots_held(const struct pool *p)
{
	unsigned char	*held = xcalloc((size_t)p->target + 1, 1);
	size_t		 i;

	for (i = 0; i < p->n; i++) {
		const struct worker	*w = p->w[i];

		if (w->id >= 1 && (unsigned)w->id <= p->target &&
		    holds_slot(w))
			held[w->id] = 1;
	}
	return held;
}

/* A newer worker of w's slot is ready and not stopping: it serves in w's
 * place even if it is itself being replaced already (it went over a limit
 * as it became ready), so w may go. */
static int
newer_ready(const struct pool *p, const struct worker *w)
{
	struct worker * const	*v = p->w;
	size_t			 i, n = p->n;

	if (lists_ok(p)) {
		if (w->id < 1 || (size_t)w->id >= p->ix.nslot)
			return 0;
		v = p->ix.slot[w->id].w;
		n = p->ix.slot[w->id].n;
	}
	for (i = 0; i < n; i++) {
		const struct worker	*x = v[i];

		if (x != w && x->id == w->id && x->state == WS_READY &&
		    x->stop_reason == R_NONE && x->spawned_at >= w->spawned_at)
			return 1;
	}
	return 0;
}

/* Every slot 1..target has a ready current worker. */
/* Every slot 1..target has a current worker (its first in pool order,
 * as slot_current) that is ready.  One pass, like slots_held. */
static int
all_slots_ready(const struct pool *p)
{
	unsigned char	*seen;	/* 0: none yet, 1: ready, 2: not ready */
	unsigned	 id;
	size_t		 i;
	int		 ok = 1;

	seen = xcalloc((size_t)p->target + 1, 1);
	for (i = 0; i < p->n; i++) {
		const struct worker	*w = p->w[i];

		if (w->id >= 1 && (unsigned)w->id <= p->target &&
		    current(w) && seen[w->id] == 0)
			seen[w->id] = w->state == WS_READY ? 1 : 2;
	}
	for (id = 1; id <= p->target && ok; id++)
		if (seen[id] != 1)
			ok = 0;
	free(seen);
	return ok;
}

static void
plan_shutdown(struct pool *p, uint64_t now, struct ctx *x)
{
	size_t	i;
	int	left = 0;

	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i];

		if (!alive(w))
			continue;
		left++;
		if (w->state < WS_DRAINING) {
			if (w->stop_reason == R_NONE || w->stop_reason ==
			    R_RELOAD || w->stop_reason == R_SCALE)
				w->stop_reason = R_SHUTDOWN;
			fire(x, w, p->quick ? PE_QUICK_STOP : PE_STOP, 0);
		} else if (w->state == WS_DRAINING && p->quick &&
		    w->deadline > now + PLAN_QUICK_MS) {
			fire(x, w, PE_QUICK_STOP, 0);
		} else if (w->dump_sig != 0) {
			if (!w->dumping || now >= w->deadline || p->quick)
				fire(x, w, PE_DUMP_OVER, 0);
		} else if (w->deadline != 0 && now >= w->deadline)
			fire(x, w, p->quick ? PE_QUICK_TIMEOUT :
			    PE_SHUTDOWN_TIMEOUT, 0);
	}
	if (left == 0)
		actions_push(x->a, A_NOTE, NULL, 0, N_ALL_EXITED, NULL);
}

/* w, ready, may end a crash loop by staying up PLAN_STABLE_MS. */
static int
ends_crash_loop(const struct pool *p, const struct worker *w)
{
	return w->state == WS_READY && p->failures > 0 &&
	    w->ready_at >= p->last_failure_at;
}

/* The limit a ready worker went over, if any: recycling. */
static enum reason
recycle_due(const struct worker *w, const struct pool_timing *t,
    uint64_t now)
{
	if (w->request_limit > 0 && w->requests >= w->request_limit)
		return R_RECYCLE_REQUESTS;
	if (t->max_worker_age_ms > 0 && now - w->ready_at >=
	    t->max_worker_age_ms)
		return R_RECYCLE_AGE;
	if (t->max_worker_memory_kb > 0 && w->rss_kb >
	    t->max_worker_memory_kb)
		return R_RECYCLE_MEMORY;
	return R_NONE;
}

/* Deadlines of every state, and the recycling limits of ready workers, for
 * one worker. */
static void
deadline_one(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct ctx *x, struct worker *w)
{
	/* Its grace is over: ready, and checked as ready below. */
	if (w->proving && w->stop_reason == R_NONE &&
	    w->state < WS_READY &&
	    now >= w->proving_since + t->readiness_grace_ms)
		fire(x, w, PE_PROVEN, 0);
	switch (w->state) {
	case WS_SPAWNING:
	case WS_BOOTING:
		if (w->deadline != 0 && now >= w->deadline)
			fire(x, w, PE_BOOT_TIMEOUT, 0);
		break;
	case WS_READY:
		if (t->timeout_ms > 0 && w->last_heartbeat != 0 &&
		    now >= w->last_heartbeat + t->timeout_ms) {
			fire(x, w, PE_HEARTBEAT_TIMEOUT, 0);
			break;
		}
		if (w->retire == R_NONE && w->stop_reason == R_NONE) {
			w->retire = recycle_due(w, t, now);
			if (w->retire != R_NONE)
				pool_touch(p, w);
		}
		break;
	case WS_DRAINING:
		if (w->deadline != 0 && now >= w->deadline)
			fire(x, w, PE_DRAIN_TIMEOUT, 0);
		break;
	case WS_KILLING:
		if (w->dump_sig != 0) {
			if (!w->dumping || now >= w->deadline)
				fire(x, w, PE_DUMP_OVER, 0);
		} else if (w->deadline != 0 && now >= w->deadline)
			fire(x, w, PE_ABORT_TIMEOUT, 0);
		break;
	case WS_EXITED:
		break;
	}
	/* A worker that became ready since the last failure and has
	 * stayed up long enough ends a crash loop (one that was ready
	 * before proves nothing about the code that fails). */
	if (ends_crash_loop(p, w) && now - w->ready_at >=
	    PLAN_STABLE_MS) {
		p->failures = 0;
		p->backoff_until = 0;
	}
}

static void
plan_deadlines(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct ctx *x)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		deadline_one(p, t, now, x, p->w[i]);
}

/* Rolling reload: retire the next old workers, batch at a time. */
static void
plan_reload(struct pool *p)
{
	size_t	i;
	unsigned in_progress = 0;

	if (!p->reload.active)
		return;
	/* In progress: retiring, and its replacement is not ready yet (one
	 * that is ready lets plan_stops retire the old worker this run). */
	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i], *r;

		if (w->generation == p->generation || w->state >= WS_DRAINING ||
		    w->retire != R_RELOAD || w->stop_reason != R_NONE)
			continue;
		r = slot_current(p, w->id);
		if (r == NULL || r->state != WS_READY)
			in_progress++;
	}
	while (!p->reload.surge && in_progress < p->reload.batch) {
		struct worker	*next = NULL;

		for (i = 0; i < p->n; i++) {
			struct worker	*w = p->w[i];

			if (w->generation == p->generation || !current(w) ||
			    w->id > (int)p->target)
				continue;
			if (next == NULL || w->id < next->id)
				next = w;
		}
		if (next == NULL)
			break;
		next->retire = R_RELOAD;
		pool_touch(p, next);
		in_progress++;
	}
}

/* The reload is done when every old worker is on its way out and every
 * slot has a ready worker of the new generation. */
static void
plan_reload_done(struct pool *p, struct actions *a)
{
	size_t	i;

	if (!p->reload.active)
		return;
	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i];

		if (w->generation != p->generation && w->state < WS_DRAINING)
			return;
	}
	if (all_slots_ready(p)) {
		p->reload.active = 0;
		actions_push(a, A_NOTE, NULL, 0, N_RELOAD_DONE, NULL);
	}
}

/* Stop w if it should go: retiring with its replacement ready, above the
 * target, or a stop requested by a fact. */
static void
stop_one(struct pool *p, struct ctx *x, struct worker *w, int surge_ready)
{
	if (w->state >= WS_DRAINING)
		return;
	if (w->stop_reason == R_NONE && w->id > (int)p->target)
		w->stop_reason = R_SCALE;
	if (w->stop_reason == R_NONE && w->retire != R_NONE) {
		struct worker	*r = slot_current(p, w->id);
		int		 go;

		if (w->retire == R_RELOAD && p->reload.active &&
		    p->reload.surge)
			go = surge_ready;
		else
			go = (r != NULL && r->state == WS_READY) ||
			    newer_ready(p, w);
		if (go || w->state != WS_READY) {
			w->stop_reason = w->retire;
			if (w->retire == R_RELOAD)
				p->reload.retired++;
		}
	}
	if (w->stop_reason != R_NONE)
		fire(x, w, PE_STOP, 0);
}

/* Stop what should go: retiring workers whose replacement is ready,
 * workers above the target, and stops requested by facts. */
static void
plan_stops(struct pool *p, struct ctx *x)
{
	size_t	i;
	int	surge_ready = p->reload.surge ? all_slots_ready(p) : 0;

	for (i = 0; i < p->n; i++)
		stop_one(p, x, p->w[i], surge_ready);
}

/* A cheap deterministic jitter in [0, max]: xorshift of a counter. */
static uint64_t
jitter(uint64_t seed, uint64_t max)
{
	uint64_t	x = seed * 0x9E3779B97F4A7C15ULL + 1;

	if (max == 0)
		return 0;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x % (max + 1);
}

/* Spawn into free slot id; returns 0 when the run must stop spawning. */
static int
spawn_one(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a, unsigned id, unsigned *spawned, int *probing)
{
	struct worker	*w;

	if (*probing)
		return 0;
	if (*spawned == PLAN_SPAWN_BATCH) {
		p->spawns_left = 1;
		return 0;
	}
	(*spawned)++;
	w = pool_add(p, (int)id, now);
	/* --boot-timeout 0: no limit, so no deadline. */
	w->deadline = t->boot_timeout_ms > 0 ? now + t->boot_timeout_ms : 0;
	if (t->max_requests > 0)
		w->request_limit = t->max_requests +
		    jitter(p->spawns_total, t->max_requests_jitter);
	if (p->reload.active)
		p->reload.started++;
	actions_push(a, A_SPAWN, w, 0, 0, NULL);
	if (p->failures > 0)
		*probing = 1;
	return 1;
}

/* Whether spawns wait: a backoff, which ends here once it has passed. */
static int
spawns_wait(struct pool *p, uint64_t now)
{
	p->spawns_left = 0;
	if (p->backoff_until > now)
		return 1;
	/* A backoff that has passed is over: only a probe that is still
	 * booting may hold spawns back now, and its own deadline or its
	 * readiness ends that. */
	p->backoff_until = 0;
	return 0;
}

static void
plan_spawns(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	unsigned	 id, spawned = 0;
	unsigned char	*held;
	size_t		 i;
	int		 probing = 0;

	if (spawns_wait(p, now))
		return;
	/* While failing, probe with one worker at a time. */
	if (p->failures > 0)
		for (i = 0; i < p->n; i++)
			if (current(p->w[i]) && p->w[i]->state < WS_READY)
				probing = 1;
	held = slots_held(p);
	for (id = 1; id <= p->target; id++) {
		if (held[id])
			continue;
		if (!spawn_one(p, t, now, a, id, &spawned, &probing))
			break;
	}
	free(held);
}

static void
earliest(uint64_t *best, uint64_t t)
{
	if (t != 0 && (*best == 0 || t < *best))
		*best = t;
}

/* The earliest time the run has something to do for w, 0 for none. */
static uint64_t
worker_due(const struct pool *p, uint64_t timeout_ms, uint64_t max_age_ms,
    uint64_t grace_ms, const struct worker *w)
{
	uint64_t	best = 0;

	switch (w->state) {
	case WS_READY:
		if (timeout_ms > 0 && w->last_heartbeat != 0)
			earliest(&best, w->last_heartbeat + timeout_ms);
		if (max_age_ms > 0 && w->retire == R_NONE)
			earliest(&best, w->ready_at + max_age_ms);
		if (ends_crash_loop(p, w))
			earliest(&best, w->ready_at + PLAN_STABLE_MS);
		break;
	case WS_EXITED:
		break;
	case WS_SPAWNING:
	case WS_BOOTING:
		if (w->proving && w->stop_reason == R_NONE)
			earliest(&best, w->proving_since + grace_ms);
		earliest(&best, w->deadline);
		break;
	default:
		earliest(&best, w->deadline);
		break;
	}
	return best;
}

/* ---- the index ------------------------------------------------------- */

/*
 * What the index keeps (struct pool_index): each worker's due time in a
 * min-heap (plan_next_deadline's terms, so the earliest is its top), the
 * workers facts touched since the last run, the workers on their way out
 * that are not draining yet, and per slot its workers in pool order and
 * whether it is held, ready, or has an old-generation current worker.
 * A run plans the touched, due and leaving workers in pool order (ix_seq)
 * and reads the rest from the counts, which visits exactly the workers a
 * full pass would act on.  What the counts depend on beyond one worker
 * (target, generation, failure count, mode, timing) makes the run a full
 * pass and rebuilds the index when it changes.
 */

static void	pid_insert(struct pool_index *, struct worker *, pid_t);

#define WF_BOOTING_CURRENT	0x1	/* current, not ready yet */
#define WF_OLD_LIVE		0x2	/* old generation, not draining */
#define WF_EXITED		0x4

#define PSF_HELD		0x1	/* a worker holds it (holds_slot) */
#define PSF_READY		0x2	/* its current worker is ready */
#define PSF_OLD			0x4	/* an old-generation current worker */

static void
push_w(struct worker ***v, size_t *n, size_t *cap, struct worker *w)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = w;
}

static void
heap_put(struct pool_index *ix, size_t i, struct worker *w)
{
	ix->heap[i] = w;
	w->ix_heap = i + 1;
}

static void
heap_up(struct pool_index *ix, size_t i)
{
	struct worker	*w = ix->heap[i];

	while (i > 0) {
		size_t	up = (i - 1) / 2;

		if (ix->heap[up]->ix_due <= w->ix_due)
			break;
		heap_put(ix, i, ix->heap[up]);
		i = up;
	}
	heap_put(ix, i, w);
}

static void
heap_down(struct pool_index *ix, size_t i)
{
	struct worker	*w = ix->heap[i];

	for (;;) {
		size_t	c = 2 * i + 1;

		if (c >= ix->nheap)
			break;
		if (c + 1 < ix->nheap &&
		    ix->heap[c + 1]->ix_due < ix->heap[c]->ix_due)
			c++;
		if (w->ix_due <= ix->heap[c]->ix_due)
			break;
		heap_put(ix, i, ix->heap[c]);
		i = c;
	}
	heap_put(ix, i, w);
}

static void
heap_set(struct pool_index *ix, struct worker *w, uint64_t due)
{
	size_t	i;

	if (due == 0) {
		if (w->ix_heap != 0) {
			struct worker	*last = ix->heap[--ix->nheap];

			i = w->ix_heap - 1;
			w->ix_heap = 0;
			if (i < ix->nheap) {
				heap_put(ix, i, last);
				heap_up(ix, i);
				heap_down(ix, last->ix_heap - 1);
			}
		}
		w->ix_due = 0;
		return;
	}
	w->ix_due = due;
	if (w->ix_heap == 0) {
		push_w(&ix->heap, &ix->nheap, &ix->capheap, w);
		heap_up(ix, ix->nheap - 1);
	} else {
		heap_up(ix, w->ix_heap - 1);
		heap_down(ix, w->ix_heap - 1);
	}
}

/* Slots 0..n-1 exist, with their bitmaps. */
static void
ensure_slots(struct pool_index *ix, size_t n)
{
	size_t	words, had;

	if (n <= ix->nslot)
		return;
	n = n < 2 * ix->nslot ? 2 * ix->nslot : n;
	n = (n + 63) & ~(size_t)63;
	had = (ix->nslot + 63) / 64;
	words = n / 64;
	ix->slot = xreallocarray(ix->slot, n, sizeof *ix->slot);
	memset(ix->slot + ix->nslot, 0, (n - ix->nslot) * sizeof *ix->slot);
	ix->held_bits = xreallocarray(ix->held_bits, words, sizeof(uint64_t));
	ix->old_bits = xreallocarray(ix->old_bits, words, sizeof(uint64_t));
	memset(ix->held_bits + had, 0, (words - had) * sizeof(uint64_t));
	memset(ix->old_bits + had, 0, (words - had) * sizeof(uint64_t));
	ix->nslot = n;
}

static void
set_bit(uint64_t *bits, size_t i, int on)
{
	if (on)
		bits[i / 64] |= (uint64_t)1 << (i % 64);
	else
		bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

static void
slot_stale(struct pool_index *ix, int id)
{
	if (ix->slot[id].stale)
		return;
	ix->slot[id].stale = 1;
	if (ix->nsstale == ix->capsstale) {
		ix->capsstale = ix->capsstale ? ix->capsstale * 2 : 16;
		ix->sstale = xreallocarray(ix->sstale, ix->capsstale,
		    sizeof *ix->sstale);
	}
	ix->sstale[ix->nsstale++] = id;
}

static void
count(unsigned *n, unsigned was, unsigned is, unsigned flag)
{
	if ((was & flag) && !(is & flag))
		(*n)--;
	else if (!(was & flag) && (is & flag))
		(*n)++;
}

static void
slot_compute(struct pool *p, int id)
{
	struct pool_index	*ix = &p->ix;
	struct pool_slot	*s = &ix->slot[id];
	unsigned		 f = 0;
	size_t			 i;
	int			 cur = 0;

	for (i = 0; i < s->n; i++) {
		const struct worker	*w = s->w[i];

		if (holds_slot(w))
			f |= PSF_HELD;
		if (!current(w))
			continue;
		if (!cur && w->state == WS_READY)
			f |= PSF_READY;
		cur = 1;
		if (w->generation != p->generation)
			f |= PSF_OLD;
	}
	if ((unsigned)id <= p->target) {
		count(&ix->held, s->flags, f, PSF_HELD);
		count(&ix->ready, s->flags, f, PSF_READY);
	}
	s->flags = f;
	set_bit(ix->held_bits, (size_t)id, f & PSF_HELD);
	set_bit(ix->old_bits, (size_t)id, f & PSF_OLD);
}

static int
leaving(const struct pool *p, const struct worker *w)
{
	return w->state < WS_DRAINING && (w->retire != R_NONE ||
	    w->stop_reason != R_NONE || w->id > (int)p->target);
}

/* Recompute what the index holds about w from its record. */
static void
worker_compute(struct pool *p, struct worker *w)
{
	struct pool_index	*ix = &p->ix;
	unsigned		 f = 0;

	if (current(w) && w->state < WS_READY)
		f |= WF_BOOTING_CURRENT;
	if (w->generation != p->generation && w->state < WS_DRAINING)
		f |= WF_OLD_LIVE;
	if (w->state == WS_EXITED)
		f |= WF_EXITED;
	count(&ix->booting_current, w->ix_flags, f, WF_BOOTING_CURRENT);
	count(&ix->old_live, w->ix_flags, f, WF_OLD_LIVE);
	if ((f & WF_EXITED) && !(w->ix_flags & WF_EXITED))
		push_w(&ix->exited, &ix->nexited, &ix->capexited, w);
	w->ix_flags = f;
	if (leaving(p, w) && w->ix_lpos == 0) {
		push_w(&ix->leaving, &ix->nleaving, &ix->capleaving, w);
		w->ix_lpos = ix->nleaving;
	} else if (!leaving(p, w) && w->ix_lpos != 0) {
		struct worker	*last = ix->leaving[--ix->nleaving];

		ix->leaving[w->ix_lpos - 1] = last;
		last->ix_lpos = w->ix_lpos;
		w->ix_lpos = 0;
	}
	heap_set(ix, w, worker_due(p, ix->timeout_ms, ix->max_age_ms,
	    ix->grace_ms, w));
	slot_stale(ix, w->id);
}

/* Bring the index up to date with the workers touched since. */
static void
refresh(struct pool *p)
{
	struct pool_index	*ix = &p->ix;
	size_t			 i;

	for (i = 0; i < ix->nstale; i++) {
		ix->stale[i]->ix_stale = 0;
		worker_compute(p, ix->stale[i]);
	}
	ix->nstale = 0;
	for (i = 0; i < ix->nsstale; i++) {
		ix->slot[ix->sstale[i]].stale = 0;
		slot_compute(p, ix->sstale[i]);
	}
	ix->nsstale = 0;
}

/* The index was built for this pool-wide state and timing. */
static int
built_for(const struct pool *p, const struct pool_timing *t)
{
	const struct pool_index	*ix = &p->ix;

	return ix->valid && !ix->off && ix->target == p->target &&
	    ix->generation == p->generation && ix->failures == p->failures &&
	    ix->last_failure_at == p->last_failure_at && ix->mode == p->mode &&
	    ix->timeout_ms == t->timeout_ms &&
	    ix->max_age_ms == t->max_worker_age_ms &&
	    ix->grace_ms == t->readiness_grace_ms;
}

static void
rebuild(struct pool *p, const struct pool_timing *t)
{
	struct pool_index	*ix = &p->ix;
	size_t			 i, maxid = p->target;

	ix->valid = 0;
	if (ix->off || p->mode != PM_RUNNING)
		return;
	for (i = 0; i < p->n; i++) {
		if (p->w[i]->id < 1)
			return;		/* not a slot: plan by full passes */
		if ((size_t)p->w[i]->id > maxid)
			maxid = (size_t)p->w[i]->id;
	}
	ensure_slots(ix, maxid + 1);
	for (i = 0; i < ix->nslot; i++) {
		ix->slot[i].n = 0;
		ix->slot[i].flags = 0;
		ix->slot[i].stale = 0;
	}
	memset(ix->held_bits, 0, ix->nslot / 64 * sizeof(uint64_t));
	memset(ix->old_bits, 0, ix->nslot / 64 * sizeof(uint64_t));
	ix->nheap = ix->nstale = ix->ncand = ix->nleaving = 0;
	ix->nsstale = ix->nexited = 0;
	ix->held = ix->ready = ix->booting_current = ix->old_live = 0;
	if (ix->cappids > 0)
		memset(ix->pids, 0, ix->cappids * sizeof *ix->pids);
	ix->npids = 0;
	ix->target = p->target;
	ix->generation = p->generation;
	ix->failures = p->failures;
	ix->last_failure_at = p->last_failure_at;
	ix->mode = p->mode;
	ix->timeout_ms = t->timeout_ms;
	ix->max_age_ms = t->max_worker_age_ms;
	ix->grace_ms = t->readiness_grace_ms;
	for (i = 0; i < p->n; i++) {
		struct worker		*w = p->w[i];
		struct pool_slot	*s = &ix->slot[w->id];

		w->ix_seq = i;
		w->ix_due = 0;
		w->ix_heap = w->ix_lpos = 0;
		w->ix_flags = 0;
		w->ix_stale = w->ix_cand = 0;
		w->ix_pid = 0;
		push_w(&s->w, &s->n, &s->cap, w);
		if (w->pid > 0)
			pid_insert(ix, w, w->pid);
	}
	ix->seq = p->n;
	ix->valid = 1;
	for (i = 0; i < p->n; i++)
		worker_compute(p, p->w[i]);
	refresh(p);
}

static size_t
pid_hash(pid_t pid, size_t cap)
{
	return ((uint64_t)(unsigned)pid * 0x9E3779B97F4A7C15ULL >> 32) &
	    (cap - 1);
}

static void
pid_grow(struct pool_index *ix)
{
	struct pool_pident	*old = ix->pids;
	size_t			 i, oldcap = ix->cappids;

	ix->cappids = oldcap ? oldcap * 2 : 64;
	ix->pids = xcalloc(ix->cappids, sizeof *ix->pids);
	ix->npids = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].pid != 0)
			pid_insert(ix, old[i].w, old[i].pid);
	free(old);
}

static void
pid_insert(struct pool_index *ix, struct worker *w, pid_t pid)
{
	size_t	i;

	if (2 * (ix->npids + 1) > ix->cappids)
		pid_grow(ix);
	for (i = pid_hash(pid, ix->cappids); ix->pids[i].pid != 0;
	    i = (i + 1) & (ix->cappids - 1))
		;
	ix->pids[i].pid = pid;
	ix->pids[i].w = w;
	w->ix_pid = pid;
	ix->npids++;
}

/* Linear probing: deletion shifts back the entries after the hole. */
static void
pid_remove(struct pool_index *ix, struct worker *w)
{
	size_t	i, j, h, mask = ix->cappids - 1;

	if (w->ix_pid == 0 || ix->cappids == 0)
		return;
	for (i = pid_hash(w->ix_pid, ix->cappids); ix->pids[i].pid != 0;
	    i = (i + 1) & mask)
		if (ix->pids[i].w == w)
			break;
	w->ix_pid = 0;
	if (ix->pids[i].pid == 0)
		return;
	ix->npids--;
	for (j = (i + 1) & mask; ix->pids[j].pid != 0; j = (j + 1) & mask) {
		h = pid_hash(ix->pids[j].pid, ix->cappids);
		/* Entry j may move to the hole at i if its home h is not in
		 * the cyclic range (i, j]. */
		if ((j > i && (h <= i || h > j)) ||
		    (j < i && (h <= i && h > j))) {
			ix->pids[i] = ix->pids[j];
			i = j;
		}
	}
	ix->pids[i].pid = 0;
	ix->pids[i].w = NULL;
}

void
plan_index_forked(struct pool *p, struct worker *w, pid_t pid)
{
	struct pool_index	*ix = &p->ix;

	if (!ix->valid || ix->off)
		return;
	pid_remove(ix, w);
	if (pid > 0)
		pid_insert(ix, w, pid);
}

struct worker *
plan_index_find_pid(struct pool *p, pid_t pid, int *known)
{
	struct pool_index	*ix = &p->ix;
	struct worker		*best = NULL;
	size_t			 i;

	*known = ix->valid && !ix->off && ix->cappids > 0;
	if (!*known)
		return NULL;
	for (i = pid_hash(pid, ix->cappids); ix->pids[i].pid != 0;
	    i = (i + 1) & (ix->cappids - 1)) {
		struct worker	*w = ix->pids[i].w;

		if (ix->pids[i].pid != pid || w->pid != pid ||
		    w->state == WS_EXITED)
			continue;
		if (best == NULL || w->ix_seq < best->ix_seq)
			best = w;
	}
	return best;
}

void
plan_index_add(struct pool *p, struct worker *w)
{
	struct pool_index	*ix = &p->ix;
	struct pool_slot	*s;

	if (!ix->valid)
		return;
	if (w->id < 1) {
		ix->valid = 0;
		return;
	}
	w->ix_seq = ix->seq++;
	ensure_slots(ix, (size_t)w->id + 1);
	s = &ix->slot[w->id];
	push_w(&s->w, &s->n, &s->cap, w);
	pool_touch(p, w);
}

static int
by_seq(const void *a, const void *b)
{
	const struct worker	*x = *(struct worker * const *)a;
	const struct worker	*y = *(struct worker * const *)b;

	return x->ix_seq < y->ix_seq ? -1 : x->ix_seq > y->ix_seq;
}

/* Position of w in p->w, which is in ix_seq order. */
static size_t
pool_pos(const struct pool *p, const struct worker *w)
{
	size_t	lo = 0, hi = p->n;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (p->w[mid]->ix_seq < w->ix_seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
plan_index_gc(struct pool *p)
{
	struct pool_index	*ix = &p->ix;
	size_t			 i, j, k, from, to, *pos;

	if (!ix->valid || ix->off)
		return 1;
	refresh(p);
	if (ix->nexited == 0)
		return 0;
	/* Out of the candidates and their slots, then out of p->w by
	 * moving the runs between them (p->w stays in pool order). */
	for (i = j = 0; i < ix->ncand; i++)
		if (!(ix->cand[i]->ix_flags & WF_EXITED))
			ix->cand[j++] = ix->cand[i];
	ix->ncand = j;
	qsort(ix->exited, ix->nexited, sizeof *ix->exited, by_seq);
	for (k = 0; k < ix->nexited; k++) {
		struct worker		*w = ix->exited[k];
		struct pool_slot	*s = &ix->slot[w->id];

		for (i = j = 0; i < s->n; i++)
			if (s->w[i] != w)
				s->w[j++] = s->w[i];
		s->n = j;
		slot_stale(ix, w->id);
		pid_remove(ix, w);
	}
	/* Positions first: the moves below change p->w. */
	pos = xreallocarray(NULL, ix->nexited + 1, sizeof *pos);
	for (k = 0; k < ix->nexited; k++)
		pos[k] = pool_pos(p, ix->exited[k]);
	pos[ix->nexited] = p->n;
	to = pos[0];
	for (k = 0; k < ix->nexited; k++) {
		from = pos[k] + 1;
		j = pos[k + 1];
		free(ix->exited[k]);
		memmove(p->w + to, p->w + from, (j - from) * sizeof *p->w);
		to += j - from;
	}
	free(pos);
	p->n = to;
	ix->nexited = 0;
	refresh(p);
	return 0;
}

void
plan_index_free(struct pool *p)
{
	struct pool_index	*ix = &p->ix;
	size_t			 i;

	for (i = 0; i < ix->nslot; i++)
		free(ix->slot[i].w);
	free(ix->slot);
	free(ix->held_bits);
	free(ix->old_bits);
	free(ix->heap);
	free(ix->stale);
	free(ix->cand);
	free(ix->leaving);
	free(ix->sstale);
	free(ix->exited);
	free(ix->pids);
	memset(ix, 0, sizeof *ix);
}

/* Workers with a due time at or before now, below heap position i. */
static void
collect_due(struct pool_index *ix, size_t i, uint64_t now,
    struct worker ***v, size_t *n, size_t *cap)
{
	struct worker	*w;

	if (i >= ix->nheap || (w = ix->heap[i])->ix_due > now)
		return;
	if (w->ix_mark != ix->runs) {
		w->ix_mark = ix->runs;
		push_w(v, n, cap, w);
	}
	collect_due(ix, 2 * i + 1, now, v, n, cap);
	collect_due(ix, 2 * i + 2, now, v, n, cap);
}

/* The lowest slot 1..target whose bit is set (want 1) or clear (want 0)
 * from id on, or 0. */
static unsigned
next_slot(const struct pool *p, const uint64_t *bits, int want, unsigned id)
{
	unsigned	target = p->target;

	while (id <= target) {
		uint64_t	word = bits[id / 64];

		if (!want)
			word = ~word;
		word &= ~(uint64_t)0 << (id % 64);
		if (word != 0) {
			id = id / 64 * 64 + (unsigned)__builtin_ctzll(word);
			return id <= target ? id : 0;
		}
		id = (id / 64 + 1) * 64;
	}
	return 0;
}

static void
plan_reload_fast(struct pool *p)
{
	struct pool_index	*ix = &p->ix;
	unsigned		 in_progress = 0, id;
	size_t			 i;

	if (!p->reload.active || p->reload.surge)
		return;
	for (i = 0; i < ix->nleaving; i++) {
		struct worker	*w = ix->leaving[i], *r;

		if (w->generation == p->generation || w->state >= WS_DRAINING ||
		    w->retire != R_RELOAD || w->stop_reason != R_NONE)
			continue;
		r = slot_current(p, w->id);
		if (r == NULL || r->state != WS_READY)
			in_progress++;
	}
	while (in_progress < p->reload.batch &&
	    (id = next_slot(p, ix->old_bits, 1, 1)) != 0) {
		struct pool_slot	*s = &ix->slot[id];
		struct worker		*next = NULL;

		for (i = 0; i < s->n && next == NULL; i++)
			if (s->w[i]->generation != p->generation &&
			    current(s->w[i]))
				next = s->w[i];
		if (next == NULL)
			break;	/* cannot be: the bit says there is one */
		next->retire = R_RELOAD;
		pool_touch(p, next);
		refresh(p);
		in_progress++;
	}
}

static void
plan_spawns_fast(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	struct pool_index	*ix = &p->ix;
	unsigned		 id, spawned = 0;
	int			 probing;

	if (spawns_wait(p, now) || ix->held == p->target)
		return;
	probing = p->failures > 0 && ix->booting_current > 0;
	/* The bitmap is read as it was before this run's spawns, as a full
	 * pass reads slots_held once. */
	for (id = next_slot(p, ix->held_bits, 0, 1); id != 0;
	    id = next_slot(p, ix->held_bits, 0, id + 1))
		if (!spawn_one(p, t, now, a, id, &spawned, &probing))
			break;
}

/* The run when the index is current: the same phases as the full run,
 * over the workers that can act. */
static void
plan_run_fast(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a, struct ctx *x)
{
	struct pool_index	*ix = &p->ix;
	struct worker		**v = NULL;
	size_t			 i, n = 0, cap = 0;
	int			 reloading = p->reload.active, fast;

	/* Deadlines: the touched and the due, in pool order. */
	ix->runs++;
	for (i = 0; i < ix->ncand; i++) {
		ix->cand[i]->ix_cand = 0;
		if (ix->cand[i]->ix_mark != ix->runs) {
			ix->cand[i]->ix_mark = ix->runs;
			push_w(&v, &n, &cap, ix->cand[i]);
		}
	}
	ix->ncand = 0;
	refresh(p);
	collect_due(ix, 0, now, &v, &n, &cap);
	if (n > 1)
		qsort(v, n, sizeof *v, by_seq);
	for (i = 0; i < n; i++)
		deadline_one(p, t, now, x, v[i]);
	if (reloading && !p->reload.active)
		plan_deadlines(p, t, now, x);
	/* A failure counted, a crash loop ended, a reload failed: what the
	 * index counts changed for every worker. */
	fast = built_for(p, t);
	if (fast) {
		refresh(p);
		plan_reload_fast(p);
		refresh(p);
		n = 0;
		for (i = 0; i < ix->nleaving; i++)
			push_w(&v, &n, &cap, ix->leaving[i]);
		if (n > 1)
			qsort(v, n, sizeof *v, by_seq);
		for (i = 0; i < n; i++)
			stop_one(p, x, v[i], p->reload.surge ?
			    ix->ready == p->target : 0);
		refresh(p);
		plan_spawns_fast(p, t, now, a);
		refresh(p);
		if (p->reload.active && ix->old_live == 0 &&
		    ix->ready == p->target) {
			p->reload.active = 0;
			actions_push(a, A_NOTE, NULL, 0, N_RELOAD_DONE, NULL);
		}
		if (!p->reached_target && p->target > 0 &&
		    ix->ready == p->target) {
			p->reached_target = 1;
			actions_push(a, A_NOTE, NULL, 0, N_POOL_FULL, NULL);
		}
	} else {
		plan_reload(p);
		plan_stops(p, x);
		plan_spawns(p, t, now, a);
		plan_reload_done(p, a);
		if (!p->reached_target && p->target > 0 && all_slots_ready(p)) {
			p->reached_target = 1;
			actions_push(a, A_NOTE, NULL, 0, N_POOL_FULL, NULL);
		}
		rebuild(p, t);
	}
	free(v);
}

void
plan_run(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	int		reloading = p->reload.active;
	struct ctx	x = { .p = p, .t = t, .now = now, .a = a };

	if (p->mode == PM_STOPPING) {
		p->ix.valid = 0;
		plan_shutdown(p, now, &x);
		return;
	}
	/* Memory samples written into the records are seen only by
	 * looking at every worker. */
	if (t->max_worker_memory_kb > 0 && !p->ix.sample_facts) {
		p->ix.valid = 0;
	} else if (built_for(p, t)) {
		plan_run_fast(p, t, now, a, &x);
		return;
	}
	plan_deadlines(p, t, now, &x);
	/* A timeout that failed the reload gave the old workers back their
	 * own limits (age, memory): check those again. */
	if (reloading && !p->reload.active)
		plan_deadlines(p, t, now, &x);
	plan_reload(p);
	plan_stops(p, &x);
	plan_spawns(p, t, now, a);
	plan_reload_done(p, a);
	if (!p->reached_target && p->target > 0 && all_slots_ready(p)) {
		p->reached_target = 1;
		actions_push(a, A_NOTE, NULL, 0, N_POOL_FULL, NULL);
	}
	if (!(t->max_worker_memory_kb > 0 && !p->ix.sample_facts))
		rebuild(p, t);
}

uint64_t
plan_next_deadline(struct pool *p, const struct pool_timing *t)
{
	uint64_t	best = 0;
	size_t		i;
	int		missing = 0;
	unsigned	id;

	if (built_for(p, t)) {
		refresh(p);
		if (p->ix.nheap > 0)
			best = p->ix.heap[0]->ix_due;
		missing = p->ix.held < p->target;
	} else {
		for (i = 0; i < p->n; i++)
			earliest(&best, worker_due(p, t->timeout_ms,
			    t->max_worker_age_ms, t->readiness_grace_ms,
			    p->w[i]));
		if (p->mode == PM_RUNNING && p->backoff_until != 0) {
			unsigned char	*held = slots_held(p);

			for (id = 1; id <= p->target && !missing; id++)
				if (!held[id])
					missing = 1;
			free(held);
		}
	}
	if (p->mode == PM_RUNNING && p->spawns_left)
		earliest(&best, 1);
	if (p->mode == PM_RUNNING && p->backoff_until != 0 && missing)
		earliest(&best, p->backoff_until);
	return best;
}

/* ---- checking the index (tests) -------------------------------------- */

int
plan_index_check(struct pool *p, const struct pool_timing *t,
    const char **why)
{
	struct pool_index	*ix = &p->ix;
	unsigned		 held = 0, ready = 0, booting = 0, old = 0;
	size_t			 i, nleave = 0, nheap = 0, inslots = 0;
	size_t			 npid = 0;
	unsigned		 id;

	*why = NULL;
	if (!built_for(p, t))
		return 0;	/* the next run rebuilds it */
	refresh(p);
	for (i = 0; i < p->n; i++) {
		const struct worker	*w = p->w[i];
		uint64_t		 due;

		due = worker_due(p, t->timeout_ms, t->max_worker_age_ms,
		    t->readiness_grace_ms, w);
		if (w->ix_due != due || (due != 0) != (w->ix_heap != 0)) {
			*why = "a worker's due time";
			return -1;
		}
		if (w->ix_heap != 0 && (w->ix_heap > ix->nheap ||
		    ix->heap[w->ix_heap - 1] != w)) {
			*why = "a heap position";
			return -1;
		}
		if (i > 0 && p->w[i - 1]->ix_seq >= w->ix_seq) {
			*why = "pool order";
			return -1;
		}
		if (leaving(p, w) != (w->ix_lpos != 0) || (w->ix_lpos != 0 &&
		    ix->leaving[w->ix_lpos - 1] != w)) {
			*why = "the leaving list";
			return -1;
		}
		if (w->pid > 0 && w->state != WS_EXITED) {
			struct worker	*f;
			size_t		 k;
			int		 known;

			for (k = 0; k < p->n; k++)
				if (p->w[k]->pid == w->pid &&
				    p->w[k]->state != WS_EXITED)
					break;
			f = plan_index_find_pid(p, w->pid, &known);
			if (!known || f != p->w[k]) {
				*why = "the pid table";
				return -1;
			}
		}
		npid += w->ix_pid != 0;
		nleave += w->ix_lpos != 0;
		nheap += w->ix_heap != 0;
		booting += current(w) && w->state < WS_READY;
		old += w->generation != p->generation &&
		    w->state < WS_DRAINING;
	}
	for (i = 1; i < ix->nheap; i++)
		if (ix->heap[(i - 1) / 2]->ix_due > ix->heap[i]->ix_due) {
			*why = "heap order";
			return -1;
		}
	for (id = 1; id < ix->nslot; id++) {
		const struct pool_slot	*s = &ix->slot[id];

		inslots += s->n;
		for (i = 0; i < s->n; i++)
			if (s->w[i]->id != (int)id ||
			    (i > 0 && s->w[i - 1]->ix_seq >= s->w[i]->ix_seq)) {
				*why = "a slot's workers";
				return -1;
			}
		if (id <= p->target) {
			held += (s->flags & PSF_HELD) != 0;
			ready += (s->flags & PSF_READY) != 0;
		}
		if (((ix->held_bits[id / 64] >> (id % 64)) & 1) !=
		    ((s->flags & PSF_HELD) != 0) ||
		    ((ix->old_bits[id / 64] >> (id % 64)) & 1) !=
		    ((s->flags & PSF_OLD) != 0)) {
			*why = "a slot bitmap";
			return -1;
		}
	}
	if (nleave != ix->nleaving || nheap != ix->nheap ||
	    inslots != p->n || npid != ix->npids) {
		*why = "list sizes";
		return -1;
	}
	if (held != ix->held || ready != ix->ready ||
	    booting != ix->booting_current || old != ix->old_live) {
		*why = "counts";
		return -1;
	}
	/* The slots' flags against a full pass. */
	{
		unsigned char	*h = slots_held(p);
		unsigned	 nh = 0;

		for (id = 1; id <= p->target; id++)
			nh += h[id];
		free(h);
		if (nh != ix->held || (ix->ready == p->target) !=
		    all_slots_ready(p)) {
			*why = "held or ready slots";
			return -1;
		}
	}
	return 0;
}
