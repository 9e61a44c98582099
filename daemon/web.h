/*
 * web.h: the master's read-only HTTP server on --metrics-bind (TCP
 * HOST:PORT or unix:PATH), run by libevent's evhttp on the master's loop.
 *
 * It serves a table of routes: exact paths, GET and HEAD only (other
 * methods get 405, unknown paths 404).  metrics.c registers /metrics;
 * the status page and its JSON endpoint add theirs with web_route() the
 * same way.  Every handler must answer at once from in-memory state: the
 * loop never waits for a handler.
 *
 * Bounds: at most WEB_MAX_CLIENTS connections open at once, idle ones
 * included (accepting pauses; the next clients wait in the kernel's
 * queue of WEB_MAX_CLIENTS until one closes), request headers of at most
 * WEB_MAX_HEADERS bytes and a body of at most WEB_MAX_BODY (413), and
 * WEB_TIMEOUT_S seconds for a request to come in and an answer to go out.
 * web.c counts connections through evhttp's bufferevent callback and
 * their close callbacks: a route must not set a connection's close
 * callback itself.
 *
 * A Unix socket follows the control socket's rules: a stale socket file
 * is replaced, a live one or any other file refused; the file is made
 * 0600 and removed at exit only if it is still the one gwd made.
 */
#ifndef GWD_WEB_H
#define GWD_WEB_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "gwconfig.h"

#define WEB_MAX_CLIENTS 64
#define WEB_MAX_HEADERS 8192
#define WEB_MAX_BODY	1024 /* GET has none; a small one gets 405 */
#define WEB_TIMEOUT_S	10

/*
 * A route's handler answers req itself (web_reply, or evhttp's calls),
 * at once or later from the loop (after a stats query on the stats
 * thread, say): evhttp keeps req until it is answered, even when its
 * client has gone meanwhile, and the late answer is then dropped and req
 * freed.  A handler must answer every req it was given exactly once.
 */
typedef void (*web_handler)(struct evhttp_request *req, void *arg);

/*
 * Check cfg->metrics_bind without opening anything (for validate.c): a
 * TCP HOST:PORT or unix:PATH that is not also one of the --bind
 * addresses.  Returns 0 (also when unset or "none"), or -1 with *err.
 */
int  web_check(const struct gw_config *, char **err);

/* Add a route for an exact path (before or after web_start). */
void web_route(const char *path, web_handler, void *arg);

/*
 * Open cfg->metrics_bind (nothing when unset) and serve it on base.
 * Returns 0, or -1 with *err: "cannot bind metrics 127.0.0.1:9100:
 * Address already in use".
 */
int  web_start(struct event_base *, const struct gw_config *, char **err);

/*
 * Reload, in two steps so that a refused reload changes nothing:
 * web_prepare() opens newcfg's address if it differs from the one
 * served (or notes that it goes away) and returns 0, or -1 with *err;
 * then web_commit() switches to it, or web_abort() forgets it.
 */
int  web_prepare(const struct gw_config *newcfg, char **err);
void web_commit(void);
void web_abort(void);

/* Close every connection and the socket (unlinking our socket file). */
void web_stop(void);

/* The address served ("127.0.0.1:9100", "unix:/run/x.sock"), or NULL. */
const char *web_address(void);

/*
 * Answer req with code and body (borrowed; may be NULL) of the given
 * content type; HEAD gets the headers only.
 */
void	    web_reply(struct evhttp_request *, int code, const char *reason,
	   const char *content_type, struct evbuffer *body);

/*
 * In-place upgrade: web_inherit(fd) before web_start() makes it serve fd
 * (the listening socket kept across exec) instead of binding
 * --metrics-bind again, so no scrape is refused meanwhile.  web_fd() is
 * the socket served, or -1.
 */
void	    web_inherit(int fd);
int	    web_fd(void);

#endif
