/*
 * notify.h: the notify socket (SPEC section 4), the server side of the
 * sd_notify protocol.
 *
 * Each datagram is parsed by notify_parse() (notify_msg.h, pure) into a
 * struct notify_msg.  The socket itself (notify_open/notify_close) lives
 * on the supervisor's event base; each datagram's sender is identified by
 * SCM_CREDENTIALS and handed to the callback with the parsed message.
 * Datagrams that are too large, malformed, or carry no credentials are
 * dropped and counted.
 */
#ifndef GWD_NOTIFY_H
#define GWD_NOTIFY_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "notify_msg.h"

typedef void (*notify_cb)(pid_t sender, const struct notify_msg *, void *);

/*
 * Bind the datagram socket at the absolute path; the caller holds the
 * instance lock, so a socket file already there is stale and replaced.
 * The socket's directory is watched (inotify): if the file is removed or
 * replaced while gwd runs, a new socket is made at once.  Returns 0 or -1
 * with *err set (caller frees).
 */
int  notify_open(struct event_base *, const char *path, notify_cb, void *arg,
     char **err);
/* Close; the socket file is unlinked only if it is still the one we made. */
void notify_close(void);
/*
 * Mode 0666 (workers run as another user; senders are told apart by
 * their credentials, not by who may write), or 0600.  Also for sockets
 * made later.
 */
void notify_set_shared(int shared);
/* Datagrams dropped so far (malformed, oversized, no credentials). */
uint64_t notify_dropped(void);
/* Count one more dropped datagram (unknown sender, decided by the caller). */
void	 notify_count_drop(void);

/*
 * In-place upgrade: notify_inherit(fd, ifd) before notify_open() makes it
 * adopt fd (the bound socket kept across exec) instead of binding path,
 * and ifd (the inotify instance watching its directory, or -1) instead of
 * making a new one.  The inotify fd is handed over rather than closed
 * because closing it waits for the kernel to retire its watch (an SRCU
 * grace period), measured at 1.5 to 2 s on a loaded machine: a master
 * that closed it at exec was gone that long.  notify_fd() and
 * notify_inotify_fd() are the fds, or -1.
 */
void	 notify_inherit(int fd, int ifd);
int	 notify_fd(void);
int	 notify_inotify_fd(void);

#endif
