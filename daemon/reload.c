/*
 * reload.c: a reload as a configuration transaction (prepare, commit,
 * roll back) and its verdict for the clients that wait for it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drain.h"
#include "events.h"
#include "gw/parse.h"
#include "gw/util.h"
#include "instance.h"
#include "listeners.h"
#include "log.h"
#include "notify.h"
#include "output.h"
#include "plan.h"
#include "pool.h"
#include "reload.h"
#include "sampling.h"
#include "sdnotify.h"
#include "spawn.h"
#include "sup_state.h"
#include "supervisor.h"
#include "validate.h"
#include "web.h"
#include "worker_io.h"

struct reload_waiter {
	sup_reload_cb cb;
	void	     *arg;
};

/* A configuration prepared and not yet committed. */
struct reload_txn {
	struct gw_config *cfg;
	struct spawn_ctx *ctx;
};

static struct {
	struct gw_config     *old_cfg; /* during a reload */
	struct spawn_ctx     *old_ctx;
	struct reload_waiter *waiters;
	size_t		      nwaiters;
	json_t		     *last;
} rl;

const json_t *
reload_last(void)
{
	return rl.last;
}

void
reload_set_last(json_t *v)
{
	json_decref(rl.last);
	rl.last = json_incref(v);
}

int
reload_running(void)
{
	return sup_pool()->reload.active;
}

struct spawn_ctx *
reload_old_ctx(void)
{
	return rl.old_ctx;
}

/* How a worker ended, for people: "exited 3", "killed by SIGSEGV". */
static void
reload_exit_how(const struct worker *w, char *buf, size_t len)
{
	if (w->exit_signal != 0)
		snprintf(buf, len, "killed by SIG%s",
		    format_signal(w->exit_signal));
	else if (w->exit_status >= 0)
		snprintf(buf, len, "exited %d", w->exit_status);
	else if (w->exec_errno != 0)
		snprintf(buf, len, "could not %s: %s",
		    spawn_step_name(w->exec_step), strerror(w->exec_errno));
	else
		snprintf(buf, len, "is being killed");
}

/*
 * The evidence of a failed reload: which worker, how it ended and what it
 * said last.  Returns the message (to free) and sets *detail to a new
 * object {id, pid, generation, reason, exit_status, signal, stderr}.
 */
static char *
reload_evidence(const char *why, const struct worker *w, json_t **detail)
{
	char	    how[128], last[256];
	const char *said;

	*detail = NULL;
	if (w == NULL)
		return xstrdup(why);
	reload_exit_how(w, how, sizeof how);
	said = output_cause(worker_io_output(w), last, sizeof last);
	*detail = json_pack("{s:i, s:I, s:i, s:s, s:o, s:o, s:o}", "id", w->id,
	    "pid", (json_int_t)w->pid, "generation", (int)w->generation,
	    "reason",
	    pool_reason_name(w->exit_reason != R_NONE ? w->exit_reason :
							w->stop_reason),
	    "exit_status",
	    w->exit_status >= 0 && w->exit_signal == 0 ?
		json_integer(w->exit_status) :
		json_null(),
	    "signal",
	    w->exit_signal != 0 ? json_string(format_signal(w->exit_signal)) :
				  json_null(),
	    "stderr", output_tail_json(worker_io_output(w)) ?: json_array());
	if (w->pid <= 0)
		return xasprintf("%s: worker %d %s", why, w->id, how);
	return xasprintf("%s: worker %d (pid %ld) %s%s%s", why, w->id,
	    (long)w->pid, how, said ? ": " : "", said ? said : "");
}

/* Roll back: the configuration that works comes back in force; the one
 * that failed is freed. */
static void
reload_rollback(void)
{
	struct gw_config *failed_cfg;
	struct spawn_ctx *failed_ctx;

	sup_install_config(rl.old_cfg, rl.old_ctx, &failed_cfg, &failed_ctx);
	config_free(failed_cfg);
	spawn_ctx_free(failed_ctx);
}

void
reload_finish(int ok, const char *why, const struct worker *w)
{
	const struct pool *p = sup_pool();
	uint64_t	   now = gw_now_ms();
	json_t		  *res, *evidence = NULL;
	char  *error = ok ? NULL : reload_evidence(why, w, &evidence);
	size_t i;

	res = json_pack("{s:i, s:b, s:f, s:i, s:i, s:s?, s:o?}", "generation",
	    ok ? (int)p->generation : (int)p->gen_counter, "ok", ok,
	    "duration_s", (double)(now - p->reload.started_at) / 1000.0,
	    "started", (int)p->reload.started, "retired",
	    (int)p->reload.retired, "error", error, "worker", evidence);
	why = error;
	if (ok) {
		log_info("reload: generation %u ready in %.1fs (%u started, "
			 "%u retired)",
		    p->generation,
		    (double)(now - p->reload.started_at) / 1000.0,
		    p->reload.started, p->reload.retired);
		config_free(rl.old_cfg);
		spawn_ctx_free(rl.old_ctx);
	} else {
		log_error("reload: generation %u failed: %s; generation %u "
			  "keeps serving",
		    p->gen_counter, why, p->generation);
		reload_rollback();
	}
	rl.old_cfg = NULL;
	rl.old_ctx = NULL;
	sdnotify("READY=1\nSTATUS=%s", ok ? "reload done" : "reload failed");
	sup_emit(ok ? "reload_done" : "reload_failed", NULL, NULL,
	    json_deep_copy(res));
	json_decref(rl.last);
	rl.last = json_pack("{s:f, s:O}", "at", gw_wall_time(), "result", res);
	for (i = 0; i < rl.nwaiters; i++)
		rl.waiters[i].cb(json_deep_copy(res), rl.waiters[i].arg);
	free(rl.waiters);
	rl.waiters = NULL;
	rl.nwaiters = 0;
	json_decref(res);
	free(error);
}

/* Call done(arg) when the reload in progress finishes (done may be NULL). */
static void
reload_add_waiter(sup_reload_cb done, void *arg)
{
	if (done == NULL)
		return;
	rl.waiters = xreallocarray(rl.waiters, rl.nwaiters + 1,
	    sizeof *rl.waiters);
	rl.waiters[rl.nwaiters].cb = done;
	rl.waiters[rl.nwaiters++].arg = arg;
}

/* A reload refused before it began (the file does not load or cannot be
 * applied): nothing changed; say so, and keep it as the last reload. */
static void
reload_refused(const char *err)
{
	json_t *res;

	log_error("reload: %s; nothing changed", err);
	sup_emit("config_error", NULL, NULL, json_pack("{s:s}", "error", err));
	res = json_pack("{s:i, s:b, s:f, s:i, s:i, s:s}", "generation",
	    (int)sup_pool()->generation, "ok", 0, "duration_s", 0.0, "started",
	    0, "retired", 0, "error", err);
	json_decref(rl.last);
	rl.last = json_pack("{s:f, s:o}", "at", gw_wall_time(), "result", res);
}

/*
 * Prepare: load and validate the file again, apply its listener changes
 * and build its spawn context.  Everything that can refuse the file comes
 * before the listeners change, so that a refused reload changes nothing.
 * Returns 0 with t filled, or -1 with *err (caller frees), everything
 * undone.
 */
static int
reload_prepare(struct reload_txn *t, char **err)
{
	const struct gw_config *cur = supervisor_config();
	struct listeners       *ls = sup_listeners();
	enum config_action	action;
	char		       *names;
	size_t			i;
	int		       *fds;

	if (config_load(sup_argc(), sup_argv(), &t->cfg, &action, err) == -1)
		return -1;
	if (validate_config(t->cfg, sup_self_exe(), err) == -1 ||
	    web_prepare(t->cfg, err) == -1) {
		config_free(t->cfg);
		return -1;
	}
	if (listeners_update(ls, t->cfg, err) == -1) {
		web_abort();
		config_free(t->cfg);
		return -1;
	}
	fds = xcalloc(ls->n + 1, sizeof *fds);
	for (i = 0; i < ls->n; i++)
		fds[i] = ls->v[i].fd;
	names = listeners_fdnames(ls);
	t->ctx = spawn_ctx_new(t->cfg, fds, ls->n, names, sup_self_exe(), err);
	free(fds);
	free(names);
	if (t->ctx == NULL) {
		char *rerr = NULL;

		/* Rare (out of fds): put the old binds back. */
		web_abort();
		if (listeners_update(ls, cur, &rerr) == -1) {
			log_error("reload: cannot restore the binds: %s", rerr);
			free(rerr);
		}
		listeners_fdstore(ls);
		config_free(t->cfg);
		return -1;
	}
	return 0;
}

/*
 * Commit: the prepared configuration goes into force (the old one is kept
 * for a roll back) and the pool's reload starts.  Returns the new
 * generation.
 */
static unsigned
reload_commit(struct reload_txn *t)
{
	const struct gw_config *cur = supervisor_config();
	struct gw_config       *ncfg = t->cfg;
	struct pool	       *p = sup_pool();
	unsigned		gen;

	web_commit();
	listeners_fdstore(sup_listeners());
	if (ncfg->log_level != cur->log_level ||
	    ncfg->log_format != cur->log_format ||
	    (ncfg->log_file == NULL) != (cur->log_file == NULL) ||
	    (ncfg->log_file && strcmp(ncfg->log_file, cur->log_file)))
		(void)log_open(ncfg->name, ncfg->log_file, ncfg->log_level,
		    ncfg->log_format);
	pool_set_target(p,
	    plan_reload_target(p->target, cur->workers, ncfg->workers));
	sup_install_config(ncfg, t->ctx, &rl.old_cfg, &rl.old_ctx);
	if (spawn_ctx_sets_ids(t->ctx)) {
		instance_dir_share();
		notify_set_shared(1);
	}
	gen = pool_start_reload(p, ncfg->reload_strategy == RELOAD_SURGE,
	    ncfg->reload_batch, gw_now_ms());
	log_info("reload: generation %u started (%s, %u workers)", gen,
	    ncfg->reload_strategy == RELOAD_SURGE ? "surge" : "rolling",
	    p->target);
	/* MONOTONIC_USEC: systemd 253's Type=notify-reload wants it. */
	sdnotify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading to "
		 "generation %u",
	    (unsigned long long)gw_now_ms() * 1000, gen);
	sup_emit("reload_start", NULL, NULL,
	    json_pack("{s:s, s:i}", "strategy",
		ncfg->reload_strategy == RELOAD_SURGE ? "surge" : "rolling",
		"target", (int)p->target));
	return gen;
}

int
sup_reload(sup_reload_cb done, void *arg, char **err)
{
	struct reload_txn  t;
	const struct pool *p = sup_pool();
	unsigned	   gen;

	if (p->mode != PM_RUNNING) {
		*err = xstrdup("gwd is shutting down");
		return -1;
	}
	/* New workers would start only to be stopped: refuse (drain.h). */
	if (drain_active()) {
		char d[32];

		format_duration(d, sizeof d, drain_left_ms());
		*err = xasprintf("gwd is draining: it stops in %s", d);
		log_warn("reload refused: %s", *err);
		return -1;
	}
	if (p->reload.active) {
		/* One at a time: join the one in progress. */
		reload_add_waiter(done, arg);
		return (int)p->generation;
	}
	memset(&t, 0, sizeof t);
	if (reload_prepare(&t, err) == -1) {
		reload_refused(*err);
		return -1;
	}
	gen = reload_commit(&t);
	reload_add_waiter(done, arg);
	sampling_arm();
	sup_process();
	return (int)gen;
}

void
sup_reload_cancel(sup_reload_cb done, void *arg)
{
	size_t i, j = 0;

	for (i = 0; i < rl.nwaiters; i++)
		if (rl.waiters[i].cb != done || rl.waiters[i].arg != arg)
			rl.waiters[j++] = rl.waiters[i];
	rl.nwaiters = j;
}

void
reload_free(void)
{
	spawn_ctx_free(rl.old_ctx);
	config_free(rl.old_cfg);
	rl.old_ctx = NULL;
	rl.old_cfg = NULL;
	json_decref(rl.last);
	rl.last = NULL;
	free(rl.waiters);
	rl.waiters = NULL;
	rl.nwaiters = 0;
}
