/*
 * forkexec.c: the start-up benchmark's stopwatch.  It times how long it
 * takes until N copies of a worker program are running and have said
 * READY=1, two ways, with the same clock and the same readiness signal:
 *
 *   forkexec -n N [-r RUNS] -- CMD ARGS     a bare fork+exec loop: starts N
 *       copies of CMD itself, each with a listening socket on fd 3
 *       (LISTEN_FDS=1) and NOTIFY_SOCKET pointing at the stopwatch, and
 *       stops the clock at the N-th READY=1;
 *   forkexec -m [-r RUNS] -- GWD ARGS       a master: starts GWD once with
 *       NOTIFY_SOCKET pointing at the stopwatch and stops the clock at the
 *       master's own READY=1, which gwd sends once its first generation of
 *       workers is ready (each worker having sent READY=1 to gwd).
 *
 * Each run ends by killing what it started (SIGKILL for the bare copies,
 * SIGTERM then SIGKILL for a master) and reaping it.  Prints min, median and
 * max in milliseconds.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FE_MAX_N	4096
#define FE_MAX_RUNS	100
#define FE_TIMEOUT_MS	60000

static double
fe_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void __attribute__((noreturn))
fe_die(const char *what)
{
	fprintf(stderr, "forkexec: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void __attribute__((noreturn))
fe_usage(void)
{
	fprintf(stderr, "usage: forkexec -n N [-r RUNS] -- CMD [ARG...]\n"
	    "       forkexec -m [-r RUNS] -- MASTER [ARG...]\n");
	exit(2);
}

/* A datagram socket with credentials, bound to path. */
static int
fe_notify_socket(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, one = 1;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fe_die("socket");
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		fe_die(path);
	}
	strcpy(sun.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		fe_die(path);
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) == -1)
		fe_die("SO_PASSCRED");
	/* Room for a burst of N datagrams. */
	one = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof one);
	return fd;
}

static int
fe_listen_socket(void)
{
	struct sockaddr_in	 sin;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fe_die("socket");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 128) == -1)
		fe_die("listen");
	return fd;
}

/*
 * Wait for READY=1 datagrams until want have come (from master only, if it
 * is not 0).  Returns 0, or -1 on timeout.
 */
static int
fe_wait_ready(int nfd, int want, pid_t master)
{
	char		 buf[4096];
	char		 cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec	 iov = { buf, sizeof buf - 1 };
	struct msghdr	 mh;
	struct cmsghdr	*c;
	struct ucred	*uc;
	struct pollfd	 pfd = { nfd, POLLIN, 0 };
	double		 end = fe_now_ms() + FE_TIMEOUT_MS;
	ssize_t		 n;
	pid_t		 from;
	int		 got = 0;

	while (got < want) {
		if (poll(&pfd, 1, (int)(end - fe_now_ms())) <= 0)
			return -1;
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof cbuf;
		if ((n = recvmsg(nfd, &mh, MSG_DONTWAIT)) == -1)
			continue;
		buf[n] = '\0';
		from = 0;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_CREDENTIALS) {
				uc = (struct ucred *)(void *)CMSG_DATA(c);
				from = uc->pid;
			}
		if (master != 0 && from != master)
			continue;
		if (strncmp(buf, "READY=1", 7) == 0 ||
		    strstr(buf, "\nREADY=1") != NULL)
			got++;
	}
	return 0;
}

static void
fe_child(char **argv, const char *sock, int lfd)
{
	char	 pidbuf[32];

	setenv("NOTIFY_SOCKET", sock, 1);
	if (lfd != -1) {
		if (dup2(lfd, 3) == -1)
			_exit(127);
		snprintf(pidbuf, sizeof pidbuf, "%ld", (long)getpid());
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_PID", pidbuf, 1);
	}
	execvp(argv[0], argv);
	_exit(127);
}

/* One bare run: N fork+execs, the clock stops at the N-th READY=1. */
static double
fe_run_bare(char **argv, int n, const char *sock, int nfd, int lfd)
{
	static pid_t	 pids[FE_MAX_N];
	double		 t0, t;
	int		 i;

	t0 = fe_now_ms();
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) == -1)
			fe_die("fork");
		if (pids[i] == 0)
			fe_child(argv, sock, lfd);
	}
	if (fe_wait_ready(nfd, n, 0) == -1) {
		fprintf(stderr, "forkexec: timed out waiting for READY=1\n");
		t = -1;
	} else
		t = fe_now_ms() - t0;
	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	return t;
}

/* One master run: the clock stops at the master's READY=1. */
static double
fe_run_master(char **argv, const char *sock, int nfd)
{
	double	 t0, t, end;
	pid_t	 pid;
	int	 st;

	t0 = fe_now_ms();
	if ((pid = fork()) == -1)
		fe_die("fork");
	if (pid == 0)
		fe_child(argv, sock, -1);
	if (fe_wait_ready(nfd, 1, pid) == -1) {
		fprintf(stderr, "forkexec: master sent no READY=1\n");
		t = -1;
	} else
		t = fe_now_ms() - t0;
	kill(pid, SIGTERM);
	end = fe_now_ms() + 10000;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (fe_now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		usleep(10000);
	}
	/* Drain what the master said while stopping. */
	while (recv(nfd, &st, sizeof st, MSG_DONTWAIT) != -1)
		;
	return t;
}

static int
fe_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	double	 t[FE_MAX_RUNS];
	char	 sock[108];
	int	 c, n = 0, runs = 5, master = 0, nfd, lfd = -1, i;

	while ((c = getopt(argc, argv, "mn:r:")) != -1) {
		switch (c) {
		case 'm':
			master = 1;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		default:
			fe_usage();
		}
	}
	argv += optind;
	argc -= optind;
	if (argc < 1 || runs < 1 || runs > FE_MAX_RUNS ||
	    (!master && (n < 1 || n > FE_MAX_N)))
		fe_usage();

	snprintf(sock, sizeof sock, "%s/forkexec.%ld.sock",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	nfd = fe_notify_socket(sock);
	if (!master)
		lfd = fe_listen_socket();
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < runs; i++) {
		t[i] = master ? fe_run_master(argv, sock, nfd) :
		    fe_run_bare(argv, n, sock, nfd, lfd);
		if (t[i] < 0) {
			unlink(sock);
			return 1;
		}
		/* Let the machine settle between runs. */
		usleep(200000);
	}
	unlink(sock);
	qsort(t, (size_t)runs, sizeof t[0], fe_cmp);
	printf("runs=%d min=%.1f median=%.1f max=%.1f ms\n", runs, t[0],
	    runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2,
	    t[runs - 1]);
	return 0;
}
