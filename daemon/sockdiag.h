/*
 * sockdiag.h: the accept queue of a listening socket, read from the
 * kernel (Linux only).
 *
 * For TCP, getsockopt(TCP_INFO) on a listener reports the accept queue in
 * tcpi_unacked (connections the kernel completed that nobody accepted
 * yet) and the backlog in tcpi_sacked.  For Unix stream sockets the
 * kernel tells the same only through netlink: unix_diag with
 * UDIAG_SHOW_RQLEN, looked up by the socket's inode, answers udiag_rqueue
 * (queued connections) and udiag_wqueue (the backlog).  Neither blocks:
 * the netlink answer is complete when the request returns.
 */
#ifndef GWD_SOCKDIAG_H
#define GWD_SOCKDIAG_H

#include <stdint.h>

struct sockdiag_queue {
	uint32_t depth; /* connections waiting to be accepted */
	uint32_t max;	/* the backlog the kernel applies */
};

/*
 * Read the accept queue of the listening socket fd (TCP over IPv4 or
 * IPv6, or Unix stream).  Returns 0, or -1 with errno set (ENOTSUP for
 * another kind of socket, or the error of the kernel's interface, e.g.
 * ENOENT when unix_diag is not available).
 */
int sockdiag_listen_queue(int fd, struct sockdiag_queue *);

#endif
