/*
 * upgrade.c: the state document of an in-place upgrade (the pool as JSON,
 * the memfd that carries it across exec) and the check of the candidate
 * binary before the master execs it.  See upgrade.h.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gw/parse.h"
#include "gw/util.h"
#include "upgrade.h"

/* The most of a state document read back (bytes): 4096 workers with
 * their output tails fit many times over. */
#define UPGRADE_STATE_MAX (64u << 20)

static json_t *state;

/* ---- the pool, both ways ------------------------------------------------ */

#define PUT_U(o, s, f) \
	json_object_set_new(o, #f, json_integer((json_int_t)(s)->f))

static json_t *
worker_to_json(const struct worker *w)
{
	json_t *o = json_object();
	char	st[2] = { w->kill_state, '\0' };

	PUT_U(o, w, id);
	PUT_U(o, w, pid);
	PUT_U(o, w, generation);
	json_object_set_new(o, "state", json_string(pool_state_name(w->state)));
	PUT_U(o, w, spawned_at);
	PUT_U(o, w, state_since);
	PUT_U(o, w, ready_at);
	PUT_U(o, w, was_ready);
	PUT_U(o, w, proving);
	PUT_U(o, w, proving_since);
	PUT_U(o, w, deadline);
	PUT_U(o, w, last_heartbeat);
	json_object_set_new(o, "retire",
	    json_string(pool_reason_name(w->retire)));
	json_object_set_new(o, "stop_reason",
	    json_string(pool_reason_name(w->stop_reason)));
	PUT_U(o, w, stop_signal);
	PUT_U(o, w, self_stopping);
	PUT_U(o, w, killed);
	PUT_U(o, w, failure_told);
	PUT_U(o, w, requests);
	PUT_U(o, w, reports_requests);
	PUT_U(o, w, request_limit);
	PUT_U(o, w, rss_kb);
	json_object_set_new(o, "cpu_s", json_real(w->cpu_s));
	PUT_U(o, w, sampled_at);
	PUT_U(o, w, restarts);
	json_object_set_new(o, "status", json_string(w->status));
	PUT_U(o, w, exec_errno);
	PUT_U(o, w, exec_step);
	PUT_U(o, w, exit_status);
	PUT_U(o, w, exit_signal);
	json_object_set_new(o, "exit_reason",
	    json_string(pool_reason_name(w->exit_reason)));
	json_object_set_new(o, "kill_wchan", json_string(w->kill_wchan));
	json_object_set_new(o, "kill_state", json_string(st));
	PUT_U(o, w, dump_sig);
	PUT_U(o, w, dumping);
	PUT_U(o, w, dumped);
	json_object_set_new(o, "dump_why",
	    w->dump_why != NULL ? json_string(w->dump_why) : json_null());
	return o;
}

json_t *
upgrade_pool_to_json(const struct pool *p)
{
	json_t *o = json_object(), *ws = json_array();
	json_t *slots = json_array(), *r;
	size_t	i;

	for (i = 0; i < p->n; i++)
		json_array_append_new(ws, worker_to_json(p->w[i]));
	for (i = 0; i < p->nslots; i++)
		json_array_append_new(slots,
		    json_integer((json_int_t)p->slot_restarts[i]));
	json_object_set_new(o, "workers", ws);
	json_object_set_new(o, "slot_restarts", slots);
	PUT_U(o, p, target);
	PUT_U(o, p, generation);
	PUT_U(o, p, gen_counter);
	json_object_set_new(o, "mode",
	    json_string(p->mode == PM_RUNNING ? "running" : "stopping"));
	PUT_U(o, p, quick);
	PUT_U(o, p, failures);
	PUT_U(o, p, last_failure_at);
	PUT_U(o, p, backoff_until);
	PUT_U(o, p, reached_target);
	PUT_U(o, p, spawns_left);
	PUT_U(o, p, spawns_total);
	r = json_object();
	PUT_U(r, &p->reload, active);
	PUT_U(r, &p->reload, surge);
	PUT_U(r, &p->reload, batch);
	PUT_U(r, &p->reload, old_generation);
	PUT_U(r, &p->reload, started_at);
	PUT_U(r, &p->reload, started);
	PUT_U(r, &p->reload, retired);
	json_object_set_new(o, "reload", r);
	return o;
}

/* Reading: the first missing or mistyped field wins the error. */
struct rd {
	const char *what;
	char	   *err;
};

static json_int_t
get_int(struct rd *rd, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v)) {
		if (rd->err == NULL)
			rd->err = xasprintf("%s: %s: not an integer", rd->what,
			    key);
		return 0;
	}
	return json_integer_value(v);
}

static const char *
get_str(struct rd *rd, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		if (rd->err == NULL)
			rd->err = xasprintf("%s: %s: not a string", rd->what,
			    key);
		return "";
	}
	return json_string_value(v);
}

static enum reason
get_reason(struct rd *rd, const json_t *o, const char *key)
{
	const char *s = get_str(rd, o, key);
	int	    r;

	for (r = R_NONE; r <= R_SHUTDOWN; r++)
		if (strcmp(pool_reason_name((enum reason)r), s) == 0)
			return (enum reason)r;
	if (rd->err == NULL)
		rd->err = xasprintf("%s: %s: unknown reason '%s'", rd->what,
		    key, s);
	return R_NONE;
}

/* The planner's texts for a held-back kill (plan.c kill_hung): dump_why
 * points at a static string, so the new image points at its own copy. */
static const char *
get_dump_why(const json_t *o)
{
	static const char *known[] = { "did not stop in time", "boot timeout",
		"heartbeat timeout", "graceful timeout" };
	const char *s = json_string_value(json_object_get(o, "dump_why"));
	size_t	    i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return "hung";
}

#define GET_U(rd, o, s, f) ((s)->f = (__typeof__((s)->f))get_int(rd, o, #f))

static void
worker_from_json(struct rd *rd, const json_t *o, struct worker *w)
{
	const char *s;
	int	    st;

	GET_U(rd, o, w, id);
	GET_U(rd, o, w, pid);
	GET_U(rd, o, w, generation);
	s = get_str(rd, o, "state");
	for (st = WS_SPAWNING; st <= WS_EXITED; st++)
		if (strcmp(pool_state_name((enum wstate)st), s) == 0)
			break;
	if (st > WS_EXITED && rd->err == NULL)
		rd->err = xasprintf("%s: state: unknown state '%s'", rd->what,
		    s);
	w->state = st > WS_EXITED ? WS_EXITED : (enum wstate)st;
	GET_U(rd, o, w, spawned_at);
	GET_U(rd, o, w, state_since);
	GET_U(rd, o, w, ready_at);
	GET_U(rd, o, w, was_ready);
	GET_U(rd, o, w, proving);
	GET_U(rd, o, w, proving_since);
	GET_U(rd, o, w, deadline);
	GET_U(rd, o, w, last_heartbeat);
	w->retire = get_reason(rd, o, "retire");
	w->stop_reason = get_reason(rd, o, "stop_reason");
	GET_U(rd, o, w, stop_signal);
	GET_U(rd, o, w, self_stopping);
	GET_U(rd, o, w, killed);
	GET_U(rd, o, w, failure_told);
	GET_U(rd, o, w, requests);
	GET_U(rd, o, w, reports_requests);
	GET_U(rd, o, w, request_limit);
	GET_U(rd, o, w, rss_kb);
	w->cpu_s = json_number_value(json_object_get(o, "cpu_s"));
	GET_U(rd, o, w, sampled_at);
	GET_U(rd, o, w, restarts);
	gw_strlcpy(w->status, get_str(rd, o, "status"), sizeof w->status);
	GET_U(rd, o, w, exec_errno);
	GET_U(rd, o, w, exec_step);
	GET_U(rd, o, w, exit_status);
	GET_U(rd, o, w, exit_signal);
	w->exit_reason = get_reason(rd, o, "exit_reason");
	gw_strlcpy(w->kill_wchan, get_str(rd, o, "kill_wchan"),
	    sizeof w->kill_wchan);
	w->kill_state = get_str(rd, o, "kill_state")[0];
	GET_U(rd, o, w, dump_sig);
	GET_U(rd, o, w, dumping);
	GET_U(rd, o, w, dumped);
	w->dump_why = get_dump_why(o);
	w->io = NULL;
	if (rd->err == NULL && (w->id < 1 || w->pid < 0))
		rd->err = xasprintf("%s: bad slot %d or pid %ld", rd->what,
		    w->id, (long)w->pid);
}

int
upgrade_pool_from_json(const json_t *o, struct pool *p, char **err)
{
	struct rd   rd = { "pool", NULL };
	json_t	   *ws = json_object_get(o, "workers");
	json_t	   *slots = json_object_get(o, "slot_restarts");
	json_t	   *r = json_object_get(o, "reload"), *v;
	const char *mode;
	char	    what[48];
	size_t	    i;

	pool_free(p);
	if (!json_is_array(ws) || !json_is_array(slots) || !json_is_object(r)) {
		*err = xstrdup("pool: workers, slot_restarts or reload "
			       "missing");
		return -1;
	}
	GET_U(&rd, o, p, target);
	GET_U(&rd, o, p, generation);
	GET_U(&rd, o, p, gen_counter);
	mode = get_str(&rd, o, "mode");
	p->mode = strcmp(mode, "stopping") == 0 ? PM_STOPPING : PM_RUNNING;
	GET_U(&rd, o, p, quick);
	GET_U(&rd, o, p, failures);
	GET_U(&rd, o, p, last_failure_at);
	GET_U(&rd, o, p, backoff_until);
	GET_U(&rd, o, p, reached_target);
	GET_U(&rd, o, p, spawns_left);
	GET_U(&rd, o, p, spawns_total);
	rd.what = "pool: reload";
	GET_U(&rd, r, &p->reload, active);
	GET_U(&rd, r, &p->reload, surge);
	GET_U(&rd, r, &p->reload, batch);
	GET_U(&rd, r, &p->reload, old_generation);
	GET_U(&rd, r, &p->reload, started_at);
	GET_U(&rd, r, &p->reload, started);
	GET_U(&rd, r, &p->reload, retired);
	p->nslots = json_array_size(slots);
	p->slot_restarts = p->nslots ?
	    xcalloc(p->nslots, sizeof *p->slot_restarts) :
	    NULL;
	json_array_foreach(slots, i, v)
	    p->slot_restarts[i] = (unsigned)json_integer_value(v);
	p->n = json_array_size(ws);
	p->w = p->n ? xcalloc(p->n, sizeof *p->w) : NULL;
	json_array_foreach(ws, i, v)
	{
		p->w[i] = xcalloc(1, sizeof *p->w[i]);
		snprintf(what, sizeof what, "pool: worker %zu", i);
		rd.what = what;
		worker_from_json(&rd, v, p->w[i]);
		if (rd.err == NULL && (size_t)p->w[i]->id >= p->nslots)
			rd.err = xasprintf("%s: slot %d has no restart count",
			    what, p->w[i]->id);
	}
	if (rd.err != NULL) {
		pool_free(p);
		*err = rd.err;
		return -1;
	}
	return 0;
}

/* ---- the binary --------------------------------------------------------- */

static char *self;

void
upgrade_set_self(const char *argv0)
{
	char	    cwd[4096];
	const char *path, *p, *end;

	free(self);
	self = NULL;
	if (argv0 == NULL || *argv0 == '\0')
		return;
	if (argv0[0] == '/') {
		self = xstrdup(argv0);
		return;
	}
	if (strchr(argv0, '/') != NULL) {
		if (getcwd(cwd, sizeof cwd) != NULL)
			self = xasprintf("%s/%s", cwd, argv0);
		return;
	}
	/* Found through PATH, as the shell did. */
	if ((path = getenv("PATH")) == NULL)
		return;
	for (p = path;; p = end + 1) {
		char *cand;

		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		cand = xasprintf("%.*s/%s", (int)(end - p), p, argv0);
		if (cand[0] == '/' && access(cand, X_OK) == 0) {
			self = cand;
			return;
		}
		free(cand);
		if (*end == '\0')
			return;
	}
}

const char *
upgrade_self(void)
{
	return self;
}

/* ---- the memfd ---------------------------------------------------------- */

int
upgrade_state_write(const json_t *doc, char **err)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	int   fd;

	if (s == NULL) {
		*err = xstrdup("cannot encode the state");
		return -1;
	}
	/* No MFD_CLOEXEC: this one fd is for the new image. */
	fd = memfd_create("gwd-upgrade", 0);
	if (fd == -1 || gw_write_all(fd, s, strlen(s)) == -1 ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		*err = xasprintf("cannot write the state to a memfd: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		free(s);
		return -1;
	}
	free(s);
	return fd;
}

int
upgrade_take_env(char **err)
{
	const char  *v = getenv(UPGRADE_ENV);
	json_error_t je;
	char	    *buf = NULL, *end;
	size_t	     len = 0, cap = 0;
	ssize_t	     n;
	long	     fd;

	if (v == NULL)
		return 0;
	errno = 0;
	fd = strtol(v, &end, 10);
	unsetenv(UPGRADE_ENV);
	if (*v == '\0' || *end != '\0' || errno != 0 || fd < 0 || fd > 65535) {
		*err = xasprintf("%s: not an fd", UPGRADE_ENV);
		return -1;
	}
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap);
		}
		n = read((int)fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > UPGRADE_STATE_MAX)
			break;
	}
	close((int)fd);
	if (n == -1 || len > UPGRADE_STATE_MAX) {
		*err = xasprintf("cannot read the upgrade state (fd %ld): %s",
		    fd, n == -1 ? strerror(errno) : "too large");
		free(buf);
		return -1;
	}
	state = json_loadb(buf, len, 0, &je);
	free(buf);
	if (state == NULL) {
		*err = xasprintf("upgrade state: %s", je.text);
		return -1;
	}
	if (json_integer_value(json_object_get(state, "format")) !=
	    UPGRADE_FORMAT) {
		*err = xasprintf("upgrade state: format %lld, this gwd reads "
				 "%d",
		    (long long)json_integer_value(json_object_get(state,
			"format")),
		    UPGRADE_FORMAT);
		upgrade_state_free();
		return -1;
	}
	return 1;
}

json_t *
upgrade_state(void)
{
	return state;
}

void
upgrade_state_free(void)
{
	json_decref(state);
	state = NULL;
}

int
upgrade_fd_keep(int fd, int keep)
{
	if (fd < 0)
		return -1;
	return gw_set_cloexec(fd, !keep);
}

void
upgrade_state_keep_fds(const json_t *st, int keep)
{
	json_t *v, *io;
	size_t	i;

	json_array_foreach(json_object_get(st, "listeners"), i, v)(void)
	    upgrade_fd_keep(upgrade_get_fd(v, "fd"), keep);
	json_array_foreach(json_object_get(json_object_get(st, "pool"),
			       "workers"),
	    i, v)
	{
		io = json_object_get(v, "io");
		(void)upgrade_fd_keep(upgrade_get_fd(io, "err"), keep);
		(void)upgrade_fd_keep(upgrade_get_fd(io, "out"), keep);
		(void)upgrade_fd_keep(upgrade_get_fd(io, "notify"), keep);
	}
	(void)upgrade_fd_keep(upgrade_get_fd(st, "control_fd"), keep);
	(void)upgrade_fd_keep(upgrade_get_fd(st, "notify_fd"), keep);
	(void)upgrade_fd_keep(upgrade_get_fd(st, "notify_ifd"), keep);
	(void)upgrade_fd_keep(upgrade_get_fd(st, "web_fd"), keep);
	(void)upgrade_fd_keep(upgrade_get_fd(json_object_get(st, "lock"), "fd"),
	    keep);
	(void)upgrade_fd_keep(upgrade_get_fd(json_object_get(st, "client"),
				  "fd"),
	    keep);
}

int
upgrade_get_fd(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

/* ---- the candidate binary ----------------------------------------------- */

static struct {
	pid_t		 pid; /* 0: none */
	int		 fd;
	struct event	*ev, *timer;
	char		 out[1024];
	size_t		 len;
	int		 eof, reaped, status, answered;
	upgrade_check_cb done;
	void		*arg;
} chk = { .fd = -1 };

static void
check_close(void)
{
	if (chk.ev != NULL)
		event_free(chk.ev);
	chk.ev = NULL;
	if (chk.fd != -1)
		close(chk.fd);
	chk.fd = -1;
}

/* Tell the caller once; the record stays until the child is reaped. */
static void
check_answer(int ok, const char *version, const char *why)
{
	upgrade_check_cb done = chk.done;

	if (chk.answered)
		return;
	chk.answered = 1;
	check_close();
	if (chk.timer != NULL)
		event_free(chk.timer);
	chk.timer = NULL;
	done(ok, version, why, chk.arg);
}

/* The check's error message, into buf ("" if none): its first line
 * "gwd: MESSAGE" (what a gwd prints when it refuses), else its last line
 * that is not a version line. */
static void
check_message(char *buf, size_t len)
{
	char *line, *save = NULL;
	char  copy[sizeof chk.out];

	buf[0] = '\0';
	memcpy(copy, chk.out, chk.len + 1);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "gwd: ", 5) == 0) {
			snprintf(buf, len, "%s", line + 5);
			return;
		}
		if ((strncmp(line, "gwd ", 4) == 0 &&
			strchr(line, ':') == NULL) ||
		    strncmp(line, "upgrade-format ", 15) == 0)
			continue; /* the version lines */
		snprintf(buf, len, "%s", line);
	}
}

/* The output is complete and the child gone: judge. */
static void
check_judge(void)
{
	char why[400], last[240], *v, *nl, *fmt;
	long format;
	int  is_gwd;

	chk.out[chk.len] = '\0';
	check_message(last, sizeof last);
	is_gwd = strncmp(chk.out, "gwd ", 4) == 0 && chk.len >= 5;
	if (WIFSIGNALED(chk.status)) {
		snprintf(why, sizeof why, "its check was killed by SIG%s",
		    format_signal(WTERMSIG(chk.status)));
		check_answer(0, NULL, why);
		return;
	}
	if (WEXITSTATUS(chk.status) == 127 && chk.len == 0) {
		check_answer(0, NULL, "cannot execute it");
		return;
	}
	if (WEXITSTATUS(chk.status) == 2 && is_gwd) {
		/* What the new image would refuse at its start. */
		snprintf(why, sizeof why, "it refuses the configuration: %s",
		    last[0] != '\0' ? last : "(no message)");
		check_answer(0, NULL, why);
		return;
	}
	if (WEXITSTATUS(chk.status) != 0) {
		snprintf(why, sizeof why, "its check exited %d%s%s",
		    WEXITSTATUS(chk.status), last[0] != '\0' ? ": " : "", last);
		check_answer(0, NULL, why);
		return;
	}
	if (!is_gwd) {
		check_answer(0, NULL,
		    "its check does not say \"gwd VERSION\": "
		    "not a gwd binary");
		return;
	}
	v = chk.out + 4;
	fmt = NULL;
	if ((nl = strchr(v, '\n')) != NULL) {
		*nl = '\0';
		fmt = strstr(nl + 1, "upgrade-format ");
	}
	if (fmt == NULL) {
		snprintf(why, sizeof why,
		    "gwd %.32s cannot adopt a running "
		    "master (no in-place upgrade)",
		    v);
		check_answer(0, NULL, why);
		return;
	}
	format = strtol(fmt + strlen("upgrade-format "), NULL, 10);
	if (format != UPGRADE_FORMAT) {
		snprintf(why, sizeof why,
		    "gwd %.32s reads upgrade state "
		    "format %ld, this gwd writes %d",
		    v, format, UPGRADE_FORMAT);
		check_answer(0, NULL, why);
		return;
	}
	check_answer(1, v, NULL);
}

static void
check_read(evutil_socket_t fd, short what, void *arg)
{
	ssize_t n;

	(void)what;
	(void)arg;
	n = read(fd, chk.out + chk.len, sizeof chk.out - 1 - chk.len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		chk.len += (size_t)n;
		if (chk.len < sizeof chk.out - 1)
			return;
	}
	/* EOF, an error, or enough: the rest does not matter. */
	chk.eof = 1;
	check_close();
}

/* The time limit passed, or the child is reaped (then the timer is made
 * active at once, so that the verdict never comes from inside the
 * supervisor's reaper). */
static void
check_timeout(evutil_socket_t fd, short what, void *arg)
{
	char why[64];

	(void)fd;
	(void)what;
	(void)arg;
	if (chk.reaped) {
		check_judge();
		return;
	}
	if (chk.pid > 0)
		(void)kill(chk.pid, SIGKILL);
	snprintf(why, sizeof why, "its check did not answer within %d s",
	    UPGRADE_CHECK_MS / 1000);
	check_answer(0, NULL, why);
}

/* binary --check-config ARGS...: the command line of the running master
 * with the check in front (after a "--" it would be the worker's). */
static char **
check_argv(const char *binary, int argc, char **argv)
{
	char **v = xreallocarray(NULL, (size_t)argc + 3, sizeof *v);
	int    i, n = 0;

	v[n++] = (char *)binary;
	v[n++] = (char *)"--check-config";
	for (i = 1; i < argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	return v;
}

/* The master's environment, and UPGRADE_CHECK_ENV=1. */
static char **
check_envp(void)
{
	extern char **environ;
	char	    **v;
	size_t	      n = 0, i;

	while (environ[n] != NULL)
		n++;
	v = xreallocarray(NULL, n + 2, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = environ[i];
	v[n] = (char *)UPGRADE_CHECK_ENV "=1";
	v[n + 1] = NULL;
	return v;
}

int
upgrade_check_start(struct event_base *base, const char *binary, int argc,
    char **argv, upgrade_check_cb done, void *arg, char **err)
{
	char	     **cargv, **cenvp;
	struct timeval tv = gw_ms_to_timeval(UPGRADE_CHECK_MS);
	sigset_t       none;
	pid_t	       pid;
	int	       p[2], null;

	if (chk.pid != 0) {
		*err = xstrdup("an upgrade is already being checked");
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		*err = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		*err = xasprintf("/dev/null: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	cargv = check_argv(binary, argc, argv);
	cenvp = check_envp();
	sigemptyset(&none);
	/* Only async-signal-safe calls in the child: the master has a
	 * stats thread.  stdout and stderr both reach the pipe: the
	 * version lines, then a refusal's message. */
	if ((pid = fork()) == 0) {
		struct sigaction sa;
		int		 sig;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		for (sig = 1; sig < NSIG; sig++)
			(void)sigaction(sig, &sa, NULL);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(null, 0) == -1 || dup2(p[1], 1) == -1 ||
		    dup2(p[1], 2) == -1)
			_exit(126);
		execve(binary, cargv, cenvp);
		_exit(127);
	}
	free(cargv);
	free(cenvp);
	close(p[1]);
	close(null);
	if (pid == -1) {
		*err = xasprintf("fork: %s", strerror(errno));
		close(p[0]);
		return -1;
	}
	(void)gw_set_nonblock(p[0], 1);
	memset(&chk, 0, sizeof chk);
	chk.pid = pid;
	chk.fd = p[0];
	chk.done = done;
	chk.arg = arg;
	chk.ev = event_new(base, p[0], EV_READ | EV_PERSIST, check_read, NULL);
	chk.timer = evtimer_new(base, check_timeout, NULL);
	event_add(chk.ev, NULL);
	evtimer_add(chk.timer, &tv);
	return 0;
}

int
upgrade_check_reaped(pid_t pid, int status)
{
	ssize_t n;

	if (chk.pid == 0 || pid != chk.pid)
		return 0;
	chk.pid = 0;
	if (chk.answered)
		return 1; /* timed out earlier: nothing left to do */
	chk.reaped = 1;
	chk.status = status;
	/* What it wrote is in the pipe now; a descendant that still holds
	 * the pipe open is not waited for. */
	while (chk.fd != -1 && chk.len < sizeof chk.out - 1) {
		n = read(chk.fd, chk.out + chk.len,
		    sizeof chk.out - 1 - chk.len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		chk.len += (size_t)n;
	}
	chk.eof = 1;
	check_close();
	event_active(chk.timer, EV_TIMEOUT, 1);
	return 1;
}

int
upgrade_check_running(void)
{
	return chk.pid != 0 && !chk.answered;
}
