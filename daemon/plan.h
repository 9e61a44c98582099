/*
 * plan.h: the planner, the one place where gwd decides.
 *
 * Two parts, both pure (no system calls; the time comes from arguments):
 *
 * - The transition table: every event that happens to one worker (it
 *   exec'd, it said READY=1, its boot deadline passed, it exited ...) is
 *   looked up as (state, event) -> (next state, steps, reason), the way
 *   s6-supervise keeps actions[state][event] on one screen.  plan_event()
 *   applies one cell; the pool's fact handlers (pool.h) and the planner's
 *   own run call it.  Every judgment of an event lives in the table's steps:
 *   the exit reason, whether an exit is a failure, failure counting and the
 *   crash-loop backoff, a failed reload, the kill of a hung worker.
 *
 * - The run: plan_run() looks at the pool, the timing parameters and the
 *   clock, fires the events that are due (deadlines), and decides for the
 *   pool as a whole: recycling, rolling and surge reload progress, scale,
 *   spawns.  It returns the actions to carry out now (spawn into slot k,
 *   signal pid p, tell something); the supervisor carries them out and arms
 *   one timer for plan_next_deadline().
 */
#ifndef GWD_PLAN_H
#define GWD_PLAN_H

#include <stdint.h>

#include "pool.h"

/* A worker ready this long resets the crash-loop failure count. */
#define PLAN_STABLE_MS	    10000
/* From SIGABRT (heartbeat timeout) to SIGKILL. */
#define PLAN_ABORT_GRACE_MS 1000
/* Spawns per planner run: a big pool fills over several loop iterations
 * so signals, datagrams and control requests are served in between. */
#define PLAN_SPAWN_BATCH    32
/* Quick shutdown: from SIGINT to SIGKILL. */
#define PLAN_QUICK_MS	    2000

/* What happened to one worker: the columns of the transition table. */
enum plan_event {
	PE_EXEC_OK,	      /* its exec succeeded */
	PE_READINESS,	      /* its readiness signal (exec or READY=1) */
	PE_PROVEN,	      /* the readiness grace after it has passed */
	PE_EXTEND,	      /* EXTEND_TIMEOUT_USEC; arg: new deadline, ms */
	PE_RECYCLE_ASKED,     /* it asked to be replaced (GWD_RECYCLE=1) */
	PE_SPAWN_FAILED,      /* fork or exec failed; arg: errno */
	PE_EXIT,	      /* reaped; arg: status as from waitpid */
	PE_BOOT_TIMEOUT,      /* not ready by its boot deadline */
	PE_HEARTBEAT_TIMEOUT, /* no WATCHDOG=1 within --timeout */
	PE_STOP,	      /* the planner decided it goes (stop_reason) */
	PE_QUICK_STOP,	      /* quick shutdown: SIGINT, short deadline */
	PE_DRAIN_TIMEOUT,     /* still draining at its graceful deadline */
	PE_SHUTDOWN_TIMEOUT,  /* still there at its deadline, stopping */
	PE_QUICK_TIMEOUT,     /* still there at its quick-stop deadline */
	PE_ABORT_TIMEOUT,     /* still there PLAN_ABORT_GRACE_MS after
				   SIGABRT */
	PE_DUMP_OVER,	      /* its worker_timeout hook ended or ran out
				   of time: the held-back kill is due */
	PE_HOOK_DONE,	      /* the worker_timeout hook reported its end */
	PE_KILL_ASKED,	      /* gwctl kill; arg: signal */
	PE_LOGS_REOPENED,     /* log files reopened; arg: signal, 0 = none */
	PE_COUNT
};

/* A transition's next state when the worker stays in its state. */
#define PLAN_STAY WS_COUNT

/* One cell of the table; see plan.c for the table itself. */
struct plan_transition {
	const char *does;   /* what it does, for people; NULL:
					   the event is ignored */
	enum wstate next;   /* the state it moves to, or PLAN_STAY */
	enum reason reason; /* stop reason it sets, R_NONE: none */
	int	    sig;    /* signal of a kill, 0: none */
};

/* The cell for (state, event); never NULL.  For tests and the manual. */
const struct plan_transition *plan_transition(enum wstate, enum plan_event);
const char		     *plan_event_name(enum plan_event);

/* Apply the cell (w->state, ev) to w: the guard, the state change, the
 * steps.  arg as the event says.  Appends to the actions. */
void plan_event(struct pool *, struct worker *, enum plan_event, uint64_t arg,
    uint64_t now, const struct pool_timing *, struct actions *);

/* Pool-wide facts: what a reload or a shutdown means for the workers. */
void plan_reload_started(struct pool *);
void plan_shutdown_started(struct pool *);

/* Whether an exit of w, as classified, is a failure of its code: a crash,
 * a boot failure or timeout, a heartbeat timeout, or an unasked exit. */
int  plan_exit_is_failure(const struct worker *);

/* The target after TTIN or `gwctl ttin` (delta > 0: up, at most max) or
 * TTOU or `gwctl ttou` (delta < 0: down, but not below 1; a pool already
 * at 0 stays at 0).  One rule for the signals and the commands. */
unsigned       plan_scale_step(unsigned target, long long delta, unsigned max);

/* The target after a reload from a file that said old_workers to one
 * that says new_workers: a changed pool size in the file wins; otherwise
 * a manual scale stays; after WINCH (target 0) a reload brings the pool
 * back. */
unsigned       plan_reload_target(unsigned target, unsigned old_workers,
	  unsigned new_workers);

void	       plan_run(struct pool *, const struct pool_timing *, uint64_t now,
	      struct actions *);

/* The earliest time plan_run has something to do, or 0 for none; 1 (the
 * distant past) when spawns were left for the next run.  Not const: it
 * brings the planner's index up to date first. */
uint64_t       plan_next_deadline(struct pool *, const struct pool_timing *);

/*
 * The index (struct pool_index in pool.h) that keeps a run's work
 * proportional to the workers that changed or are due, not to the pool.
 * pool.c calls these; a run with an invalid index is a full pass that
 * rebuilds it.
 */
void	       plan_index_add(struct pool *, struct worker *); /* pool_add */
/* w is forked as pid (pool_on_forked, before it sets w->pid). */
void	       plan_index_forked(struct pool *, struct worker *, pid_t);
/* The live worker with that pid, NULL: none known; -1 as a pointer is
 * never returned.  *known is 0 when the index cannot say (look at every
 * worker). */
struct worker *plan_index_find_pid(struct pool *, pid_t, int *known);
/* Before pool_gc drops exited workers: 0 when there is none to drop. */
int	       plan_index_gc(struct pool *);
void	       plan_index_free(struct pool *);
/* Whether the index agrees with one built from scratch (tests); on a
 * mismatch, a static description of it in *why. */
int	       plan_index_check(struct pool *, const struct pool_timing *,
	       const char **why);

#endif
