/*
 * actions.h: what the planner decides, as a list the executor carries out.
 *
 * The planner (plan.h) and the pool's fact handlers (pool.h) append
 * actions; the supervisor carries them out in order (spawn, signal, tell)
 * and clears the list.  An action borrows its worker: the record stays
 * valid until pool_gc, which runs after the list is done.  The list owns
 * its array (actions_free).  Pure: no system calls.
 */
#ifndef GWD_ACTIONS_H
#define GWD_ACTIONS_H

#include <stddef.h>

struct worker;

/* Why something is told (the supervisor logs and emits these). */
enum note_kind {
	N_SPAWN,   /* worker forked (after the executor reports its pid) */
	N_READY,   /* worker became ready */
	N_EXIT,	   /* worker exited; w->exit_* set */
	N_BACKOFF, /* failures grew; pool->backoff_until set */
	N_STOP,	   /* stop signal sent (w->stop_reason) */
	N_KILL,	   /* SIGABRT/SIGKILL sent (w->stop_reason) */
	N_RELOAD_DONE,
	N_RELOAD_FAILED, /* w: the worker that failed it, text: how */
	N_POOL_FULL,	 /* the pool reached its target for the first time */
	N_DUMP,		 /* run the worker_timeout hook for w, then report
			   pool_on_dump_done; text: GWD_REASON, sig: the
			   signal that waits */
	N_ALL_EXITED,	 /* stopping and nothing is left: exit */
	N_SIGNAL,	 /* send sig to w on request (gwctl kill); w->killed */
	N_REOPEN,	 /* send sig to w: the log files were reopened */
	N_GROUP_KILL	 /* SIGKILL what is left of exited w's process group
			   (grandchildren); the pid itself is reaped */
};

enum action_kind {
	A_SPAWN,  /* fork+exec w (state spawning, pid 0) */
	A_SIGNAL, /* send sig to w's process group; the note says
			   why (N_STOP, N_KILL, N_SIGNAL, N_REOPEN,
			   N_GROUP_KILL) */
	A_NOTE	  /* tell: note kind, worker or NULL */
};

struct action {
	enum action_kind kind;
	struct worker	*w;
	int		 sig;
	enum note_kind	 note;
	const char	*text; /* static explanation, or NULL */
};

struct actions {
	struct action *v;
	size_t	       n, cap;
};

void actions_push(struct actions *, enum action_kind, struct worker *, int sig,
    enum note_kind, const char *text);
void actions_clear(struct actions *);
void actions_free(struct actions *);

#endif
