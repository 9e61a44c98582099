/*
 * reexec.c: the in-place upgrade's orchestration (SPEC section 3, USR2):
 * refuse what cannot work now, check the candidate binary, write the
 * state, exec, and in the new image adopt it all.  upgrade.c keeps the
 * serialization (the state document and its fds).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "drain.h"
#include "gw/protocol.h"
#include "gw/util.h"
#include "hooks.h"
#include "instance.h"
#include "listeners.h"
#include "log.h"
#include "notify.h"
#include "output.h"
#include "pool.h"
#include "reexec.h"
#include "reload.h"
#include "sampling.h"
#include "sdnotify.h"
#include "stats.h"
#include "sup_state.h"
#include "supervisor.h"
#include "upgrade.h"
#include "web.h"
#include "worker_io.h"

static struct {
	/* The upgrade running now, if any. */
	struct {
		int		   running; /* checking the binary */
		char		  *binary;
		struct ctl_client *client; /* waiting for the answer */
		sup_upgrade_cb	   failed;
		void		  *arg;
	} up;
	double	upgraded_at; /* unix time, 0 = never */
	/* The last upgrade asked for: {at, ok, binary, from, to, error}. */
	json_t *last;
} rx;

const json_t *
reexec_last(void)
{
	return rx.last;
}

double
reexec_upgraded_at(void)
{
	return rx.upgraded_at;
}

void
reexec_free(void)
{
	json_decref(rx.last);
	rx.last = NULL;
	free(rx.up.binary);
	memset(&rx.up, 0, sizeof rx.up);
}

/*
 * SPEC section 3 (USR2): check the candidate binary, write the state into
 * a memfd, keep the fds that must survive, exec; the new image adopts it
 * all in reexec_adopt().  The workers stay our children (exec keeps the
 * pid, and they were forked by this, the main, thread, so their
 * PDEATHSIG does not fire).
 */

static void reexec_fail(const char *code, const char *fmt, ...) GW_PRINTF(2, 3);

/*
 * Remember an upgrade that did not happen (status.last_upgrade) and
 * record it as an `upgrade` event with ok false: a refused SIGUSR2 has no
 * client to tell, and a package's postinst does not read the log.
 */
static void
reexec_record_failure(const char *binary, const char *error)
{
	json_decref(rx.last);
	rx.last = json_pack("{s:f, s:b, s:s?, s:s, s:s}", "at", gw_wall_time(),
	    "ok", 0, "binary", binary, "from", GWD_VERSION, "error", error);
	sup_emit("upgrade", NULL, NULL,
	    json_pack("{s:b, s:s?, s:s, s:s}", "ok", 0, "binary", binary,
		"from", GWD_VERSION, "error", error));
}

/* The upgrade ends here, in the old image: say why, answer the client. */
static void
reexec_fail(const char *code, const char *fmt, ...)
{
	va_list ap;
	char	msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_error("upgrade failed: %s; gwd %s (pid %ld) carries on", msg,
	    GWD_VERSION, (long)sup_pid());
	sdnotify("STATUS=upgrade failed");
	reexec_record_failure(rx.up.binary, msg);
	if (rx.up.failed != NULL)
		rx.up.failed(code, msg, rx.up.arg);
	free(rx.up.binary);
	memset(&rx.up, 0, sizeof rx.up);
}

/* The state document: what the new image needs to carry on (new ref). */
static json_t *
reexec_state_json(uint64_t dropped, uint64_t written)
{
	json_t *st = json_object(), *pool, *ls = json_array(), *v;
	size_t	i;

	json_object_set_new(st, "format", json_integer(UPGRADE_FORMAT));
	json_object_set_new(st, "from_version", json_string(GWD_VERSION));
	json_object_set_new(st, "binary", json_string(rx.up.binary));
	json_object_set_new(st, "upgraded_at", json_real(gw_wall_time()));
	json_object_set_new(st, "started_at",
	    json_real(supervisor_started_at()));
	json_object_set_new(st, "started_mono",
	    json_integer((json_int_t)sup_started_mono()));
	json_object_set_new(st, "last_reload",
	    reload_last() ? json_incref((json_t *)reload_last()) : json_null());
	json_object_set_new(st, "config", config_to_json(supervisor_config()));
	pool = upgrade_pool_to_json(sup_pool());
	json_array_foreach(json_object_get(pool, "workers"), i, v)
	{
		const struct worker *w = sup_pool()->w[i];
		json_t		    *tail;

		tail = output_tail_json(worker_io_output(w));
		json_object_set_new(v, "io",
		    json_pack("{s:i, s:i, s:i}", "err", worker_io_errfd(w),
			"out", output_fd(worker_io_output(w)), "notify",
			notifyfd_fd(worker_io_notifyfd(w))));
		if (tail != NULL)
			json_object_set_new(v, "tail", tail);
	}
	json_object_set_new(st, "pool", pool);
	for (i = 0; i < sup_listeners()->n; i++) {
		const struct listener *l = &sup_listeners()->v[i];

		json_array_append_new(ls,
		    json_pack("{s:s?, s:s, s:i, s:i, "
			      "s:I, s:I, s:s?}",
			"name", l->name, "addr", l->addr, "fd", l->fd, "flags",
			(int)l->flags, "dev", (json_int_t)l->dev, "ino",
			(json_int_t)l->ino, "fdstore", l->stored));
	}
	json_object_set_new(st, "listeners", ls);
	json_object_set_new(st, "control_fd", json_integer(control_fd()));
	json_object_set_new(st, "notify_fd", json_integer(notify_fd()));
	json_object_set_new(st, "notify_ifd",
	    json_integer(notify_inotify_fd()));
	json_object_set_new(st, "web_fd", json_integer(web_fd()));
	json_object_set_new(st, "lock",
	    json_pack("{s:s?, s:i}", "path", instance_lock_path(), "fd",
		instance_lock_fd()));
	json_object_set_new(st, "client",
	    rx.up.client == NULL ?
		json_null() :
		json_pack("{s:i, s:O?}", "fd", control_client_fd(rx.up.client),
		    "id", control_client_id(rx.up.client)));
	json_object_set_new(st, "stats",
	    json_pack("{s:I, s:I}", "dropped", (json_int_t)dropped, "written",
		(json_int_t)written));
	return st;
}

/* The binary answered: stop the stats writer, hand over, exec. */
static void
reexec_exec(const char *version)
{
	sigset_t all, old;
	uint64_t dropped, written;
	json_t	*st;
	char	*err = NULL, buf[16];
	int	 fd, e;

	log_info("upgrade: exec %s (gwd %s), %zu workers to adopt",
	    rx.up.binary, version, sup_pool()->n);
	sdnotify("STATUS=upgrading to gwd %s", version);
	/* Its queue is flushed (bounded wait) so the new image starts with
	 * nothing in flight; its counters carry on. */
	stats_counters(&dropped, &written);
	stats_stop();
	/* No thread may run across exec: the scan in flight ends first;
	 * if exec fails, the loop takes its result as usual. */
	sampling_quiesce();
	st = reexec_state_json(dropped, written);
	if ((fd = upgrade_state_write(st, &err)) == -1) {
		json_decref(st);
		stats_start(supervisor_base(), supervisor_config()->stats_db,
		    supervisor_config()->stats_retention_ms);
		stats_add_counters(dropped, written);
		reexec_fail(GW_ERR_INTERNAL, "%s", err);
		free(err);
		return;
	}
	upgrade_state_keep_fds(st, 1);
	snprintf(buf, sizeof buf, "%d", fd);
	setenv(UPGRADE_ENV, buf, 1);
	sdnotify_export_env(1);
	/* Signals wait, blocked and pending, for the new image's handlers:
	 * between exec and its event loop a TERM must not kill the master. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	execv(rx.up.binary, sup_argv());
	e = errno;
	/* Still here: undo it all and carry on. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	sdnotify_export_env(0);
	unsetenv(UPGRADE_ENV);
	upgrade_state_keep_fds(st, 0);
	close(fd);
	json_decref(st);
	stats_start(supervisor_base(), supervisor_config()->stats_db,
	    supervisor_config()->stats_retention_ms);
	stats_add_counters(dropped, written);
	reexec_fail(GW_ERR_INVALID_ARGUMENT, "cannot exec %s: %s", rx.up.binary,
	    strerror(e));
}

/*
 * Why an upgrade cannot go ahead now (a conflict), or NULL: asked when it
 * is requested and again once its binary is checked.  Neither a drain's
 * timer nor a hook's pipe, time limit and exit status would cross the
 * exec.  buf holds a message that needs formatting.
 */
static const char *
reexec_conflict(char *buf, size_t len)
{
	size_t n = hooks_running();

	if (sup_pool()->mode != PM_RUNNING)
		return "gwd is shutting down";
	if (drain_active())
		return "gwd is draining: it is shutting down";
	if (n > 0) {
		snprintf(buf, len, "%zu hook%s running; upgrade once %s", n,
		    n == 1 ? " is" : "s are", n == 1 ? "it ends" : "they end");
		return buf;
	}
	if (sup_pool()->reload.active)
		return "a reload is running; upgrade once it is done";
	return NULL;
}

static void
reexec_checked(int ok, const char *version, const char *why, void *arg)
{
	char busy[128];

	(void)arg;
	if (!ok) {
		reexec_fail(GW_ERR_INVALID_ARGUMENT, "%s: %s", rx.up.binary,
		    why);
		return;
	}
	/* What changed while it was checked. */
	if ((why = reexec_conflict(busy, sizeof busy)) != NULL) {
		reexec_fail(GW_ERR_CONFLICT, "%s", why);
		return;
	}
	reexec_exec(version);
}

static int reexec_start(const char *, struct ctl_client *, sup_upgrade_cb,
    void *, const char **, char **);

int
sup_upgrade(const char *binary, struct ctl_client *client,
    sup_upgrade_cb failed, void *arg, const char **code, char **err)
{
	if (reexec_start(binary, client, failed, arg, code, err) == -1) {
		log_error("upgrade refused: %s", *err);
		reexec_record_failure(binary != NULL ? binary : upgrade_self(),
		    *err);
		return -1;
	}
	return 0;
}

/* sup_upgrade: refuse what cannot work now, else start the check. */
static int
reexec_start(const char *binary, struct ctl_client *client,
    sup_upgrade_cb failed, void *arg, const char **code, char **err)
{
	struct gw_config  *ncfg;
	enum config_action action;
	struct stat	   sb;
	json_t		  *a, *b;
	const char	  *why;
	char		   busy[128];
	int		   same;

	*code = GW_ERR_CONFLICT;
	if ((why = reexec_conflict(busy, sizeof busy)) != NULL) {
		*err = xstrdup(why);
		return -1;
	}
	if (rx.up.running) {
		*err = xstrdup("an upgrade is already running");
		return -1;
	}
	*code = GW_ERR_INVALID_ARGUMENT;
	if (binary == NULL && (binary = upgrade_self()) == NULL) {
		*err = xstrdup("the path gwd was started as is unknown; "
			       "give the binary");
		return -1;
	}
	if (binary[0] != '/') {
		*err = xasprintf("%s: the binary must be an absolute path",
		    binary);
		return -1;
	}
	if (stat(binary, &sb) == -1 || access(binary, X_OK) == -1) {
		*err = xasprintf("%s: %s", binary, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		*err = xasprintf("%s: not a regular file", binary);
		return -1;
	}
	/*
	 * The new image reads the same command line and file again.  The
	 * workers run the configuration of their generation: if the file
	 * says something else now, the new image would not be the master
	 * they were started by.  Refuse rather than guess.
	 */
	*code = GW_ERR_CONFLICT;
	if (config_load(sup_argc(), sup_argv(), &ncfg, &action, err) == -1) {
		char *e = *err;

		*err = xasprintf("the configuration cannot be read again "
				 "(%s); fix it first",
		    e);
		free(e);
		return -1;
	}
	a = config_to_json(ncfg);
	b = config_to_json(supervisor_config());
	same = json_equal(a, b);
	json_decref(a);
	json_decref(b);
	config_free(ncfg);
	if (!same) {
		*err = xasprintf(
		    "the configuration file changed since "
		    "generation %u started; reload first (or put it back)",
		    sup_pool()->generation);
		return -1;
	}
	rx.up.binary = xstrdup(binary);
	if (upgrade_check_start(supervisor_base(), binary, sup_argc(),
		sup_argv(), reexec_checked, NULL, err) == -1) {
		*code = GW_ERR_INTERNAL;
		free(rx.up.binary);
		rx.up.binary = NULL;
		return -1;
	}
	rx.up.running = 1;
	rx.up.client = client;
	rx.up.failed = failed;
	rx.up.arg = arg;
	log_info("upgrade: checking %s", binary);
	return 0;
}

void
sup_upgrade_cancel(void *arg)
{
	if (rx.up.running && rx.up.arg == arg) {
		rx.up.client = NULL;
		rx.up.failed = NULL;
		rx.up.arg = NULL;
	}
}

/* The new image: take over the workers' pipes from the state. */
static void
reexec_adopt_io(struct worker *w, const json_t *jw)
{
	const json_t *io = json_object_get(jw, "io");

	worker_io_adopt(w, upgrade_get_fd(io, "err"), upgrade_get_fd(io, "out"),
	    upgrade_get_fd(io, "notify"), supervisor_config()->capture_output,
	    json_object_get(jw, "tail"));
}

/*
 * The new image, once its loop exists: the pool, the times, the stats
 * counters, and the answer to the client that asked.  Returns 0, or -1
 * with *err (then the master cannot carry on).
 */
int
reexec_adopt(json_t *st, char **err)
{
	json_t	   *jp = json_object_get(st, "pool"), *jw, *c, *res;
	json_t	   *cfgj;
	const char *from = json_string_value(json_object_get(st,
	    "from_version"));
	sigset_t    none;
	size_t	    i;

	if (upgrade_pool_from_json(jp, sup_pool(), err) == -1)
		return -1;
	json_array_foreach(json_object_get(jp, "workers"), i, jw)
	    reexec_adopt_io(sup_pool()->w[i], jw);
	sup_set_started(json_number_value(json_object_get(st, "started_at")),
	    (uint64_t)json_integer_value(json_object_get(st, "started_mono")));
	/* Upgraded once the workers are adopted, which is now. */
	rx.upgraded_at = gw_wall_time();
	c = json_object_get(st, "last_reload");
	if (json_is_object(c))
		reload_set_last(c);
	cfgj = config_to_json(supervisor_config());
	if (!json_equal(cfgj, json_object_get(st, "config")))
		log_warn("upgrade: the configuration read now differs from "
			 "the one generation %u runs; reload to apply it",
		    sup_pool()->generation);
	json_decref(cfgj);
	c = json_object_get(st, "stats");
	stats_add_counters((uint64_t)json_integer_value(json_object_get(c,
			       "dropped")),
	    (uint64_t)json_integer_value(json_object_get(c, "written")));
	log_info("gwd %s: upgraded in place from gwd %s, pid %ld, %zu "
		 "workers adopted",
	    GWD_VERSION, from ? from : "?", (long)sup_pid(), sup_pool()->n);
	sdnotify("STATUS=upgraded to gwd %s", GWD_VERSION);
	rx.last = json_pack("{s:f, s:b, s:s?, s:s?, s:s, s:n}", "at",
	    rx.upgraded_at, "ok", 1, "binary",
	    json_string_value(json_object_get(st, "binary")), "from", from,
	    "to", GWD_VERSION, "error");
	sup_emit("upgrade", NULL, NULL,
	    json_pack("{s:b, s:s?, s:s, s:s?, s:i}", "ok", 1, "from", from,
		"to", GWD_VERSION, "binary",
		json_string_value(json_object_get(st, "binary")), "workers",
		(int)sup_pool()->n));
	c = json_object_get(st, "client");
	if (json_is_object(c)) {
		res = json_pack("{s:s, s:s?, s:I, s:f, s:i}", "version",
		    GWD_VERSION, "previous_version", from, "pid",
		    (json_int_t)sup_pid(), "upgraded_at", rx.upgraded_at,
		    "workers", (int)sup_pool()->n);
		control_answer_fd(upgrade_get_fd(c, "fd"),
		    json_object_get(c, "id"), res, NULL, NULL);
	}
	/* The signals the old image blocked: ours to handle now. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	return 0;
}
