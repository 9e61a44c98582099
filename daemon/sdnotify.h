/*
 * sdnotify.h: gwd's own messages to its service manager (SPEC section 11).
 * sdnotify_init() takes NOTIFY_SOCKET and WATCHDOG_USEC out of the
 * environment, so they are never passed on to workers.
 */
#ifndef GWD_SDNOTIFY_H
#define GWD_SDNOTIFY_H

#include <stdint.h>

void	 sdnotify_init(void);
/* Send a message if gwd runs under a service manager; printf-like. */
void	 sdnotify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* systemd's watchdog interval for gwd itself in ms, or 0. */
uint64_t sdnotify_watchdog_ms(void);
/*
 * Feed that watchdog (WATCHDOG=1) every half interval from a persistent
 * timer on base, so a stuck loop gets gwd restarted; nothing if systemd
 * set no watchdog.  sdnotify_watchdog_stop() frees the timer.
 */
struct event_base;
void sdnotify_watchdog_start(struct event_base *);
void sdnotify_watchdog_stop(void);

/* Is there a service manager (NOTIFY_SOCKET was set)? */
int  sdnotify_enabled(void);
/*
 * The service manager's file descriptor store (sd_notify(3) FDSTORE=1,
 * FDNAME=, FDSTOREREMOVE=1): give it a copy of fd under name (the caller
 * keeps its own fd), or drop every stored fd of that name.  name: 1 to 255
 * printable ASCII characters without ':'.  Without a service manager both
 * do nothing and return 0; otherwise 0, or -1 with errno from sendmsg.
 * systemd ignores a copy of an fd it already stores (keeping the first
 * name), so renaming takes a remove first.
 */
int  sdnotify_fdstore(int fd, const char *name);
int  sdnotify_fdstore_remove(const char *name);
/*
 * In-place upgrade: put NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID
 * back into the environment for the new image (sdnotify_init took them
 * out), or (restore = 0, the exec failed) take them out again.
 */
void sdnotify_export_env(int export);

#endif
