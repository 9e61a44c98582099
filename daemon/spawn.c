/*
 * spawn.c: fork + exec of one worker.
 *
 * The ritual (STYLE 7): build argv, envp and the fd plan before fork; block
 * every signal around fork so no libevent handler runs in the child; in the
 * child call only async-signal-safe functions; report exec failure through
 * a CLOEXEC pipe and _exit(127).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/idutil.h"
#include "gw/util.h"
#include "log.h"
#include "spawn.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

extern char **environ;

struct spawn_ctx {
	char	 *path;
	char	**argv;
	char	**env;		/* inherited + --env, ours excluded */
	size_t	  nenv;
	int	 *fds;
	size_t	  nfds;
	char	 *fdnames;
	char	 *notify_socket;
	uint64_t  watchdog_usec;
	char	 *name;
	pid_t	  master;
	int	  capture;
	int	  set_ids;
	uid_t	  uid;
	gid_t	  gid;
	gid_t	 *groups;
	int	  ngroups;
	int	  umask;
	char	 *chdir;
};

/* Variables that belong to gwd's own supervisor, never passed on. */
static int
reserved(const char *kv)
{
	static const char *keys[] = { "LISTEN_FDS=", "LISTEN_PID=",
	    "LISTEN_FDNAMES=", "NOTIFY_SOCKET=", "WATCHDOG_USEC=",
	    "WATCHDOG_PID=", "GWD_WORKER_ID=", "GWD_GENERATION=",
	    "GWD_MASTER_PID=", "GWD_NAME=", "GWD_NOTIFY_FD=" };
	size_t		 i;

	for (i = 0; i < GW_ARRAY_LEN(keys); i++)
		if (strncmp(kv, keys[i], strlen(keys[i])) == 0)
			return 1;
	return 0;
}

static void
env_put(struct spawn_ctx *c, const char *kv)
{
	size_t	klen = strcspn(kv, "=") + 1, i;

	for (i = 0; i < c->nenv; i++) {
		if (strncmp(c->env[i], kv, klen) == 0) {
			free(c->env[i]);
			c->env[i] = xstrdup(kv);
			return;
		}
	}
	c->env = xreallocarray(c->env, c->nenv + 1, sizeof *c->env);
	c->env[c->nenv++] = xstrdup(kv);
}

/* The path execve gets: argv0 itself if it has a slash, else from PATH. */
char *
spawn_resolve(const char *argv0)
{
	const char	*path = getenv("PATH"), *p;

	if (strchr(argv0, '/') != NULL || path == NULL)
		return xstrdup(argv0);
	for (p = path; ; p = strchr(p, ':') + 1) {
		size_t	 len = strcspn(p, ":");
		char	*cand = xasprintf("%.*s/%s", (int)len,
		    len ? p : ".", argv0);

		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (p[len] == '\0')
			break;
	}
	return xstrdup(argv0);	/* exec will report ENOENT */
}

/*
 * gwd-http: next to our own binary (the build tree), else in the
 * configured pkglibexecdir, else in ../libexec/gwd beside our own sbin
 * directory (an installed tree that was moved or staged with DESTDIR).
 */
static char *
find_http(const char *self_exe)
{
	const char	*slash;
	char		*cand;

	if (self_exe == NULL || (slash = strrchr(self_exe, '/')) == NULL)
		return xstrdup(PKGLIBEXECDIR "/gwd-http");
	cand = xasprintf("%.*s/gwd-http", (int)(slash - self_exe), self_exe);
	if (access(cand, X_OK) == 0)
		return cand;
	free(cand);
	if (access(PKGLIBEXECDIR "/gwd-http", X_OK) == 0)
		return xstrdup(PKGLIBEXECDIR "/gwd-http");
	cand = xasprintf("%.*s/../libexec/gwd/gwd-http",
	    (int)(slash - self_exe), self_exe);
	if (access(cand, X_OK) == 0) {
		char	*real = realpath(cand, NULL);	/* for the logs */

		if (real != NULL) {
			free(cand);
			return real;
		}
		return cand;
	}
	free(cand);
	return xstrdup(PKGLIBEXECDIR "/gwd-http");	/* exec says ENOENT */
}

static char **
http_argv(const struct gw_config *cfg, const char *path)
{
	char	**v = xcalloc(20, sizeof *v);
	int	  n = 0;

	v[n++] = xstrdup(path);
	v[n++] = xstrdup("--keep-alive");
	v[n++] = xasprintf("%llums", (unsigned long long)cfg->keep_alive_ms);
	v[n++] = xstrdup("--graceful-timeout");
	v[n++] = xasprintf("%llums",
	    (unsigned long long)cfg->graceful_timeout_ms);
	v[n++] = xstrdup("--stop-signal");
	v[n++] = xasprintf("%d", cfg->stop_signal);
	if (cfg->max_requests > 0) {
		v[n++] = xstrdup("--max-requests");
		v[n++] = xasprintf("%llu",
		    (unsigned long long)cfg->max_requests);
		v[n++] = xstrdup("--max-requests-jitter");
		v[n++] = xasprintf("%llu",
		    (unsigned long long)cfg->max_requests_jitter);
	}
	if (cfg->static_dir != NULL) {
		v[n++] = xstrdup("--static");
		v[n++] = xstrdup(cfg->static_dir);
	}
	if (cfg->access_log != NULL) {
		v[n++] = xstrdup("--access-log");
		v[n++] = xstrdup(cfg->access_log);
	}
	v[n] = NULL;
	return v;
}

int
spawn_resolve_ids(const struct gw_config *cfg, struct spawn_ids *ids,
    char **err)
{
	struct passwd	*pw = NULL;
	char		*end;

	memset(ids, 0, sizeof *ids);
	ids->uid = geteuid();
	ids->gid = getegid();
	if (cfg->user == NULL && cfg->group == NULL)
		return 0;
	ids->set = 1;
	ids->uid = getuid();
	ids->gid = getgid();
	if (cfg->user != NULL) {
		errno = 0;
		pw = getpwnam(cfg->user);
		if (pw == NULL) {
			unsigned long	u = strtoul(cfg->user, &end, 10);

			if (*cfg->user == '\0' || *end != '\0') {
				*err = xasprintf("unknown user: %s", cfg->user);
				return -1;
			}
			ids->uid = (uid_t)u;
		} else {
			ids->uid = pw->pw_uid;
			ids->gid = pw->pw_gid;
		}
	}
	if (cfg->group != NULL &&
	    gw_group_lookup(cfg->group, &ids->gid) == -1) {
		*err = xasprintf("unknown group: %s", cfg->group);
		return -1;
	}
	if (pw != NULL) {
		int	n = 64;

		ids->groups = xcalloc((size_t)n, sizeof *ids->groups);
		if (getgrouplist(pw->pw_name, ids->gid, ids->groups,
		    &n) == -1) {
			ids->groups = xreallocarray(ids->groups, (size_t)n,
			    sizeof *ids->groups);
			getgrouplist(pw->pw_name, ids->gid, ids->groups, &n);
		}
		ids->ngroups = n;
	} else {
		ids->groups = xcalloc(1, sizeof *ids->groups);
		ids->groups[0] = ids->gid;
		ids->ngroups = 1;
	}
	return 0;
}

void
spawn_ids_free(struct spawn_ids *ids)
{
	free(ids->groups);
	ids->groups = NULL;
	ids->ngroups = 0;
}

static int
resolve_ids(struct spawn_ctx *c, const struct gw_config *cfg, char **err)
{
	struct spawn_ids	ids;

	if (spawn_resolve_ids(cfg, &ids, err) == -1)
		return -1;
	c->set_ids = ids.set;
	c->uid = ids.uid;
	c->gid = ids.gid;
	c->groups = ids.groups;
	c->ngroups = ids.ngroups;
	return 0;
}

char *
spawn_program(const struct gw_config *cfg, const char *self_exe)
{
	if (cfg->command != NULL && cfg->command[0] != NULL)
		return spawn_resolve(cfg->command[0]);
	return find_http(self_exe);
}

const char *
spawn_step_name(int step)
{
	switch (step) {
	case SPAWN_STEP_FORK:
		return "fork";
	case SPAWN_STEP_FDS:
		return "set up its descriptors";
	case SPAWN_STEP_SETPGID:
		return "setpgid";
	case SPAWN_STEP_PDEATHSIG:
		return "set its parent-death signal";
	case SPAWN_STEP_IDS:
		return "change user or group";
	case SPAWN_STEP_CHDIR:
		return "chdir";
	default:
		return "exec";
	}
}

struct spawn_ctx *
spawn_ctx_new(const struct gw_config *cfg, const int *fds, size_t nfds,
    const char *fdnames, const char *self_exe, char **err)
{
	struct spawn_ctx	*c = xcalloc(1, sizeof *c);
	char			**e;
	size_t			 i;

	if (resolve_ids(c, cfg, err) == -1) {
		spawn_ctx_free(c);
		return NULL;
	}
	if (cfg->command != NULL && cfg->command[0] != NULL) {
		for (i = 0; cfg->command[i] != NULL; i++)
			;
		c->argv = xcalloc(i + 1, sizeof *c->argv);
		for (i = 0; cfg->command[i] != NULL; i++)
			c->argv[i] = xstrdup(cfg->command[i]);
		c->path = spawn_resolve(c->argv[0]);
	} else {
		c->path = find_http(self_exe);
		c->argv = http_argv(cfg, c->path);
	}
	for (e = environ; e != NULL && *e != NULL; e++)
		if (!reserved(*e))
			env_put(c, *e);
	for (i = 0; i < cfg->env.n; i++)
		env_put(c, cfg->env.v[i]);
	/* Our own copies: the listeners may change on reload while workers
	 * of this generation are still being replaced. */
	c->fds = xcalloc(nfds ? nfds : 1, sizeof *c->fds);
	for (i = 0; i < nfds; i++) {
		if ((c->fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) == -1) {
			*err = xasprintf("cannot duplicate listener: %s",
			    strerror(errno));
			c->nfds = i;
			spawn_ctx_free(c);
			return NULL;
		}
		c->nfds = i + 1;
	}
	c->fdnames = xstrdup(fdnames ? fdnames : "");
	c->notify_socket = xstrdup(cfg->notify_socket);
	c->watchdog_usec = cfg->timeout_ms * 1000;
	c->name = xstrdup(cfg->name);
	c->master = getpid();
	c->capture = cfg->capture_output;
	c->umask = cfg->umask;
	c->chdir = cfg->chdir ? xstrdup(cfg->chdir) : NULL;
	return c;
}

void
spawn_ctx_close_listeners(struct spawn_ctx *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
}

void
spawn_ctx_free(struct spawn_ctx *c)
{
	size_t	i;

	if (c == NULL)
		return;
	free(c->path);
	if (c->argv != NULL)
		for (i = 0; c->argv[i] != NULL; i++)
			free(c->argv[i]);
	free(c->argv);
	for (i = 0; i < c->nenv; i++)
		free(c->env[i]);
	free(c->env);
	for (i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	free(c->fds);
	free(c->fdnames);
	free(c->notify_socket);
	free(c->name);
	free(c->groups);
	free(c->chdir);
	free(c);
}

const char *
spawn_ctx_path(const struct spawn_ctx *c)
{
	return c->path;
}

const char *
spawn_ctx_chdir(const struct spawn_ctx *c)
{
	return c->chdir;
}

uid_t
spawn_ctx_uid(const struct spawn_ctx *c)
{
	return c->uid;
}

gid_t
spawn_ctx_gid(const struct spawn_ctx *c)
{
	return c->gid;
}

int
spawn_ctx_sets_ids(const struct spawn_ctx *c)
{
	return c->set_ids;
}

/* Async-signal-safe decimal formatting into a fixed-width slot. */
static void
put_pid(char *dst, pid_t pid)
{
	char	tmp[24];
	int	n = 0;

	do {
		tmp[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	while (n > 0)
		*dst++ = tmp[--n];
	*dst = '\0';
}

static void __attribute__((noreturn))
child_fail(int errfd, int step, int err)
{
	struct spawn_error	e;

	e.step = step;
	e.err = err;
	(void)!write(errfd, &e, sizeof e);
	_exit(127);
}

/*
 * The child's steps every process gwd starts takes (workers and hooks):
 * its own process group (gwd signals the group), death with the master,
 * and every signal back to its default.  Async-signal-safe.
 */
static void
child_detach(int errw, pid_t master)
{
	struct sigaction sa;
	int		 sig;

	if (setpgid(0, 0) == -1)
		child_fail(errw, SPAWN_STEP_SETPGID, errno);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		child_fail(errw, SPAWN_STEP_PDEATHSIG, errno);
	if (getppid() != master)	/* the master died before prctl */
		_exit(127);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* glibc refuses its own real-time signals (32, 33), which an
		 * ignoring parent may have left ignored: ask the kernel. */
		if (sigaction(sig, &sa, NULL) == -1) {
			struct { void *h; unsigned long f; void *r;
			    unsigned long m; } ksa = { SIG_DFL, 0, NULL, 0 };

			(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL,
			    sizeof ksa.m);
		}
	}
}

/* Everything from base up closes at exec (the error pipe included). */
static void
child_cloexec_from(int base, int errw)
{
	int	fd;

	if (syscall(SYS_close_range, (unsigned)base, ~0U,
	    CLOSE_RANGE_CLOEXEC) == -1)
		for (fd = base; fd < 65536; fd++)
			if (fd != errw)
				(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* The fd limit workers get: the one gwd was started with. */
static struct rlimit	worker_nofile;
static int		worker_nofile_set;

void
spawn_raise_fd_limit(void)
{
	struct rlimit	r;

	if (getrlimit(RLIMIT_NOFILE, &r) == -1 || r.rlim_cur >= r.rlim_max)
		return;
	worker_nofile = r;
	r.rlim_cur = r.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &r) == 0)
		worker_nofile_set = 1;
}

/* The child side: only async-signal-safe calls from here to execve. */
static void __attribute__((noreturn))
child(const struct spawn_ctx *c, char **envp, char *listen_pid,
    char *watchdog_pid, int *hi, int devnull, int outw, int nfw, int errw)
{
	int		 base = 3 + (int)c->nfds + (nfw != -1);
	size_t		 i;
	sigset_t	 none;

	/* Lift every fd we need above the target range first. */
	errw = fcntl(errw, F_DUPFD_CLOEXEC, base);
	if (errw == -1)
		_exit(127);
	if ((devnull = fcntl(devnull, F_DUPFD_CLOEXEC, base)) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	if (outw != -1 && (outw = fcntl(outw, F_DUPFD_CLOEXEC, base)) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	if (nfw != -1 && (nfw = fcntl(nfw, F_DUPFD_CLOEXEC, base)) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	for (i = 0; i < c->nfds; i++)
		if ((hi[i] = fcntl(c->fds[i], F_DUPFD_CLOEXEC, base)) == -1)
			child_fail(errw, SPAWN_STEP_FDS, errno);
	/* stdout is the output pipe with --capture-output, else gwd's
	 * stderr; stderr is the pipe whenever there is one. */
	if (dup2(c->capture && outw != -1 ? outw : 2, 1) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	if (outw != -1 && dup2(outw, 2) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	if (dup2(devnull, 0) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	for (i = 0; i < c->nfds; i++)
		if (dup2(hi[i], 3 + (int)i) == -1)
			child_fail(errw, SPAWN_STEP_FDS, errno);
	/* The notify fd right after the listeners (GWD_NOTIFY_FD). */
	if (nfw != -1 && dup2(nfw, 3 + (int)c->nfds) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	/* Everything else closes at exec (the error pipe included). */
	child_cloexec_from(base, errw);

	child_detach(errw, c->master);
	sigemptyset(&none);
	if (worker_nofile_set &&
	    setrlimit(RLIMIT_NOFILE, &worker_nofile) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	if (c->set_ids) {
		if (setgroups((size_t)c->ngroups, c->groups) == -1 ||
		    setgid(c->gid) == -1 || setuid(c->uid) == -1)
			child_fail(errw, SPAWN_STEP_IDS, errno);
	}
	if (c->umask >= 0)
		umask((mode_t)c->umask);
	if (c->chdir != NULL && chdir(c->chdir) == -1)
		child_fail(errw, SPAWN_STEP_CHDIR, errno);
	put_pid(listen_pid, getpid());
	if (watchdog_pid != NULL)
		put_pid(watchdog_pid, getpid());
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(c->path, c->argv, envp);
	child_fail(errw, SPAWN_STEP_EXEC, errno);
}

/*
 * What every child needs, opened before fork: /dev/null (returned) and the
 * close-on-exec pipe that reports a failed step.  -1 with errno, nothing
 * left open, on failure.
 */
static int
spawn_open_common(int errp[2])
{
	int	devnull, saved;

	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	if (pipe2(errp, O_CLOEXEC) == -1) {
		saved = errno;
		close(devnull);
		errno = saved;
		return -1;
	}
	return devnull;
}

int
spawn_worker(const struct spawn_ctx *c, int id, unsigned gen,
    struct spawn_result *res)
{
	char	**envp, *lp, *wp = NULL;
	int	 *hi, errp[2], outp[2] = { -1, -1 }, nfp[2], devnull, saved;
	size_t	  n = 0, i;
	pid_t	  pid;
	sigset_t  all, old;

	if ((devnull = spawn_open_common(errp)) == -1)
		return -1;
	/* Without the output pipe (out of fds) the worker writes to gwd's
	 * stderr itself, and no tail of its output is kept. */
	if (pipe2(outp, O_CLOEXEC) == -1) {
		if (c->capture) {
			saved = errno;
			close(devnull);
			close(errp[0]);
			close(errp[1]);
			errno = saved;
			return -1;
		}
		outp[0] = outp[1] = -1;
	}
	/* Likewise the notify fd: without it the worker still has the
	 * notify socket. */
	if (pipe2(nfp, O_CLOEXEC) == -1) {
		log_warn("worker %d: no notify fd (GWD_NOTIFY_FD): %s", id,
		    strerror(errno));
		nfp[0] = nfp[1] = -1;
	}

	envp = xcalloc(c->nenv + 13, sizeof *envp);
	for (i = 0; i < c->nenv; i++)
		envp[n++] = c->env[i];
	envp[n++] = xasprintf("LISTEN_FDS=%zu", c->nfds);
	lp = envp[n++] = xasprintf("LISTEN_PID=%24s", "");
	envp[n++] = xasprintf("LISTEN_FDNAMES=%s", c->fdnames);
	envp[n++] = xasprintf("NOTIFY_SOCKET=%s", c->notify_socket);
	if (c->watchdog_usec > 0) {
		envp[n++] = xasprintf("WATCHDOG_USEC=%llu",
		    (unsigned long long)c->watchdog_usec);
		wp = envp[n++] = xasprintf("WATCHDOG_PID=%24s", "");
	}
	envp[n++] = xasprintf("GWD_WORKER_ID=%d", id);
	envp[n++] = xasprintf("GWD_GENERATION=%u", gen);
	envp[n++] = xasprintf("GWD_MASTER_PID=%ld", (long)c->master);
	envp[n++] = xasprintf("GWD_NAME=%s", c->name);
	if (nfp[1] != -1)
		envp[n++] = xasprintf("GWD_NOTIFY_FD=%zu", 3 + c->nfds);
	envp[n] = NULL;
	hi = xcalloc(c->nfds + 1, sizeof *hi);

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(c, envp, lp + strlen("LISTEN_PID="),
		    wp ? wp + strlen("WATCHDOG_PID=") : NULL, hi, devnull,
		    outp[1], nfp[1], errp[1]);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);

	for (i = c->nenv; i < n; i++)
		free(envp[i]);
	free(envp);
	free(hi);
	close(devnull);
	close(errp[1]);
	if (outp[1] != -1)
		close(outp[1]);
	if (nfp[1] != -1)
		close(nfp[1]);
	if (pid == -1) {
		close(errp[0]);
		if (outp[0] != -1)
			close(outp[0]);
		if (nfp[0] != -1)
			close(nfp[0]);
		errno = saved;
		return -1;
	}
	/* Both orders of setpgid avoid a race with the first kill(-pid). */
	(void)setpgid(pid, pid);
	gw_set_nonblock(errp[0], 1);
	if (outp[0] != -1)
		gw_set_nonblock(outp[0], 1);
	if (nfp[0] != -1)
		gw_set_nonblock(nfp[0], 1);
	res->pid = pid;
	res->errfd = errp[0];
	res->outfd = outp[0];
	res->notifyfd = nfp[0];
	return 0;
}

/* The child side of spawn_command: stdin /dev/null, stdout and stderr
 * the pipe; only async-signal-safe calls. */
static void __attribute__((noreturn))
command_child(const char *path, char *const argv[], char *const envp[],
    pid_t master, int devnull, int outw, int errw)
{
	sigset_t	none;

	if ((errw = fcntl(errw, F_DUPFD_CLOEXEC, 3)) == -1)
		_exit(127);
	if ((devnull = fcntl(devnull, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (outw = fcntl(outw, F_DUPFD_CLOEXEC, 3)) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	if (dup2(devnull, 0) == -1 || dup2(outw, 1) == -1 ||
	    dup2(outw, 2) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	child_cloexec_from(3, errw);
	child_detach(errw, master);
	if (worker_nofile_set &&
	    setrlimit(RLIMIT_NOFILE, &worker_nofile) == -1)
		child_fail(errw, SPAWN_STEP_FDS, errno);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(path, argv, envp);
	child_fail(errw, SPAWN_STEP_EXEC, errno);
}

int
spawn_command(const char *path, char *const argv[], char *const envp[],
    struct spawn_result *res)
{
	int		 errp[2], outp[2], devnull, saved;
	pid_t		 pid, master = getpid();
	sigset_t	 all, old;

	if ((devnull = spawn_open_common(errp)) == -1)
		return -1;
	if (pipe2(outp, O_CLOEXEC) == -1) {
		saved = errno;
		close(devnull);
		close(errp[0]);
		close(errp[1]);
		errno = saved;
		return -1;
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		command_child(path, argv, envp, master, devnull, outp[1],
		    errp[1]);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(devnull);
	close(errp[1]);
	close(outp[1]);
	if (pid == -1) {
		close(errp[0]);
		close(outp[0]);
		errno = saved;
		return -1;
	}
	(void)setpgid(pid, pid);
	gw_set_nonblock(errp[0], 1);
	gw_set_nonblock(outp[0], 1);
	res->pid = pid;
	res->errfd = errp[0];
	res->outfd = outp[0];
	res->notifyfd = -1;
	return 0;
}
