/*
 * control.c: the control socket.  Accepts connections on a Unix stream
 * socket, checks the peer's credentials once at accept time, frames
 * requests as lines of at most GW_CTL_MAX_LINE bytes, parses the envelope
 * and dispatches to the command set main.c wired (control_set_commands:
 * commands.c's table).  Requests on one connection are answered in
 * order: while a command is pending (reload with wait, stats), the lines
 * behind it stay in the input buffer, and the input buffer's high
 * watermark pushes back on the peer.  Nothing a peer sends can block the
 * loop or make gwd buffer without bound.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "gw/fsutil.h"
#include "gw/idutil.h"
#include "gw/parse.h"
#include "gw/protocol.h"
#include "gw/sockutil.h"
#include "gw/util.h"

#include "control.h"
#include "log.h"

/* Stop reading requests while this much output waits for the peer. */
#define OUT_PAUSE	   (1024 * 1024)
/* A subscriber this far behind is disconnected. */
#define OUT_SUBSCRIBER_MAX (8 * 1024 * 1024)
/* Connections handled per wake-up of the listener. */
#define ACCEPT_BURST	   32
/* How long a refused peer may go on sending before we hang up. */
#define LINGER_MS	   2000
/* How long accepting pauses when out of descriptors. */
#define ACCEPT_PAUSE_MS	   250
/* How long answers may take to go out when gwd exits. */
#define FLUSH_MS	   1000

struct ctl_client {
	TAILQ_ENTRY(ctl_client) entry;
	struct bufferevent *bev;
	struct event	   *wake; /* deferred resume / close */
	struct cmd_ctx	    ctx;
	json_t		   *pending_id; /* id of the pending request */
	int		    busy;	/* a request is pending */
	int		    eof;	/* the peer stopped writing */
	int		    closing;	/* close once output is flushed */
	int		    dead;	/* free at the next wake */
	int		    processing;
	int		    lingering; /* answered; discarding input */
};

static TAILQ_HEAD(, ctl_client) clients = TAILQ_HEAD_INITIALIZER(clients);
static unsigned nclients;

static struct {
	struct event_base	      *base;
	int			       fd;
	struct event		      *ev;
	struct event		      *resume;
	char			      *path;
	dev_t			       dev;
	ino_t			       ino;
	int			       have_gid, have_read_gid;
	gid_t			       gid, read_gid;
	unsigned		       idle_ms;
	int			       emfile_logged;
	int			       inherited; /* from an upgrade; -1 */
	const struct control_commands *cmds;	  /* main.c wires it */
} ctl = { .fd = -1, .inherited = -1, .idle_ms = GW_CTL_IDLE_TIMEOUT_S * 1000 };

static void client_process(struct ctl_client *);

void
control_set_commands(const struct control_commands *cmds)
{
	ctl.cmds = cmds;
}

static void client_free(struct ctl_client *);

/* ---- replies -------------------------------------------------------------- */

/* Append obj as one line to the client's output. */
static void
client_write_json(struct ctl_client *c, json_t *obj)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char		*s;

	s = json_dumps(obj, JSON_COMPACT);
	if (s == NULL) {
		/* Only allocation can fail here; drop the line, keep order. */
		log_warn("control: cannot encode a reply");
		s = xstrdup("{\"ok\":false,\"error\":{\"code\":\"internal\","
			    "\"message\":\"cannot encode the reply\"}}");
	}
	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
	free(s);
}

/* The reply line for id (borrowed): a result (stolen) or an error. */
static json_t *
reply_new(json_t *id, json_t *result, const char *code, const char *message)
{
	json_t *o = json_object();

	json_object_set(o, "id", id != NULL ? id : json_null());
	if (code == NULL) {
		json_object_set_new(o, "ok", json_true());
		json_object_set_new(o, "result",
		    result != NULL ? result : json_object());
	} else {
		json_decref(result);
		json_object_set_new(o, "ok", json_false());
		json_object_set_new(o, "error",
		    json_pack("{s:s, s:s}", "code", code, "message",
			message ? message : code));
	}
	return o;
}

static void
client_reply(struct ctl_client *c, json_t *id, json_t *result, const char *code,
    const char *message)
{
	json_t *o = reply_new(id, result, code, message);

	client_write_json(c, o);
	json_decref(o);
}

/* Answer on a socket that never becomes a client (busy, forbidden). */
static void
reject(int fd, const char *code, const char *message)
{
	/* A fresh socket's buffer is empty: this never blocks. */
	control_answer_fd(fd, NULL, NULL, code, message);
}

void
control_answer(struct ctl_client *c, json_t *result, const char *code,
    const char *message)
{
	if (!c->busy) {
		/* A second answer to one request would break the order. */
		log_warn("control: unexpected answer dropped");
		json_decref(result);
		return;
	}
	if (!c->dead)
		client_reply(c, c->pending_id, result, code, message);
	else
		json_decref(result);
	json_decref(c->pending_id);
	c->pending_id = NULL;
	c->busy = 0;
	/* Resume the lines behind it from the loop, not from the caller. */
	event_active(c->wake, EV_TIMEOUT, 0);
}

void
control_push(struct ctl_client *c, json_t *obj)
{
	if (c->dead || c->closing)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    OUT_SUBSCRIBER_MAX) {
		log_warn("control: subscriber pid %ld does not read its "
			 "events; disconnecting it",
		    (long)c->ctx.peer.pid);
		c->dead = 1;
		event_active(c->wake, EV_TIMEOUT, 0);
		return;
	}
	client_write_json(c, obj);
}

/* ---- requests ------------------------------------------------------------- */

/* The clients list is in order of last request, oldest first. */
static void
client_touch(struct ctl_client *c)
{
	TAILQ_REMOVE(&clients, c, entry);
	TAILQ_INSERT_TAIL(&clients, c, entry);
}

/* Is the line only blank space? Blank lines are skipped. */
static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Handle one request line (without its newline). */
static void
client_request(struct ctl_client *c, const char *line, size_t len)
{
	const struct command *cmd;
	struct cmd_reply      r;
	json_error_t	      jerr;
	json_t		     *req, *id = NULL, *args, *v;
	const char	     *key, *name;
	char		     *msg = NULL;
	enum cmd_status	      st;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (blank(line, len))
		return;
	client_touch(c);
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		msg = xasprintf("invalid JSON at column %d: %s", jerr.column,
		    jerr.text);
		client_reply(c, NULL, NULL, GW_ERR_BAD_REQUEST, msg);
		free(msg);
		return;
	}
	if (!json_is_object(req)) {
		client_reply(c, NULL, NULL, GW_ERR_BAD_REQUEST,
		    "a request is a JSON object");
		goto out;
	}
	id = json_object_get(req, "id");
	if (id != NULL && (json_is_object(id) || json_is_array(id))) {
		client_reply(c, NULL, NULL, GW_ERR_BAD_REQUEST,
		    "id must be a string, number, boolean or null");
		goto out;
	}
	json_object_foreach(req, key, v)
	{
		if (strcmp(key, "id") != 0 && strcmp(key, "cmd") != 0 &&
		    strcmp(key, "args") != 0) {
			msg = xasprintf("unknown key '%s' (a request has id, "
					"cmd and args)",
			    key);
			client_reply(c, id, NULL, GW_ERR_BAD_REQUEST, msg);
			goto out;
		}
	}
	v = json_object_get(req, "cmd");
	if (!json_is_string(v)) {
		client_reply(c, id, NULL, GW_ERR_BAD_REQUEST,
		    v == NULL ? "cmd is missing" : "cmd must be a string");
		goto out;
	}
	name = json_string_value(v);
	args = json_object_get(req, "args");
	if (args == NULL || json_is_null(args))
		args = NULL;
	else if (!json_is_object(args)) {
		client_reply(c, id, NULL, GW_ERR_BAD_REQUEST,
		    "args must be an object");
		goto out;
	}
	if (ctl.cmds == NULL || (cmd = ctl.cmds->find(name)) == NULL) {
		msg = xasprintf("unknown command '%.64s'", name);
		client_reply(c, id, NULL, GW_ERR_UNKNOWN_COMMAND, msg);
		goto out;
	}
	if (!cmd->read_only && !c->ctx.peer.may_write) {
		log_warn("control: %s refused to uid %lu pid %ld (read-only "
			 "peer)",
		    cmd->name, (unsigned long)c->ctx.peer.uid,
		    (long)c->ctx.peer.pid);
		msg = xasprintf("%s is not allowed to this peer (read-only "
				"access)",
		    cmd->name);
		client_reply(c, id, NULL, GW_ERR_FORBIDDEN, msg);
		goto out;
	}
	if (args == NULL)
		json_object_set_new(req, "args", args = json_object());
	if (cmd->validate(args, &msg) == -1) {
		client_reply(c, id, NULL, GW_ERR_INVALID_ARGUMENT, msg);
		goto out;
	}
	if (!cmd->read_only)
		ctl.cmds->audit(&c->ctx, cmd->name, args);

	memset(&r, 0, sizeof r);
	c->busy = 1;
	c->pending_id = json_incref(id != NULL ? id : json_null());
	st = cmd->run(&c->ctx, args, &r);
	if (st == CMD_ASYNC)
		goto out; /* control_answer() comes, or already came */
	client_reply(c, c->pending_id, r.result, st == CMD_OK ? NULL : r.code,
	    r.message);
	free(r.message);
	json_decref(c->pending_id);
	c->pending_id = NULL;
	c->busy = 0;
out:
	free(msg);
	json_decref(req);
}

/*
 * Take the complete lines from the input, one request at a time, until a
 * request is pending, the output backs up, or the input runs dry.
 */
static void
client_process(struct ctl_client *c)
{
	struct evbuffer	   *in, *out;
	struct evbuffer_ptr eol;
	size_t		    eol_len, len;
	char		   *line;

	if (c->processing)
		return;
	c->processing = 1;
	in = bufferevent_get_input(c->bev);
	out = bufferevent_get_output(c->bev);
	while (!c->busy && !c->closing && !c->dead &&
	    evbuffer_get_length(out) < OUT_PAUSE) {
		len = evbuffer_get_length(in);
		if (len == 0)
			break;
		eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (eol.pos == -1) {
			if (len > GW_CTL_MAX_LINE + 1)
				goto too_large;
			if (!c->eof)
				break;
			/* The last line may lack its newline. */
			eol.pos = (ev_ssize_t)len;
			eol_len = 0;
		}
		if ((size_t)eol.pos > GW_CTL_MAX_LINE + 1 ||
		    ((size_t)eol.pos == GW_CTL_MAX_LINE + 1 &&
			evbuffer_pullup(in, eol.pos)[eol.pos - 1] != '\r'))
			goto too_large;
		line = (char *)evbuffer_pullup(in, eol.pos);
		client_request(c, line != NULL ? line : "", (size_t)eol.pos);
		evbuffer_drain(in, (size_t)eol.pos + eol_len);
	}
	c->processing = 0;
	if (c->eof && !c->busy && evbuffer_get_length(in) == 0 &&
	    !c->ctx.subscribed)
		c->closing = 1;
	if (c->closing && evbuffer_get_length(out) == 0)
		c->dead = 1;
	if (c->dead)
		client_free(c);
	return;

too_large:
	c->processing = 0;
	log_warn("control: request over %d bytes from pid %ld; closing",
	    GW_CTL_MAX_LINE, (long)c->ctx.peer.pid);
	client_reply(c, NULL, NULL, GW_ERR_TOO_LARGE,
	    "request line over 65536 bytes");
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_disable(c->bev, EV_READ);
	c->closing = 1;
}

/* ---- connection life ------------------------------------------------------ */

/*
 * Close and free.  The command set's cancel first makes sure nothing (a reload
 * callback, a stats answer, the event stream) can call the client again.
 */
static void
client_free(struct ctl_client *c)
{
	if (ctl.cmds != NULL)
		ctl.cmds->cancel(&c->ctx);
	TAILQ_REMOVE(&clients, c, entry);
	nclients--;
	json_decref(c->pending_id);
	bufferevent_free(c->bev);
	event_free(c->wake);
	free(c);
}

static void
client_wake(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_client *c = arg;

	(void)fd;
	(void)what;
	if (c->dead)
		client_free(c);
	else
		client_process(c);
}

/*
 * The last answer (too_large) is out but the peer may still be sending.
 * Closing now with unread input would reset the connection and could cost
 * the peer that answer, so say EOF and discard what comes, for a while.
 */
static void
client_linger(struct ctl_client *c)
{
	struct timeval tv = gw_ms_to_timeval(LINGER_MS);

	c->lingering = 1;
	(void)shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_disable(c->bev, EV_WRITE);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ);
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	struct evbuffer	  *in = bufferevent_get_input(bev);

	if (c->lingering) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	client_process(c);
}

/* The output drained: resume reading requests, or finish closing. */
static void
client_written(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;

	(void)bev;
	if (c->lingering)
		return;
	if (c->closing && !c->dead && !c->eof) {
		client_linger(c);
		return;
	}
	if (c->closing)
		c->dead = 1;
	if (c->dead)
		client_free(c);
	else
		client_process(c);
}

/* Has the peer closed both directions (not just shut down writing)? */
static int
peer_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_client *c = arg;

	if (c->lingering) {
		client_free(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		/* Waiting on gwd (a reload, events) is not idleness. */
		if (c->busy || c->ctx.subscribed) {
			bufferevent_enable(bev, EV_READ);
			return;
		}
		log_debug("control: closing idle connection of pid %ld",
		    (long)c->ctx.peer.pid);
		client_free(c);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		c->eof = 1;
		/*
		 * A peer that only shut down its writing side still reads
		 * its answers; one that is gone (POLLHUP) waits for nothing:
		 * cancel what it asked for.
		 */
		if (c->ctx.subscribed || peer_gone(bufferevent_getfd(bev))) {
			client_free(c);
			return;
		}
		client_process(c); /* may free c */
		return;
	}
	if (what & BEV_EVENT_ERROR)
		client_free(c);
}

/*
 * All slots are taken: close the connection that has been doing nothing
 * for longest (no request in progress or half read, no answer unsent, not
 * subscribed), so that idle connections can never lock the operator out.
 * Returns 0 if every connection is in use (the newcomer gets busy).
 */
static int
client_evict(void)
{
	struct ctl_client *c;

	TAILQ_FOREACH (c, &clients, entry) {
		if (c->busy || c->ctx.subscribed || c->closing || c->dead ||
		    evbuffer_get_length(bufferevent_get_input(c->bev)) > 0 ||
		    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			continue;
		log_debug("control: closing the idle connection of pid %ld "
			  "to make room",
		    (long)c->ctx.peer.pid);
		client_free(c);
		return 1;
	}
	return 0;
}

/* Read-only, full, or no access for these credentials. */
static int
peer_access(const struct ucred *cr, int *may_write)
{
	*may_write = 1;
	if (cr->uid == 0 || cr->uid == geteuid())
		return 1;
	if (ctl.have_gid && cr->gid == ctl.gid)
		return 1;
	*may_write = 0;
	if (ctl.have_read_gid && cr->gid == ctl.read_gid)
		return 1;
	return 0;
}

static void
client_new(int fd)
{
	struct ctl_client *c;
	struct ucred	   cr;
	socklen_t	   crlen = sizeof cr;
	struct timeval	   tv;
	int		   may_write;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1) {
		log_warn("control: no peer credentials: %s", strerror(errno));
		reject(fd, GW_ERR_FORBIDDEN, "peer credentials unavailable");
		return;
	}
	if (!peer_access(&cr, &may_write)) {
		log_warn("control: connection refused to uid %lu gid %lu "
			 "pid %ld",
		    (unsigned long)cr.uid, (unsigned long)cr.gid, (long)cr.pid);
		reject(fd, GW_ERR_FORBIDDEN,
		    "this user may not use the "
		    "control socket (see --control-group and "
		    "--control-read-group)");
		return;
	}
	if (nclients >= GW_CTL_MAX_CLIENTS && !client_evict()) {
		log_warn("control: %d clients already; refusing pid %ld",
		    GW_CTL_MAX_CLIENTS, (long)cr.pid);
		reject(fd, GW_ERR_BUSY, "too many control clients; try again");
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->ctx.client = c;
	c->ctx.peer.uid = cr.uid;
	c->ctx.peer.gid = cr.gid;
	c->ctx.peer.pid = cr.pid;
	c->ctx.peer.may_write = may_write;
	c->bev = bufferevent_socket_new(ctl.base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->wake = event_new(ctl.base, -1, 0, client_wake, c);
	if (c->bev == NULL || c->wake == NULL) {
		log_warn("control: cannot set up a connection");
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->wake != NULL)
			event_free(c->wake);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&clients, c, entry);
	nclients++;
	bufferevent_setcb(c->bev, client_read, client_written, client_event, c);
	/* Never buffer more than one maximal line (and its \r\n). */
	bufferevent_setwatermark(c->bev, EV_READ, 0, GW_CTL_MAX_LINE + 2);
	tv = gw_ms_to_timeval(ctl.idle_ms);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
control_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_add(ctl.ev, NULL);
}

static void
control_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct timeval tv = gw_ms_to_timeval(ACCEPT_PAUSE_MS);
	int	       fd, i;

	(void)what;
	(void)arg;
	for (i = 0; i < ACCEPT_BURST; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Pause instead of spinning on a full table. */
				if (!ctl.emfile_logged++)
					log_warn("control: accept: %s; pausing",
					    strerror(errno));
				event_del(ctl.ev);
				evtimer_add(ctl.resume, &tv);
				return;
			}
			log_warn("control: accept: %s", strerror(errno));
			return;
		}
		ctl.emfile_logged = 0;
		client_new(fd);
	}
}

/* ---- the socket ----------------------------------------------------------- */

/* A group given as a name or a number; resolved once, at start. */
int
control_resolve_group(const char *opt, const char *s, gid_t *gid, char **err)
{
	if (gw_group_lookup(s, gid) == 0)
		return 0;
	*err = errno != 0 ? xasprintf("%s: cannot look up group '%s': %s", opt,
				s, strerror(errno)) :
			    xasprintf("%s: no such group '%s'", opt, s);
	return -1;
}

/* Make the socket's directory (0700) if it is missing. */
static int
make_parent(const char *path, char **err)
{
	char *dir = gw_parent_dir(path), *failed = NULL;
	int   rc = 0;

	if (dir != NULL && gw_mkdirs(dir, 0700, 0, NULL, NULL, &failed) == -1) {
		*err = xasprintf("cannot create %s: %s", failed,
		    strerror(errno));
		free(failed);
		rc = -1;
	}
	free(dir);
	return rc;
}

static int
create_socket(const struct gw_config *cfg, char **err)
{
	struct sockaddr_un sun;
	struct stat	   st;
	const char	  *path = cfg->control_socket, *step = "";
	int		   fd;

	if (gw_unix_addr(&sun, path) == -1) {
		*err = xasprintf("control socket path too long (max %zu "
				 "bytes): %s",
		    sizeof sun.sun_path - 1, path);
		return -1;
	}
	if (make_parent(path, err) == -1)
		return -1;
	switch (gw_unix_clear_stale(path, &step)) {
	case GW_UNIX_FREE:
		break;
	case GW_UNIX_NOTSOCK:
		*err = xasprintf("%s exists and is not a socket; "
				 "refusing to replace it",
		    path);
		return -1;
	case GW_UNIX_LIVE:
		*err = xasprintf("%s is in use (another gwd with this "
				 "name is running?)",
		    path);
		return -1;
	case GW_UNIX_FAILED:
		if (strcmp(step, "lstat") == 0)
			break; /* bind says what is wrong, if anything */
		if (strcmp(step, "unlink") == 0) {
			*err = xasprintf("cannot remove stale %s: %s", path,
			    strerror(errno));
			return -1;
		}
		/* Cannot tell whether it is alive: do not remove it. */
		*err = xasprintf("%s is in use (another gwd with this "
				 "name is running?)",
		    path);
		return -1;
	}
	/* No window in which the socket exists with a looser mode. */
	fd = gw_unix_listen(path, SOCK_NONBLOCK, 0177, GW_CTL_MAX_CLIENTS, &st,
	    &step);
	if (fd == -1) {
		if (strcmp(step, "socket") == 0)
			*err = xasprintf("control socket: %s", strerror(errno));
		else if (strcmp(step, "bind") == 0)
			*err = xasprintf("cannot bind %s: %s", path,
			    strerror(errno));
		else
			*err = xasprintf("control socket %s: %s", path,
			    strerror(errno));
		return -1;
	}
	if (chmod(path, cfg->control_mode & 07777) == -1) {
		*err = xasprintf("control socket %s: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	/* Let the group that may use it reach it, where the mode allows. */
	if ((ctl.have_gid || ctl.have_read_gid) &&
	    chown(path, (uid_t)-1, ctl.have_gid ? ctl.gid : ctl.read_gid) == -1)
		log_warn("control: cannot give %s to group %lu: %s", path,
		    (unsigned long)(ctl.have_gid ? ctl.gid : ctl.read_gid),
		    strerror(errno));
	ctl.dev = st.st_dev;
	ctl.ino = st.st_ino;
	return fd;
}

int
control_start(struct event_base *base, const struct gw_config *cfg, char **err)
{
	int fd;

	if (ctl.fd != -1) {
		*err = xstrdup("the control socket is already open");
		return -1;
	}
	if (cfg->control_socket == NULL || cfg->control_socket[0] == '\0') {
		*err = xstrdup("no control socket path");
		return -1;
	}
	ctl.have_gid = ctl.have_read_gid = 0;
	if (cfg->control_group != NULL && cfg->control_group[0] != '\0') {
		if (control_resolve_group("control-group", cfg->control_group,
			&ctl.gid, err) == -1)
			return -1;
		ctl.have_gid = 1;
	}
	if (cfg->control_read_group != NULL &&
	    cfg->control_read_group[0] != '\0') {
		if (control_resolve_group("control-read-group",
			cfg->control_read_group, &ctl.read_gid, err) == -1)
			return -1;
		ctl.have_read_gid = 1;
	}
	/*
	 * libevent writes with writev(): a peer that vanishes must give
	 * EPIPE, not kill the master.  Workers get default dispositions
	 * back at spawn.
	 */
	gw_ignore_sigpipe();

	if (ctl.inherited != -1) {
		struct stat st;

		/* An upgrade kept it: already bound, listening, chmod'ed. */
		fd = ctl.inherited;
		ctl.inherited = -1;
		(void)gw_set_cloexec(fd, 1);
		(void)gw_set_nonblock(fd, 1);
		if (stat(cfg->control_socket, &st) == 0) {
			ctl.dev = st.st_dev;
			ctl.ino = st.st_ino;
		}
	} else if ((fd = create_socket(cfg, err)) == -1)
		return -1;
	ctl.fd = fd;
	ctl.base = base;
	ctl.path = xstrdup(cfg->control_socket);
	ctl.ev = event_new(base, ctl.fd, EV_READ | EV_PERSIST, control_accept,
	    NULL);
	ctl.resume = evtimer_new(base, control_resume, NULL);
	if (ctl.ev == NULL || ctl.resume == NULL ||
	    event_add(ctl.ev, NULL) == -1) {
		*err = xstrdup("control socket: cannot register with the "
			       "event loop");
		control_stop();
		return -1;
	}
	log_info("control socket %s (mode %04o)", ctl.path,
	    cfg->control_mode & 07777);
	return 0;
}

/*
 * Write what the clients still have to read (stop's answer above all),
 * waiting for slow readers at most FLUSH_MS in all: gwd is exiting, its
 * workers are gone, and a peer that does not read must not hold it up.
 * A bufferevent's output is frozen at the front for everyone but the
 * bufferevent itself, so it is unfrozen first.
 */
static void
control_flush(void)
{
	struct ctl_client *c;
	struct pollfd	   pfd[GW_CTL_MAX_CLIENTS];
	struct evbuffer	  *out;
	uint64_t	   end = gw_now_ms() + FLUSH_MS, now;
	nfds_t		   n;

	TAILQ_FOREACH (c, &clients, entry)
		(void)evbuffer_unfreeze(bufferevent_get_output(c->bev), 1);
	for (;;) {
		n = 0;
		TAILQ_FOREACH (c, &clients, entry) {
			out = bufferevent_get_output(c->bev);
			if (evbuffer_get_length(out) == 0)
				continue;
			if (evbuffer_write(out, bufferevent_getfd(c->bev)) ==
				-1 &&
			    errno != EAGAIN && errno != EINTR) {
				evbuffer_drain(out, evbuffer_get_length(out));
				continue;
			}
			if (evbuffer_get_length(out) > 0 &&
			    n < GW_CTL_MAX_CLIENTS) {
				pfd[n].fd = bufferevent_getfd(c->bev);
				pfd[n++].events = POLLOUT;
			}
		}
		if (n == 0 || (now = gw_now_ms()) >= end)
			return;
		(void)poll(pfd, n, (int)(end - now));
	}
}

void
control_stop(void)
{
	struct ctl_client *c;

	control_flush();
	while ((c = TAILQ_FIRST(&clients)) != NULL)
		client_free(c);
	if (ctl.ev != NULL)
		event_free(ctl.ev);
	if (ctl.resume != NULL)
		event_free(ctl.resume);
	ctl.ev = ctl.resume = NULL;
	if (ctl.fd != -1) {
		close(ctl.fd);
		ctl.fd = -1;
		/* Only our own socket: another instance may own the path now. */
		if (ctl.path != NULL)
			(void)gw_unlink_if_same(ctl.path, ctl.dev, ctl.ino);
	}
	free(ctl.path);
	ctl.path = NULL;
	ctl.base = NULL;
}

unsigned
control_clients(void)
{
	return nclients;
}

void
control_set_idle_timeout_ms(unsigned ms)
{
	ctl.idle_ms = ms;
}

void
control_inherit(int fd)
{
	ctl.inherited = fd;
}

int
control_fd(void)
{
	return ctl.fd;
}

int
control_client_fd(struct ctl_client *c)
{
	return bufferevent_getfd(c->bev);
}

json_t *
control_client_id(struct ctl_client *c)
{
	return c->pending_id;
}

void
control_answer_fd(int fd, json_t *id, json_t *result, const char *code,
    const char *message)
{
	json_t *o = reply_new(id, result, code, message);
	char   *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (s != NULL) {
		/* The client waits for this one line: its socket buffer is
		 * empty, so this does not block. */
		(void)send(fd, s, strlen(s), MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(s);
	}
	close(fd);
}
