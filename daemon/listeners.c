/*
 * listeners.c: binding, adopting and closing the listening sockets.
 * See listeners.h.  Only start-up and reload call into here; nothing in
 * this file resolves a name (hosts are numeric), so a reload on the event
 * loop never waits on DNS.
 */
#include <config.h>

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/fsutil.h"
#include "gw/parse.h"
#include "gw/sockutil.h"
#include "gw/util.h"
#include "listeners.h"
#include "log.h"
#include "sdnotify.h"

#define STORE_PREFIX   "gwd-"
#define STORE_NAME_MAX 255 /* systemd's limit on an FDNAME */

#define BIND_SYNTAX    "expected HOST:PORT, [V6]:PORT, :PORT, unix:PATH or fd://N"

static int
bind_fail(char **err, const char *spec, const char *msg)
{
	*err = xasprintf("%s: %s", spec, msg);
	return -1;
}

/* A numeric IPv6 address, scope id allowed ("fe80::1%eth0"). */
static int
bind_is_ipv6(const char *host)
{
	struct addrinfo hints, *res;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET6;
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return 0;
	freeaddrinfo(res);
	return 1;
}

int
listeners_parse_bind(const char *spec, struct bind_addr *out, char **err)
{
	const char    *host, *port, *p;
	size_t	       hlen;
	uint64_t       v;
	const char    *perr;
	struct in_addr in4;

	memset(out, 0, sizeof *out);
	out->fd = -1;
	if (spec == NULL || *spec == '\0') {
		*err = xstrdup("empty address: " BIND_SYNTAX);
		return -1;
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		p = spec + 5;
		if (*p == '\0')
			return bind_fail(err, spec, "empty socket path");
		if (strlen(p) >= sizeof out->path)
			return bind_fail(err, spec,
			    "path too long for a "
			    "Unix socket (at most 107 bytes)");
		out->kind = BIND_UNIX;
		gw_strlcpy(out->path, p, sizeof out->path);
		return 0;
	}
	if (strncmp(spec, "fd://", 5) == 0) {
		if (parse_uint(spec + 5, 0, INT_MAX, &v, &perr) == -1)
			return bind_fail(err, spec,
			    "expected fd://N, N a file descriptor number");
		out->kind = BIND_FD;
		out->fd = (int)v;
		return 0;
	}
	if (spec[0] == '[') {
		host = spec + 1;
		if ((p = strchr(host, ']')) == NULL)
			return bind_fail(err, spec, "missing ']'");
		hlen = (size_t)(p - host);
		if (p[1] != ':')
			return bind_fail(err, spec, "expected [V6]:PORT");
		port = p + 2;
		if (hlen == 0 || hlen >= sizeof out->host)
			return bind_fail(err, spec, "bad IPv6 address");
		memcpy(out->host, host, hlen);
		out->host[hlen] = '\0';
		if (!bind_is_ipv6(out->host))
			return bind_fail(err, spec, "bad IPv6 address");
	} else {
		if ((p = strrchr(spec, ':')) == NULL)
			return bind_fail(err, spec, BIND_SYNTAX);
		hlen = (size_t)(p - spec);
		port = p + 1;
		if (memchr(spec, ':', hlen) != NULL)
			return bind_fail(err, spec,
			    "an IPv6 address needs "
			    "brackets, like [::1]:8000");
		if (hlen >= sizeof out->host)
			return bind_fail(err, spec, "host too long");
		memcpy(out->host, spec, hlen);
		out->host[hlen] = '\0';
		if (strcmp(out->host, "localhost") == 0)
			gw_strlcpy(out->host, "127.0.0.1", sizeof out->host);
		else if (hlen > 0 && inet_pton(AF_INET, out->host, &in4) != 1)
			return bind_fail(err, spec,
			    "HOST must be a numeric "
			    "address or localhost (names are not resolved)");
	}
	if (parse_uint(port, 0, 65535, &v, &perr) == -1)
		return bind_fail(err, spec, "expected a port number 0..65535");
	out->kind = BIND_INET;
	snprintf(out->port, sizeof out->port, "%u", (unsigned)v);
	return 0;
}

/* Is fd a listening stream socket? */
static int
listeners_is_listening(int fd)
{
	int	  val = 0, type = 0;
	socklen_t len = sizeof val;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len) == -1 ||
	    val == 0)
		return 0;
	len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_STREAM)
		return 0;
	return 1;
}

static int
listeners_fail_errno(char **err, const char *what, const char *addr)
{
	*err = xasprintf("cannot %s %s: %s", what, addr, strerror(errno));
	return -1;
}

static int
listeners_open_inet(const struct bind_addr *ba, const char *addr,
    const struct gw_config *cfg, char **err)
{
	struct addrinfo hints, *res;
	int		fd, one = 1, zero = 0, rc, dual;
	const char     *host = ba->host;

	dual = host[0] == '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_family = dual ? AF_INET6 : AF_UNSPEC;
again:
	rc = getaddrinfo(dual ?
		(hints.ai_family == AF_INET6 ? "::" : "0.0.0.0") :
		host,
	    ba->port, &hints, &res);
	if (rc != 0) {
		*err = xasprintf("cannot bind %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	/* Blocking, like systemd's sockets: the master never accepts, and
	 * workers that accept in a blocking loop must not get EAGAIN. */
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd == -1 && dual && res->ai_family == AF_INET6 &&
	    (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
		/* No IPv6 in this kernel or namespace: all IPv4 addresses. */
		freeaddrinfo(res);
		hints.ai_family = AF_INET;
		goto again;
	}
	if (fd == -1) {
		freeaddrinfo(res);
		return listeners_fail_errno(err, "create a socket for", addr);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    (cfg->reuse_port &&
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) ==
		    -1) ||
	    (res->ai_family == AF_INET6 &&
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? &zero : &one,
		    sizeof one) == -1)) {
		rc = errno;
		close(fd);
		freeaddrinfo(res);
		errno = rc;
		return listeners_fail_errno(err, "set socket options on", addr);
	}
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1) {
		rc = errno;
		close(fd);
		freeaddrinfo(res);
		if (dual && hints.ai_family == AF_INET6 &&
		    rc == EADDRNOTAVAIL) {
			/* IPv6 disabled by sysctl. */
			hints.ai_family = AF_INET;
			goto again;
		}
		errno = rc;
		return listeners_fail_errno(err, "bind", addr);
	}
	freeaddrinfo(res);
	if (listen(fd, (int)cfg->backlog) == -1) {
		rc = errno;
		close(fd);
		errno = rc;
		return listeners_fail_errno(err, "listen on", addr);
	}
	return fd;
}

/*
 * A socket file at path: stale (nobody accepts: ECONNREFUSED) is removed
 * so we can bind; live, or not a socket at all, is left alone and refused.
 */
static int
listeners_clear_stale(const char *path, const char *addr, char **err)
{
	const char *step = "";

	switch (gw_unix_clear_stale(path, &step)) {
	case GW_UNIX_FREE:
		return 0;
	case GW_UNIX_NOTSOCK:
		*err = xasprintf("cannot bind %s: File exists and is not a "
				 "socket",
		    addr);
		return -1;
	case GW_UNIX_LIVE:
		*err = xasprintf("cannot bind %s: Address already in use "
				 "(a live socket is listening there)",
		    addr);
		return -1;
	case GW_UNIX_FAILED:
		break;
	}
	if (strcmp(step, "socket") == 0)
		return listeners_fail_errno(err, "create a socket for", addr);
	if (strcmp(step, "unlink") == 0)
		return listeners_fail_errno(err, "replace stale", addr);
	return listeners_fail_errno(err, "bind", addr);
}

static int
listeners_open_unix(const struct bind_addr *ba, const char *addr,
    const struct gw_config *cfg, struct listener *l, char **err)
{
	struct stat st;
	const char *step = "";
	int	    fd;

	if (listeners_clear_stale(ba->path, addr, err) == -1)
		return -1;
	if ((fd = gw_unix_listen(ba->path, 0, -1, (int)cfg->backlog, &st,
		 &step)) == -1) {
		if (strcmp(step, "socket") == 0)
			return listeners_fail_errno(err, "create a socket for",
			    addr);
		if (strcmp(step, "bind") == 0 || strcmp(step, "address") == 0)
			return listeners_fail_errno(err, "bind", addr);
		return listeners_fail_errno(err, "listen on", addr);
	}
	l->flags |= LISTENER_UNLINK;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return fd;
}

static int
listeners_take_fd(int fd, const char *addr, char **err)
{
	if (fcntl(fd, F_GETFD) == -1)
		return listeners_fail_errno(err, "adopt", addr);
	if (!listeners_is_listening(fd)) {
		*err = xasprintf("cannot adopt %s: not a listening stream "
				 "socket",
		    addr);
		return -1;
	}
	if (gw_set_cloexec(fd, 1) == -1)
		return listeners_fail_errno(err, "adopt", addr);
	return 0;
}

static int
listeners_find_fd(const struct listeners *ls, int fd)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->v[i].fd == fd)
			return 1;
	return 0;
}

/*
 * Open one bind into *l.  fd://N is adopted only at start-up: later, fd N
 * could be anything the master has opened since.
 */
static int
listeners_open_one(const struct listeners *ls, const struct gw_bind *b,
    const struct gw_config *cfg, int startup, struct listener *l, char **err)
{
	struct bind_addr ba;
	int		 fd;

	memset(l, 0, sizeof *l);
	l->fd = -1;
	if (listeners_parse_bind(b->addr, &ba, err) == -1)
		return -1;
	switch (ba.kind) {
	case BIND_INET:
		fd = listeners_open_inet(&ba, b->addr, cfg, err);
		break;
	case BIND_UNIX:
		fd = listeners_open_unix(&ba, b->addr, cfg, l, err);
		break;
	default:
		if (!startup) {
			*err = xasprintf("cannot adopt %s: fd:// binds can "
					 "only be adopted at start-up",
			    b->addr);
			return -1;
		}
		if (listeners_find_fd(ls, ba.fd)) {
			*err = xasprintf("cannot adopt %s: already a "
					 "listener",
			    b->addr);
			return -1;
		}
		fd = listeners_take_fd(ba.fd, b->addr, err) == -1 ? -1 : ba.fd;
		l->flags |= LISTENER_ADOPTED;
		break;
	}
	if (fd == -1)
		return -1;
	l->fd = fd;
	l->name = b->name != NULL ? xstrdup(b->name) : NULL;
	l->addr = xstrdup(b->addr);
	return 0;
}

/* Unlink our socket file, if it is still the one we made. */
static void
listeners_unlink(const struct listener *l)
{
	struct bind_addr ba;
	char		*err = NULL;

	if (!(l->flags & LISTENER_UNLINK))
		return;
	if (listeners_parse_bind(l->addr, &ba, &err) == -1 ||
	    ba.kind != BIND_UNIX) {
		free(err);
		return;
	}
	(void)gw_unlink_if_same(ba.path, l->dev, l->ino);
}

static void
listeners_free_one(struct listener *l, int close_it)
{
	if (close_it && l->fd != -1) {
		listeners_unlink(l);
		close(l->fd);
	}
	free(l->name);
	free(l->addr);
	free(l->stored);
	l->name = l->addr = l->stored = NULL;
	l->fd = -1;
}

char *
listeners_store_name(const char *name, const char *addr)
{
	const char *src = addr;
	char	   *s, *p;
	size_t	    len;

	if (name != NULL &&
	    strlen(STORE_PREFIX) + strlen(name) <= STORE_NAME_MAX)
		src = name;
	len = strlen(STORE_PREFIX) + strlen(src);
	if (len > STORE_NAME_MAX)
		len = STORE_NAME_MAX;
	s = xmalloc(len + 1);
	snprintf(s, len + 1, "%s%s", STORE_PREFIX, src);
	for (p = s; *p != '\0'; p++)
		if (*p == ':' || *p <= ' ' || *p > '~')
			*p = '_';
	return s;
}

int
listeners_is_store_name(const char *fdname)
{
	return fdname != NULL &&
	    strncmp(fdname, STORE_PREFIX, strlen(STORE_PREFIX)) == 0;
}

/* host as getnameinfo(NI_NUMERICHOST) writes it, or "" if not numeric. */
static void
listeners_canon_host(const char *host, char *out, size_t outsz)
{
	struct addrinfo hints, *res;

	out[0] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return;
	if (getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t)outsz,
		NULL, 0, NI_NUMERICHOST) != 0)
		out[0] = '\0';
	else if (res->ai_family == AF_INET6) {
		char tmp[NI_MAXHOST];

		snprintf(tmp, sizeof tmp, "[%s]", out);
		gw_strlcpy(out, tmp, outsz);
	}
	freeaddrinfo(res);
}

int
listeners_match(const char *bind_spec, const char *name, const char *local,
    const char *fdname)
{
	struct bind_addr ba;
	char		 host[NI_MAXHOST + 2], *err = NULL, *want;
	const char	*colon;
	size_t		 hlen;
	int		 ok;

	if (local == NULL || listeners_parse_bind(bind_spec, &ba, &err) == -1) {
		free(err);
		return 0;
	}
	if (ba.kind == BIND_UNIX)
		return strncmp(local, "unix:", 5) == 0 &&
		    strcmp(local + 5, ba.path) == 0;
	if (ba.kind != BIND_INET || (colon = strrchr(local, ':')) == NULL)
		return 0;
	hlen = (size_t)(colon - local);
	if (strcmp(ba.port, "0") == 0) {
		/* Any free port: only our own stored socket says which. */
		want = listeners_store_name(name, bind_spec);
		ok = fdname != NULL && strcmp(fdname, want) == 0;
		free(want);
		if (!ok)
			return 0;
	} else if (strcmp(colon + 1, ba.port) != 0)
		return 0;
	if (ba.host[0] == '\0') /* all addresses: dual-stack or v4 */
		return (hlen == 4 && strncmp(local, "[::]", 4) == 0) ||
		    (hlen == 7 && strncmp(local, "0.0.0.0", 7) == 0);
	listeners_canon_host(ba.host, host, sizeof host);
	return host[0] != '\0' && strlen(host) == hlen &&
	    strncmp(local, host, hlen) == 0;
}

/*
 * Turn an inherited socket into the listener of bind b.  One from our own
 * fd store is ours again (its Unix socket file too); one from a socket
 * unit stays adopted, keeps its FileDescriptorName= unless the bind
 * names it, and is not stored (its unit keeps it).
 */
static void
listeners_take_back(struct listener *l, const struct gw_bind *b)
{
	struct bind_addr ba;
	struct stat	 st;
	char		*err = NULL;
	int		 ours = listeners_is_store_name(l->name);

	log_info("bind %s: taken from %s (%s), not bound anew", b->addr,
	    ours ? "the fd store" : "socket activation",
	    l->name != NULL ? l->name : l->addr);
	free(l->addr);
	l->addr = xstrdup(b->addr);
	if (ours) {
		l->stored = l->name;
		l->name = NULL;
		l->flags = 0;
		if (listeners_parse_bind(b->addr, &ba, &err) == 0 &&
		    ba.kind == BIND_UNIX && lstat(ba.path, &st) == 0 &&
		    S_ISSOCK(st.st_mode)) {
			l->flags |= LISTENER_UNLINK;
			l->dev = st.st_dev;
			l->ino = st.st_ino;
		}
		free(err);
	} else
		l->flags = LISTENER_ADOPTED;
	if (b->name != NULL || ours) {
		free(l->name);
		l->name = b->name != NULL ? xstrdup(b->name) : NULL;
	}
}

/* For each bind, the index of the inherited socket it matches, or -1. */
static void
listeners_claim(const struct listeners *ls, const struct gw_config *cfg,
    ssize_t *match, char *taken)
{
	char **local;
	size_t i, j;

	local = xcalloc(ls->n + 1, sizeof *local);
	for (j = 0; j < ls->n; j++)
		if (ls->v[j].flags & LISTENER_ACTIVATED)
			local[j] = listeners_local_addr(ls->v[j].fd);
	for (i = 0; i < cfg->nbinds; i++) {
		match[i] = -1;
		for (j = 0; j < ls->n; j++)
			if (local[j] != NULL && !taken[j] &&
			    listeners_match(cfg->binds[i].addr,
				cfg->binds[i].name, local[j], ls->v[j].name)) {
				match[i] = (ssize_t)j;
				taken[j] = 1;
				break;
			}
	}
	for (j = 0; j < ls->n; j++)
		free(local[j]);
	free(local);
}

int
listeners_open(struct listeners *ls, const struct gw_config *cfg, char **err)
{
	struct listener *nv;
	ssize_t		*match;
	char		*taken, *kept;
	size_t		 n = 0, base, i, j, rest = 0;
	int		 rc = 0;

	match = xcalloc(cfg->nbinds + 1, sizeof *match);
	taken = xcalloc(ls->n + 1, 1);
	listeners_claim(ls, cfg, match, taken);
	/* A stored socket no bind wants any more: the configuration
	 * dropped it while gwd was down. */
	for (j = 0; j < ls->n; j++) {
		struct listener *l = &ls->v[j];

		if (taken[j] || !(l->flags & LISTENER_ACTIVATED) ||
		    !listeners_is_store_name(l->name)) {
			rest += !taken[j];
			continue;
		}
		log_info("fd store: %s (%s) matches no bind: closed", l->name,
		    l->addr);
		if (sdnotify_fdstore_remove(l->name) == -1)
			log_warn("cannot remove %s from the fd store: %s",
			    l->name, strerror(errno));
		listeners_free_one(l, 1);
		taken[j] = 2;
	}
	if (cfg->binds_default && rest > 0) {
		/* Socket activation replaces the default bind. */
		memset(match, 0xff, (cfg->nbinds + 1) * sizeof *match);
		for (j = 0; j < ls->n; j++)
			if (taken[j] == 1)
				taken[j] = 0;
	}
	nv = xcalloc(ls->n + cfg->nbinds + 1, sizeof *nv);
	kept = xcalloc(ls->n + cfg->nbinds + 1, 1);
	for (j = 0; j < ls->n; j++)
		if (!taken[j])
			nv[n++] = ls->v[j];
	base = n;
	for (i = 0; i < cfg->nbinds; i++) {
		if (cfg->binds_default && rest > 0)
			break;
		if (match[i] != -1) {
			nv[n] = ls->v[match[i]];
			listeners_take_back(&nv[n], &cfg->binds[i]);
			kept[n++] = 1;
			continue;
		}
		if (listeners_open_one(ls, &cfg->binds[i], cfg, 1, &nv[n],
			err) == -1) {
			/* Close what this call bound; fd:// sockets were
			 * not ours to open, and taken-back ones stay. */
			for (j = n; j > base; j--) {
				struct listener *l = &nv[j - 1];

				if (kept[j - 1])
					continue;
				listeners_free_one(l,
				    !(l->flags & LISTENER_ADOPTED));
			}
			/* Keep only what is still open. */
			for (i = 0, j = 0; j < n; j++)
				if (nv[j].fd != -1)
					nv[i++] = nv[j];
			n = i;
			rc = -1;
			break;
		}
		n++;
	}
	free(ls->v);
	ls->v = nv;
	ls->n = n;
	if (n == 0) {
		free(ls->v);
		ls->v = NULL;
	}
	free(match);
	free(taken);
	free(kept);
	return rc;
}

void
listeners_fdstore(struct listeners *ls)
{
	struct listener *l;
	char		*want;
	size_t		 i;

	if (!sdnotify_enabled())
		return;
	for (i = 0; i < ls->n; i++) {
		l = &ls->v[i];
		if (l->flags & (LISTENER_ACTIVATED | LISTENER_ADOPTED))
			continue;
		want = listeners_store_name(l->name, l->addr);
		if (l->stored != NULL && strcmp(l->stored, want) == 0) {
			/* Already there: systemd would ignore a copy. */
			free(want);
			continue;
		}
		if (l->stored != NULL) {
			(void)sdnotify_fdstore_remove(l->stored);
			free(l->stored);
			l->stored = NULL;
		}
		if (sdnotify_fdstore(l->fd, want) == -1) {
			log_warn("cannot give %s to the fd store: %s "
				 "(it will not outlive gwd)",
			    l->addr, strerror(errno));
			free(want);
			continue;
		}
		l->stored = want;
	}
}

int
listeners_update(struct listeners *ls, const struct gw_config *newcfg,
    char **err)
{
	struct listener *nv;
	char		*used;
	size_t		 n = 0, nact, i, j;

	nv = xcalloc(ls->n + newcfg->nbinds + 1, sizeof *nv);
	used = xcalloc(ls->n + 1, 1);
	for (i = 0; i < ls->n; i++) {
		if (!(ls->v[i].flags & LISTENER_ACTIVATED))
			continue;
		nv[n] = ls->v[i];
		nv[n].name = ls->v[i].name ? xstrdup(ls->v[i].name) : NULL;
		nv[n].addr = xstrdup(ls->v[i].addr);
		nv[n].stored = NULL;
		n++;
		used[i] = 1;
	}
	nact = n;
	for (i = 0; i < newcfg->nbinds; i++) {
		const struct gw_bind *b = &newcfg->binds[i];

		/* Activated sockets replace the default bind. */
		if (newcfg->binds_default && nact > 0)
			break;
		for (j = 0; j < ls->n; j++)
			if (!used[j] && strcmp(ls->v[j].addr, b->addr) == 0)
				break;
		if (j < ls->n) {
			nv[n] = ls->v[j];
			nv[n].name = b->name ? xstrdup(b->name) : NULL;
			nv[n].addr = xstrdup(b->addr);
			nv[n].stored = ls->v[j].stored ?
			    xstrdup(ls->v[j].stored) :
			    NULL;
			used[j] = 2;
			n++;
			continue;
		}
		if (listeners_open_one(ls, b, newcfg, 0, &nv[n], err) == -1) {
			/* Roll back: close only what this call opened. */
			while (n > 0) {
				struct listener *l = &nv[--n];
				int		 opened = 1;

				for (j = 0; j < ls->n; j++)
					if (used[j] && ls->v[j].fd == l->fd)
						opened = 0;
				listeners_free_one(l, opened);
			}
			free(nv);
			free(used);
			return -1;
		}
		n++;
	}
	for (j = 0; j < ls->n; j++) {
		/* A removed bind must not come back with the next gwd. */
		if (!used[j] && ls->v[j].stored != NULL &&
		    sdnotify_fdstore_remove(ls->v[j].stored) == -1)
			log_warn("cannot remove %s from the fd store: %s",
			    ls->v[j].addr, strerror(errno));
		listeners_free_one(&ls->v[j], !used[j]);
	}
	for (i = 0; i < n; i++)
		if (!(nv[i].flags & LISTENER_ADOPTED))
			(void)listen(nv[i].fd, (int)newcfg->backlog);
	free(ls->v);
	free(used);
	ls->v = nv;
	ls->n = n;
	return 0;
}

void
listeners_close(struct listeners *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++) {
		if (ls->v[i].stored != NULL)
			ls->v[i].flags &= ~LISTENER_UNLINK;
		listeners_free_one(&ls->v[i], 1);
	}
	free(ls->v);
	ls->v = NULL;
	ls->n = 0;
}

char *
listeners_fdnames(const struct listeners *ls)
{
	size_t i, len = 1;
	char  *s;

	for (i = 0; i < ls->n; i++)
		len += strlen(ls->v[i].name ? ls->v[i].name : "unknown") + 1;
	s = xmalloc(len);
	s[0] = '\0';
	for (i = 0; i < ls->n; i++) {
		if (i > 0)
			strcat(s, ":");
		strcat(s, ls->v[i].name ? ls->v[i].name : "unknown");
	}
	return s;
}

char *
listeners_local_addr(int fd)
{
	struct sockaddr_storage ss;
	socklen_t		len = sizeof ss;
	char			host[NI_MAXHOST], serv[NI_MAXSERV];
	struct sockaddr_un     *sun;
	size_t			plen;

	memset(&ss, 0, sizeof ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return NULL;
	switch (ss.ss_family) {
	case AF_UNIX:
		sun = (struct sockaddr_un *)&ss;
		plen = len - offsetof(struct sockaddr_un, sun_path);
		if (len <= offsetof(struct sockaddr_un, sun_path))
			return xstrdup("unix:");
		if (sun->sun_path[0] == '\0') /* abstract */
			return xasprintf("unix:@%.*s", (int)plen - 1,
			    sun->sun_path + 1);
		return xasprintf("unix:%.*s", (int)strnlen(sun->sun_path, plen),
		    sun->sun_path);
	case AF_INET:
	case AF_INET6:
		if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof host,
			serv, sizeof serv,
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
			return NULL;
		if (ss.ss_family == AF_INET6)
			return xasprintf("[%s]:%s", host, serv);
		return xasprintf("%s:%s", host, serv);
	default:
		return NULL;
	}
}

json_t *
listeners_to_json(const struct listeners *ls)
{
	json_t *arr = json_array(), *o;
	char   *local;
	size_t	i;

	for (i = 0; i < ls->n; i++) {
		local = listeners_local_addr(ls->v[i].fd);
		o = json_pack("{s:s?, s:s, s:i, s:s?, s:s?}", "name",
		    ls->v[i].name, "addr", ls->v[i].addr, "fd", ls->v[i].fd,
		    "local", local, "fdstore", ls->v[i].stored);
		free(local);
		json_array_append_new(arr, o);
	}
	return arr;
}

int
listeners_add_fd(struct listeners *ls, const char *name, const char *addr,
    int fd, unsigned flags, char **err)
{
	struct listener *l;

	if (listeners_find_fd(ls, fd)) {
		*err = xasprintf("cannot adopt %s: already a listener", addr);
		return -1;
	}
	if (listeners_take_fd(fd, addr, err) == -1)
		return -1;
	ls->v = xreallocarray(ls->v, ls->n + 1, sizeof *ls->v);
	l = &ls->v[ls->n++];
	memset(l, 0, sizeof *l);
	l->name = name != NULL ? xstrdup(name) : NULL;
	l->addr = xstrdup(addr);
	l->fd = fd;
	l->flags = flags;
	return 0;
}

static void
listeners_unset_env(void)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/*
 * A socket unit's socket that was also stored comes twice (systemd only
 * dedups within the store): keep one fd, under the unit's name, and take
 * the copy out of the store, where it need not be.
 */
static void
listeners_dedup_last(struct listeners *ls, size_t base)
{
	struct listener *last = &ls->v[ls->n - 1], *l;
	struct stat	 a, b;
	size_t		 i;
	char		*keep;

	if (fstat(last->fd, &a) == -1)
		return;
	for (i = base; i + 1 < ls->n; i++) {
		l = &ls->v[i];
		if (fstat(l->fd, &b) == -1 || a.st_dev != b.st_dev ||
		    a.st_ino != b.st_ino)
			continue;
		if (listeners_is_store_name(l->name) &&
		    !listeners_is_store_name(last->name)) {
			keep = l->name;
			l->name = last->name;
			last->name = keep;
		}
		if (listeners_is_store_name(last->name))
			(void)sdnotify_fdstore_remove(last->name);
		listeners_free_one(last, 1);
		ls->n--;
		return;
	}
}

int
listeners_adopt_env(struct listeners *ls, char **err)
{
	const char *spid = getenv("LISTEN_PID");
	const char *sfds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES"), *perr;
	char	   *namebuf = NULL, *next, *name, *addr;
	uint64_t    pid, n, i;
	size_t	    base = ls->n;

	if (spid == NULL || sfds == NULL ||
	    parse_uint(spid, 1, INT_MAX, &pid, &perr) == -1 ||
	    (pid_t)pid != getpid()) {
		listeners_unset_env();
		return 0;
	}
	if (parse_uint(sfds, 0, 4096, &n, &perr) == -1) {
		*err = xasprintf("LISTEN_FDS=%s: expected a number of fds",
		    sfds);
		listeners_unset_env();
		return -1;
	}
	next = namebuf = names != NULL ? xstrdup(names) : NULL;
	for (i = 0; i < n; i++) {
		name = next != NULL ? strsep(&next, ":") : NULL;
		if (name != NULL && *name == '\0')
			name = NULL;
		addr = xasprintf("fd://%d", (int)(3 + i));
		if (listeners_add_fd(ls, name, addr, (int)(3 + i),
			LISTENER_ACTIVATED | LISTENER_ADOPTED, err) == -1) {
			char *e = *err;

			*err = xasprintf("LISTEN_FDS: %s", e);
			free(e);
			free(addr);
			free(namebuf);
			while (ls->n > base)
				listeners_free_one(&ls->v[--ls->n], 0);
			if (ls->n == 0) {
				free(ls->v);
				ls->v = NULL;
			}
			listeners_unset_env();
			return -1;
		}
		free(addr);
		listeners_dedup_last(ls, base);
	}
	free(namebuf);
	listeners_unset_env();
	return (int)(ls->n - base);
}
