/*
 * sockdiag.c: accept queue depth and backlog of a listening socket, from
 * TCP_INFO (TCP) and NETLINK_SOCK_DIAG's unix_diag (Unix).  See
 * sockdiag.h.  This is the one Linux-specific reader of socket queues.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sockdiag.h"

/* TCP: for a listener, the kernel reports the accept queue as unacked
 * and its limit as sacked (net/ipv4/tcp.c, tcp_get_info). */
static int
sockdiag_tcp(int fd, struct sockdiag_queue *q)
{
	struct tcp_info ti;
	socklen_t	len = sizeof ti;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	if (ti.tcpi_state != TCP_LISTEN) {
		errno = EINVAL;
		return -1;
	}
	q->depth = ti.tcpi_unacked;
	q->max = ti.tcpi_sacked;
	return 0;
}

/* Find the UNIX_DIAG_RQLEN attribute of one unix_diag_msg. */
static int
sockdiag_unix_parse(const struct nlmsghdr *h, uint32_t ino,
    struct sockdiag_queue *q)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr	   *a;
	int			    len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof *m) || m->udiag_ino != ino)
		return -1;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len);
	     a = RTA_NEXT(a, len)) {
		const struct unix_diag_rqlen *r = RTA_DATA(a);

		if (a->rta_type != UNIX_DIAG_RQLEN ||
		    RTA_PAYLOAD(a) < sizeof *r)
			continue;
		q->depth = r->udiag_rqueue;
		q->max = r->udiag_wqueue;
		return 0;
	}
	return -1;
}

/*
 * Unix: ask unix_diag for the one socket with our inode (an exact lookup,
 * not a dump of every socket of the host).  The cookie is "none", which
 * the kernel accepts for a lookup by inode.
 */
static int
sockdiag_unix(int fd, struct sockdiag_queue *q)
{
	struct {
		struct nlmsghdr	     nh;
		struct unix_diag_req req;
	} msg;
	struct sockaddr_nl nl;
	struct stat	   st;
	union {
		char		buf[8192];
		struct nlmsghdr align;
	} rb;
	struct nlmsghdr *h;
	ssize_t		 n;
	int		 nfd, saved, rc = -1;

	if (fstat(fd, &st) == -1)
		return -1;
	nfd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_SOCK_DIAG);
	if (nfd == -1)
		return -1;
	memset(&msg, 0, sizeof msg);
	msg.nh.nlmsg_len = sizeof msg;
	msg.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nh.nlmsg_flags = NLM_F_REQUEST;
	msg.nh.nlmsg_seq = 1;
	msg.req.sdiag_family = AF_UNIX;
	msg.req.udiag_states = ~0U;
	msg.req.udiag_ino = (uint32_t)st.st_ino;
	msg.req.udiag_show = UDIAG_SHOW_RQLEN;
	msg.req.udiag_cookie[0] = msg.req.udiag_cookie[1] = ~0U;
	memset(&nl, 0, sizeof nl);
	nl.nl_family = AF_NETLINK;
	if (sendto(nfd, &msg, sizeof msg, 0, (struct sockaddr *)&nl,
		sizeof nl) == -1)
		goto out;
	/* The kernel answers while handling sendto(): nothing to wait for. */
	n = recv(nfd, rb.buf, sizeof rb.buf, MSG_DONTWAIT);
	if (n == -1)
		goto out;
	errno = ENOENT;
	for (h = &rb.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			errno = e->error < 0 ? -e->error : ENOENT;
			break;
		}
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
		    sockdiag_unix_parse(h, (uint32_t)st.st_ino, q) == 0) {
			rc = 0;
			break;
		}
	}
out:
	saved = errno;
	close(nfd);
	errno = saved;
	return rc;
}

int
sockdiag_listen_queue(int fd, struct sockdiag_queue *q)
{
	struct sockaddr_storage ss;
	socklen_t		len = sizeof ss;
	int			type = 0, proto = 0;
	socklen_t		tlen = sizeof type;

	memset(q, 0, sizeof *q);
	memset(&ss, 0, sizeof ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == -1)
		return -1;
	if (type != SOCK_STREAM) {
		errno = ENOTSUP;
		return -1;
	}
	switch (ss.ss_family) {
	case AF_INET:
	case AF_INET6:
		tlen = sizeof proto;
		if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &tlen) ==
			0 &&
		    proto != IPPROTO_TCP) {
			errno = ENOTSUP;
			return -1;
		}
		return sockdiag_tcp(fd, q);
	case AF_UNIX:
		return sockdiag_unix(fd, q);
	default:
		errno = ENOTSUP;
		return -1;
	}
}
