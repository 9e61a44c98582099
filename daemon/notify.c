/*
 * notify.c: the notify datagram socket (its messages are parsed by
 * notify_msg.c).
 * Credentials come from SCM_CREDENTIALS (SO_PASSCRED), so a sender cannot
 * claim to be another process.  Any file descriptors smuggled in with a
 * datagram are closed.
 */
#include "config.h"

#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/fsutil.h"
#include "gw/sockutil.h"
#include "gw/util.h"
#include "log.h"
#include "notify.h"

static struct {
	int		   fd;
	struct event	  *ev;
	char		  *path;
	notify_cb	   cb;
	void		  *arg;
	uint64_t	   dropped;
	struct event_base *base;
	dev_t		   dev;	   /* the socket file we made: only */
	ino_t		   ino;	   /* that one is ever unlinked */
	int		   shared; /* mode 0666: workers of another user */
	int		   ifd;	   /* inotify on the socket's directory */
	struct event	  *iev;
	int		   inherited;	  /* from an upgrade, or -1 */
	int		   inherited_ifd; /* the same for ifd */
} ns = { .fd = -1, .ifd = -1, .inherited = -1, .inherited_ifd = -1 };

static void
close_fds(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int   *fds = (int *)(void *)CMSG_DATA(c);
			size_t i;

			for (i = 0; i < n; i++)
				close(fds[i]);
		}
	}
}

static void
notify_read(evutil_socket_t fd, short what, void *arg)
{
	char buf[NOTIFY_MAX + 1];
	union {
		struct cmsghdr align;
		char	       buf[CMSG_SPACE(sizeof(struct ucred)) +
		      CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;
	int i;

	(void)what;
	(void)arg;
	/* Bounded: at most 64 datagrams a wake-up, so nothing starves. */
	for (i = 0; i < 64; i++) {
		struct iovec	  iov = { buf, sizeof buf - 1 };
		struct msghdr	  mh;
		struct cmsghdr	 *c;
		struct ucred	 *cred = NULL;
		struct notify_msg m;
		ssize_t		  n;

		memset(&mh, 0, sizeof mh);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof cbuf.buf;
		n = recvmsg(fd, &mh,
		    MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("notify socket: %s", strerror(errno));
			return;
		}
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_CREDENTIALS &&
			    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
				cred = (struct ucred *)(void *)CMSG_DATA(c);
		if (cred == NULL || n > NOTIFY_MAX ||
		    (mh.msg_flags & MSG_TRUNC) ||
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

/*
 * Bind a new datagram socket at path: under a temporary name first, then
 * renamed over path, so that a sender never finds the path missing while
 * a socket is replaced.  Returns the fd (its file's dev and inode in
 * *st), or -1 with *err set.
 */
static int
notify_bind(const char *path, int shared, struct stat *st, char **err)
{
	struct sockaddr_un sun;
	const char	  *at;
	char		  *tmp;
	int		   fd, on = 1, rcvbuf = 256 * 1024;

	tmp = xasprintf("%s.new", path);
	/* No room for the temporary name: bind in place. */
	at = strlen(tmp) < sizeof sun.sun_path ? tmp : path;
	(void)unlink(at);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*err = xasprintf("notify socket: %s", strerror(errno));
		free(tmp);
		return -1;
	}
	if (gw_unix_bind(fd, at, 0077) == -1) {
		*err = xasprintf("cannot bind notify socket %s: %s", path,
		    strerror(errno));
		close(fd);
		free(tmp);
		return -1;
	}
	if ((shared && chmod(at, 0666) == -1) ||
	    (at == tmp && rename(tmp, path) == -1) || lstat(path, st) == -1) {
		*err = xasprintf("notify socket %s: %s", path, strerror(errno));
		(void)unlink(at);
		close(fd);
		free(tmp);
		return -1;
	}
	free(tmp);
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	return fd;
}

/* Make a new socket at our path and move over to it. */
static void
notify_recreate(const char *what)
{
	struct stat st;
	char	   *err = NULL;
	int	    fd;

	if ((fd = notify_bind(ns.path, ns.shared, &st, &err)) == -1) {
		log_error("notify socket %s was %s and cannot be made again: "
			  "%s",
		    ns.path, what, err);
		free(err);
		return;
	}
	/* What reached the old one before it went is still read. */
	notify_read(ns.fd, EV_READ, NULL);
	event_free(ns.ev);
	close(ns.fd);
	ns.fd = fd;
	ns.dev = st.st_dev;
	ns.ino = st.st_ino;
	ns.ev = event_new(ns.base, fd, EV_READ | EV_PERSIST, notify_read, NULL);
	event_add(ns.ev, NULL);
	log_warn("notify socket %s was %s; made it again", ns.path, what);
}

/* Is the file at our path still our socket?  Else make it again. */
static void
notify_check(void)
{
	struct stat st;

	if (ns.path == NULL)
		return;
	if (lstat(ns.path, &st) == -1) {
		if (errno == ENOENT)
			notify_recreate("removed");
		return;
	}
	if (st.st_dev == ns.dev && st.st_ino == ns.ino)
		return;
	if (!S_ISSOCK(st.st_mode)) {
		log_error("notify socket %s was replaced by a file that is "
			  "not a socket; not touching it: workers cannot notify",
		    ns.path);
		return;
	}
	/* We hold the instance lock: a socket at our path is not anyone's. */
	notify_recreate("replaced");
}

/* Something changed in the directory: if it is our name, check it. */
static void
notify_inotify(evutil_socket_t fd, short what, void *arg)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ie;
	const char		   *base = strrchr(ns.path, '/') + 1;
	ssize_t			    n;
	char			   *p;
	int			    ours = 0;

	(void)what;
	(void)arg;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (p = buf; p < buf + n; p += sizeof *ie + ie->len) {
			ie = (const struct inotify_event *)(void *)p;
			if (ie->mask &
			    (IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW))
				ours = 1;
			else if (ie->len > 0 && strcmp(ie->name, base) == 0)
				ours = 1;
		}
	}
	if (ours)
		notify_check();
}

/*
 * Watch the socket's directory: removal or replacement of the socket file
 * is noticed at once, and an idle master is never woken for it.
 */
static void
notify_watch(const char *path)
{
	char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));

	if (ns.inherited_ifd != -1) {
		/* An upgrade kept it, with its watch on the same directory. */
		ns.ifd = ns.inherited_ifd;
		ns.inherited_ifd = -1;
		(void)gw_set_cloexec(ns.ifd, 1);
		free(dir);
		ns.iev = event_new(ns.base, ns.ifd, EV_READ | EV_PERSIST,
		    notify_inotify, NULL);
		event_add(ns.iev, NULL);
		return;
	}
	ns.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ns.ifd == -1 ||
	    inotify_add_watch(ns.ifd, dir[0] ? dir : "/",
		IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE |
		    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) == -1) {
		log_warn("notify: cannot watch %s (%s): a removed notify "
			 "socket will not be made again",
		    dir, strerror(errno));
		if (ns.ifd != -1)
			close(ns.ifd);
		ns.ifd = -1;
		free(dir);
		return;
	}
	free(dir);
	ns.iev = event_new(ns.base, ns.ifd, EV_READ | EV_PERSIST,
	    notify_inotify, NULL);
	event_add(ns.iev, NULL);
}

int
notify_open(struct event_base *base, const char *path, notify_cb cb, void *arg,
    char **err)
{
	struct sockaddr_un sun;
	struct stat	   st;
	int		   fd;

	if (strlen(path) >= sizeof sun.sun_path || path[0] != '/') {
		*err = xasprintf("notify socket path too long or not "
				 "absolute: %s",
		    path);
		return -1;
	}
	/* The caller holds the instance lock: a socket here is stale. */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		*err = xasprintf("%s exists and is not a socket", path);
		return -1;
	}
	if (ns.inherited != -1) {
		/* An upgrade kept it bound: workers keep sending to it. */
		fd = ns.inherited;
		ns.inherited = -1;
		(void)gw_set_cloexec(fd, 1);
		if (lstat(path, &st) == -1)
			memset(&st, 0, sizeof st);
	} else if ((fd = notify_bind(path, ns.shared, &st, err)) == -1)
		return -1;
	ns.fd = fd;
	ns.dev = st.st_dev;
	ns.ino = st.st_ino;
	ns.base = base;
	ns.path = xstrdup(path);
	ns.cb = cb;
	ns.arg = arg;
	ns.ev = event_new(base, fd, EV_READ | EV_PERSIST, notify_read, NULL);
	event_add(ns.ev, NULL);
	notify_watch(path);
	return 0;
}

void
notify_close(void)
{
	if (ns.iev != NULL)
		event_free(ns.iev);
	if (ns.ifd != -1)
		close(ns.ifd);
	if (ns.ev != NULL)
		event_free(ns.ev);
	if (ns.fd != -1)
		close(ns.fd);
	/* Only the file we made: never another instance's. */
	if (ns.path != NULL)
		(void)gw_unlink_if_same(ns.path, ns.dev, ns.ino);
	free(ns.path);
	ns.iev = NULL;
	ns.ifd = -1;
	ns.ev = NULL;
	ns.fd = -1;
	ns.path = NULL;
	ns.base = NULL;
}

void
notify_set_shared(int shared)
{
	if (shared == ns.shared)
		return;
	ns.shared = shared;
	if (ns.path != NULL && chmod(ns.path, shared ? 0666 : 0600) == -1)
		log_warn("notify socket %s: chmod: %s", ns.path,
		    strerror(errno));
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

void
notify_inherit(int fd, int ifd)
{
	ns.inherited = fd;
	ns.inherited_ifd = ifd;
}

int
notify_fd(void)
{
	return ns.fd;
}

int
notify_inotify_fd(void)
{
	return ns.ifd;
}
