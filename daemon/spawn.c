/*
 * spawn.c: fork + exec of one worker.
 *
 * The ritual (STYLE 7): build argv, envp and the fd plan before fork; block
 * every signal around fork so no libevent handler runs in the child; in the
 * child call only async-signal-safe functions; report exec failure through
 * a CLOEXEC pipe and _exit(127).
 *
 * The fork is clone(CLONE_VM | CLONE_VFORK | CLONE_FILES): the child runs
 * on its own stack in the master's memory while the master waits, and
 * shares the master's fd table until its first step unshares the part
 * below the spawn window (see spawn_window_reserve).  With thousands of
 * workers the master holds thousands of pipes; a fork would copy every one
 * into each child and its exec close them again (issue 12).
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include "gw/idutil.h"
#include "gw/util.h"
#include "log.h"
#include "spawn.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

struct spawn_ctx {
	char	*path;
	char   **argv;
	char   **env; /* inherited + --env, ours excluded */
	size_t	 nenv;
	int	*fds;
	size_t	 nfds;
	char	*fdnames;
	char	*notify_socket;
	uint64_t watchdog_usec;
	char	*name;
	pid_t	 master;
	int	 capture;
	int	 set_ids;
	uid_t	 uid;
	gid_t	 gid;
	gid_t	*groups;
	int	 ngroups;
	int	 umask;
	char	*chdir;
};

static void spawn_window_reserve(size_t);

/* Variables that belong to gwd's own supervisor, never passed on. */
static int
reserved(const char *kv)
{
	static const char *keys[] = { "LISTEN_FDS=", "LISTEN_PID=",
		"LISTEN_FDNAMES=", "NOTIFY_SOCKET=", "WATCHDOG_USEC=",
		"WATCHDOG_PID=", "GWD_WORKER_ID=", "GWD_GENERATION=",
		"GWD_MASTER_PID=", "GWD_NAME=", "GWD_NOTIFY_FD=" };
	size_t		   i;

	for (i = 0; i < GW_ARRAY_LEN(keys); i++)
		if (strncmp(kv, keys[i], strlen(keys[i])) == 0)
			return 1;
	return 0;
}

static void
env_put(struct spawn_ctx *c, const char *kv)
{
	size_t klen = strcspn(kv, "=") + 1, i;

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
	const char *path = getenv("PATH"), *p;

	if (strchr(argv0, '/') != NULL || path == NULL)
		return xstrdup(argv0);
	for (p = path;; p = strchr(p, ':') + 1) {
		size_t len = strcspn(p, ":");
		char  *cand = xasprintf("%.*s/%s", (int)len, len ? p : ".",
		     argv0);

		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (p[len] == '\0')
			break;
	}
	return xstrdup(argv0); /* exec will report ENOENT */
}

/*
 * gwd-http: next to our own binary (the build tree), else in the
 * configured pkglibexecdir, else in ../libexec/gwd beside our own sbin
 * directory (an installed tree that was moved or staged with DESTDIR).
 */
static char *
find_http(const char *self_exe)
{
	const char *slash;
	char	   *cand;

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
		char *real = realpath(cand, NULL); /* for the logs */

		if (real != NULL) {
			free(cand);
			return real;
		}
		return cand;
	}
	free(cand);
	return xstrdup(PKGLIBEXECDIR "/gwd-http"); /* exec says ENOENT */
}

static char **
http_argv(const struct gw_config *cfg, const char *path)
{
	char **v = xcalloc(20, sizeof *v);
	int    n = 0;

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
	struct passwd *pw = NULL;
	char	      *end;

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
			unsigned long u = strtoul(cfg->user, &end, 10);

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
		int n = 64;

		ids->groups = xcalloc((size_t)n, sizeof *ids->groups);
		if (getgrouplist(pw->pw_name, ids->gid, ids->groups, &n) ==
		    -1) {
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
	struct spawn_ids ids;

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
	struct spawn_ctx *c = xcalloc(1, sizeof *c);
	char		**e;
	size_t		  i;

	/* The first context comes while gwd's fd table is still small. */
	spawn_window_reserve(nfds);
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
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
}

void
spawn_ctx_free(struct spawn_ctx *c)
{
	size_t i;

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
	char tmp[24];
	int  n = 0;

	do {
		tmp[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	while (n > 0)
		*dst++ = tmp[--n];
	*dst = '\0';
}

/*
 * One child to start: everything it needs, prepared before fork.  want[]
 * has n + 1 entries: the master's fd for each child fd 0 .. n-1, then the
 * write end of the error pipe, which the child keeps close-on-exec.
 */
struct spawn_child {
	const char	       *path;
	char *const	       *argv;
	char *const	       *envp;
	int		       *want;
	int		       *hi; /* scratch, n + 1 entries */
	int			n;
	int			lowfd; /* > 0: the table is shared
						   (CLONE_FILES) and only fds
						   below lowfd are copied */
	pid_t			master;
	const struct spawn_ctx *c;	    /* NULL for a command */
	char		       *listen_pid; /* slots in envp, or NULL */
	char		       *watchdog_pid;
	int			errw; /* the child's error pipe */
};

static void __attribute__((noreturn))
child_fail(const struct spawn_child *k, int step, int err)
{
	struct spawn_error e;

	e.step = step;
	e.err = err;
	if (k->errw != -1)
		(void)!write(k->errw, &e, sizeof e);
	_exit(127);
}

/*
 * The child's steps every process gwd starts takes (workers and hooks):
 * its own process group (gwd signals the group), death with the master,
 * and every signal back to its default.  Async-signal-safe.
 */
static void
child_detach(struct spawn_child *k)
{
	struct sigaction sa;
	int		 sig;

	if (setpgid(0, 0) == -1)
		child_fail(k, SPAWN_STEP_SETPGID, errno);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		child_fail(k, SPAWN_STEP_PDEATHSIG, errno);
	if (getppid() != k->master) /* the master died before prctl */
		_exit(127);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* glibc refuses its own real-time signals (32, 33), which an
		 * ignoring parent may have left ignored: ask the kernel.  The
		 * handlers are the child's own copy (no CLONE_SIGHAND). */
		if (sigaction(sig, &sa, NULL) == -1) {
			struct {
				void	     *h;
				unsigned long f;
				void	     *r;
				unsigned long m;
			} ksa = { SIG_DFL, 0, NULL, 0 };

			(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL,
			    sizeof ksa.m);
		}
	}
}

/* Everything from base up closes at exec. */
static void
child_cloexec_from(int base)
{
	int fd;

	if (syscall(SYS_close_range, (unsigned)base, ~0U,
		CLOSE_RANGE_CLOEXEC) == -1)
		for (fd = base; fd < 65536; fd++)
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* The fd limit workers get: the one gwd was started with. */
static struct rlimit worker_nofile;
static int	     worker_nofile_set;

void
spawn_raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == -1 || r.rlim_cur >= r.rlim_max)
		return;
	worker_nofile = r;
	r.rlim_cur = r.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &r) == 0)
		worker_nofile_set = 1;
}

/*
 * The child, from clone to execve: only async-signal-safe calls, and
 * only raw system calls where glibc would act on the master's other
 * threads (setuid and friends broadcast to every thread of the process
 * glibc believes it is in, which here is the master's).
 */
static int
child_main(void *arg)
{
	struct spawn_child     *k = arg;
	const struct spawn_ctx *c = k->c;
	int			i;
	sigset_t		none;

	/* First our own fd table, copying only the master's low fds: the
	 * window with our fds and the master's own, not one per worker. */
	k->errw = k->want[k->n];
	if (k->lowfd > 0 &&
	    syscall(SYS_close_range, (unsigned)k->lowfd, ~0U,
		CLOSE_RANGE_UNSHARE) == -1)
		child_fail(k, SPAWN_STEP_FDS, errno);
	/* Lift every fd we need above the target range first. */
	if ((k->errw = fcntl(k->errw, F_DUPFD_CLOEXEC, k->n)) == -1)
		_exit(127);
	for (i = 0; i < k->n; i++)
		if ((k->hi[i] = fcntl(k->want[i], F_DUPFD_CLOEXEC, k->n)) == -1)
			child_fail(k, SPAWN_STEP_FDS, errno);
	for (i = 0; i < k->n; i++)
		if (dup2(k->hi[i], i) == -1)
			child_fail(k, SPAWN_STEP_FDS, errno);
	/* Everything else closes at exec (the error pipe included). */
	child_cloexec_from(k->n);

	child_detach(k);
	if (worker_nofile_set && setrlimit(RLIMIT_NOFILE, &worker_nofile) == -1)
		child_fail(k, SPAWN_STEP_FDS, errno);
	if (c != NULL && c->set_ids) {
		if (syscall(SYS_setgroups, (size_t)c->ngroups, c->groups) ==
			-1 ||
		    syscall(SYS_setgid, c->gid) == -1 ||
		    syscall(SYS_setuid, c->uid) == -1)
			child_fail(k, SPAWN_STEP_IDS, errno);
	}
	if (c != NULL && c->umask >= 0)
		umask((mode_t)c->umask);
	if (c != NULL && c->chdir != NULL && chdir(c->chdir) == -1)
		child_fail(k, SPAWN_STEP_CHDIR, errno);
	if (k->listen_pid != NULL)
		put_pid(k->listen_pid, getpid());
	if (k->watchdog_pid != NULL)
		put_pid(k->watchdog_pid, getpid());
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(k->path, k->argv, k->envp);
	child_fail(k, SPAWN_STEP_EXEC, errno);
}

/*
 * The spawn window: a few fds reserved low in the master's table, each
 * /dev/null while idle.  A spawn puts the fds its child needs there, so
 * the child can share the master's table and copy only what lies below
 * the window's end, however many workers' pipes the master holds above
 * it: the kernel's per-fd work at fork and exec no longer grows with the
 * pool.  Reserved once, early; slot 0 stays /dev/null (the child's stdin).
 */
#define SPAWN_WINDOW_MIN 16
#define SPAWN_WINDOW_MAX 256
static int win[SPAWN_WINDOW_MAX];
static int nwin;    /* slots reserved */
static int win_end; /* 1 + the highest slot */
static int win_tried;

static void
spawn_window_reserve(size_t nlisteners)
{
	int i, n;

	if (win_tried)
		return;
	win_tried = 1;
	/* Room for stdout/stderr, the notify fd, the listeners, and as
	 * many listeners again as a reload may add. */
	n = nlisteners * 2 + 4;
	if (n < SPAWN_WINDOW_MIN)
		n = SPAWN_WINDOW_MIN;
	if (n > SPAWN_WINDOW_MAX)
		n = SPAWN_WINDOW_MAX;
	if ((win[0] = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return;
	for (i = 1; i < n; i++)
		if ((win[i] = fcntl(win[0], F_DUPFD_CLOEXEC, 3)) == -1)
			break;
	nwin = i;
	for (i = 0; i < nwin; i++)
		if (win[i] + 1 > win_end)
			win_end = win[i] + 1;
}

/*
 * Fill the window for a child: want[0 .. n-1] above fd 2 (but /dev/null,
 * slot 0 already) go to slots 1.. and want[] is rewritten to the slots.
 * 0 if they fit; -1 if not, want[] naming the same files as before (some
 * perhaps through slots: spawn_window_clear() only after the clone).
 * Fds 0-2 of the master lie below the window's end anyway.
 */
static int
spawn_window_fill(int *want, int n)
{
	int used = 1, i;

	if (nwin == 0)
		return -1;
	for (i = 0; i < n; i++)
		if (want[i] > 2 && want[i] != win[0])
			used++;
	if (used > nwin)
		return -1;
	used = 1;
	for (i = 0; i < n; i++) {
		if (want[i] <= 2 || want[i] == win[0])
			continue;
		if (dup3(want[i], win[used], O_CLOEXEC) == -1)
			return -1;
		want[i] = win[used++];
	}
	return 0;
}

/* Back to /dev/null: the master holds no child's end any more. */
static void
spawn_window_clear(void)
{
	int i;

	for (i = 1; i < nwin; i++)
		(void)dup3(win[0], win[i], O_CLOEXEC);
}

/*
 * Valgrind runs only the clone() of fork and vfork, not one that shares
 * the fd table: under it, a plain fork (slower with many workers, same
 * result).
 */
static int
spawn_plain_fork(void)
{
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
	return RUNNING_ON_VALGRIND;
#endif
#endif
	return 0;
}

/*
 * Below this many fds in the master (the error pipe's number, the lowest
 * free one, tells), a plain fork: copying a small table costs the child
 * less than the master's wait for the child's exec under CLONE_VFORK
 * costs the master (256 workers: 1.1x the bare fork+exec loop with fork,
 * about 2x with the window; 1024 and more: the window wins, 4096 by 2x).
 */
#define SPAWN_SHARE_FROM 1024

/* The child's stack (CLONE_VM): only the master's main thread spawns. */
#define SPAWN_STACK	 (256 * 1024)
static char *child_stack;

/* A child leaves by exec or _exit, never by returning, so AddressSanitizer
 * never sees its frames end: their poison would greet the next child. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define SPAWN_STACK_FRESH(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SPAWN_STACK_FRESH(p, n) ((void)0)
#endif

/*
 * Start the child k describes.  The child borrows the master's memory
 * (CLONE_VM: no page tables to copy, none to tear down at exec) and, when
 * its fds fit the window, its fd table (CLONE_FILES) until its first step
 * unshares the low part of it; the master waits meanwhile (CLONE_VFORK),
 * so the child touches nothing of the master's but its own stack, k and
 * what k points to.  Returns the pid, or -1 with errno (no child).
 */
static pid_t
spawn_run(struct spawn_child *k)
{
	sigset_t all, old;
	pid_t	 pid;
	int	 flags = CLONE_VM | CLONE_VFORK | SIGCHLD, saved;
	int	 plain = spawn_plain_fork() || k->want[k->n] < SPAWN_SHARE_FROM;

	if (!plain && child_stack == NULL) {
		child_stack = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (child_stack == MAP_FAILED) {
			child_stack = NULL;
			return -1;
		}
	}
	spawn_window_reserve(0);
	k->master = getpid();
	k->lowfd = 0;
	if (!plain && spawn_window_fill(k->want, k->n + 1) == 0) {
		k->lowfd = win_end;
		flags |= CLONE_FILES;
	} /* else (more listeners than the window holds) the whole table
		 * is copied, as by fork */
	if (!plain)
		SPAWN_STACK_FRESH(child_stack, SPAWN_STACK);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if (plain) {
		if ((pid = fork()) == 0)
			(void)child_main(k);
	} else
		pid = clone(child_main, child_stack + SPAWN_STACK, flags, k);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!plain)
		spawn_window_clear();
	if (pid == -1) {
		errno = saved;
		return -1;
	}
	/* The child did it too; both orders avoid a race with the first
	 * kill(-pid). */
	(void)setpgid(pid, pid);
	return pid;
}

int
spawn_worker(const struct spawn_ctx *c, int id, unsigned gen,
    struct spawn_result *res)
{
	struct spawn_child k;
	char		 **envp, *lp, *wp = NULL;
	int		  *want, *hi, errp[2], outp[2] = { -1, -1 };
	int		   nfp[2], saved, nw;
	size_t		   n = 0, i;
	pid_t		   pid;

	spawn_window_reserve(c->nfds);
	if (nwin == 0) { /* not even /dev/null could be opened */
		errno = EMFILE;
		return -1;
	}
	if (pipe2(errp, O_CLOEXEC) == -1)
		return -1;
	/* Without the output pipe (out of fds) the worker writes to gwd's
	 * stderr itself, and no tail of its output is kept. */
	if (pipe2(outp, O_CLOEXEC) == -1) {
		if (c->capture) {
			saved = errno;
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

	/* The fd plan: stdin /dev/null; stdout the output pipe with
	 * --capture-output, else gwd's stderr; stderr the pipe whenever
	 * there is one; the listeners from 3; the notify fd after them
	 * (GWD_NOTIFY_FD); then the error pipe. */
	nw = 3 + (int)c->nfds + (nfp[1] != -1);
	want = xcalloc((size_t)nw + 1, sizeof *want);
	hi = xcalloc((size_t)nw + 1, sizeof *hi);
	want[0] = win[0];
	want[1] = c->capture && outp[1] != -1 ? outp[1] : 2;
	want[2] = outp[1] != -1 ? outp[1] : 2;
	for (i = 0; i < c->nfds; i++)
		want[3 + i] = c->fds[i];
	if (nfp[1] != -1)
		want[nw - 1] = nfp[1];
	want[nw] = errp[1];

	memset(&k, 0, sizeof k);
	k.path = c->path;
	k.argv = c->argv;
	k.envp = envp;
	k.want = want;
	k.hi = hi;
	k.n = nw;
	k.c = c;
	k.listen_pid = lp + strlen("LISTEN_PID=");
	k.watchdog_pid = wp ? wp + strlen("WATCHDOG_PID=") : NULL;
	pid = spawn_run(&k);
	saved = errno;

	for (i = c->nenv; i < n; i++)
		free(envp[i]);
	free(envp);
	free(want);
	free(hi);
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

int
spawn_command(const char *path, char *const argv[], char *const envp[],
    struct spawn_result *res)
{
	struct spawn_child k;
	int		   errp[2], outp[2], want[4], hi[4], saved;
	pid_t		   pid;

	spawn_window_reserve(0);
	if (nwin == 0) {
		errno = EMFILE;
		return -1;
	}
	if (pipe2(errp, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(outp, O_CLOEXEC) == -1) {
		saved = errno;
		close(errp[0]);
		close(errp[1]);
		errno = saved;
		return -1;
	}
	/* stdin /dev/null, stdout and stderr the pipe; the error pipe. */
	want[0] = win[0];
	want[1] = want[2] = outp[1];
	want[3] = errp[1];
	memset(&k, 0, sizeof k);
	k.path = path;
	k.argv = argv;
	k.envp = envp;
	k.want = want;
	k.hi = hi;
	k.n = 3;
	pid = spawn_run(&k);
	saved = errno;
	close(errp[1]);
	close(outp[1]);
	if (pid == -1) {
		close(errp[0]);
		close(outp[0]);
		errno = saved;
		return -1;
	}
	gw_set_nonblock(errp[0], 1);
	gw_set_nonblock(outp[0], 1);
	res->pid = pid;
	res->errfd = errp[0];
	res->outfd = outp[0];
	res->notifyfd = -1;
	return 0;
}
