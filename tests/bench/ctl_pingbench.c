/*
 * ctl_pingbench.c: the control socket's round trip, measured from inside a
 * C client: N pings on one connection to gwd, one at a time (send a line,
 * wait for the answer line), next to the same N round trips to a bare
 * Unix-socket echo server (a forked child doing read/write) in the same
 * run.  Prints both and their ratio.
 *
 * Usage: ctl_pingbench SOCKET [N]
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
dial(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		perror(path);
		exit(1);
	}
	return fd;
}

/* n round trips of one request line each; seconds taken. */
static double
round_trips(int fd, int n, int check)
{
	char	req[64], buf[4096];
	double	t0 = now_s();
	ssize_t	r;
	size_t	len;
	int	i;

	for (i = 1; i <= n; i++) {
		len = (size_t)snprintf(req, sizeof req,
		    "{\"id\":%d,\"cmd\":\"ping\"}\n", i);
		if (write(fd, req, len) != (ssize_t)len) {
			perror("write");
			exit(1);
		}
		len = 0;
		do {
			r = read(fd, buf + len, sizeof buf - len);
			if (r <= 0) {
				fprintf(stderr, "connection closed\n");
				exit(1);
			}
			len += (size_t)r;
		} while (buf[len - 1] != '\n');
		if (check && strstr(buf, "\"pong\":true") == NULL) {
			fprintf(stderr, "bad answer: %.*s\n", (int)len, buf);
			exit(1);
		}
	}
	return now_s() - t0;
}

/* The bare echo: accept one connection, send back what comes. */
static pid_t
echo_server(const char *path)
{
	struct sockaddr_un	sun;
	char			buf[4096];
	ssize_t			r;
	pid_t			pid;
	int			lfd, fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	unlink(path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(lfd, 1) == -1) {
		perror(path);
		exit(1);
	}
	if ((pid = fork()) == 0) {
		fd = accept(lfd, NULL, NULL);
		while ((r = read(fd, buf, sizeof buf)) > 0)
			if (write(fd, buf, (size_t)r) != r)
				break;
		_exit(0);
	}
	close(lfd);
	return pid;
}

int
main(int argc, char **argv)
{
	char	 echo_path[108];
	double	 t_gwd, t_echo;
	int	 n = argc > 2 ? atoi(argv[2]) : 10000, fd;
	pid_t	 pid;

	if (argc < 2 || n < 1) {
		fprintf(stderr, "usage: ctl_pingbench SOCKET [N]\n");
		return 2;
	}
	fd = dial(argv[1]);
	(void)round_trips(fd, 200, 1);		/* warm up */
	t_gwd = round_trips(fd, n, 1);
	close(fd);

	snprintf(echo_path, sizeof echo_path, "/tmp/gwd-echo-%ld.sock",
	    (long)getpid());
	pid = echo_server(echo_path);
	fd = dial(echo_path);
	(void)round_trips(fd, 200, 0);
	t_echo = round_trips(fd, n, 0);
	close(fd);
	waitpid(pid, NULL, 0);
	unlink(echo_path);

	printf("pings: %d on one connection\n", n);
	printf("gwd control socket: %.3f s total, %.1f us per round trip\n",
	    t_gwd, t_gwd / n * 1e6);
	printf("bare Unix echo:     %.3f s total, %.1f us per round trip\n",
	    t_echo, t_echo / n * 1e6);
	printf("ratio gwd/echo:     %.2f\n", t_gwd / t_echo);
	return 0;
}
