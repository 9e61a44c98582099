/* notify_send.c: send one sd_notify datagram (client side of the protocol). */
#include "config.h"

#include <sys/socket.h>
#include <poll.h>
#include <fcntl.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/notify_send.h"

/* Send msg, with fd (if not -1) as SCM_RIGHTS. */
static int
send_with_fd(const char *path, const char *msg, int pass)
{
	struct sockaddr_un sun;
	struct msghdr	   mh;
	struct iovec	   iov;
	union {
		struct cmsghdr align;
		char	       buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	socklen_t len;
	size_t	  plen;
	int	  fd, rc, saved;

	if (path == NULL && (path = getenv("NOTIFY_SOCKET")) == NULL)
		return 0;
	plen = strlen(path);
	if (plen == 0 || plen >= sizeof(sun.sun_path) ||
	    (path[0] != '/' && path[0] != '@')) {
		errno = EINVAL;
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '@' ? 0 : 1));

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	memset(&mh, 0, sizeof mh);
	iov.iov_base = (void *)(uintptr_t)msg;
	iov.iov_len = strlen(msg);
	mh.msg_name = &sun;
	mh.msg_namelen = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (pass != -1) {
		struct cmsghdr *c;

		memset(&cbuf, 0, sizeof cbuf);
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof cbuf.buf;
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass, sizeof pass);
	}
	do {
		rc = (int)sendmsg(fd, &mh, MSG_NOSIGNAL);
	} while (rc == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	errno = saved;
	return rc == -1 ? -1 : 0;
}

int
notify_send(const char *path, const char *msg)
{
	return send_with_fd(path, msg, -1);
}

int
notify_send_fd(const char *path, const char *msg, int fd)
{
	return send_with_fd(path, msg, fd);
}

int
notify_send_barrier(const char *path, const char *msg, int timeout_ms)
{
	struct pollfd pfd;
	int	      p[2], rc, saved;
	char	      c;

	if (path == NULL && getenv("NOTIFY_SOCKET") == NULL)
		return 0;
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	rc = send_with_fd(path, msg, p[1]);
	saved = errno;
	close(p[1]);
	if (rc == -1) {
		close(p[0]);
		errno = saved;
		return -1;
	}
	/* EOF once the receiver has closed its copy of the write end. */
	pfd.fd = p[0];
	pfd.events = POLLIN;
	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc == -1 && errno == EINTR);
	if (rc == 1 && read(p[0], &c, 1) == 0)
		rc = 0;
	else {
		rc = -1;
		saved = ETIMEDOUT;
	}
	close(p[0]);
	errno = saved;
	return rc;
}
