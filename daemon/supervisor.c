/*
 * supervisor.c: the master's event loop.  Signals, child exits, notify
 * datagrams, timers and control commands become facts for the pool; the
 * planner decides; this file carries out its actions (fork/exec, kill,
 * one deadline timer) and tells the log and the event stream what
 * happened.  Nothing here decides on its own.
 *
 * Its other jobs live in files named for them, which borrow its state
 * through sup_state.h: worker_io.c (each worker's pipes), sampling.c
 * (/proc), status.c (status, workers, health), reload.c (the reload
 * transaction) and reexec.c (the in-place upgrade).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "drain.h"
#include "events.h"
#include "gw/parse.h"
#include "gw/paths.h"
#include "gw/sockutil.h"
#include "gw/util.h"
#include "health.h"
#include "hooks.h"
#include "launcher.h"
#include "listeners.h"
#include "log.h"
#include "metrics.h"
#include "page.h"
#include "notify.h"
#include "notifyfd.h"
#include "output.h"
#include "plan.h"
#include "pool.h"
#include "procfs.h"
#include "sampling.h"
#include "reexec.h"
#include "reload.h"
#include "sdnotify.h"
#include "spawn.h"
#include "stats.h"
#include "sup_state.h"
#include "supervisor.h"
#include "upgrade.h"
#include "web.h"
#include "worker_io.h"

/* How far up the process tree a notify sender is traced to its worker. */
#define NOTIFY_ANCESTORS 16

static struct {
	struct event_base *base;
	int		   argc;
	char		 **argv;
	char		  *self_exe;
	struct gw_config  *cfg;
	struct spawn_ctx  *ctx;
	struct listeners  *ls;
	struct pool	   pool;
	struct pool_timing timing;
	struct actions	   acts;
	struct event	  *timer;
	struct event	  *sigs[12];
	size_t		   nsigs;
	pid_t		   pid;
	double		   started_at;
	uint64_t	   started_mono;
	int		   exit_status;
	int		   planning;
	int		   reaping;	 /* facts only, no planning */
	int		   backoff_told; /* in this run of execute() */
} sup;

static void process(void);

struct event_base *
supervisor_base(void)
{
	return sup.base;
}

const struct gw_config *
supervisor_config(void)
{
	return sup.cfg;
}

static void
timing_from(struct pool_timing *t, const struct gw_config *c)
{
	size_t i;

	memset(t, 0, sizeof *t);
	t->boot_timeout_ms = c->boot_timeout_ms;
	t->timeout_ms = c->timeout_ms;
	t->graceful_timeout_ms = c->graceful_timeout_ms;
	t->backoff_max_ms = c->restart_backoff_max_ms;
	t->max_requests = c->max_requests;
	t->max_requests_jitter = c->max_requests_jitter;
	t->max_worker_age_ms = c->max_worker_age_ms;
	t->max_worker_memory_kb = c->max_worker_memory / 1024;
	t->stop_signal = c->stop_signal;
	t->readiness_notify = c->readiness == READINESS_NOTIFY;
	t->readiness_grace_ms = c->readiness_grace_ms;
	t->hook_timeout_ms = c->hook_timeout_ms;
	for (i = 0; i < c->nhooks; i++)
		if (strcmp(c->hooks[i].event, "worker_timeout") == 0)
			t->dump_hook = 1;
}

static void
emit(const char *event, const struct worker *w, const char *reason,
    json_t *detail)
{
	struct gw_event ev;
	int		is_exit;

	memset(&ev, 0, sizeof ev);
	ev.ts = gw_wall_time();
	ev.master_pid = sup.pid;
	ev.generation = w ? w->generation : sup.pool.generation;
	ev.worker_id = w ? w->id : 0;
	ev.pid = w ? w->pid : 0;
	ev.event = event;
	ev.reason = reason;
	is_exit = w != NULL && strcmp(event, "exit") == 0;
	ev.exit_status = is_exit ? w->exit_status : -1;
	ev.signal = is_exit ? w->exit_signal : 0;
	ev.detail = detail;
	events_emit(&ev);
	json_decref(detail);
}

/* The exec-error pipe of w has something to say. */
static void
errpipe_ready(struct worker *w)
{
	if (worker_io_drain(w, sup.ctx) == 1)
		pool_on_exec_ok(&sup.pool, w, gw_now_ms(), &sup.timing,
		    &sup.acts);
	process();
}

/* ---- carrying out actions ---------------------------------------------- */

static void on_notify_fd(const struct notify_msg *, void *);

static void
do_spawn(struct worker *w)
{
	struct spawn_result r;

	if (spawn_worker(sup.ctx, w->id, w->generation, &r) == -1) {
		log_error("worker %d: cannot fork: %s", w->id, strerror(errno));
		pool_on_spawn_failed(&sup.pool, w, errno, gw_now_ms(),
		    &sup.timing, &sup.acts);
		return;
	}
	worker_io_start(w, &r, sup.cfg->capture_output);
	pool_on_forked(&sup.pool, w, r.pid, gw_now_ms(), &sup.acts);
}

/* What a stuck worker was doing, captured before it is killed. */
static void
capture_wchan(struct worker *w)
{
	struct procfs_usage u;

	if (w->pid <= 0 || w->kill_state != 0 || procfs_usage(w->pid, &u) == -1)
		return;
	(void)procfs_wchan(w->pid, w->kill_wchan, sizeof w->kill_wchan);
	w->kill_state = u.state;
}

static void
do_signal(struct worker *w, int sig)
{
	if (w->pid <= 0)
		return;
	if (kill(-w->pid, sig) == -1 && kill(w->pid, sig) == -1 &&
	    errno != ESRCH)
		log_warn("cannot signal worker %d (pid %ld): %s", w->id,
		    (long)w->pid, strerror(errno));
}

static const char *
worker_label(const struct worker *w)
{
	static char buf[96];

	snprintf(buf, sizeof buf, "worker %d (pid %ld, gen %u)", w->id,
	    (long)w->pid, w->generation);
	return buf;
}

static json_t *
exit_detail(const struct worker *w, uint64_t now)
{
	json_t *d = json_object();

	json_object_set_new(d, "uptime_s",
	    json_real((double)(now - w->spawned_at) / 1000.0));
	json_object_set_new(d, "time_to_ready_ms",
	    w->was_ready ?
		json_integer((json_int_t)(w->ready_at - w->spawned_at)) :
		json_null());
	json_object_set_new(d, "status",
	    w->status[0] ? json_string(w->status) : json_null());
	json_object_set_new(d, "requests",
	    json_integer((json_int_t)w->requests));
	if (w->kill_state != 0) {
		char st[2] = { w->kill_state, '\0' };

		json_object_set_new(d, "wchan", json_string(w->kill_wchan));
		json_object_set_new(d, "state", json_string(st));
	}
	if (w->exec_errno != 0) {
		json_object_set_new(d, "exec_error",
		    json_string(strerror(w->exec_errno)));
		json_object_set_new(d, "exec_step",
		    json_string(spawn_step_name(w->exec_step)));
	}
	if (plan_exit_is_failure(w)) {
		json_t *tail = output_tail_json(worker_io_output(w));

		if (tail != NULL)
			json_object_set_new(d, "stderr", tail);
	}
	return d;
}

static void
note_exit(struct worker *w, uint64_t now)
{
	enum reason r = w->exit_reason;
	char	    how[64];
	int bad = r == R_CRASH || r == R_BOOT_FAILED || r == R_BOOT_TIMEOUT ||
	    r == R_TIMEOUT;

	if (w->exit_signal != 0)
		snprintf(how, sizeof how, "signal %s",
		    format_signal(w->exit_signal));
	else if (w->exit_status >= 0)
		snprintf(how, sizeof how, "status %d", w->exit_status);
	else
		snprintf(how, sizeof how, "not started");
	log_msg(bad ? LOG_WARNING : LOG_INFO, "%s exited: %s (%s)",
	    worker_label(w), pool_reason_name(r), how);
	emit("exit", w, pool_reason_name(r), exit_detail(w, now));
}

/* The worker_timeout hook of a hung worker ended: its kill is due. */
struct dump_ref {
	int   id;
	pid_t pid;
};

static void
dump_done(void *arg)
{
	struct dump_ref *r = arg;
	struct worker	*w = pool_find_pid(&sup.pool, r->pid);

	/* Only from the reaper, which plans once every exit is known. */
	if (w != NULL && w->id == r->id)
		pool_on_dump_done(&sup.pool, w, gw_now_ms());
	free(r);
}

/* Run the worker_timeout hook while w is still alive and unsignalled. */
static void
do_dump(struct worker *w, int sig, const char *reason, uint64_t now)
{
	struct hook_facts f;
	struct dump_ref	 *r = xcalloc(1, sizeof *r);

	if (w->stop_reason == R_TIMEOUT || w->stop_reason == R_BOOT_TIMEOUT)
		capture_wchan(w);
	log_warn("%s %s: running the worker_timeout hook before SIG%s%s%s",
	    worker_label(w), w->dump_why, format_signal(sig),
	    w->kill_wchan[0] ? "; it is in " : "", w->kill_wchan);
	memset(&f, 0, sizeof f);
	f.event = "worker_timeout";
	f.generation = w->generation;
	f.worker_id = w->id;
	f.worker_pid = w->pid;
	f.reason = reason;
	f.exit_status = -1;
	r->id = w->id;
	r->pid = w->pid;
	if (hooks_run(&f, dump_done, r) == 0) {
		/* None could start: the kill goes on at once. */
		free(r);
		pool_on_dump_done(&sup.pool, w, now);
	}
}

/* gwd stops once its last hooks (the stop hook) have ended. */
static void
loop_exit(void *arg)
{
	(void)arg;
	event_base_loopexit(sup.base, NULL);
}

/* Hooks of an event the stream does not carry (ready, stop). */
static void
hook_event(const char *event)
{
	struct hook_facts f;

	memset(&f, 0, sizeof f);
	f.event = event;
	f.generation = sup.pool.generation;
	f.exit_status = -1;
	(void)hooks_run(&f, NULL, NULL);
}

static void
do_note(const struct action *a, uint64_t now)
{
	struct worker *w = a->w;
	char	       d[32];

	switch (a->note) {
	case N_SPAWN:
		log_debug("%s spawned", worker_label(w));
		emit("spawn", w, NULL,
		    json_pack("{s:i}", "restarts", (int)w->restarts));
		break;
	case N_READY:
		log_info("%s ready in %llu ms", worker_label(w),
		    (unsigned long long)(w->ready_at - w->spawned_at));
		emit("ready", w, NULL,
		    json_pack("{s:I}", "time_to_ready_ms",
			(json_int_t)(w->ready_at - w->spawned_at)));
		break;
	case N_EXIT:
		note_exit(w, now);
		break;
	case N_BACKOFF:
		/* Workers that failed together are told as one step. */
		if (sup.backoff_told)
			break;
		sup.backoff_told = 1;
		format_duration(d, sizeof d, sup.pool.backoff_until - now);
		log_warn("backoff: %u consecutive failures, next attempt in %s",
		    sup.pool.failures, d);
		sdnotify("STATUS=backoff after %u failures", sup.pool.failures);
		emit("backoff", NULL, NULL,
		    json_pack("{s:i, s:I}", "failures", (int)sup.pool.failures,
			"delay_ms",
			(json_int_t)(sup.pool.backoff_until - now)));
		break;
	case N_STOP:
		log_info("%s stopping: %s (SIG%s)", worker_label(w),
		    pool_reason_name(w->stop_reason), format_signal(a->sig));
		do_signal(w, a->sig);
		break;
	case N_KILL:
		if (w->stop_reason == R_TIMEOUT ||
		    w->stop_reason == R_BOOT_TIMEOUT)
			capture_wchan(w);
		log_warn("%s %s: sending SIG%s%s%s", worker_label(w),
		    a->text ? a->text : "killing", format_signal(a->sig),
		    w->kill_wchan[0] ? ", it was in " : "", w->kill_wchan);
		do_signal(w, a->sig);
		break;
	case N_RELOAD_DONE:
		reload_finish(1, NULL, NULL);
		break;
	case N_RELOAD_FAILED:
		reload_finish(0, a->text, a->w);
		break;
	case N_POOL_FULL:
		log_info("pool ready: %u workers of generation %u",
		    sup.pool.target, sup.pool.generation);
		sdnotify("READY=1\nSTATUS=%u workers ready", sup.pool.target);
		hook_event("ready");
		break;
	case N_DUMP:
		do_dump(w, a->sig, a->text, now);
		break;
	case N_ALL_EXITED:
		hooks_when_idle(loop_exit, NULL);
		break;
	case N_SIGNAL:
		log_info("%s: sending SIG%s on request", worker_label(w),
		    format_signal(a->sig));
		do_signal(w, a->sig);
		break;
	case N_REOPEN:
		/* The worker alone: its children may not expect it. */
		if (kill(w->pid, a->sig) == -1 && errno != ESRCH)
			log_warn("cannot signal %s: %s", worker_label(w),
			    strerror(errno));
		break;
	case N_GROUP_KILL:
		/* Only the group: the pid itself is reaped and may be
		 * another process's by now. */
		(void)kill(-w->pid, a->sig);
		break;
	}
}

/* Carry out actions in order; actions may append more while we go. */
static void
execute(void)
{
	struct actions todo;
	uint64_t       now;
	size_t	       i;

	sup.backoff_told = 0;
	/*
	 * Carry out the list in batches: what the actions cause (a fork's
	 * pid, a failed spawn) is reported as facts to the pool, whose notes
	 * go to a fresh list for the next batch, never into the list being
	 * carried out.
	 */
	while (sup.acts.n > 0) {
		todo = sup.acts;
		memset(&sup.acts, 0, sizeof sup.acts);
		now = gw_now_ms();
		for (i = 0; i < todo.n; i++) {
			const struct action *a = &todo.v[i];

			switch (a->kind) {
			case A_SPAWN:
				do_spawn(a->w);
				break;
			case A_SIGNAL: /* its note says why, logs, sends */
			case A_NOTE:
				do_note(a, now);
				break;
			}
		}
		actions_free(&todo);
	}
}

static void
timer_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	process();
}

static void
arm_timer(void)
{
	uint64_t       at = plan_next_deadline(&sup.pool, &sup.timing);
	uint64_t       now = gw_now_ms();
	struct timeval tv;

	if (at == 0) {
		event_del(sup.timer);
		return;
	}
	at = at > now ? at - now : 0;
	tv = gw_ms_to_timeval(at);
	event_add(sup.timer, &tv);
}

/* Facts are in: tell what they caused, let the planner decide, act. */
static void
process(void)
{
	size_t i;

	if (sup.planning) /* re-entered from an action: the outer run
				 * will see everything */
		return;
	sup.planning = 1;
	execute();
	plan_run(&sup.pool, &sup.timing, gw_now_ms(), &sup.acts);
	execute();
	for (i = 0; i < sup.pool.n; i++)
		if (sup.pool.w[i]->state == WS_EXITED)
			worker_io_free(sup.pool.w[i]);
	pool_gc(&sup.pool);
	arm_timer();
	sup.planning = 0;
}

/* ---- facts ------------------------------------------------------------- */

static void
reap(void)
{
	pid_t pid;
	int   status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct worker *w = pool_find_pid(&sup.pool, pid);

		if (upgrade_check_reaped(pid, status))
			continue; /* the candidate binary's check */
		if (w == NULL && hooks_reaped(pid, status))
			continue;
		if (w == NULL)
			continue; /* an orphan we adopted as subreaper */
		if (worker_io_drain(w, sup.ctx) == 1)
			pool_on_exec_ok(&sup.pool, w, gw_now_ms(), &sup.timing,
			    &sup.acts);
		/* Its last words belong to the report of its exit, and its
		 * last messages (STOPPING=1) come before it. */
		output_drain(worker_io_output(w));
		sup.reaping = 1;
		notifyfd_drain(worker_io_notifyfd(w));
		sup.reaping = 0;
		pool_on_exit(&sup.pool, pid, status, gw_now_ms(), &sup.timing,
		    &sup.acts);
	}
	process();
}

/* The worker a notify sender belongs to: itself or an ancestor. */
static struct worker *
sender_worker(pid_t pid)
{
	struct worker *w;
	int	       depth;

	for (depth = 0; depth < NOTIFY_ANCESTORS && pid > 1; depth++) {
		if ((w = pool_find_pid(&sup.pool, pid)) != NULL)
			return w;
		if (pid == sup.pid)
			return NULL;
		pid = procfs_ppid(pid);
	}
	return NULL;
}

/* A message from worker w, whichever way it came. */
static void
worker_notified(struct worker *w, const struct notify_msg *m)
{
	int armed = w->last_heartbeat != 0;

	pool_on_notify(&sup.pool, w, m, gw_now_ms(), &sup.timing, &sup.acts);
	/* A plain heartbeat changes no decision until its deadline, and the
	 * timer already covers that; anything else may.  While reaping, the
	 * reaper plans once every exit is known. */
	if (sup.reaping)
		return;
	if (m->ready || m->recycle || m->has_extend || m->has_requests ||
	    m->stopping || (m->watchdog && !armed) || sup.acts.n > 0)
		process();
}

static void
on_notify(pid_t sender, const struct notify_msg *m, void *arg)
{
	struct worker *w = sender_worker(sender);

	(void)arg;
	if (w == NULL) {
		notify_count_drop();
		log_debug("notify: dropped a message from pid %ld (not a "
			  "worker)",
		    (long)sender);
		return;
	}
	worker_notified(w, m);
}

/* A line on a worker's notify fd: the pipe says who sent it. */
static void
on_notify_fd(const struct notify_msg *m, void *arg)
{
	worker_notified(arg, m);
}

/* ---- entry points (signals and control commands) ----------------------- */

unsigned
sup_target(void)
{
	return sup.pool.target;
}

unsigned
sup_generation(void)
{
	return sup.pool.generation;
}

int
sup_scale(unsigned target, unsigned *previous)
{
	unsigned prev;

	if (target > SUP_MAX_WORKERS || sup.pool.mode != PM_RUNNING)
		return -1;
	prev = pool_set_target(&sup.pool, target);
	if (previous != NULL)
		*previous = prev;
	if (prev != target) {
		log_info("scale: target %u -> %u", prev, target);
		emit("scale", NULL, NULL,
		    json_pack("{s:i, s:i}", "target", (int)target, "previous",
			(int)prev));
	}
	process();
	return 0;
}

/*
 * A stopping gwd accepts no more: close every copy of the listening
 * sockets the master holds (the set, and the spawn contexts' copies), so
 * that once the workers have closed theirs too a new client is refused at
 * once and retries elsewhere instead of waiting in a queue nobody serves.
 * Connections already accepted are the workers' and finish.
 */
static void
close_listeners(void)
{
	if (sup.ls->n > 0)
		log_info("closing %zu listening socket%s", sup.ls->n,
		    sup.ls->n == 1 ? "" : "s");
	listeners_close(sup.ls);
	spawn_ctx_close_listeners(sup.ctx);
	spawn_ctx_close_listeners(reload_old_ctx());
}

static void stop_workers(int graceful);

/* The drain delay is over: the graceful stop it put off. */
static void
drain_done(void)
{
	log_info("drain delay over");
	stop_workers(1);
}

/*
 * The first graceful stop with --drain-delay only begins the drain: not
 * ready at once, serving and supervising as usual until drain_done.  A
 * second one, or a quick one, ends it and stops now.
 */
void
sup_stop(int graceful)
{
	char d[32];

	if (graceful && sup.pool.mode == PM_RUNNING &&
	    drain_begin(sup.base, sup.cfg->drain_delay_ms, drain_done) == 0) {
		format_duration(d, sizeof d, sup.cfg->drain_delay_ms);
		log_info("draining: not ready, stopping in %s (a second "
			 "SIGTERM stops now)",
		    d);
		sdnotify("STOPPING=1\nSTATUS=draining");
		hook_event("stop");
		return;
	}
	if (drain_active())
		log_info("drain ended early");
	drain_end();
	stop_workers(graceful);
}

static void
stop_workers(int graceful)
{
	if (sup.pool.mode == PM_STOPPING && (graceful || sup.pool.quick))
		return;
	if (sup.pool.mode == PM_RUNNING) {
		log_info("%s shutdown: stopping %zu workers",
		    graceful ? "graceful" : "quick", sup.pool.n);
		if (!drain_ran()) { /* else it said so when it began */
			sdnotify("STOPPING=1");
			hook_event("stop");
		}
		/* A reload cut short by a stop failed, whether or not
		 * anyone waits for the verdict. */
		if (reload_running())
			reload_finish(0, "gwd is shutting down", NULL);
		close_listeners();
	}
	pool_shutdown(&sup.pool, !graceful);
	process();
}

pid_t
sup_kill(int id, pid_t pid, int sig)
{
	struct worker *w = id > 0 ? pool_find_id(&sup.pool, id) :
				    pool_find_pid(&sup.pool, pid);

	if (w == NULL || w->pid <= 0 || w->state == WS_EXITED)
		return -1;
	pid = w->pid;
	pool_on_kill_request(&sup.pool, w, sig, gw_now_ms(), &sup.timing,
	    &sup.acts);
	process();
	return pid;
}

void
sup_reopen_logs(void)
{
	int sig = sup.cfg->worker_reopen_signal;

	log_reopen();
	log_info("log files reopened%s%s", sig ? "; sending SIG" : "",
	    sig ? format_signal(sig) : "");
	/* Only to workers that asked for it (--worker-reopen-signal). */
	pool_on_logs_reopened(&sup.pool, sig, gw_now_ms(), &sup.timing,
	    &sup.acts);
	process();
}

const struct pool *
supervisor_pool(void)
{
	return &sup.pool;
}

const struct listeners *
supervisor_listeners(void)
{
	return sup.ls;
}

double
supervisor_started_at(void)
{
	return sup.started_at;
}

/* ---- what the supervisor's own files borrow (sup_state.h) ------------- */

struct pool *
sup_pool(void)
{
	return &sup.pool;
}

struct listeners *
sup_listeners(void)
{
	return sup.ls;
}

pid_t
sup_pid(void)
{
	return sup.pid;
}

int
sup_argc(void)
{
	return sup.argc;
}

char **
sup_argv(void)
{
	return sup.argv;
}

const char *
sup_self_exe(void)
{
	return sup.self_exe;
}

uint64_t
sup_started_mono(void)
{
	return sup.started_mono;
}

void
sup_set_started(double wall, uint64_t mono)
{
	sup.started_at = wall;
	sup.started_mono = mono;
}

void
sup_install_config(struct gw_config *cfg, struct spawn_ctx *ctx,
    struct gw_config **old_cfg, struct spawn_ctx **old_ctx)
{
	*old_cfg = sup.cfg;
	*old_ctx = sup.ctx;
	sup.cfg = cfg;
	sup.ctx = ctx;
	timing_from(&sup.timing, cfg);
}

void
sup_process(void)
{
	process();
}

void
sup_emit(const char *event, const struct worker *w, const char *reason,
    json_t *detail)
{
	emit(event, w, reason, detail);
}

/* ---- signals and the loop ---------------------------------------------- */

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	unsigned t;

	(void)what;
	(void)arg;
	switch (sig) {
	case SIGCHLD:
		reap();
		break;
	case SIGHUP: {
		char *err = NULL;

		if (sup_reload(NULL, NULL, &err) == -1)
			free(err);
		break;
	}
	case SIGTTIN:
	case SIGTTOU:
		t = plan_scale_step(sup.pool.target, sig == SIGTTIN ? 1 : -1,
		    SUP_MAX_WORKERS);
		if (t != sup.pool.target)
			sup_scale(t, NULL);
		break;
	case SIGTERM:
		sup_stop(1);
		break;
	case SIGINT:
	case SIGQUIT:
		sup_stop(0);
		break;
	case SIGUSR1:
		sup_reopen_logs();
		break;
	case SIGUSR2: {
		const char *code;
		char	   *err = NULL;

		if (sup_upgrade(NULL, NULL, NULL, NULL, &code, &err) == -1)
			free(err); /* logged */
		break;
	}
	case SIGWINCH:
		log_info("SIGWINCH: stopping all workers, the master stays");
		sup_scale(0, NULL);
		break;
	}
}

static void
signals_setup(void)
{
	static const int sigs[] = { SIGCHLD, SIGHUP, SIGTTIN, SIGTTOU, SIGTERM,
		SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	size_t		 i;

	gw_ignore_sigpipe();
	for (i = 0; i < GW_ARRAY_LEN(sigs); i++) {
		sup.sigs[i] = evsignal_new(sup.base, sigs[i], on_signal, NULL);
		evsignal_add(sup.sigs[i], NULL);
	}
	sup.nsigs = GW_ARRAY_LEN(sigs);
}

int
supervisor_run(int argc, char **argv, struct gw_config *cfg,
    struct listeners *ls)
{
	char  *err = NULL, *names;
	int   *fds;
	size_t i;

	memset(&sup, 0, sizeof sup);
	sup.argc = argc;
	sup.argv = argv;
	sup.cfg = cfg;
	sup.ls = ls;
	sup.pid = getpid();
	sup.started_at = gw_wall_time();
	sup.started_mono = gw_now_ms();
	sup.self_exe = gw_self_exe();
	timing_from(&sup.timing, cfg);
	spawn_raise_fd_limit();

	/* Orphans of our workers come to us, and we reap them. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* The process name (comm: ps, top, pgrep) says which instance. */
	{
		char title[16];

		snprintf(title, sizeof title, "gwd %s", cfg->name);
		(void)prctl(PR_SET_NAME, title);
	}

	sup.base = event_base_new();
	if (sup.base == NULL)
		fatal("cannot create the event loop");
	signals_setup();
	worker_io_init(sup.base, errpipe_ready, on_notify_fd);
	sup.timer = evtimer_new(sup.base, timer_fire, NULL);
	sampling_start(sup.base, &sup.pool, sup.pid, process);
	sdnotify_watchdog_start(sup.base);
	if (upgrade_state() != NULL) {
		notify_inherit(upgrade_get_fd(upgrade_state(), "notify_fd"),
		    upgrade_get_fd(upgrade_state(), "notify_ifd"));
		control_inherit(upgrade_get_fd(upgrade_state(), "control_fd"));
		web_inherit(upgrade_get_fd(upgrade_state(), "web_fd"));
	}
	if (notify_open(sup.base, cfg->notify_socket, on_notify, NULL, &err) ==
	    -1) {
		log_error("%s", err);
		free(err);
		return 1;
	}
	fds = xcalloc(ls->n + 1, sizeof *fds);
	for (i = 0; i < ls->n; i++)
		fds[i] = ls->v[i].fd;
	names = listeners_fdnames(ls);
	sup.ctx = spawn_ctx_new(cfg, fds, ls->n, names, sup.self_exe, &err);
	free(fds);
	free(names);
	if (sup.ctx == NULL) {
		log_error("%s", err);
		free(err);
		notify_close();
		return 2;
	}
	if (control_start(sup.base, cfg, &err) == -1) {
		log_error("%s", err);
		free(err);
		spawn_ctx_free(sup.ctx);
		notify_close();
		return 1;
	}
	metrics_start();
	web_route("/metrics", metrics_serve, NULL);
	page_start();
	health_start();
	if (web_start(sup.base, cfg, &err) == -1) {
		log_error("%s", err);
		free(err);
		web_stop();
		metrics_stop();
		control_stop();
		spawn_ctx_free(sup.ctx);
		notify_close();
		return 1;
	}
	if (spawn_ctx_sets_ids(sup.ctx))
		notify_set_shared(1);
	pool_init(&sup.pool, cfg->workers, 1);

	stats_start(sup.base, cfg->stats_db, cfg->stats_retention_ms);
	hooks_start(sup.base, supervisor_config);
	if (upgrade_state() != NULL) {
		if (reexec_adopt(upgrade_state(), &err) == -1) {
			/* Nothing to carry on with: the workers go with us. */
			log_error("upgrade: cannot adopt the state: %s", err);
			free(err);
			stats_stop();
			control_stop();
			web_stop();
			metrics_stop();
			notify_close();
			return 1;
		}
		upgrade_state_free();
		/* Exits that came while the image was replaced. */
		reap();
	} else {
		log_info("gwd %s starting: %u workers of %s, pid %ld",
		    GWD_VERSION, cfg->workers, spawn_ctx_path(sup.ctx),
		    (long)sup.pid);
		emit("master_start", NULL, NULL,
		    json_pack("{s:s, s:i}", "version", GWD_VERSION, "workers",
			(int)cfg->workers));
	}
	sampling_arm();
	process();
	launcher_done(0, NULL); /* serving: gwd -D's launcher may return */
	event_base_dispatch(sup.base);

	drain_end();
	log_info("gwd stopped");
	emit("master_stop", NULL, NULL, NULL);
	hooks_stop();
	stats_stop();
	control_stop();
	web_stop();
	metrics_stop();
	notify_close();
	for (i = 0; i < sup.nsigs; i++)
		event_free(sup.sigs[i]);
	event_free(sup.timer);
	sampling_stop();
	sdnotify_watchdog_stop();
	for (i = 0; i < sup.pool.n; i++)
		worker_io_free(sup.pool.w[i]);
	output_free_all();
	notifyfd_free_all();
	pool_free(&sup.pool);
	actions_free(&sup.acts);
	spawn_ctx_free(sup.ctx);
	reload_free();
	config_free(sup.cfg);
	free(sup.self_exe);
	reexec_free();
	event_base_free(sup.base);
	sup.base = NULL;
	return sup.exit_status;
}
