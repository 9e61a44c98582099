/* sockutil.c: the Unix socket file ritual and SIGPIPE (see gw/sockutil.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "gw/sockutil.h"

int
gw_unix_addr(struct sockaddr_un *sun, const char *path)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (len >= sizeof sun->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, len);
	return 0;
}

enum gw_unix_stale
gw_unix_clear_stale(const char *path, const char **step)
{
	struct sockaddr_un sun;
	struct stat	   st;
	int		   fd, rc, saved;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return GW_UNIX_FREE;
		*step = "lstat";
		return GW_UNIX_FAILED;
	}
	if (!S_ISSOCK(st.st_mode))
		return GW_UNIX_NOTSOCK;
	if (gw_unix_addr(&sun, path) == -1) {
		*step = "address";
		return GW_UNIX_FAILED;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*step = "socket";
		return GW_UNIX_FAILED;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	saved = errno;
	close(fd);
	if (rc == 0)
		return GW_UNIX_LIVE;
	if (saved == ECONNREFUSED) {
		if (unlink(path) == -1 && errno != ENOENT) {
			*step = "unlink";
			return GW_UNIX_FAILED;
		}
		return GW_UNIX_FREE;
	}
	/* A full backlog, or a socket of another type: someone owns it. */
	if (saved == EAGAIN || saved == EINPROGRESS || saved == EPROTOTYPE)
		return GW_UNIX_LIVE;
	errno = saved;
	*step = "connect";
	return GW_UNIX_FAILED;
}

int
gw_unix_bind(int fd, const char *path, int mask)
{
	struct sockaddr_un sun;
	mode_t		   old = 0;
	int		   rc, saved;

	if (gw_unix_addr(&sun, path) == -1)
		return -1;
	if (mask != -1)
		old = umask((mode_t)mask);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	saved = errno;
	if (mask != -1)
		umask(old);
	errno = saved;
	return rc;
}

int
gw_unix_listen(const char *path, int flags, int mask, int backlog,
    struct stat *st, const char **step)
{
	struct sockaddr_un sun;
	int		   fd, saved;

	if (gw_unix_addr(&sun, path) == -1) {
		*step = "address";
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0)) ==
	    -1) {
		*step = "socket";
		return -1;
	}
	if (gw_unix_bind(fd, path, mask) == -1) {
		*step = "bind";
		goto fail;
	}
	if (listen(fd, backlog) == -1) {
		*step = "listen";
		goto fail_unlink;
	}
	if (stat(path, st) == -1) {
		*step = "stat";
		goto fail_unlink;
	}
	return fd;

fail_unlink:
	saved = errno;
	(void)unlink(path);
	errno = saved;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

void
gw_ignore_sigpipe(void)
{
	struct sigaction sa;

	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
}
