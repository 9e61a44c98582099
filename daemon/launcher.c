/*
 * launcher.c: detach for --daemon and report the start-up to the process
 * that launched gwd.  See launcher.h.  The message on the pipe is one
 * status byte ('0' + status) and the error text, then EOF.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/util.h"
#include "launcher.h"

/* The daemon's end of the pipe, until it has spoken. */
static int launcher_fd = -1;

/* The launcher: wait for the daemon's word, exit with its status. */
static void __attribute__((noreturn)) launcher_wait(int fd, pid_t child)
{
	char	buf[4096];
	size_t	len = 0;
	ssize_t n;
	int	status;

	for (;;) {
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof buf - 1)
			break;
	}
	buf[len] = '\0';
	(void)waitpid(child, NULL, 0); /* the middle process, gone at once */
	if (len == 0) {
		fprintf(stderr,
		    "gwd: the daemon exited during start-up "
		    "(see its log)\n");
		_exit(1);
	}
	status = buf[0] >= '0' && buf[0] <= '9' ? buf[0] - '0' : 1;
	if (buf[1] != '\0')
		fprintf(stderr, "gwd: %s\n", buf + 1);
	fflush(stderr);
	_exit(status);
}

int
launcher_detach(void)
{
	pid_t pid;
	int   p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		launcher_wait(p[0], pid);
	}
	close(p[0]);
	launcher_fd = p[1];
	if (setsid() == -1 || (pid = fork()) == -1) {
		launcher_done(1, "cannot detach");
		_exit(1);
	}
	if (pid > 0)
		_exit(0);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	/* The working directory stays: a relative -c path must still work
	 * on reload (use --chdir for the workers' directory). */
	return 0;
}

void
launcher_done(int status, const char *msg)
{
	char *s;

	if (launcher_fd == -1)
		return;
	if (status < 0 || status > 9)
		status = 1;
	s = xasprintf("%c%s", '0' + status,
	    status != 0 && msg != NULL ? msg : "");
	(void)gw_write_all(launcher_fd, s, strlen(s));
	free(s);
	close(launcher_fd);
	launcher_fd = -1;
}
