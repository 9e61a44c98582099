/*
 * hooks.h: --hook EVENT=CMD (SPEC section 13).
 *
 * A hook is a command gwd runs, without a shell, when something happens:
 * the pool first reaches its target (ready), a reload ends (reload), a
 * worker exits (worker_exit), a hung worker is about to be killed
 * (worker_timeout), the target changes (scale), a crash-loop backoff
 * begins (backoff), gwd begins to stop (stop).  Hooks run as children of
 * the master, as gwd's own user, in gwd's directory, with stdin /dev/null;
 * their output is read on the event loop and logged line by line, their
 * end is logged and emitted as a `hook` event (events.h).  Nothing here
 * ever waits: a hook that outlives --hook-timeout gets SIGTERM, and
 * SIGKILL HOOKS_KILL_GRACE_MS later, to its whole process group.
 *
 * Several hooks of one event start together, in the order given, and do
 * not wait for each other.  At most HOOKS_MAX_RUNNING run at once: past
 * that a hook is skipped, counted, and the burst is logged once.
 *
 * The module subscribes to the event stream (worker_exit, scale, backoff,
 * reload); ready, stop and worker_timeout are asked for by the supervisor.
 */
#ifndef GWD_HOOKS_H
#define GWD_HOOKS_H

#include <sys/types.h>

#include <stddef.h>

#include "gwconfig.h"

/* Hooks running at once, all events together. */
#define HOOKS_MAX_RUNNING   8
/* From the SIGTERM of a hook past its time limit to SIGKILL, ms. */
#define HOOKS_KILL_GRACE_MS 1000
/* Longest line of hook output logged as one line, bytes; longer lines
 * are logged in pieces of this size. */
#define HOOKS_LINE_MAX	    1024
/* Output read per wakeup, bytes: a chatty hook cannot hold the loop. */
#define HOOKS_READ_MAX	    65536

#define HOOKS_EVENT_LIST \
	"ready, reload, worker_exit, worker_timeout, scale, backoff, stop"

/* The index of a hook event name, or -1 if there is none. */
int hooks_event_index(const char *);

/* What a hook is told about its event: its environment.  Strings are
 * borrowed; 0, -1 and NULL mean "not part of this event". */
struct hook_facts {
	const char *event; /* a hook event name */
	unsigned    generation;
	int	    worker_id;	 /* 0 = none */
	pid_t	    worker_pid;	 /* 0 = none */
	const char *reason;	 /* GWD_REASON, or NULL */
	int	    exit_status; /* -1 = none */
	int	    signal;	 /* 0 = none */
	const char *result;	 /* GWD_RESULT (reload): ok, failed */
	const char *extra[4];	 /* more KEY=VALUE, NULL-terminated */
};

/*
 * The environment of a hook (new NULL-terminated array of new strings,
 * free with parse_words_free): base (gwd's environment) without the variables
 * that belong to gwd's own supervisor (NOTIFY_SOCKET, LISTEN_*,
 * WATCHDOG_*) or to gwd's workers (GWD_*), then GWD_EVENT, GWD_NAME,
 * GWD_MASTER_PID, GWD_GENERATION and the facts that are set.  Pure.
 */
char **hooks_environ(char *const base[], const char *name, pid_t master,
    const struct hook_facts *);

/* Called once every hook of one hooks_run has ended. */
typedef void (*hooks_done_cb)(void *arg);

struct event_base;

/*
 * Start: hooks come from config() each time an event fires, so a reload
 * changes them like any other setting.  Subscribes to the event stream.
 */
void hooks_start(struct event_base *, const struct gw_config *(*config)(void));
/* gwd exits: forget the hooks still running (they die with gwd); their
 * done callbacks are not called. */
void hooks_stop(void);

/*
 * Run every hook of f->event now.  Returns how many started; when at
 * least one did and done is not NULL, done(arg) is called once the last
 * of them has ended (from hooks_reaped).  0: none configured, all
 * skipped or failed to fork; done is then never called.
 */
int  hooks_run(const struct hook_facts *, hooks_done_cb, void *arg);

/* A configured hook exists for this event (in the current config). */
int  hooks_configured(const char *event);

/* The SIGCHLD reaper found pid: 1 if it was a hook (now handled). */
int  hooks_reaped(pid_t, int status);

/* Hooks running now. */
size_t hooks_running(void);

/*
 * Call done(arg) once no hook is running (at once if none is): a stopping
 * gwd lets its stop hook finish, bounded by the hook time limit.
 */
void   hooks_when_idle(hooks_done_cb, void *arg);

#endif
