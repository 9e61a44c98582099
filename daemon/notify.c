/*
 * notify.c: the notify datagram socket and the parser of its messages.
 * Credentials come from SCM_CREDENTIALS (SO_PASSCRED), so a sender cannot
 * claim to be another process.  Any file descriptors smuggled in with a
 * datagram are closed.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/parse.h"
#include "gw/util.h"
#include "log.h"
#include "notify.h"

static struct {
	int		 fd;
	struct event	*ev;
	char		*path;
	notify_cb	 cb;
	void		*arg;
	uint64_t	 dropped;
} ns = { -1, NULL, NULL, NULL, NULL, 0 };

static int
parse_u64(const char *v, size_t len, uint64_t *out)
{
	char		 buf[32];
	const char	*err;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return parse_uint(buf, 0, UINT64_MAX, out, &err);
}

int
notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	const char	*p = buf, *end = buf + len;
	int		 n = 0;

	memset(m, 0, sizeof *m);
	while (p < end) {
		const char	*nl = memchr(p, '\n', (size_t)(end - p));
		const char	*eol = nl ? nl : end;
		const char	*eq = memchr(p, '=', (size_t)(eol - p));
		size_t		 klen, vlen;
		const char	*v;

		if (memchr(p, '\0', (size_t)(eol - p)) != NULL)
			return -1;
		if (eol == p) {		/* empty line */
			p = eol + 1;
			continue;
		}
		if (eq == NULL)
			return -1;
		klen = (size_t)(eq - p);
		v = eq + 1;
		vlen = (size_t)(eol - v);
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(p, s, klen) == 0)
#define ONE (vlen == 1 && v[0] == '1')
		if (KEY("READY")) {
			if (!ONE)
				return -1;
			m->ready = 1;
			n++;
		} else if (KEY("WATCHDOG")) {
			if (!ONE)
				return -1;
			m->watchdog = 1;
			n++;
		} else if (KEY("STOPPING")) {
			if (!ONE)
				return -1;
			m->stopping = 1;
			n++;
		} else if (KEY("GWD_RECYCLE")) {
			if (!ONE)
				return -1;
			m->recycle = 1;
			n++;
		} else if (KEY("STATUS")) {
			size_t	c = vlen < sizeof m->status - 1 ? vlen :
			    sizeof m->status - 1;
			size_t	i;

			memcpy(m->status, v, c);
			m->status[c] = '\0';
			for (i = 0; i < c; i++)	/* keep logs one line */
				if ((unsigned char)m->status[i] < 0x20)
					m->status[i] = ' ';
			m->has_status = 1;
			n++;
		} else if (KEY("EXTEND_TIMEOUT_USEC")) {
			if (parse_u64(v, vlen, &m->extend_usec) == -1)
				return -1;
			m->has_extend = 1;
			n++;
		} else if (KEY("GWD_REQUESTS")) {
			if (parse_u64(v, vlen, &m->requests) == -1)
				return -1;
			m->has_requests = 1;
			n++;
		}
#undef KEY
#undef ONE
		p = eol + 1;
	}
	return n;
}

static void
close_fds(struct msghdr *mh)
{
	struct cmsghdr	*c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t	 n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int	*fds = (int *)(void *)CMSG_DATA(c);
			size_t	 i;

			for (i = 0; i < n; i++)
				close(fds[i]);
		}
	}
}

static void
notify_read(evutil_socket_t fd, short what, void *arg)
{
	char			 buf[NOTIFY_MAX + 1];
	union {
		struct cmsghdr	 align;
		char		 buf[CMSG_SPACE(sizeof(struct ucred)) +
				     CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;
	int			 i;

	(void)what;
	(void)arg;
	/* Bounded: at most 64 datagrams a wake-up, so nothing starves. */
	for (i = 0; i < 64; i++) {
		struct iovec		 iov = { buf, sizeof buf - 1 };
		struct msghdr		 mh;
		struct cmsghdr		*c;
		struct ucred		*cred = NULL;
		struct notify_msg	 m;
		ssize_t			 n;

		memset(&mh, 0, sizeof mh);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof cbuf.buf;
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("notify socket: %s", strerror(errno));
			return;
		}
		for (c = CMSG_FIRSTHDR(&mh); c != NULL;
		    c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_CREDENTIALS &&
			    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
				cred = (struct ucred *)(void *)CMSG_DATA(c);
		if (cred == NULL || n > NOTIFY_MAX || (mh.msg_flags & MSG_TRUNC) ||
		    notify_parse(buf, (size_t)n, &m) == -1) {
			ns.dropped++;
			log_debug("notify: dropped a datagram (%zd bytes)", n);
		} else
			ns.cb(cred->pid, &m, ns.arg);
		/* Closed after handling: a sender waiting on a pipe it passed
		 * (a barrier) learns that its message was processed. */
		close_fds(&mh);
	}
}

int
notify_open(struct event_base *base, const char *path, notify_cb cb,
    void *arg, char **err)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, on = 1, rcvbuf = 256 * 1024;
	mode_t			 old;

	if (strlen(path) >= sizeof sun.sun_path) {
		*err = xasprintf("notify socket path too long: %s", path);
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*err = xasprintf("%s exists and is not a socket", path);
			return -1;
		}
		unlink(path);	/* a datagram socket file is never "live" */
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*err = xasprintf("notify socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old);
		*err = xasprintf("cannot bind notify socket %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	ns.fd = fd;
	ns.path = xstrdup(path);
	ns.cb = cb;
	ns.arg = arg;
	ns.ev = event_new(base, fd, EV_READ | EV_PERSIST, notify_read, NULL);
	event_add(ns.ev, NULL);
	return 0;
}

void
notify_close(void)
{
	if (ns.ev != NULL)
		event_free(ns.ev);
	if (ns.fd != -1)
		close(ns.fd);
	if (ns.path != NULL)
		unlink(ns.path);
	free(ns.path);
	ns.ev = NULL;
	ns.fd = -1;
	ns.path = NULL;
}

int
notify_chown(uid_t uid, gid_t gid)
{
	if (ns.path == NULL)
		return -1;
	return chown(ns.path, uid, gid);
}

uint64_t
notify_dropped(void)
{
	return ns.dropped;
}

void
notify_count_drop(void)
{
	ns.dropped++;
}
