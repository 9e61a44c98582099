/*
 * client.c: connect, write a request, read answer lines, with deadlines.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/sockutil.h"
#include "gw/util.h"

#include "client.h"

volatile int client_stop;

int
client_open(struct ctl_conn *c, const char *path, uint64_t timeout_ms)
{
	struct sockaddr_un sun;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->path = xstrdup(path);
	client_deadline(c, timeout_ms);
	if (gw_unix_addr(&sun, path) == -1)
		return CLIENT_ERROR; /* ENAMETOOLONG */
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd == -1)
		return CLIENT_ERROR;
	/* A Unix socket connects at once, or says EAGAIN: backlog full. */
	while (connect(c->fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (client_stop)
			return CLIENT_INTERRUPTED;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return CLIENT_ERROR;
		if (c->deadline && gw_now_ms() >= c->deadline)
			return CLIENT_TIMEOUT;
		usleep(10000);
	}
	return CLIENT_OK;
}

void
client_deadline(struct ctl_conn *c, uint64_t timeout_ms)
{
	c->deadline = timeout_ms ? gw_now_ms() + timeout_ms : 0;
}

/* Wait for events on the socket until the deadline. */
static int
client_wait(struct ctl_conn *c, short events)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	uint64_t      now;
	int	      ms, rc;

	for (;;) {
		if (client_stop)
			return CLIENT_INTERRUPTED;
		ms = -1;
		if (c->deadline) {
			now = gw_now_ms();
			if (now >= c->deadline)
				return CLIENT_TIMEOUT;
			ms = (int)(c->deadline - now > 1000000 ?
				1000000 :
				c->deadline - now);
		}
		rc = poll(&pfd, 1, ms);
		if (rc > 0)
			return CLIENT_OK;
		if (rc == -1 && errno != EINTR)
			return CLIENT_ERROR;
	}
}

int
client_send_line(struct ctl_conn *c, const char *buf, size_t len)
{
	struct iovec  iov[2];
	struct msghdr msg;
	ssize_t	      n;
	int	      rc;

	iov[0].iov_base = (void *)(uintptr_t)buf;
	iov[0].iov_len = len;
	iov[1].iov_base = (void *)(uintptr_t) "\n";
	iov[1].iov_len = 1;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	while (iov[1].iov_len > 0) {
		if ((rc = client_wait(c, POLLOUT)) != CLIENT_OK)
			return rc;
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return CLIENT_ERROR;
		}
		while (n > 0 && msg.msg_iovlen > 0) {
			size_t take = (size_t)n < msg.msg_iov->iov_len ?
			    (size_t)n :
			    msg.msg_iov->iov_len;

			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base +
			    take;
			msg.msg_iov->iov_len -= take;
			n -= (ssize_t)take;
			if (msg.msg_iov->iov_len == 0 && msg.msg_iovlen > 1) {
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
		}
	}
	return CLIENT_OK;
}

int
client_read_line(struct ctl_conn *c, char **line, size_t *len)
{
	char   *nl;
	ssize_t n;
	int	rc;

	if (c->consumed > 0) {
		memmove(c->buf, c->buf + c->consumed, c->len - c->consumed);
		c->len -= c->consumed;
		c->consumed = 0;
	}
	for (;;) {
		if (c->len > 0 && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
			*nl = '\0';
			*line = c->buf;
			*len = (size_t)(nl - c->buf);
			c->consumed = *len + 1;
			return CLIENT_OK;
		}
		if (c->eof) {
			if (c->len == 0) {
				errno = 0;
				return CLIENT_ERROR;
			}
			if (c->len == c->cap)
				c->buf = xrealloc(c->buf, ++c->cap);
			c->buf[c->len] = '\0';
			*line = c->buf;
			*len = c->len;
			c->consumed = c->len;
			return CLIENT_OK;
		}
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = xrealloc(c->buf, c->cap);
		}
		if ((rc = client_wait(c, POLLIN)) != CLIENT_OK)
			return rc;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1,
		    MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return CLIENT_ERROR;
		}
		if (n == 0)
			c->eof = 1;
		c->len += (size_t)n;
	}
}

void
client_close(struct ctl_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	free(c->path);
	free(c->buf);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}
