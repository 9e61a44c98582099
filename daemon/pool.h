/*
 * pool.h: the worker table and the facts that change it.
 *
 * The pool owns every struct worker (created by the planner when it decides
 * to spawn, freed by pool_gc once the exit has been reported).  It makes no
 * system calls and reads the time only from its arguments, so the whole
 * state machine can be driven by tests with a fake clock.
 *
 * The pool records facts and judges none: each pool_on_* entry point writes
 * the raw fact into the worker record (an exit status, a STATUS= line, a
 * heartbeat time) and hands the event to the planner's transition table
 * (plan_event in plan.h), which decides what the fact means (the exit
 * reason, a failure, a backoff, a failed reload) and appends what must be
 * told or done to the action list.
 *
 * Worker states (SPEC section 5):
 *   spawning -> booting -> ready -> draining -> (killing) -> exited
 * spawning: forked, exec not yet confirmed; booting: exec'd, not ready;
 * draining: asked to stop gracefully; killing: SIGABRT/SIGKILL sent, or,
 * with a worker_timeout hook, about to be (dumping: the hook looks at the
 * hung worker first, and the kill waits for it, at most the hook time
 * limit).
 */
#ifndef GWD_POOL_H
#define GWD_POOL_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "actions.h"

enum wstate {
	WS_SPAWNING,
	WS_BOOTING,
	WS_READY,
	WS_DRAINING,
	WS_KILLING,
	WS_EXITED
};
#define WS_COUNT (WS_EXITED + 1)

/* Exit reasons of SPEC section 5; R_NONE while nothing is decided. */
enum reason {
	R_NONE,
	R_CRASH,
	R_EXIT,
	R_BOOT_FAILED,
	R_BOOT_TIMEOUT,
	R_TIMEOUT,
	R_RELOAD,
	R_SCALE,
	R_RECYCLE_REQUESTS,
	R_RECYCLE_AGE,
	R_RECYCLE_MEMORY,
	R_RECYCLE_REQUESTED,
	R_KILLED,
	R_SHUTDOWN
};

enum pool_mode { PM_RUNNING, PM_STOPPING };

struct worker {
	int	    id;	 /* slot 1..N, reused by replacements */
	pid_t	    pid; /* 0 until forked */
	unsigned    generation;
	enum wstate state;
	uint64_t    spawned_at; /* ms, monotonic */
	uint64_t    state_since;
	uint64_t    ready_at;	    /* when it became ready */
	int	    was_ready;	    /* it became ready once */
	int	    proving;	    /* readiness signalled, grace running */
	uint64_t    proving_since;  /* when its readiness signal came */
	uint64_t    deadline;	    /* boot / stop / kill deadline, 0 = none */
	uint64_t    last_heartbeat; /* 0 = heartbeats not armed */
	enum reason retire;	    /* replace, then stop, for this reason */
	enum reason stop_reason;    /* why we stopped or killed it */
	int	    stop_signal;    /* signal we sent, 0 = none */
	int	    self_stopping;  /* sent STOPPING=1 */
	int	    killed;	    /* signalled by gwctl kill */
	int	    failure_told;   /* its failure was counted (or failed
					   its reload) when it was killed */
	uint64_t    requests;	    /* GWD_REQUESTS */
	int	    reports_requests; /* it sent GWD_REQUESTS once */
	uint64_t    request_limit;    /* recycle at this count, 0 = never */
	uint64_t    rss_kb;	      /* last sample, 0 = unknown */
	double	    cpu_s;
	uint64_t    sampled_at;	 /* when rss_kb and cpu_s were read */
	unsigned    restarts;	 /* how many workers this slot had before */
	char	    status[128]; /* last STATUS= */
	int	    exec_errno;	 /* exec failure reported by the child */
	int	    exec_step;	 /* and the step (enum spawn_step) */
	/* Filled when it exits. */
	int	    exit_status; /* -1 = none */
	int	    exit_signal; /* 0 = none */
	enum reason exit_reason;
	/* worker_timeout hook: the kill it holds back (0 = none), and
	 * whether the hook still runs.  deadline is then the hook's limit. */
	int	    dump_sig;
	int	    dumping;
	int	    dumped;	    /* it had its hook: never twice */
	const char *dump_why;	    /* static: "heartbeat timeout", ... */
	char	    kill_wchan[64]; /* what it was doing when killed */
	char	    kill_state;	    /* its /proc state then, 0 = unknown */
	void	   *io;		    /* the executor's per-worker state */
	/* The planner's index (struct pool_index); only pool.c and plan.c
	 * touch these. */
	uint64_t    ix_seq;   /* pool order: the pool_add count */
	uint64_t    ix_due;   /* ms, its key in the due heap; 0: none */
	size_t	    ix_heap;  /* heap position + 1; 0: not in it */
	size_t	    ix_lpos;  /* leaving list position + 1; 0: not */
	unsigned    ix_flags; /* what it is counted as (plan.c) */
	uint64_t    ix_mark;  /* the planner run that last listed it */
	int	    ix_stale; /* on the stale list */
	int	    ix_cand;  /* on the candidate list */
	pid_t	    ix_pid;   /* the pid it is found by; 0: none */
};


/* The workers of one slot id, in pool order, and what they add up to. */
struct pool_slot {
	struct worker **w;
	size_t		n, cap;
	unsigned	flags; /* PSF_* in plan.c */
	int		stale; /* on the slot stale list */
};

/*
 * The planner's index of the pool, so that the work per fact does not grow
 * with the pool (plan.c keeps it; pool.c tells it of adds, facts and
 * garbage collection).  It is derived data: valid == 0 (after pool_init,
 * pool_free, or an adoption that fills struct pool by hand) makes the next
 * planner run a full pass that rebuilds it.  A change of what it was built
 * for (target, generation, failure count, mode, timing) rebuilds it too.
 */
struct pool_index {
	int		  valid;
	int		  off;		/* never use it (tests: the oracle) */
	int		  sample_facts; /* samples come as pool_on_sample */
	/* What it was built for. */
	unsigned	  target, generation, failures;
	uint64_t	  last_failure_at;
	enum pool_mode	  mode;
	uint64_t	  timeout_ms, max_age_ms, grace_ms;
	uint64_t	  seq;	/* the next worker's ix_seq */
	uint64_t	  runs; /* planner runs, for ix_mark */
	/* Min-heap of workers by ix_due (plan_next_deadline's terms). */
	struct worker	**heap;
	size_t		  nheap, capheap;
	/* Workers touched since their derived data was computed. */
	struct worker	**stale;
	size_t		  nstale, capstale;
	/* Workers touched since the last planner run. */
	struct worker	**cand;
	size_t		  ncand, capcand;
	/* Not draining yet, and retiring or told to stop. */
	struct worker	**leaving;
	size_t		  nleaving, capleaving;
	/* Per slot id (index 0 unused), bitmaps over the same ids. */
	struct pool_slot *slot;
	size_t		  nslot;
	uint64_t	 *held_bits; /* a worker holds the slot */
	uint64_t	 *old_bits;  /* an old-generation current worker */
	int		 *sstale;    /* slot ids to recompute */
	size_t		  nsstale, capsstale;
	/* Counts over slots 1..target and over workers. */
	unsigned	  held, ready;	   /* slots held; slots whose current
					   worker is ready */
	unsigned	  booting_current; /* current workers not ready */
	unsigned	  old_live; /* old generation, not draining yet */
	/* pid -> worker, open addressing (size a power of 2, 0: none). */
	struct pool_pident {
		pid_t	       pid; /* 0: empty */
		struct worker *w;
	} * pids;
	size_t		npids, cappids;
	/* Exited workers, for pool_gc. */
	struct worker **exited;
	size_t		nexited, capexited;
};

struct pool {
	struct worker **w; /* every live worker record */
	size_t		n;
	unsigned	target;
	unsigned	generation;  /* generation new workers get */
	unsigned	gen_counter; /* highest generation ever used */
	enum pool_mode	mode;
	int		quick; /* quick shutdown */
	/* Crash-loop backoff. */
	unsigned	failures;	 /* consecutive */
	uint64_t	last_failure_at; /* ms, when failures last grew */
	uint64_t	backoff_until;	 /* ms; 0 = none */
	/* Per-slot replacement count (index = slot id). */
	unsigned       *slot_restarts;
	size_t		nslots;
	/* Reload in progress. */
	struct {
		int	 active;
		int	 surge;
		unsigned batch;
		unsigned old_generation;
		uint64_t started_at;
		unsigned started, retired;
	} reload;
	int		  reached_target; /* the pool was full once */
	int		  spawns_left; /* the planner left spawns for later */
	uint64_t	  spawns_total;
	struct pool_index ix; /* the planner's (plan.c) */
};

/* Timing parameters the pool needs for classification and deadlines. */
struct pool_timing {
	uint64_t boot_timeout_ms;
	uint64_t timeout_ms; /* heartbeat; 0 = off */
	uint64_t graceful_timeout_ms;
	uint64_t backoff_max_ms;
	uint64_t max_requests;
	uint64_t max_requests_jitter;
	uint64_t max_worker_age_ms;
	uint64_t max_worker_memory_kb;
	int	 stop_signal;
	int	 readiness_notify;
	/* How long a worker must stay alive after its readiness signal
	 * (exec, or READY=1) before it counts as ready; 0 = at once. */
	uint64_t readiness_grace_ms;
	/* A worker_timeout hook is configured: a hung worker is looked at
	 * (N_DUMP) before its kill, for at most hook_timeout_ms. */
	int	 dump_hook;
	uint64_t hook_timeout_ms;
};

const char    *pool_reason_name(enum reason);
const char    *pool_state_name(enum wstate);

void	       pool_init(struct pool *, unsigned target, unsigned generation);
void	       pool_free(struct pool *);

/* A new record in state spawning for slot id (planner only). */
struct worker *pool_add(struct pool *, int id, uint64_t now);

/* The live worker with that pid, NULL if none. */
struct worker *pool_find_pid(struct pool *, pid_t);
struct worker *pool_find_id(struct pool *, int id); /* newest in slot */

/* Facts from the executor. */
void pool_on_forked(struct pool *, struct worker *, pid_t, uint64_t now,
    struct actions *);
void pool_on_exec_ok(struct pool *, struct worker *, uint64_t now,
    const struct pool_timing *, struct actions *);
/* The worker sent its readiness signal (exec with readiness spawn, READY=1
 * with notify): ready now, or once it has stayed alive for the grace. */
void pool_on_readiness(struct pool *, struct worker *, uint64_t now,
    const struct pool_timing *, struct actions *);
/* fork or exec of w failed with errno err. */
void pool_on_spawn_failed(struct pool *, struct worker *, int err, uint64_t now,
    const struct pool_timing *, struct actions *);


/* A child was reaped: status as from waitpid. Unknown pids are ignored
 * (returns NULL); otherwise the worker, now in state exited. */
struct worker *pool_on_exit(struct pool *, pid_t, int status, uint64_t now,
    const struct pool_timing *, struct actions *);

/* One parsed notify message from (a descendant of) worker w. */
struct notify_msg;
void pool_on_notify(struct pool *, struct worker *, const struct notify_msg *,
    uint64_t now, const struct pool_timing *, struct actions *);

/* The worker_timeout hook of w has ended (or could not run): the kill it
 * held back is due now.  Nothing if w is not dumping (it exited). */
void pool_on_dump_done(struct pool *, struct worker *, uint64_t now);
/* gwctl kill: send sig to w (alive, forked) and record its exit as
 * `killed`.  Appends the signal to the actions. */
void pool_on_kill_request(struct pool *, struct worker *, int sig, uint64_t now,
    const struct pool_timing *, struct actions *);
/* The log files were reopened: ready workers that asked for it get sig
 * (--worker-reopen-signal; 0 = none). */
void pool_on_logs_reopened(struct pool *, int sig, uint64_t now,
    const struct pool_timing *, struct actions *);

/* Requests from signals and control commands. */
unsigned pool_set_target(struct pool *, unsigned);
/* Start a reload into a new generation; returns it. */
unsigned pool_start_reload(struct pool *, int surge, unsigned batch,
    uint64_t now);
void	 pool_shutdown(struct pool *, int quick);
/* Mark w so its exit is recorded as `killed` (pool_on_kill_request). */
void	 pool_mark_killed(struct pool *, struct worker *);

/* The sampler read w's memory (kB) and CPU time (s) at now.  Once this is
 * used, the planner checks the memory limit only for sampled workers;
 * before, it checks every ready worker at every run. */
void	 pool_on_sample(struct pool *, struct worker *, uint64_t rss_kb,
	double cpu_s, uint64_t now);

/* w's record changed (a fact, or the planner wrote it): the planner's
 * index looks at it again.  The pool_on_* functions and plan_event call
 * it; code that writes a worker record by hand must too. */
void	 pool_touch(struct pool *, struct worker *);
/* Forget the planner's index: the next run rebuilds it (after filling the
 * pool by hand, as upgrade adoption does). */
void	 pool_reindex(struct pool *);

/* Drop records of exited workers (after their notes were handled). */
void	 pool_gc(struct pool *);

/* Counts for status. */
struct pool_counts {
	unsigned ready, booting, draining, total;
};
void	 pool_count(const struct pool *, struct pool_counts *);

/* Set w's state (and state_since) if it changes (the planner's table). */
void	 pool_set_state(struct worker *, enum wstate, uint64_t now);

/* The backoff delay after n consecutive failures (100 ms doubling). */
uint64_t pool_backoff_delay(unsigned failures, uint64_t max_ms);

#endif
