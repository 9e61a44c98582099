/*
 * web.c: the HTTP server of --metrics-bind (evhttp on the master's loop).
 * See web.h.  This file owns the socket, its limits and the route table;
 * what a page says is its handler's business.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/keyvalq_struct.h>

#include "gw/fsutil.h"
#include "gw/sockutil.h"
#include "gw/util.h"
#include "listeners.h"
#include "log.h"
#include "web.h"

/* One listening socket, TCP or Unix, and what we made on disk. */
struct web_sock {
	char *addr; /* as configured */
	int   fd;   /* -1: none */
	int   is_unix;
	char  path[108];
	dev_t dev; /* the socket file we made, so we never */
	ino_t ino; /* unlink someone else's */
};

struct web_route {
	char	   *path;
	web_handler fn;
	void	   *arg;
};

static struct {
	struct event_base	   *base;
	struct evhttp		   *http;
	struct evhttp_bound_socket *bound;
	struct web_sock		    cur;
	struct web_sock		    next;
	int			    prepared; /* next is pending */
	struct web_route	   *routes;
	size_t			    nroutes;
	/* Connections: counted from accept to close (see web_bevcb);
	 * fresh ones have no close callback yet (see web_fixup). */
	unsigned		    nconns;
	struct bufferevent	  **fresh;
	size_t			    nfresh, capfresh;
	struct event		   *fixup;
	int			    paused; /* accepting paused */
	int			    full_logged;
} web = { .cur = { .fd = -1 }, .next = { .fd = -1 } };

/* Unset, empty or "none": no metrics address. */
static int
web_unset(const char *addr)
{
	return addr == NULL || addr[0] == '\0' || strcmp(addr, "none") == 0;
}

int
web_check(const struct gw_config *cfg, char **err)
{
	struct bind_addr ba;
	char		*msg = NULL;
	size_t		 i;

	*err = NULL;
	if (web_unset(cfg->metrics_bind))
		return 0;
	if (listeners_parse_bind(cfg->metrics_bind, &ba, &msg) == -1) {
		*err = xasprintf("metrics-bind: %s", msg);
		free(msg);
		return -1;
	}
	if (ba.kind == BIND_FD) {
		*err = xasprintf("metrics-bind: %s: expected HOST:PORT or "
				 "unix:PATH",
		    cfg->metrics_bind);
		return -1;
	}
	for (i = 0; i < cfg->nbinds; i++)
		if (strcmp(cfg->binds[i].addr, cfg->metrics_bind) == 0) {
			*err = xasprintf("metrics-bind: %s is also a --bind "
					 "address (the workers' socket)",
			    cfg->metrics_bind);
			return -1;
		}
	return 0;
}

void
web_route(const char *path, web_handler fn, void *arg)
{
	size_t i;

	for (i = 0; i < web.nroutes; i++)
		if (strcmp(web.routes[i].path, path) == 0) {
			web.routes[i].fn = fn;
			web.routes[i].arg = arg;
			return;
		}
	web.routes = xreallocarray(web.routes, web.nroutes + 1,
	    sizeof *web.routes);
	web.routes[web.nroutes].path = xstrdup(path);
	web.routes[web.nroutes].fn = fn;
	web.routes[web.nroutes].arg = arg;
	web.nroutes++;
}

/* ---- sockets ---------------------------------------------------------- */

static int
web_fail_errno(char **err, const char *what, const char *addr)
{
	*err = xasprintf("metrics-bind: cannot %s %s: %s", what, addr,
	    strerror(errno));
	return -1;
}

static int
web_open_inet(const struct bind_addr *ba, const char *addr, char **err)
{
	struct addrinfo hints, *res;
	int		fd, one = 1, rc, saved;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_family = ba->host[0] == '\0' ? AF_INET : AF_UNSPEC;
	rc = getaddrinfo(ba->host[0] == '\0' ? NULL : ba->host, ba->port,
	    &hints, &res);
	if (rc != 0) {
		*err = xasprintf("metrics-bind: cannot bind %s: %s", addr,
		    gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family,
	    res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, res->ai_protocol);
	if (fd == -1) {
		freeaddrinfo(res);
		return web_fail_errno(err, "create a socket for", addr);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, WEB_MAX_CLIENTS) == -1) {
		saved = errno;
		close(fd);
		freeaddrinfo(res);
		errno = saved;
		return web_fail_errno(err, "bind", addr);
	}
	freeaddrinfo(res);
	return fd;
}

/* Like the control socket: replace only a stale socket, make it 0600. */
static int
web_open_unix(struct web_sock *s, const char *addr, char **err)
{
	struct stat st;
	const char *step = "";
	int	    fd;

	switch (gw_unix_clear_stale(s->path, &step)) {
	case GW_UNIX_FREE:
		break;
	case GW_UNIX_NOTSOCK:
		*err = xasprintf("metrics-bind: %s exists and is not "
				 "a socket; refusing to replace it",
		    s->path);
		return -1;
	case GW_UNIX_FAILED:
		if (strcmp(step, "unlink") == 0)
			return web_fail_errno(err, "replace stale", addr);
		if (strcmp(step, "lstat") == 0 || strcmp(step, "address") == 0)
			return web_fail_errno(err, "bind", addr);
		/* Cannot tell whether it lives: leave it alone. */
		/* FALLTHROUGH */
	case GW_UNIX_LIVE:
		*err = xasprintf("metrics-bind: cannot bind %s: "
				 "Address already in use (a live socket is "
				 "listening there)",
		    addr);
		return -1;
	}
	/* No window in which the file exists with a looser mode. */
	if ((fd = gw_unix_listen(s->path, SOCK_NONBLOCK, 0177, WEB_MAX_CLIENTS,
		 &st, &step)) == -1) {
		if (strcmp(step, "socket") == 0)
			return web_fail_errno(err, "create a socket for", addr);
		if (strcmp(step, "bind") == 0 || strcmp(step, "address") == 0)
			return web_fail_errno(err, "bind", addr);
		return web_fail_errno(err, "listen on", addr);
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return fd;
}

/* Open addr into *s (fd -1 and no address when unset). */
static int
web_open(struct web_sock *s, const char *addr, char **err)
{
	struct bind_addr ba;
	char		*msg = NULL;
	int		 fd;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	if (web_unset(addr))
		return 0;
	if (listeners_parse_bind(addr, &ba, &msg) == -1) {
		*err = xasprintf("metrics-bind: %s", msg);
		free(msg);
		return -1;
	}
	if (ba.kind == BIND_UNIX) {
		s->is_unix = 1;
		gw_strlcpy(s->path, ba.path, sizeof s->path);
		fd = web_open_unix(s, addr, err);
	} else if (ba.kind == BIND_INET)
		fd = web_open_inet(&ba, addr, err);
	else {
		*err = xasprintf("metrics-bind: %s: expected HOST:PORT or "
				 "unix:PATH",
		    addr);
		return -1;
	}
	if (fd == -1)
		return -1;
	s->fd = fd;
	s->addr = xstrdup(addr);
	return 0;
}

/* Remove our socket file, if it is still the one we made. */
static void
web_unlink(const struct web_sock *s)
{
	if (s->is_unix && s->fd != -1)
		(void)gw_unlink_if_same(s->path, s->dev, s->ino);
}

/* Forget s; close its fd unless evhttp owns it already. */
static void
web_sock_free(struct web_sock *s, int close_fd)
{
	web_unlink(s);
	if (close_fd && s->fd != -1)
		close(s->fd);
	free(s->addr);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

/* ---- requests --------------------------------------------------------- */

void
web_reply(struct evhttp_request *req, int code, const char *reason,
    const char *content_type, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char		  len[32];

	snprintf(len, sizeof len, "%zu",
	    body != NULL ? evbuffer_get_length(body) : (size_t)0);
	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	/* HEAD: the length the body would have, and no body. */
	evhttp_add_header(h, "Content-Length", len);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
		body = NULL;
	evhttp_send_reply(req, code, reason, body);
}

static void
web_text(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add_printf(b, "%s\n", text);
	web_reply(req, code, reason, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

/* Stop or resume accepting, by the count of open connections. */
static void
web_pace(void)
{
	struct evconnlistener *lev;

	if (web.bound == NULL ||
	    (lev = evhttp_bound_socket_get_listener(web.bound)) == NULL)
		return;
	if (!web.paused && web.nconns >= WEB_MAX_CLIENTS) {
		evconnlistener_disable(lev);
		web.paused = 1;
		if (!web.full_logged++)
			log_warn("metrics: %d connections open; new ones wait",
			    WEB_MAX_CLIENTS);
	} else if (web.paused && web.nconns < WEB_MAX_CLIENTS) {
		evconnlistener_enable(lev);
		web.paused = 0;
	}
}

static void
web_conn_closed(struct evhttp_connection *c, void *arg)
{
	(void)c;
	(void)arg;
	if (web.nconns > 0)
		web.nconns--;
	if (web.nconns == 0)
		web.full_logged = 0;
	web_pace();
}

/*
 * The connections accepted since the last run: evhttp has set each one
 * up by now, with its evhttp_connection as the callback argument of its
 * bufferevent; give it our close callback, or uncount it if evhttp has
 * already dropped it (its callbacks are cleared then).  Then release the
 * reference web_bevcb took.
 */
static void
web_fixup(evutil_socket_t fd, short what, void *arg)
{
	bufferevent_event_cb ecb;
	void		    *cbarg;
	size_t		     i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < web.nfresh; i++) {
		struct bufferevent *bev = web.fresh[i];

		bufferevent_getcb(bev, NULL, NULL, &ecb, &cbarg);
		if (ecb != NULL && cbarg != NULL)
			evhttp_connection_set_closecb(cbarg, web_conn_closed,
			    NULL);
		else if (web.nconns > 0)
			web.nconns--;
		bufferevent_decref(bev);
	}
	web.nfresh = 0;
	web_pace();
}

/*
 * evhttp asks for the bufferevent of each connection it accepts.  This is
 * the one place that sees every connection (libevent 2.1 has no
 * connection limit of its own), so it counts them here and pauses
 * accepting at WEB_MAX_CLIENTS: the next clients wait in the kernel's
 * queue until one closes.  The close callback is set once evhttp has made
 * the connection, from web_fixup in the same turn of the loop.
 */
static struct bufferevent *
web_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent *bev;

	(void)arg;
	bev = bufferevent_socket_new(base, -1, 0);
	if (bev == NULL)
		return NULL; /* evhttp tries its own */
	/* Keep it until web_fixup, whatever evhttp does meanwhile. */
	bufferevent_incref(bev);
	if (web.nfresh == web.capfresh) {
		web.capfresh = web.capfresh ? web.capfresh * 2 : 16;
		web.fresh = xreallocarray(web.fresh, web.capfresh,
		    sizeof *web.fresh);
	}
	web.fresh[web.nfresh++] = bev;
	web.nconns++;
	event_active(web.fixup, EV_TIMEOUT, 0);
	/* Stops the accept loop that called us, too. */
	web_pace();
	return bev;
}

static void
web_dispatch(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri;
	const char		*path;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	size_t			 i;

	(void)arg;
	uri = evhttp_request_get_evhttp_uri(req);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		web_text(req, 405, "Method Not Allowed", "only GET and HEAD");
		return;
	}
	if (path == NULL || *path == '\0')
		path = "/";
	for (i = 0; i < web.nroutes; i++)
		if (strcmp(web.routes[i].path, path) == 0) {
			web.routes[i].fn(req, web.routes[i].arg);
			return;
		}
	web_text(req, 404, "Not Found", "not found");
}

/* ---- the server ------------------------------------------------------- */

/* Serve s (which evhttp then owns); 0, or -1 with *err. */
static int
web_serve(struct web_sock *s, char **err)
{
	char *local;

	if (web.http == NULL) {
		web.http = evhttp_new(web.base);
		if (web.http == NULL) {
			*err = xstrdup("metrics-bind: cannot create the HTTP "
				       "server");
			return -1;
		}
		evhttp_set_max_headers_size(web.http, WEB_MAX_HEADERS);
		evhttp_set_max_body_size(web.http, WEB_MAX_BODY);
		evhttp_set_timeout(web.http, WEB_TIMEOUT_S);
		/* Every method reaches web_dispatch, which answers 405. */
		evhttp_set_allowed_methods(web.http,
		    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
			EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
			EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
			EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
		evhttp_set_gencb(web.http, web_dispatch, NULL);
		evhttp_set_bevcb(web.http, web_bevcb, NULL);
		web.fixup = event_new(web.base, -1, 0, web_fixup, NULL);
	}
	web.paused = 0;
	web.bound = evhttp_accept_socket_with_handle(web.http, s->fd);
	if (web.bound == NULL) {
		*err = xasprintf("metrics-bind: cannot serve %s", s->addr);
		return -1;
	}
	/* The address bound, which says the port when :0 was asked. */
	local = listeners_local_addr(s->fd);
	if (s->is_unix)
		log_info("metrics on %s (GET /metrics)", s->addr);
	else
		log_info("metrics on http://%s/metrics",
		    local != NULL ? local : s->addr);
	free(local);
	return 0;
}

/* From an upgrade: the socket the old image served, or -1. */
static int web_inherited = -1;

/* Take over the inherited socket as s, bound and listening already. */
static void
web_adopt(struct web_sock *s, const char *addr)
{
	struct bind_addr ba;
	struct stat	 st;
	char		*msg = NULL;

	memset(s, 0, sizeof *s);
	s->fd = web_inherited;
	web_inherited = -1;
	(void)gw_set_cloexec(s->fd, 1);
	s->addr = xstrdup(addr);
	if (listeners_parse_bind(addr, &ba, &msg) == 0 &&
	    ba.kind == BIND_UNIX) {
		s->is_unix = 1;
		gw_strlcpy(s->path, ba.path, sizeof s->path);
		if (lstat(s->path, &st) == 0) {
			s->dev = st.st_dev;
			s->ino = st.st_ino;
		}
	}
	free(msg);
}

int
web_start(struct event_base *base, const struct gw_config *cfg, char **err)
{
	web.base = base;
	if (web_inherited != -1 && web_unset(cfg->metrics_bind)) {
		close(web_inherited);
		web_inherited = -1;
	}
	if (web_inherited != -1)
		web_adopt(&web.cur, cfg->metrics_bind);
	else if (web_open(&web.cur, cfg->metrics_bind, err) == -1)
		return -1;
	if (web.cur.fd == -1)
		return 0;
	if (web_serve(&web.cur, err) == -1) {
		web_sock_free(&web.cur, 1);
		return -1;
	}
	return 0;
}

static int
web_same(const char *a, const char *b)
{
	if (web_unset(a) || web_unset(b))
		return web_unset(a) && web_unset(b);
	return strcmp(a, b) == 0;
}

int
web_prepare(const struct gw_config *newcfg, char **err)
{
	web_abort();
	if (web_same(web.cur.addr, newcfg->metrics_bind))
		return 0;
	if (web_open(&web.next, newcfg->metrics_bind, err) == -1)
		return -1;
	web.prepared = 1;
	return 0;
}

void
web_commit(void)
{
	char *err = NULL;

	if (!web.prepared)
		return;
	web.prepared = 0;
	if (web.bound != NULL) {
		/* Connections in progress finish; evhttp closes the fd. */
		web_unlink(&web.cur);
		evhttp_del_accept_socket(web.http, web.bound);
		web.bound = NULL;
		log_info("metrics: no longer on %s", web.cur.addr);
	}
	web_sock_free(&web.cur, 0);
	web.cur = web.next;
	memset(&web.next, 0, sizeof web.next);
	web.next.fd = -1;
	if (web.cur.fd != -1 && web_serve(&web.cur, &err) == -1) {
		log_error("%s", err);
		free(err);
		web_sock_free(&web.cur, 1);
	}
	web_pace(); /* the old socket's clients may still fill it */
}

void
web_abort(void)
{
	if (!web.prepared)
		return;
	web.prepared = 0;
	web_sock_free(&web.next, 1);
}

void
web_stop(void)
{
	size_t i;

	web_abort();
	if (web.http != NULL) {
		web_unlink(&web.cur);
		/* Its close callbacks must not touch the listener it frees. */
		web.bound = NULL;
		web_fixup(-1, 0, NULL);
		/* Frees the connections and closes the bound socket. */
		evhttp_free(web.http);
		web.http = NULL;
		web_sock_free(&web.cur, 0);
		event_free(web.fixup);
		web.fixup = NULL;
	} else
		web_sock_free(&web.cur, 1);
	web.nconns = 0;
	web.paused = 0;
	free(web.fresh);
	web.fresh = NULL;
	web.nfresh = web.capfresh = 0;
	for (i = 0; i < web.nroutes; i++)
		free(web.routes[i].path);
	free(web.routes);
	web.routes = NULL;
	web.nroutes = 0;
	web.base = NULL;
}

const char *
web_address(void)
{
	return web.cur.addr;
}

void
web_inherit(int fd)
{
	web_inherited = fd;
}

int
web_fd(void)
{
	return web.cur.fd;
}
