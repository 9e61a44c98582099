/*
 * notifyfd.h: the notify fd (GWD_NOTIFY_FD), the notify protocol for
 * runtimes that cannot send datagrams (Node, Ruby, PHP, shell scripts).
 *
 * Every worker inherits the write end of a pipe whose read end the master
 * holds.  The stream carries the notify socket's KEY=VALUE fields, one
 * per line: each line that ends in '\n' is one message of its own, parsed
 * by notify_parse() and handed to the callback exactly as a datagram of
 * that one line would be.  The sender is the worker that owns the pipe
 * (its descendants inherit it and count for it); no credentials.
 *
 * A line longer than NOTIFY_MAX bytes (newline excluded) is dropped and
 * counted (notify_count_drop), as is a line notify_parse() rejects; bytes
 * not yet ended by a newline wait for it.  EOF closes the pipe.  An idle
 * pipe costs one fd and one event; a partial line is the only thing kept
 * between reads, and only while there is one.
 */
#ifndef GWD_NOTIFYFD_H
#define GWD_NOTIFYFD_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "notify.h"

/* Cutting a byte stream into lines, pure, so that tests drive it. */
struct notifyfd_framer {
	char	*part;	   /* a line begun, not yet ended; NULL */
	size_t	 len;	   /* when there is none */
	int	 skipping; /* inside a line that was too long */
	uint64_t dropped;  /* lines too long, so far */
};
typedef void (*notifyfd_line_cb)(const char *line, size_t len, void *arg);

/* Feed len bytes; cb gets every whole line (without its '\n') of at most
 * NOTIFY_MAX bytes, in order.  Longer lines are counted in dropped. */
void notifyfd_feed(struct notifyfd_framer *, const char *buf, size_t len,
    notifyfd_line_cb, void *arg);
void notifyfd_framer_free(struct notifyfd_framer *);

struct notifyfd;
/* A parsed message from the worker that owns the pipe. */
typedef void (*notifyfd_cb)(const struct notify_msg *, void *arg);

/* Start reading fd (non-blocking; owned and closed by the notifyfd). */
struct notifyfd *notifyfd_start(struct event_base *, int fd, notifyfd_cb,
    void *arg);
/* Read what the pipe holds now, without waiting (the worker was reaped:
 * its last messages come before its exit).  At most 64 KiB. */
void		 notifyfd_drain(struct notifyfd *);
/* The worker's record is going: stop calling back, read and discard
 * until EOF (a descendant may still hold the pipe; closing our end would
 * kill it with SIGPIPE), then free.  NULL is ignored. */
void		 notifyfd_detach(struct notifyfd *);
/* In-place upgrade: the pipe's fd, or -1 after EOF. */
int		 notifyfd_fd(const struct notifyfd *);
/* Free every notifyfd, detached or not (at exit). */
void		 notifyfd_free_all(void);

#endif
