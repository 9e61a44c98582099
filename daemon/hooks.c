/*
 * hooks.c: --hook EVENT=CMD (see hooks.h).  Each running hook has a
 * record with its output pipe and its time-limit timer; the SIGCHLD reaper
 * hands hook pids here.  Everything is on the main thread.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "events.h"
#include "gw/parse.h"
#include "gw/util.h"
#include "hooks.h"
#include "log.h"
#include "spawn.h"

extern char	       **environ;

static const char *const hooks_events[] = { "ready", "reload", "worker_exit",
	"worker_timeout", "scale", "backoff", "stop", NULL };

/* The hooks of one hooks_run: done once the last has ended. */
struct hook_group {
	int	      left;
	hooks_done_cb done;
	void	     *arg;
};

struct hook_proc {
	struct hook_proc  *next;
	pid_t		   pid;
	char		  *event;
	char		  *cmd;	      /* text, for logs and events */
	char		  *path;      /* what execve got */
	int		   worker_id; /* of the event, 0 = none */
	pid_t		   worker_pid;
	unsigned	   generation;
	int		   errfd;
	int		   outfd;
	struct event	  *outev;
	struct event	  *timer;
	char		   line[HOOKS_LINE_MAX];
	size_t		   linelen;
	uint64_t	   started;   /* ms, monotonic */
	uint64_t	   limit_ms;  /* --hook-timeout at start */
	int		   timed_out; /* SIGTERM sent */
	int		   killed;    /* SIGKILL sent */
	struct hook_group *group;
};

static struct {
	struct event_base *base;
	const struct gw_config *(*config)(void);
	struct hook_proc *procs;
	size_t		  running;
	unsigned	  skipped; /* in this burst */
	hooks_done_cb	  idle_cb;
	void		 *idle_arg;
	int		  subscribed;
} hk;

int
hooks_event_index(const char *name)
{
	int i;

	for (i = 0; hooks_events[i] != NULL; i++)
		if (strcmp(hooks_events[i], name) == 0)
			return i;
	return -1;
}

/* Variables of gwd's own supervisor, and of gwd's workers: a hook gets
 * its own GWD_* below, and must not talk to systemd as gwd. */
static int
hooks_reserved(const char *kv)
{
	static const char *const prefixes[] = { "NOTIFY_SOCKET=", "LISTEN_",
		"WATCHDOG_", "GWD_" };
	size_t			 i;

	for (i = 0; i < GW_ARRAY_LEN(prefixes); i++)
		if (strncmp(kv, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

char **
hooks_environ(char *const base[], const char *name, pid_t master,
    const struct hook_facts *f)
{
	char **v;
	size_t n = 0, cap = 16, i;

	for (i = 0; base != NULL && base[i] != NULL; i++)
		cap++;
	v = xcalloc(cap, sizeof *v);
	for (i = 0; base != NULL && base[i] != NULL; i++)
		if (!hooks_reserved(base[i]))
			v[n++] = xstrdup(base[i]);
	v[n++] = xasprintf("GWD_EVENT=%s", f->event);
	v[n++] = xasprintf("GWD_NAME=%s", name);
	v[n++] = xasprintf("GWD_MASTER_PID=%ld", (long)master);
	v[n++] = xasprintf("GWD_GENERATION=%u", f->generation);
	if (f->worker_id > 0)
		v[n++] = xasprintf("GWD_WORKER_ID=%d", f->worker_id);
	if (f->worker_pid > 0)
		v[n++] = xasprintf("GWD_WORKER_PID=%ld", (long)f->worker_pid);
	if (f->reason != NULL)
		v[n++] = xasprintf("GWD_REASON=%s", f->reason);
	if (f->exit_status >= 0)
		v[n++] = xasprintf("GWD_EXIT_STATUS=%d", f->exit_status);
	if (f->signal > 0)
		v[n++] = xasprintf("GWD_SIGNAL=SIG%s",
		    format_signal(f->signal));
	if (f->result != NULL)
		v[n++] = xasprintf("GWD_RESULT=%s", f->result);
	for (i = 0; i < GW_ARRAY_LEN(f->extra) && f->extra[i] != NULL; i++)
		v[n++] = xstrdup(f->extra[i]);
	v[n] = NULL;
	return v;
}

/* ---- output ------------------------------------------------------------ */

static void
hook_log_line(struct hook_proc *h)
{
	h->line[h->linelen] = '\0';
	log_info("hook %s (pid %ld): %s", h->event, (long)h->pid, h->line);
	h->linelen = 0;
}

static void
hook_close_output(struct hook_proc *h)
{
	if (h->linelen > 0)
		hook_log_line(h);
	if (h->outev != NULL)
		event_free(h->outev);
	h->outev = NULL;
	if (h->outfd != -1)
		close(h->outfd);
	h->outfd = -1;
}

/* Read what is there, at most HOOKS_READ_MAX; log whole lines. */
static void
hook_read(struct hook_proc *h)
{
	char	buf[4096];
	size_t	total = 0;
	ssize_t n, i;

	while (h->outfd != -1 && total < HOOKS_READ_MAX) {
		n = read(h->outfd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			hook_close_output(h);
			return;
		}
		total += (size_t)n;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				hook_log_line(h);
				continue;
			}
			h->line[h->linelen++] = buf[i];
			if (h->linelen == sizeof h->line - 1)
				hook_log_line(h);
		}
	}
}

static void
hook_output_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	hook_read(arg);
}

/* ---- time limit -------------------------------------------------------- */

static void
hook_arm(struct hook_proc *h, uint64_t ms)
{
	struct timeval tv = gw_ms_to_timeval(ms);

	evtimer_add(h->timer, &tv);
}

static void
hook_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook_proc *h = arg;
	char		  d[32];

	(void)fd;
	(void)what;
	if (!h->timed_out) {
		format_duration(d, sizeof d, h->limit_ms);
		log_warn("hook %s (pid %ld) still running at its time limit "
			 "(%s): sending SIGTERM",
		    h->event, (long)h->pid, d);
		h->timed_out = 1;
		if (kill(-h->pid, SIGTERM) == -1)
			(void)kill(h->pid, SIGTERM);
		hook_arm(h, HOOKS_KILL_GRACE_MS);
		return;
	}
	log_warn("hook %s (pid %ld) still running %d ms after SIGTERM: "
		 "sending SIGKILL",
	    h->event, (long)h->pid, HOOKS_KILL_GRACE_MS);
	h->killed = 1;
	if (kill(-h->pid, SIGKILL) == -1)
		(void)kill(h->pid, SIGKILL);
}

/* ---- start and end ----------------------------------------------------- */

static char *
hook_cmd_text(char **argv)
{
	char  *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		t = xasprintf("%s%s%s", s, i > 0 ? " " : "", argv[i]);
		free(s);
		s = t;
	}
	return s;
}

static void
hook_burst_end(void)
{
	if (hk.skipped == 0)
		return;
	log_warn("hooks: %u skipped while %d were running", hk.skipped,
	    HOOKS_MAX_RUNNING);
	hk.skipped = 0;
}

static int
hook_start(const struct gw_hook *hook, const struct hook_facts *f, char **envp,
    struct hook_group *g)
{
	struct spawn_result r;
	struct hook_proc   *h;
	char		   *path, *cmd = hook_cmd_text(hook->argv);

	if (hk.running >= HOOKS_MAX_RUNNING) {
		/* A crash loop must not fork-bomb the host through its
		 * worker_exit hooks: say it once a burst, count the rest. */
		if (hk.skipped++ == 0)
			log_warn("hooks: %d running, the limit: skipping hook "
				 "%s (%s) and the next ones until one ends",
			    HOOKS_MAX_RUNNING, f->event, cmd);
		free(cmd);
		return -1;
	}
	path = spawn_resolve(hook->argv[0]);
	if (spawn_command(path, hook->argv, envp, &r) == -1) {
		log_error("hook %s (%s): cannot fork: %s", f->event, cmd,
		    strerror(errno));
		free(path);
		free(cmd);
		return -1;
	}
	h = xcalloc(1, sizeof *h);
	h->pid = r.pid;
	h->event = xstrdup(f->event);
	h->cmd = cmd;
	h->path = path;
	h->worker_id = f->worker_id;
	h->worker_pid = f->worker_pid;
	h->generation = f->generation;
	h->errfd = r.errfd;
	h->outfd = r.outfd;
	h->started = gw_now_ms();
	h->group = g;
	h->outev = event_new(hk.base, h->outfd, EV_READ | EV_PERSIST,
	    hook_output_cb, h);
	event_add(h->outev, NULL);
	h->timer = evtimer_new(hk.base, hook_timer_cb, h);
	h->limit_ms = hk.config()->hook_timeout_ms;
	hook_arm(h, h->limit_ms);
	h->next = hk.procs;
	hk.procs = h;
	hk.running++;
	log_info("hook %s (pid %ld) started: %s", h->event, (long)h->pid,
	    h->cmd);
	return 0;
}

int
hooks_configured(const char *event)
{
	const struct gw_config *cfg;
	size_t			i;

	if (hk.config == NULL || (cfg = hk.config()) == NULL)
		return 0;
	for (i = 0; i < cfg->nhooks; i++)
		if (strcmp(cfg->hooks[i].event, event) == 0)
			return 1;
	return 0;
}

int
hooks_run(const struct hook_facts *f, hooks_done_cb done, void *arg)
{
	const struct gw_config *cfg;
	struct hook_group      *g;
	char		      **envp;
	size_t			i;
	int			started = 0;

	if (!hooks_configured(f->event))
		return 0;
	cfg = hk.config();
	g = xcalloc(1, sizeof *g);
	g->done = done;
	g->arg = arg;
	envp = hooks_environ(environ, cfg->name, getpid(), f);
	for (i = 0; i < cfg->nhooks; i++) {
		if (strcmp(cfg->hooks[i].event, f->event) != 0)
			continue;
		if (hook_start(&cfg->hooks[i], f, envp, g) == 0) {
			hook_burst_end();
			g->left++;
			started++;
		}
	}
	parse_words_free(envp);
	if (started == 0)
		free(g);
	return started;
}

/* Why the hook ended, for the log: "exited 0", "killed by SIGTERM". */
static void
hook_finish(struct hook_proc *h, int status)
{
	struct spawn_error e;
	struct gw_event	   ev;
	uint64_t	   ms = gw_now_ms() - h->started;
	int		   code = -1, sig = 0, execfail = 0;
	ssize_t		   n;
	json_t		  *detail;

	hook_read(h);
	hook_close_output(h);
	do {
		n = read(h->errfd, &e, sizeof e);
	} while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof e) {
		execfail = 1;
		log_error("hook %s (pid %ld): cannot %s %s: %s", h->event,
		    (long)h->pid, spawn_step_name(e.step), h->path,
		    strerror(e.err));
	}
	close(h->errfd);
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		sig = WTERMSIG(status);
	if (sig != 0)
		log_warn("hook %s (pid %ld) killed by SIG%s after %llu ms%s",
		    h->event, (long)h->pid, format_signal(sig),
		    (unsigned long long)ms,
		    h->timed_out ? " (past --hook-timeout)" : "");
	else
		log_msg(code == 0 ? LOG_INFO : LOG_WARNING,
		    "hook %s (pid %ld) "
		    "exited %d after %llu ms%s",
		    h->event, (long)h->pid, code, (unsigned long long)ms,
		    h->timed_out ? " (past --hook-timeout)" : "");
	/* Past its limit, whatever it left in its group goes too. */
	if (h->timed_out)
		(void)kill(-h->pid, SIGKILL);
	detail = json_pack("{s:s, s:s, s:I, s:o, s:o, s:I, s:b, s:b}", "event",
	    h->event, "cmd", h->cmd, "pid", (json_int_t)h->pid, "status",
	    code >= 0 ? json_integer(code) : json_null(), "signal",
	    sig > 0 ? json_string(format_signal(sig)) : json_null(),
	    "duration_ms", (json_int_t)ms, "timed_out", h->timed_out,
	    "exec_failed", execfail);
	memset(&ev, 0, sizeof ev);
	ev.ts = gw_wall_time();
	ev.master_pid = getpid();
	ev.generation = h->generation;
	ev.worker_id = h->worker_id;
	ev.pid = h->worker_pid;
	ev.event = "hook";
	ev.exit_status = code;
	ev.signal = sig;
	ev.detail = detail;
	events_emit(&ev);
	json_decref(detail);
}

static void
hook_free(struct hook_proc *h)
{
	hook_close_output(h);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h->event);
	free(h->cmd);
	free(h->path);
	free(h);
}

int
hooks_reaped(pid_t pid, int status)
{
	struct hook_proc **pp, *h;
	struct hook_group *g;
	hooks_done_cb	   cb;

	for (pp = &hk.procs; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->pid == pid)
			break;
	if ((h = *pp) == NULL)
		return 0;
	*pp = h->next;
	hk.running--;
	hook_finish(h, status);
	g = h->group;
	hook_free(h);
	if (g != NULL && --g->left == 0) {
		if (g->done != NULL)
			g->done(g->arg);
		free(g);
	}
	if (hk.running == 0) {
		hook_burst_end();
		if ((cb = hk.idle_cb) != NULL) {
			hk.idle_cb = NULL;
			cb(hk.idle_arg);
		}
	}
	return 1;
}

size_t
hooks_running(void)
{
	return hk.running;
}

void
hooks_when_idle(hooks_done_cb done, void *arg)
{
	if (hk.running == 0) {
		done(arg);
		return;
	}
	log_info("waiting for %zu hook%s to end", hk.running,
	    hk.running == 1 ? "" : "s");
	hk.idle_cb = done;
	hk.idle_arg = arg;
}

/* ---- the event stream -------------------------------------------------- */

static void
hooks_on_event(const struct gw_event *ev, void *arg)
{
	struct hook_facts f;
	char		  a[48], b[48];
	json_t		 *d = ev->detail;

	(void)arg;
	memset(&f, 0, sizeof f);
	f.generation = ev->generation;
	f.exit_status = -1;
	if (strcmp(ev->event, "exit") == 0) {
		f.event = "worker_exit";
		f.worker_id = ev->worker_id;
		f.worker_pid = ev->pid;
		f.reason = ev->reason;
		f.exit_status = ev->exit_status;
		f.signal = ev->signal;
	} else if (strcmp(ev->event, "scale") == 0) {
		f.event = "scale";
		snprintf(a, sizeof a, "GWD_TARGET=%lld",
		    (long long)json_integer_value(json_object_get(d,
			"target")));
		snprintf(b, sizeof b, "GWD_PREVIOUS=%lld",
		    (long long)json_integer_value(json_object_get(d,
			"previous")));
		f.extra[0] = a;
		f.extra[1] = b;
	} else if (strcmp(ev->event, "backoff") == 0) {
		f.event = "backoff";
		snprintf(a, sizeof a, "GWD_FAILURES=%lld",
		    (long long)json_integer_value(json_object_get(d,
			"failures")));
		snprintf(b, sizeof b, "GWD_DELAY_MS=%lld",
		    (long long)json_integer_value(json_object_get(d,
			"delay_ms")));
		f.extra[0] = a;
		f.extra[1] = b;
	} else if (strcmp(ev->event, "reload_done") == 0) {
		f.event = "reload";
		f.result = "ok";
	} else if (strcmp(ev->event, "reload_failed") == 0 ||
	    strcmp(ev->event, "config_error") == 0) {
		/* A refused reload is a reload that failed too. */
		f.event = "reload";
		f.result = "failed";
	} else
		return;
	(void)hooks_run(&f, NULL, NULL);
}

void
hooks_start(struct event_base *base, const struct gw_config *(*config)(void))
{
	hk.base = base;
	hk.config = config;
	if (!hk.subscribed)
		events_subscribe(hooks_on_event, NULL);
	hk.subscribed = 1;
}

void
hooks_stop(void)
{
	struct hook_proc *h;

	if (hk.subscribed)
		events_unsubscribe(hooks_on_event, NULL);
	hk.subscribed = 0;
	while ((h = hk.procs) != NULL) {
		hk.procs = h->next;
		close(h->errfd);
		/* Its group is shared with the other hooks of the run. */
		if (h->group != NULL && --h->group->left == 0)
			free(h->group);
		hook_free(h);
	}
	hk.running = 0;
	hk.idle_cb = NULL;
}
