/*
 * notify_msg.h: one notify message (SPEC section 4), as gwd understands
 * it, and its parser.
 *
 * Pure: no libevent, no jansson, no I/O, so that the pool and the planner
 * can take a parsed message without pulling in the notify socket.  The
 * socket (notify.h) and the notify fd (notifyfd.h) both hand their
 * messages to notify_parse().  The keys are those of systemd's
 * sd_notify(3) that gwd acts on, plus gwd's own GWD_RECYCLE and
 * GWD_REQUESTS.
 */
#ifndef GWD_NOTIFY_MSG_H
#define GWD_NOTIFY_MSG_H

#include <stddef.h>
#include <stdint.h>

/* Largest message accepted, in bytes (a datagram, or a line of the
 * notify fd without its newline); a larger one is dropped. */
#define NOTIFY_MAX 4096

struct notify_msg {
	int	 ready;
	int	 watchdog;
	int	 stopping;
	int	 recycle;
	int	 has_status;
	char	 status[128];
	int	 has_extend;
	uint64_t extend_usec;
	int	 has_requests;
	uint64_t requests;
};

/*
 * Parse newline-separated KEY=VALUE lines of len bytes (no NUL needed)
 * into *m, which is cleared first.  Unknown keys are ignored (the
 * protocol is open-ended); a known key with a bad value, a line without
 * '=' or a NUL byte makes the whole message invalid.  Returns the number
 * of keys acted on, or -1.
 */
int notify_parse(const char *buf, size_t len, struct notify_msg *m);

#endif
