/*
 * testworker.c: the worker the integration tests and benchmarks run under
 * gwd.  One small program whose behaviour is chosen on the command line:
 * serve HTTP on the inherited sockets, crash, exit at boot, hang without
 * heartbeats, boot slowly, ignore SIGTERM, fork a grandchild, leak memory,
 * ask to be recycled, leave on its own.  It can also write a report of what
 * it inherited (fds, environment, signal mask, process group) for the tests
 * to inspect.  It owns nothing but itself; it talks to gwd only through the
 * worker protocol (LISTEN_FDS, NOTIFY_SOCKET, signals).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/notify_send.h"
#include "gw/parse.h"

#define TW_MAX_FDS	64
#define TW_NEVER	UINT64_MAX
/* Memory is grown in ten steps a second so RSS rises smoothly. */
#define TW_LEAK_TICK_MS	100

extern char **environ;

struct tw_opts {
	int		 serve;
	int		 crash;
	int		 exit_code;
	uint64_t	 after_ms;		/* crash: delay from start */
	uint64_t	 crash_after_ready_ms;	/* TW_NEVER if unset */
	int		 crash_signal;		/* raise this instead of exit */
	uint64_t	 boot_delay_ms;
	uint64_t	 heartbeat_ms;		/* 0: no heartbeats */
	uint64_t	 hang_after_ms;		/* TW_NEVER if unset */
	int		 ignore_term;
	uint64_t	 term_delay_ms;
	int		 grandchild;
	const char	*grandchild_pidfile;
	const char	*report_fds;
	uint64_t	 leak_per_s;
	uint64_t	 leak_max;
	uint64_t	 child_leak_per_s;	/* in a child */
	uint64_t	 child_burn_ms;		/* CPU, in a child that exits */
	uint64_t	 recycle_after;		/* 0: never */
	int		 stopping;
	uint64_t	 stopping_after_ms;
	int		 no_ready;
	const char	*print;
};

static volatile sig_atomic_t	 tw_got_term;
static volatile sig_atomic_t	 tw_got_usr1;
static volatile sig_atomic_t	 tw_got_chld;

/* --notify-fd: messages go to $GWD_NOTIFY_FD as lines, not datagrams. */
static int		 tw_nfd = -1;
static const char	*tw_id = "?";
static const char	*tw_gen = "?";

static uint64_t
tw_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
tw_on_term(int sig)
{
	(void)sig;
	tw_got_term = 1;
}

static void
tw_on_usr1(int sig)
{
	(void)sig;
	tw_got_usr1 = 1;
}

static void
tw_on_chld(int sig)
{
	(void)sig;
	tw_got_chld = 1;
}

static void __attribute__((noreturn))
tw_usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "testworker: %s\n", msg);
	fprintf(stderr,
"usage: testworker [--mode serve,crash,exit-at-boot,hang,slow-boot,\n"
"                   ignore-term,grandchild,stopping] [options]\n"
"  --boot-delay D          wait D before READY=1 (slow boot)\n"
"  --heartbeat D           send WATCHDOG=1 every D\n"
"  --hang-after D          stop heartbeats and serving after D, block\n"
"  --exit-code N           crash status (default 1)\n"
"  --after D               crash D after start (0: before READY)\n"
"  --crash-after-ready D   crash D after READY\n"
"  --crash-signal SIG      die of SIG instead of exiting\n"
"  --ignore-term           SIGTERM is ignored (only SIGKILL ends it)\n"
"  --term-delay D          on SIGTERM, exit 0 after D\n"
"  --grandchild            fork a child that sleeps forever\n"
"  --grandchild-pidfile F  where its pid goes (else $TW_STATE_DIR)\n"
"  --report-fds FILE       write fds, env, mask, pgid to FILE.PID\n"
"  --leak SIZE[/s]         grow resident memory by SIZE a second\n"
"  --leak-max SIZE         stop growing there (default 1G)\n"
"  --child-leak SIZE[/s]   a child (same process group) grows instead,\n"
"                          up to --leak-max; its pid goes to\n"
"                          $TW_STATE_DIR/grandchild.PID\n"
"  --child-burn D          a child uses D of CPU time, exits, is reaped\n"
"  --recycle-after N       send GWD_RECYCLE=1 after N requests\n"
"  --stopping[=D]          D after READY send STOPPING=1 and exit 0\n"
"  --no-ready              never send READY=1\n"
"  --print TEXT            print TEXT to stdout and stderr at start\n"
"  --notify-fd             notify through $GWD_NOTIFY_FD, a line a field\n");
	exit(2);
}

static uint64_t
tw_duration(const char *opt, const char *s)
{
	uint64_t	 v;
	const char	*err;
	char		 buf[128];

	if (parse_duration_ms(s, &v, &err) == -1) {
		snprintf(buf, sizeof buf, "%s: %s: %s", opt, s, err);
		tw_usage(buf);
	}
	return v;
}

static uint64_t
tw_size(const char *opt, const char *s)
{
	uint64_t	 v;
	const char	*err;
	char		 buf[128], tmp[64];
	size_t		 n;

	/* Accept "64M/s" as well as "64M". */
	n = strcspn(s, "/");
	if (n >= sizeof tmp)
		tw_usage("size too long");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (s[n] != '\0' && strcmp(s + n, "/s") != 0)
		tw_usage("rates are per second: SIZE/s");
	if (parse_size(tmp, &v, &err) == -1) {
		snprintf(buf, sizeof buf, "%s: %s: %s", opt, s, err);
		tw_usage(buf);
	}
	return v;
}

static void
tw_modes(struct tw_opts *o, const char *list)
{
	char	*copy, *tok, *save;

	if ((copy = strdup(list)) == NULL)
		exit(1);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "serve") == 0)
			o->serve = 1;
		else if (strcmp(tok, "crash") == 0)
			o->crash = 1;
		else if (strcmp(tok, "exit-at-boot") == 0) {
			o->crash = 1;
			o->after_ms = 0;
		} else if (strcmp(tok, "hang") == 0) {
			if (o->hang_after_ms == TW_NEVER)
				o->hang_after_ms = 500;
		} else if (strcmp(tok, "slow-boot") == 0) {
			if (o->boot_delay_ms == 0)
				o->boot_delay_ms = 3000;
		} else if (strcmp(tok, "ignore-term") == 0)
			o->ignore_term = 1;
		else if (strcmp(tok, "grandchild") == 0)
			o->grandchild = 1;
		else if (strcmp(tok, "stopping") == 0)
			o->stopping = 1;
		else {
			fprintf(stderr, "testworker: unknown mode %s\n", tok);
			exit(2);
		}
	}
	free(copy);
}

static void
tw_parse(struct tw_opts *o, int argc, char **argv)
{
	enum { O_MODE = 256, O_BOOT, O_HB, O_HANG, O_EXIT, O_AFTER, O_CAR,
	    O_CSIG, O_IGN, O_TDELAY, O_GC, O_GCPID, O_REPORT, O_LEAK,
	    O_LEAKMAX, O_RECYCLE, O_STOPPING, O_NOREADY, O_PRINT, O_CLEAK,
	    O_CBURN, O_NFD };
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, O_MODE },
		{ "boot-delay", required_argument, NULL, O_BOOT },
		{ "heartbeat", required_argument, NULL, O_HB },
		{ "hang-after", required_argument, NULL, O_HANG },
		{ "exit-code", required_argument, NULL, O_EXIT },
		{ "after", required_argument, NULL, O_AFTER },
		{ "crash-after-ready", required_argument, NULL, O_CAR },
		{ "crash-signal", required_argument, NULL, O_CSIG },
		{ "ignore-term", no_argument, NULL, O_IGN },
		{ "term-delay", required_argument, NULL, O_TDELAY },
		{ "grandchild", no_argument, NULL, O_GC },
		{ "grandchild-pidfile", required_argument, NULL, O_GCPID },
		{ "report-fds", required_argument, NULL, O_REPORT },
		{ "leak", required_argument, NULL, O_LEAK },
		{ "leak-max", required_argument, NULL, O_LEAKMAX },
		{ "child-leak", required_argument, NULL, O_CLEAK },
		{ "child-burn", required_argument, NULL, O_CBURN },
		{ "recycle-after", required_argument, NULL, O_RECYCLE },
		{ "stopping", optional_argument, NULL, O_STOPPING },
		{ "no-ready", no_argument, NULL, O_NOREADY },
		{ "print", required_argument, NULL, O_PRINT },
		{ "notify-fd", no_argument, NULL, O_NFD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t	 v;
	const char	*err;
	int		 c, any_mode = 0;

	memset(o, 0, sizeof *o);
	o->exit_code = 1;
	o->crash_after_ready_ms = TW_NEVER;
	o->hang_after_ms = TW_NEVER;
	o->leak_max = 1024ULL * 1024 * 1024;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			tw_modes(o, optarg);
			any_mode = 1;
			break;
		case O_BOOT:
			o->boot_delay_ms = tw_duration("--boot-delay", optarg);
			break;
		case O_HB:
			o->heartbeat_ms = tw_duration("--heartbeat", optarg);
			break;
		case O_HANG:
			o->hang_after_ms = tw_duration("--hang-after", optarg);
			break;
		case O_EXIT:
			if (parse_uint(optarg, 0, 255, &v, &err) == -1)
				tw_usage("--exit-code: 0..255");
			o->exit_code = (int)v;
			break;
		case O_AFTER:
			o->after_ms = tw_duration("--after", optarg);
			o->crash = 1;
			break;
		case O_CAR:
			o->crash_after_ready_ms =
			    tw_duration("--crash-after-ready", optarg);
			break;
		case O_CSIG:
			if (parse_signal(optarg, &o->crash_signal) == -1)
				tw_usage("--crash-signal: bad signal");
			break;
		case O_IGN:
			o->ignore_term = 1;
			break;
		case O_TDELAY:
			o->term_delay_ms = tw_duration("--term-delay", optarg);
			break;
		case O_GC:
			o->grandchild = 1;
			break;
		case O_GCPID:
			o->grandchild_pidfile = optarg;
			o->grandchild = 1;
			break;
		case O_REPORT:
			o->report_fds = optarg;
			break;
		case O_LEAK:
			o->leak_per_s = tw_size("--leak", optarg);
			break;
		case O_LEAKMAX:
			o->leak_max = tw_size("--leak-max", optarg);
			break;
		case O_CLEAK:
			o->child_leak_per_s = tw_size("--child-leak", optarg);
			break;
		case O_CBURN:
			o->child_burn_ms = tw_duration("--child-burn", optarg);
			break;
		case O_RECYCLE:
			if (parse_uint(optarg, 1, UINT32_MAX, &v, &err) == -1)
				tw_usage("--recycle-after: a positive count");
			o->recycle_after = v;
			break;
		case O_STOPPING:
			o->stopping = 1;
			if (optarg != NULL)
				o->stopping_after_ms =
				    tw_duration("--stopping", optarg);
			break;
		case O_NOREADY:
			o->no_ready = 1;
			break;
		case O_PRINT:
			o->print = optarg;
			break;
		case O_NFD:
			if (getenv("GWD_NOTIFY_FD") == NULL)
				tw_usage("--notify-fd: GWD_NOTIFY_FD unset");
			tw_nfd = atoi(getenv("GWD_NOTIFY_FD"));
			break;
		case 'h':
			tw_usage(NULL);
		default:
			tw_usage("bad option");
		}
	}
	if (optind != argc)
		tw_usage("unexpected argument");
	/* A crash-after-ready or a plain run serves until it ends. */
	if (!any_mode && !o->crash)
		o->serve = 1;
	if (o->crash_after_ready_ms != TW_NEVER)
		o->serve = 1;
	/* Hanging means missing heartbeats, so there must be some first. */
	if (o->hang_after_ms != TW_NEVER && o->heartbeat_ms == 0)
		o->heartbeat_ms = 100;
}

/* Send one notify datagram; gwd being gone is not our problem. */
static void
tw_notify(const char *msg)
{
	if (tw_nfd != -1) {
		char	line[4200];
		int	n = snprintf(line, sizeof line, "%s\n", msg);

		if (write(tw_nfd, line, (size_t)n) != n)
			fprintf(stderr, "testworker[%ld]: notify fd %d: %s\n",
			    (long)getpid(), tw_nfd, strerror(errno));
		return;
	}
	if (notify_send(NULL, msg) == -1)
		fprintf(stderr, "testworker[%ld]: notify %s: %s\n",
		    (long)getpid(), msg, strerror(errno));
}

static void
tw_report_status_line(FILE *out, const char *key)
{
	FILE	*f;
	char	 line[256];
	size_t	 klen = strlen(key);

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			char *v = line + klen + 1;
			v += strspn(v, " \t");
			fprintf(out, "%s=%s", key, v);
			break;
		}
	}
	fclose(f);
}

/*
 * Write what the worker inherited to FILE.PID, before it opens anything
 * itself: the open fds with their targets, the environment, the blocked
 * and ignored signal sets, pid/pgid/ppid, uid/gid, umask, cwd.  Written to
 * a temporary name and renamed so a reader never sees half a report.
 */
static void
tw_report(const char *base)
{
	int		 fds[TW_MAX_FDS], nfds = 0, i, dfd;
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX], tmp[PATH_MAX + 8], link[PATH_MAX];
	char		 cwd[PATH_MAX];
	ssize_t		 n;
	FILE		*out;
	mode_t		 um;
	char		**e;

	/* List the fds first: opening the report file adds one. */
	if ((d = opendir("/proc/self/fd")) == NULL) {
		perror("testworker: /proc/self/fd");
		exit(1);
	}
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		i = atoi(de->d_name);
		if (i == dfd || nfds == TW_MAX_FDS)
			continue;
		fds[nfds++] = i;
	}
	closedir(d);
	/* readdir order is not sorted. */
	for (i = 1; i < nfds; i++) {
		int v = fds[i], j = i - 1;
		while (j >= 0 && fds[j] > v) {
			fds[j + 1] = fds[j];
			j--;
		}
		fds[j + 1] = v;
	}

	snprintf(path, sizeof path, "%s.%ld", base, (long)getpid());
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((out = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "testworker: %s: %s\n", tmp, strerror(errno));
		exit(1);
	}
	fprintf(out, "pid=%ld\nppid=%ld\npgid=%ld\nsid=%ld\n",
	    (long)getpid(), (long)getppid(), (long)getpgid(0),
	    (long)getsid(0));
	fprintf(out, "uid=%ld\ngid=%ld\neuid=%ld\negid=%ld\n",
	    (long)getuid(), (long)getgid(), (long)geteuid(),
	    (long)getegid());
	um = umask(0);
	umask(um);
	fprintf(out, "umask=%04o\n", (unsigned)um);
	if (getcwd(cwd, sizeof cwd) != NULL)
		fprintf(out, "cwd=%s\n", cwd);
	fprintf(out, "fds=");
	for (i = 0; i < nfds; i++)
		fprintf(out, "%s%d", i ? " " : "", fds[i]);
	fprintf(out, "\n");
	for (i = 0; i < nfds; i++) {
		int fl;

		snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
		n = readlink(path, link, sizeof link - 1);
		link[n < 0 ? 0 : n] = '\0';
		fl = fcntl(fds[i], F_GETFD);
		fprintf(out, "fd.%d=%s%s\n", fds[i], link,
		    fl != -1 && (fl & FD_CLOEXEC) ? " cloexec" : "");
	}
	tw_report_status_line(out, "SigBlk");
	tw_report_status_line(out, "SigIgn");
	tw_report_status_line(out, "Groups");
	for (e = environ; *e != NULL; e++)
		fprintf(out, "env.%s\n", *e);
	if (fclose(out) == EOF) {
		fprintf(stderr, "testworker: %s: %s\n", tmp, strerror(errno));
		exit(1);
	}
	snprintf(path, sizeof path, "%s.%ld", base, (long)getpid());
	if (rename(tmp, path) == -1) {
		fprintf(stderr, "testworker: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/*
 * Fork a child that sleeps until killed.  It stays in our process group and
 * sets no death signal, so only gwd's group kill (or reaping as subreaper)
 * can end it; the test checks that it does.
 */
static void
tw_grandchild(const char *pidfile)
{
	char	 path[PATH_MAX], tmp[PATH_MAX + 8], buf[32];
	const char *dir;
	pid_t	 pid;
	int	 fd, len;

	if (pidfile == NULL) {
		if ((dir = getenv("TW_STATE_DIR")) == NULL)
			dir = "/tmp";
		snprintf(path, sizeof path, "%s/grandchild.%ld", dir,
		    (long)getpid());
		pidfile = path;
	}
	switch ((pid = fork())) {
	case -1:
		perror("testworker: fork");
		exit(1);
	case 0:
		/* Not a worker: let go of the listeners. */
		for (fd = 3; fd < TW_MAX_FDS; fd++)
			close(fd);
		signal(SIGTERM, SIG_DFL);
		for (;;)
			pause();
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
	len = snprintf(buf, sizeof buf, "%ld\n", (long)pid);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644))
	    == -1 || write(fd, buf, (size_t)len) != len || close(fd) == -1 ||
	    rename(tmp, pidfile) == -1) {
		fprintf(stderr, "testworker: %s: %s\n", pidfile,
		    strerror(errno));
		exit(1);
	}
}

/* Answer one connection: read the request head (bounded), reply, close. */
static void
tw_answer(int cfd)
{
	char		 req[4096], resp[512], body[160];
	size_t		 got = 0;
	ssize_t		 n;
	struct timeval	 tv = { 1, 0 };
	int		 blen, rlen;

	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	while (got < sizeof req - 1) {
		n = read(cfd, req + got, sizeof req - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL ||
		    strstr(req, "\n\n") != NULL)
			break;
	}
	blen = snprintf(body, sizeof body, "worker %s pid %ld gen %s\n",
	    tw_id, (long)getpid(), tw_gen);
	rlen = snprintf(resp, sizeof resp,
	    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %d\r\nConnection: close\r\n\r\n%s", blen, body);
	(void)!write(cfd, resp, (size_t)rlen);
	close(cfd);
}

/* The leaked blocks, chained so the compiler cannot drop them. */
static void * volatile	 tw_leaked;

/* Grow RSS by about per_s a second, touching every page. */
static void
tw_leak(uint64_t per_s, uint64_t max, uint64_t *total)
{
	size_t	 step = (size_t)(per_s * TW_LEAK_TICK_MS / 1000);
	void	**p;

	if (step < sizeof *p || *total >= max)
		return;
	if ((p = malloc(step)) == NULL)
		return;
	memset(p, 0xa5, step);
	*p = tw_leaked;
	tw_leaked = p;
	*total += step;
}

static uint64_t
tw_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* CPU time this process has used, in ms. */
static uint64_t
tw_cpu_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A child of the worker, in its process group, that is not a worker: it
 * lets go of the listeners and takes the default TERM.  Its pid goes to
 * $TW_STATE_DIR/grandchild.PID, where the tests' cleanup finds it.
 * Returns in the child (0) and in the worker (the pid).
 */
/* The mask while waiting: what it was before the loop blocked its
 * signals. */
static sigset_t	tw_waitmask;

/* poll(2) that lets the loop's signals in only while it waits. */
static int
tw_wait(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	struct timespec	ts;

	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
	return ppoll(pfd, n, timeout_ms < 0 ? NULL : &ts, &tw_waitmask);
}

static pid_t
tw_fork_child(void)
{
	char		 path[PATH_MAX];
	const char	*dir;
	pid_t		 pid;
	int		 fd;

	if ((pid = fork()) == -1) {
		perror("testworker: fork");
		exit(1);
	}
	if (pid == 0) {
		for (fd = 3; fd < TW_MAX_FDS; fd++)
			close(fd);
		signal(SIGTERM, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &tw_waitmask, NULL);
		return 0;
	}
	if ((dir = getenv("TW_STATE_DIR")) == NULL)
		dir = "/tmp";
	snprintf(path, sizeof path, "%s/grandchild.%ld", dir, (long)pid);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) != -1) {
		dprintf(fd, "%ld\n", (long)pid);
		close(fd);
	}
	return pid;
}

/* --child-leak: the memory grows in a child, the worker stays small. */
static void
tw_child_leak(uint64_t per_s, uint64_t max)
{
	uint64_t	leaked = 0;

	if (tw_fork_child() != 0)
		return;
	for (;;) {
		tw_leak(per_s, max, &leaked);
		poll(NULL, 0, TW_LEAK_TICK_MS);
	}
}

/* --child-burn: a child uses ms of CPU and exits; the worker reaps it,
 * so its time moves to the worker's cutime and cstime. */
static void
tw_child_burn(uint64_t ms)
{
	volatile uint64_t	x = 0;

	if (tw_fork_child() != 0)
		return;
	while (tw_cpu_ms() < ms)
		x++;
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct tw_opts	 o;
	struct sigaction sa;
	sigset_t	 blocked;
	struct pollfd	 pfd[TW_MAX_FDS];
	unsigned long long nreq = 0;
	uint64_t	 start, now, ready_at = TW_NEVER, next_hb = TW_NEVER;
	uint64_t	 next_leak = TW_NEVER, term_exit = TW_NEVER, leaked = 0;
	uint64_t	 deadline, crash_at = TW_NEVER, stop_at = TW_NEVER;
	const char	*s;
	char		 msg[128];
	int		 nlisten = 0, i, timeout, hung = 0, recycled = 0;

	start = tw_now_ms();
	/* The report must come before anything we open ourselves. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--report-fds") == 0 && i + 1 < argc)
			tw_report(argv[i + 1]);
		else if (strncmp(argv[i], "--report-fds=", 13) == 0)
			tw_report(argv[i] + 13);
	}
	tw_parse(&o, argc, argv);
	if ((s = getenv("GWD_WORKER_ID")) != NULL)
		tw_id = s;
	if ((s = getenv("GWD_GENERATION")) != NULL)
		tw_gen = s;
	if (o.print != NULL) {
		printf("%s out\n", o.print);
		fflush(stdout);
		fprintf(stderr, "%s err\n", o.print);
	}

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() and pause() must return on a signal. */
	sa.sa_handler = o.ignore_term ? SIG_IGN : tw_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = tw_on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	if (o.child_burn_ms > 0) {
		sa.sa_handler = tw_on_chld;
		sigaction(SIGCHLD, &sa, NULL);
	}

	if ((s = getenv("LISTEN_FDS")) != NULL) {
		nlisten = atoi(s);
		if (nlisten < 0 || nlisten > TW_MAX_FDS)
			nlisten = 0;
	}
	for (i = 0; i < nlisten; i++) {
		/* Shared with the other workers: whoever loses the race to
		 * accept must not block. */
		fcntl(3 + i, F_SETFL, fcntl(3 + i, F_GETFL) | O_NONBLOCK);
		pfd[i].fd = 3 + i;
		pfd[i].events = POLLIN;
	}

	if (o.grandchild)
		tw_grandchild(o.grandchild_pidfile);
	if (o.child_leak_per_s > 0)
		tw_child_leak(o.child_leak_per_s, o.leak_max);
	if (o.child_burn_ms > 0)
		tw_child_burn(o.child_burn_ms);
	if (o.crash && o.after_ms == 0 && o.crash_after_ready_ms == TW_NEVER)
		goto crash;
	if (o.crash && o.crash_after_ready_ms == TW_NEVER)
		crash_at = start + o.after_ms;
	if (o.heartbeat_ms > 0)
		next_hb = start;
	if (o.leak_per_s > 0)
		next_leak = start;

	/* The signals the loop waits for stay blocked but while it waits
	 * (ppoll, sigsuspend): one that comes between the check of its flag
	 * and the wait is never missed. */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGUSR1);
	sigaddset(&blocked, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blocked, &tw_waitmask);
	for (;;) {
		now = tw_now_ms();
		if (tw_got_term && term_exit == TW_NEVER) {
			term_exit = now + o.term_delay_ms;
			/* No more accepting: let go of the listeners so that
			 * new clients are refused once gwd has too. */
			for (i = 0; i < nlisten; i++)
				close(3 + i);
			nlisten = 0;
		}
		if (tw_got_chld) {
			/* Reap our children (--child-burn): their CPU time
			 * becomes ours (cutime). */
			tw_got_chld = 0;
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		}
		if (tw_got_usr1) {
			tw_got_usr1 = 0;
			fprintf(stderr, "testworker[%ld]: USR1\n",
			    (long)getpid());
		}
		if (now >= term_exit)
			exit(0);
		if (now >= crash_at)
			goto crash;
		if (ready_at == TW_NEVER && now >= start + o.boot_delay_ms &&
		    !o.no_ready) {
			ready_at = now;
			tw_notify("READY=1\nSTATUS=serving");
			if (o.crash_after_ready_ms != TW_NEVER)
				crash_at = now + o.crash_after_ready_ms;
			if (o.stopping)
				stop_at = now + o.stopping_after_ms;
		}
		if (now >= stop_at) {
			tw_notify("STOPPING=1");
			exit(0);
		}
		if (!hung && o.hang_after_ms != TW_NEVER &&
		    now >= start + o.hang_after_ms) {
			/* Stuck: no heartbeats, no serving, until a signal
			 * ends us (SIGTERM exits; SIGABRT kills). */
			hung = 1;
			tw_notify("STATUS=hung");
			while (!tw_got_term)
				sigsuspend(&tw_waitmask);
			continue;
		}
		if (now >= next_hb) {
			tw_notify("WATCHDOG=1");
			next_hb = now + o.heartbeat_ms;
		}
		if (now >= next_leak) {
			tw_leak(o.leak_per_s, o.leak_max, &leaked);
			next_leak = now + TW_LEAK_TICK_MS;
		}

		deadline = tw_min(tw_min(term_exit, crash_at),
		    tw_min(next_hb, next_leak));
		deadline = tw_min(deadline, stop_at);
		if (ready_at == TW_NEVER && !o.no_ready)
			deadline = tw_min(deadline, start + o.boot_delay_ms);
		if (o.hang_after_ms != TW_NEVER)
			deadline = tw_min(deadline, start + o.hang_after_ms);
		timeout = deadline == TW_NEVER ? -1 :
		    (int)tw_min(deadline - now, INT_MAX);

		/* Serve only once ready and until asked to stop. */
		if (o.serve && ready_at != TW_NEVER && term_exit == TW_NEVER &&
		    nlisten > 0) {
			if (tw_wait(pfd, (nfds_t)nlisten, timeout) <= 0)
				continue;
			for (i = 0; i < nlisten; i++) {
				int cfd;

				if (!(pfd[i].revents & POLLIN))
					continue;
				cfd = accept4(pfd[i].fd, NULL, NULL,
				    SOCK_CLOEXEC);
				if (cfd == -1)
					continue;
				tw_answer(cfd);
				nreq++;
				snprintf(msg, sizeof msg, "GWD_REQUESTS=%llu",
				    nreq);
				tw_notify(msg);
				if (o.recycle_after > 0 && !recycled &&
				    nreq >= o.recycle_after) {
					recycled = 1;
					tw_notify("GWD_RECYCLE=1");
				}
			}
		} else
			(void)tw_wait(NULL, 0, timeout);
	}

crash:
	if (o.crash_signal != 0) {
		signal(o.crash_signal, SIG_DFL);
		raise(o.crash_signal);
	}
	exit(o.exit_code);
}
