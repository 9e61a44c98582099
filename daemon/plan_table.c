/*
 * plan_table.c: the planner's transition table (see plan.h): what each
 * event means for one worker, as (state, event) -> (next state, steps,
 * reason), and the rules that go with it (the exit reason, failures and
 * the backoff, a failed reload, the kill of a hung worker), plus the
 * planner's pool-wide rules for a reload, a shutdown and scaling.
 * Pure: no system calls; the time comes from the arguments.
 */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gw/util.h"
#include "plan.h"

/* A worker that exits within this long of ready counts as a failure. */
#define FAILURE_WINDOW_MS 1000

struct cell;

/* One event being applied. */
struct ctx {
	struct pool		 *p;
	const struct pool_timing *t;
	uint64_t		  now;
	struct actions		 *a;
	uint64_t		  arg; /* the event's (plan.h) */
	const struct cell	 *c;
	int			  failure; /* the exit is a failure */
};

typedef int  guard_fn(const struct ctx *, const struct worker *);
typedef void step_fn(struct ctx *, struct worker *);

/* A cell: the public part, a guard (0: the event is ignored this time),
 * and up to three steps run in order after the state has changed. */
struct cell {
	struct plan_transition tr;
	guard_fn	      *guard;
	step_fn		      *step[3];
	const char	      *why;	   /* the log's word for a kill */
	const char	      *hook;	   /* GWD_REASON of its hook */
	const char	      *reload_why; /* how it fails a reload */
};

static void fire(struct ctx *, struct worker *, enum plan_event, uint64_t);

/* ---- steps: what a transition does besides changing the state ---- */

static void
send_stop(struct worker *w, int sig, uint64_t deadline, uint64_t now,
    struct actions *a)
{
	w->state_since = now; /* also when a quick stop follows */
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
	uint64_t grace = x->t->readiness_grace_ms;

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
		w->requests >= x->t->max_requests ?
	    R_RECYCLE_REQUESTS :
	    R_RECYCLE_REQUESTED;
}

static void
count_failure(struct ctx *x)
{
	struct pool *p = x->p;

	p->failures++;
	p->last_failure_at = x->now;
	p->backoff_until = x->now +
	    pool_backoff_delay(p->failures, x->t->backoff_max_ms);
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
	size_t i;

	if (!p->reload.active)
		return;
	if (failed != NULL)
		failed->failure_told = 1; /* not a crash loop */
	for (i = 0; i < p->n; i++) {
		struct worker *w = p->w[i];

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
	int clean = w->exit_signal == 0 && w->exit_status == 0;

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
				    "grace" :
				    "a new worker exited before it was ready";
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
		actions_push(x->a, A_NOTE, w, x->c->tr.sig, N_DUMP, x->c->hook);
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
	int sig = w->dump_sig;

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
#define CELL(nx, rs, sg, gd, does, ...)                                     \
	{                                                                   \
		{ does, nx, rs, sg }, gd, { __VA_ARGS__ }, NULL, NULL, NULL \
	}
#define KILL(nx, rs, sg, does, why, hook, rwhy, ...)                         \
	{                                                                    \
		{ does, nx, rs, sg }, NULL, { __VA_ARGS__ }, why, hook, rwhy \
	}

/* Cells of every state a worker is alive in. */
#define LIVE_CELLS                                                  \
	[PE_SPAWN_FAILED] = CELL(WS_EXITED, R_NONE, 0, NULL,        \
	    "fail the reload (new code) or count a failure",        \
	    step_exec_failed),                                      \
	[PE_EXIT] = CELL(WS_EXITED, R_NONE, 0, NULL,                \
	    "the exit reason; SIGKILL its process group; fail the " \
	    "reload (new code) or count a failure",                 \
	    step_exit, step_judge_exit),                            \
	[PE_KILL_ASKED] = CELL(PLAN_STAY, R_NONE, 0, guard_forked,  \
	    "send the signal; the exit is `killed` (if forked)",    \
	    step_kill_asked)

/* Cells of spawning and booting. */
#define BOOT_CELLS                                                           \
	LIVE_CELLS,                                                          \
	    [PE_READINESS] = CELL(PLAN_STAY, R_NONE, 0, guard_readiness,     \
		"ready now, or after --readiness-grace (unless stopping)",   \
		step_prove),                                                 \
	    [PE_PROVEN] = CELL(WS_READY, R_NONE, 0, guard_proven,            \
		"ready; the boot deadline is off (unless stopping)",         \
		step_ready),                                                 \
	    [PE_EXTEND] = CELL(PLAN_STAY, R_NONE, 0, NULL,                   \
		"move the deadline later, never earlier", step_extend),      \
	    [PE_BOOT_TIMEOUT] = KILL(WS_KILLING, R_BOOT_TIMEOUT, SIGKILL,    \
		"SIGKILL (after the worker_timeout hook); fail the reload; " \
		"count a failure",                                           \
		"boot timeout", "boot_timeout",                              \
		"a new worker did not become ready in time", step_kill_hung, \
		step_fail_reload, step_count_failure),                       \
	    [PE_STOP] = CELL(WS_DRAINING, R_NONE, 0, NULL,                   \
		"the stop signal; graceful deadline", step_stop),            \
	    [PE_QUICK_STOP] = CELL(WS_DRAINING, R_NONE, SIGINT, NULL,        \
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
	static const struct plan_transition none;

	if ((unsigned)s >= WS_COUNT || (unsigned)ev >= PE_COUNT)
		return &none;
	return &table[s][ev].tr;
}

void
plan_event(struct pool *p, struct worker *w, enum plan_event ev, uint64_t arg,
    uint64_t now, const struct pool_timing *t, struct actions *a)
{
	const struct cell *c;
	struct ctx	   x;
	size_t		   i;

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
	for (i = 0;
	     i < sizeof c->step / sizeof c->step[0] && c->step[i] != NULL; i++)
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
	size_t i;

	/* Replacing a failing pool should not wait for an old backoff. */
	p->failures = 0;
	p->backoff_until = 0;
	for (i = 0; i < p->n; i++) {
		struct worker *w = p->w[i];

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
	p->backoff_until = 0; /* nothing more is started */
}

unsigned
plan_scale_step(unsigned target, long long delta, unsigned max)
{
	long long t = (long long)target + delta;

	if (delta >= 0)
		return t > (long long)max ? max : (unsigned)t;
	if (t < 1)
		return target < 1 ? target : 1;
	return (unsigned)t;
}

unsigned
plan_reload_target(unsigned target, unsigned old_workers, unsigned new_workers)
{
	if (new_workers != old_workers || target == 0)
		return new_workers;
	return target;
}
