/* sdnotify.c: messages from gwd to systemd (READY, RELOADING, STATUS, ...). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gw/notify_send.h"
#include "gw/util.h"
#include "sdnotify.h"

static char	    *sd_socket;
static uint64_t	     sd_watchdog_ms;
static struct event *sd_watchdog;

void
sdnotify_init(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	const char *w = getenv("WATCHDOG_USEC");
	const char *wp = getenv("WATCHDOG_PID");

	if (s != NULL && *s != '\0')
		sd_socket = xstrdup(s);
	if (w != NULL && (wp == NULL || atol(wp) == (long)getpid()))
		sd_watchdog_ms = strtoull(w, NULL, 10) / 1000;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

void
sdnotify(const char *fmt, ...)
{
	char	buf[512];
	va_list ap;

	if (sd_socket == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	(void)notify_send(sd_socket, buf);
}

uint64_t
sdnotify_watchdog_ms(void)
{
	return sd_watchdog_ms;
}

int
sdnotify_enabled(void)
{
	return sd_socket != NULL;
}

/*
 * FDPOLL=0: a listening socket never hangs up, and the store must keep it
 * until FDSTOREREMOVE whatever happens to it (systemd 252 ignores the key).
 */
int
sdnotify_fdstore(int fd, const char *name)
{
	char buf[320];

	if (sd_socket == NULL)
		return 0;
	snprintf(buf, sizeof buf, "FDSTORE=1\nFDNAME=%s\nFDPOLL=0", name);
	return notify_send_fd(sd_socket, buf, fd);
}

int
sdnotify_fdstore_remove(const char *name)
{
	char buf[320];

	if (sd_socket == NULL)
		return 0;
	snprintf(buf, sizeof buf, "FDSTOREREMOVE=1\nFDNAME=%s", name);
	return notify_send(sd_socket, buf);
}

void
sdnotify_export_env(int export)
{
	char buf[32];

	if (!export) {
		unsetenv("NOTIFY_SOCKET");
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
		return;
	}
	if (sd_socket != NULL)
		setenv("NOTIFY_SOCKET", sd_socket, 1);
	if (sd_watchdog_ms != 0) {
		snprintf(buf, sizeof buf, "%llu",
		    (unsigned long long)sd_watchdog_ms * 1000);
		setenv("WATCHDOG_USEC", buf, 1);
		snprintf(buf, sizeof buf, "%ld", (long)getpid());
		setenv("WATCHDOG_PID", buf, 1);
	}
}

/* Keep systemd's watchdog for gwd fed, from the loop itself, so a stuck
 * master is restarted. */
static void
sdnotify_watchdog_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sdnotify("WATCHDOG=1");
}

void
sdnotify_watchdog_start(struct event_base *base)
{
	uint64_t       ms = sdnotify_watchdog_ms() / 2;
	struct timeval tv;

	if (ms == 0 || sd_watchdog != NULL)
		return;
	tv = gw_ms_to_timeval(ms);
	sd_watchdog = event_new(base, -1, EV_PERSIST, sdnotify_watchdog_fire,
	    NULL);
	event_add(sd_watchdog, &tv);
}

void
sdnotify_watchdog_stop(void)
{
	if (sd_watchdog != NULL)
		event_free(sd_watchdog);
	sd_watchdog = NULL;
}
