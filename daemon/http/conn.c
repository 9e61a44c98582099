/*
 * conn.c: one HTTP connection from accept to close: reading into its own
 * buffer, parsing with parser.c, answering (hello or static), writing,
 * keep-alive, pipelining, body discarding, timeouts and lingering close.
 *
 * The shape is the one nginx and h2o use, for the same reasons: sockets
 * are registered once, edge-triggered, for input and output, so the hot
 * path of a keep-alive request is one recv(2) and one send(2) with no
 * epoll_ctl; every connection has fixed buffers reused for its whole life
 * and connection structs are recycled, so a request allocates nothing; the
 * hello answer is prebuilt once a second and copied; timers are four FIFO
 * lists with fixed timeouts, so arming one is two pointer writes.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/util.h"
#include "http/accesslog.h"
#include "http/server.h"
#include "http/static.h"

#define RBUF_SMALL	 4096			/* enough for most heads */
#define RBUF_BIG	 (HTTP_MAX_HEAD + 4096) /* a full head + more */
#define WBUF_SIZE	 8192			/* > any answer head */
#define ANSWER_ROOM	 640	       /* head bytes besides Location */
#define BODY_DISCARD_MAX (1024 * 1024) /* more: answer, then close */
#define TURN_READS	 16	       /* reads per turn, for fairness */
#define SENDFILE_CHUNK	 (1 << 20)

enum conn_state {
	C_HEAD,	  /* waiting for, or inside, a request head */
	C_BODY,	  /* discarding a request body */
	C_LINGER, /* answered the last request; reading to EOF */
};

enum { FLUSH_DONE, FLUSH_AGAIN, FLUSH_ERR };

struct conn {
	enum http_src	    src; /* SRC_CONN: first, see server.h */
	int		    fd;
	enum conn_state	    state;

	struct conn	   *prev, *next; /* in list */
	struct conn_list   *list;
	uint64_t	    deadline;
	struct conn	   *again_next;
	int		    in_again;

	unsigned	    rd_ready : 1; /* may have unread input */
	unsigned	    eof : 1;	  /* the client shut down its side */
	unsigned	    closing : 1;  /* no request after the current one */
	unsigned	    blocked : 1;  /* stopped for output room; resume */
	unsigned	    active : 1;	  /* did something this turn */

	uint64_t	    body_left; /* Content-Length still to discard */
	uint64_t	    body_seen; /* chunked bytes discarded */
	int		    body_chunked;
	struct http_chunked chunked;

	char		   *rbuf;
	size_t		    rcap, rpos, rlen;
	size_t		    wpos, wlen;
	int		    file_fd;
	off_t		    file_off;
	uint64_t	    file_left;

	char		    addr[48]; /* for the access log */
	char		    rsmall[RBUF_SMALL];
	char		    wbuf[WBUF_SIZE];
};

static const char *
conn_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Internal Server Error";
	}
}

/* --- timer lists ----------------------------------------------------------- */

static void
list_unlink(struct conn *c)
{
	struct conn_list *l = c->list;

	if (l == NULL)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	c->list = NULL;
}

/* Move c to the tail of l with a fresh deadline. */
static void
list_put(struct http_server *s, struct conn *c, struct conn_list *l)
{
	list_unlink(c);
	c->list = l;
	c->deadline = s->now + l->timeout_ms;
	c->prev = l->tail;
	c->next = NULL;
	if (l->tail != NULL)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

void
conn_init(struct http_server *s, uint64_t keepalive_ms, uint64_t header_ms,
    uint64_t write_ms)
{
	/* Keep-alive off still leaves a new connection time to ask. */
	s->keepalive_off = keepalive_ms == 0;
	s->idle.timeout_ms = keepalive_ms > 0 ? keepalive_ms : header_ms;
	s->header.timeout_ms = header_ms;
	s->write.timeout_ms = write_ms;
	s->linger.timeout_ms = 2000;
	conn_tick(s);
}

/* --- the answers ------------------------------------------------------------ */

void
conn_tick(struct http_server *s)
{
	static const char *const conn_hdr[HELLO_N] = { "",
		"Connection: keep-alive\r\n", "Connection: close\r\n" };
	int			 i, n;

	http_format_date(s->date, s->wall);
	for (i = 0; i < HELLO_N; i++) {
		n = snprintf(s->hello[i], sizeof s->hello[i],
		    "HTTP/1.1 200 OK\r\nServer: gwd-http\r\nDate: %s\r\n"
		    "Content-Type: text/plain\r\nContent-Length: 3\r\n"
		    "%s\r\nok\n",
		    s->date, conn_hdr[i]);
		s->hello_len[i] = (size_t)n;
	}
}

struct out {
	char *p;
};

static void
out_str(struct out *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(o->p, s, n);
	o->p += n;
}

static void
out_mem(struct out *o, const char *s, size_t n)
{
	memcpy(o->p, s, n);
	o->p += n;
}

static void
out_u64(struct out *o, uint64_t v)
{
	char tmp[24], *t = tmp + sizeof tmp;

	do {
		*--t = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	out_mem(o, t, (size_t)(tmp + sizeof tmp - t));
}

/* Status line and the headers every answer has. */
static void
out_head(struct http_server *s, struct out *o, int status, int keep, int minor)
{
	out_str(o, "HTTP/1.1 ");
	out_u64(o, (uint64_t)status);
	*o->p++ = ' ';
	out_str(o, conn_reason(status));
	out_str(o, "\r\nServer: gwd-http\r\nDate: ");
	out_mem(o, s->date, HTTP_DATE_LEN);
	out_str(o, "\r\n");
	if (!keep)
		out_str(o, "Connection: close\r\n");
	else if (minor == 0)
		out_str(o, "Connection: keep-alive\r\n");
}

/* A short text answer: errors, redirects, 405.  Returns body bytes. */
static uint64_t
conn_answer_text(struct http_server *s, struct conn *c, int status, int keep,
    int minor, int head_only, const struct http_str *location)
{
	struct out  o = { c->wbuf + c->wlen };
	const char *r = conn_reason(status);
	size_t	    blen = strlen(r) + 1;

	out_head(s, &o, status, keep, minor);
	if (status == 405)
		out_str(&o, "Allow: GET, HEAD\r\n");
	if (location != NULL) {
		out_str(&o, "Location: ");
		out_mem(&o, location->p, location->len);
		out_str(&o, "/\r\n");
	}
	out_str(&o, "Content-Type: text/plain\r\nContent-Length: ");
	out_u64(&o, blen);
	out_str(&o, "\r\n\r\n");
	if (!head_only) {
		out_str(&o, r);
		*o.p++ = '\n';
	}
	c->wlen = (size_t)(o.p - c->wbuf);
	return head_only ? 0 : blen;
}

/* A --static answer.  Returns the body bytes to be sent. */
static uint64_t
conn_answer_static(struct http_server *s, struct conn *c,
    const struct http_request *req, int keep, int *status)
{
	struct static_reply r;
	struct out	    o;
	char		    lm[HTTP_DATE_LEN + 1];
	int		    head_only = req->method == HTTP_METHOD_HEAD;
	uint64_t	    n;

	static_serve(s->rootfd, req, &r);
	*status = r.status;
	if (r.status == 301)
		return conn_answer_text(s, c, 301, keep, req->minor, head_only,
		    &req->path);
	if (r.status != 200 && r.status != 206 && r.status != 304 &&
	    r.status != 416)
		return conn_answer_text(s, c, r.status, keep, req->minor,
		    head_only, NULL);

	o.p = c->wbuf + c->wlen;
	out_head(s, &o, r.status, keep, req->minor);
	if (r.status == 416) {
		out_str(&o, "Content-Range: bytes */");
		out_u64(&o, r.size);
		out_str(&o, "\r\nContent-Length: 0\r\n\r\n");
		c->wlen = (size_t)(o.p - c->wbuf);
		return 0;
	}
	http_format_date(lm, r.mtime);
	out_str(&o, "Last-Modified: ");
	out_mem(&o, lm, HTTP_DATE_LEN);
	out_str(&o, "\r\n");
	if (r.status == 304) {
		out_str(&o, "\r\n");
		c->wlen = (size_t)(o.p - c->wbuf);
		return 0;
	}
	n = r.size == 0 ? 0 : r.last - r.first + 1;
	out_str(&o, "Content-Type: ");
	out_str(&o, r.type);
	out_str(&o, "\r\nAccept-Ranges: bytes\r\n");
	if (r.status == 206) {
		out_str(&o, "Content-Range: bytes ");
		out_u64(&o, r.first);
		*o.p++ = '-';
		out_u64(&o, r.last);
		*o.p++ = '/';
		out_u64(&o, r.size);
		out_str(&o, "\r\n");
	}
	out_str(&o, "Content-Length: ");
	out_u64(&o, n);
	out_str(&o, "\r\n\r\n");
	c->wlen = (size_t)(o.p - c->wbuf);
	if (head_only || n == 0) {
		close(r.fd);
		return 0;
	}
	c->file_fd = r.fd;
	c->file_off = (off_t)r.first;
	c->file_left = n;
	return n;
}

/* --- connection life --------------------------------------------------------- */

static struct conn *
conn_new(struct http_server *s, int fd)
{
	struct conn *c;

	if ((c = s->free) != NULL)
		s->free = c->next;
	else
		c = xmalloc(sizeof *c);
	/* Clear the bookkeeping only: the buffers need no zeroing. */
	memset(c, 0, offsetof(struct conn, addr));
	c->src = SRC_CONN;
	c->fd = fd;
	c->state = C_HEAD;
	c->rbuf = c->rsmall;
	c->rcap = sizeof c->rsmall;
	c->file_fd = -1;
	c->addr[0] = '\0';
	s->nconns++;
	return c;
}

static void
conn_close(struct http_server *s, struct conn *c)
{
	struct conn **pp;

	list_unlink(c);
	if (c->in_again) {
		for (pp = &s->again; *pp != NULL; pp = &(*pp)->again_next)
			if (*pp == c) {
				*pp = c->again_next;
				break;
			}
	}
	close(c->fd);
	if (c->file_fd != -1)
		close(c->file_fd);
	if (c->rbuf != c->rsmall)
		free(c->rbuf);
	c->next = s->free;
	s->free = c;
	s->nconns--;
}

void
conn_free_cache(struct http_server *s)
{
	struct conn *c;

	while ((c = s->free) != NULL) {
		s->free = c->next;
		free(c);
	}
}

void
conn_close_all(struct http_server *s)
{
	struct conn_list *lists[] = { &s->idle, &s->header, &s->write,
		&s->linger };
	size_t		  i;

	for (i = 0; i < GW_ARRAY_LEN(lists); i++)
		while (lists[i]->head != NULL)
			conn_close(s, lists[i]->head);
}

int
conn_accept(struct http_server *s, int lfd, int max)
{
	struct sockaddr_storage ss;
	struct epoll_event	ev;
	struct conn	       *c;
	socklen_t		sl;
	int			fd, i, one = 1;

	for (i = 0; i < max; i++) {
		sl = sizeof ss;
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				return -1;
			return 0; /* EAGAIN, or nothing we can fix */
		}
		c = conn_new(s, fd);
		if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof one);
		if (s->alog != NULL) {
			if (ss.ss_family == AF_INET)
				inet_ntop(AF_INET,
				    &((struct sockaddr_in *)&ss)->sin_addr,
				    c->addr, sizeof c->addr);
			else if (ss.ss_family == AF_INET6)
				inet_ntop(AF_INET6,
				    &((struct sockaddr_in6 *)&ss)->sin6_addr,
				    c->addr, sizeof c->addr);
			else
				gw_strlcpy(c->addr, "unix", sizeof c->addr);
		}
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			conn_close(s, c);
			continue;
		}
		/* Until its first byte a new connection counts as idle. */
		list_put(s, c, &s->idle);
	}
	return 0;
}

/* --- requests ----------------------------------------------------------------- */

/* Make room at the end of the read buffer, growing it once if needed. */
static void
conn_rbuf_room(struct conn *c)
{
	char *big;

	if (c->rpos > 0 && (c->rpos == c->rlen || c->rcap - c->rlen < 1024)) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->rlen == c->rcap && c->rbuf == c->rsmall) {
		big = xmalloc(RBUF_BIG);
		memcpy(big, c->rbuf, c->rlen);
		c->rbuf = big;
		c->rcap = RBUF_BIG;
	}
}

static void
conn_log(struct http_server *s, struct conn *c, const struct http_request *req,
    int status, uint64_t bytes)
{
	if (s->alog == NULL)
		return;
	accesslog_add(s->alog, c->addr, s->wall,
	    req->line.p != NULL ? &req->line : NULL, status, bytes,
	    req->referer.p != NULL ? &req->referer : NULL,
	    req->user_agent.p != NULL ? &req->user_agent : NULL);
}

/* Discard body bytes from the read buffer; -1 if the framing is bad. */
static int
conn_body(struct conn *c)
{
	size_t	avail = c->rlen - c->rpos, n;
	ssize_t used;
	int	done;

	if (!c->body_chunked) {
		n = avail < c->body_left ? avail : (size_t)c->body_left;
		c->rpos += n;
		c->body_left -= n;
		if (c->body_left == 0)
			c->state = C_HEAD;
		return 0;
	}
	used = http_chunked_feed(&c->chunked, c->rbuf + c->rpos, avail, &done);
	if (used == -1)
		return -1;
	c->rpos += (size_t)used;
	c->body_seen += (uint64_t)used;
	if (done)
		c->state = C_HEAD;
	else if (c->body_seen > BODY_DISCARD_MAX)
		return -1;
	return 0;
}

/* Answer the requests waiting in the read buffer while there is room. */
static void
conn_process(struct http_server *s, struct conn *c)
{
	struct http_request req;
	uint64_t	    bytes;
	size_t		    avail, need;
	int		    rc, keep, status, kind;

	c->blocked = 0;
	while (!c->closing && c->file_fd == -1) {
		avail = c->rlen - c->rpos;
		if (avail == 0)
			break;
		if (c->state == C_BODY) {
			c->active = 1;
			if (conn_body(c) == -1) {
				/* Already answered: just stop here. */
				c->closing = 1;
				c->rpos = c->rlen;
			}
			continue;
		}
		rc = http_parse_request(c->rbuf + c->rpos, avail, &req);
		if (rc == HTTP_PARSE_MORE) {
			conn_rbuf_room(c);
			break;
		}
		need = ANSWER_ROOM + (rc > 0 ? req.path.len : 0);
		if (WBUF_SIZE - c->wlen < need) {
			if (c->wpos > 0 && c->wpos == c->wlen)
				c->wpos = c->wlen = 0;
			if (WBUF_SIZE - c->wlen < need) {
				c->blocked = 1;
				break;
			}
		}
		c->active = 1;
		s->requests++;
		if (rc < 0) {
			status = -rc;
			bytes = conn_answer_text(s, c, status, 0, 1, 0, NULL);
			conn_log(s, c, &req, status, bytes);
			c->closing = 1;
			c->rpos = c->rlen; /* the rest is unreadable */
			break;
		}
		c->rpos += req.head_len;

		/* --keep-alive 0 turns keep-alive off altogether. */
		keep = req.keep_alive && !s->draining && !s->keepalive_off &&
		    req.content_length <= BODY_DISCARD_MAX;
		if (req.method == HTTP_METHOD_OTHER) {
			status = 405;
			bytes = conn_answer_text(s, c, 405, keep, req.minor, 0,
			    NULL);
		} else if (s->rootfd == -1) {
			status = 200;
			kind = !keep	   ? HELLO_CLOSE :
			    req.minor == 0 ? HELLO_KEEP10 :
					     HELLO_KEEP11;
			bytes = req.method == HTTP_METHOD_HEAD ? 0 : 3;
			memcpy(c->wbuf + c->wlen, s->hello[kind],
			    s->hello_len[kind]);
			c->wlen += s->hello_len[kind] - (bytes == 0 ? 3 : 0);
		} else
			bytes = conn_answer_static(s, c, &req, keep, &status);
		conn_log(s, c, &req, status, bytes);
		if (!keep)
			c->closing = 1;
		if (req.chunked) {
			c->state = C_BODY;
			c->body_chunked = 1;
			c->body_seen = 0;
			http_chunked_init(&c->chunked);
		} else if (req.content_length > 0) {
			c->state = C_BODY;
			c->body_chunked = 0;
			c->body_left = req.content_length;
		}
	}
	if (c->rpos == c->rlen)
		c->rpos = c->rlen = 0;
}

/* --- I/O ---------------------------------------------------------------------- */

static int
conn_flush(struct conn *c, int *progress)
{
	ssize_t n;
	size_t	want;

	while (c->wpos < c->wlen) {
		n = send(c->fd, c->wbuf + c->wpos, c->wlen - c->wpos,
		    MSG_NOSIGNAL | (c->file_fd != -1 ? MSG_MORE : 0));
		if (n > 0) {
			c->wpos += (size_t)n;
			*progress = 1;
		} else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return FLUSH_AGAIN;
		else
			return FLUSH_ERR;
	}
	c->wpos = c->wlen = 0;
	while (c->file_fd != -1) {
		want = c->file_left > SENDFILE_CHUNK ? SENDFILE_CHUNK :
						       (size_t)c->file_left;
		n = sendfile(c->fd, c->file_fd, &c->file_off, want);
		if (n > 0) {
			*progress = 1;
			c->file_left -= (uint64_t)n;
			if (c->file_left == 0) {
				close(c->file_fd);
				c->file_fd = -1;
			}
		} else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return FLUSH_AGAIN;
		else
			return FLUSH_ERR; /* includes a file that shrank */
	}
	return FLUSH_DONE;
}

/* Read once into the buffer: 1 data, 0 nothing now, -1 error or EOF. */
static int
conn_read(struct conn *c)
{
	ssize_t n;
	size_t	room;

	conn_rbuf_room(c);
	room = c->rcap - c->rlen;
	if (room == 0)
		return 0; /* a full buffer waits for output room */
	for (;;) {
		n = recv(c->fd, c->rbuf + c->rlen, room, 0);
		if (n > 0) {
			c->rlen += (size_t)n;
			/*
			 * Edge-triggered: a short read emptied the socket,
			 * so the next data raises a new event; skip the
			 * recv that would only say EAGAIN.
			 */
			if ((size_t)n < room)
				c->rd_ready = 0;
			c->active = 1;
			return 1;
		}
		if (n == 0) {
			c->eof = 1;
			c->rd_ready = 0;
			return -1;
		}
		if (errno == EINTR)
			continue;
		c->rd_ready = 0;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		c->eof = 1;
		return -1;
	}
}

/*
 * Has the client still to receive some of what we wrote (bytes in the
 * socket's send queue, unsent or unacknowledged)?  While draining, such a
 * connection is not closed when it goes quiet: gwd exits after its last
 * worker, and a container's network goes with it, so an answer is only
 * finished once the client has it.
 */
static int
conn_unsent(const struct conn *c)
{
	int n = 0;

	return ioctl(c->fd, SIOCOUTQ, &n) == 0 && n > 0;
}

/* After the last answer: half-close and read to EOF so no RST eats it. */
static void
conn_linger(struct http_server *s, struct conn *c)
{
	ssize_t n;
	char	junk[4096];

	if (c->state != C_LINGER) {
		if (c->eof || shutdown(c->fd, SHUT_WR) == -1) {
			conn_close(s, c);
			return;
		}
		c->state = C_LINGER;
		list_put(s, c, &s->linger);
	}
	for (;;) {
		n = recv(c->fd, junk, sizeof junk, 0);
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_close(s, c);
		return;
	}
}

/* Everything a connection does after an event, until it must wait. */
static void
conn_run(struct http_server *s, struct conn *c)
{
	int reads = 0, progress = 0, rc;

	if (c->state == C_LINGER) {
		conn_linger(s, c);
		return;
	}
	c->active = 0;
	for (;;) {
		conn_process(s, c);
		rc = conn_flush(c, &progress);
		if (rc == FLUSH_ERR) {
			conn_close(s, c);
			return;
		}
		if (rc == FLUSH_AGAIN) {
			if (c->list != &s->write || progress)
				list_put(s, c, &s->write);
			return;
		}
		if (c->closing) {
			conn_linger(s, c);
			return;
		}
		if (c->blocked)
			continue;
		if (c->eof) {
			conn_close(s, c);
			return;
		}
		if (!c->rd_ready)
			break;
		if (++reads > TURN_READS) {
			if (!c->in_again) {
				c->in_again = 1;
				c->again_next = s->again;
				s->again = c;
			}
			break;
		}
		if ((rc = conn_read(c)) == 0)
			break;
		if (rc == -1) {
			if (!c->eof) {
				conn_close(s, c);
				return;
			}
			/* EOF: answer what is buffered, then close. */
		}
	}

	if (c->state == C_BODY) {
		if (c->active || c->list != &s->header)
			list_put(s, c, &s->header);
	} else if (c->rlen > c->rpos) {
		/* Inside a head: the deadline runs from its first byte. */
		if (c->list != &s->header)
			list_put(s, c, &s->header);
	} else if (c->active || c->list != &s->idle)
		list_put(s, c, &s->idle);
}

void
conn_event(struct http_server *s, struct conn *c, uint32_t events)
{
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->rd_ready = 1;
	conn_run(s, c);
}

void
conn_run_again(struct http_server *s)
{
	struct conn *list = s->again, *c;

	s->again = NULL;
	while ((c = list) != NULL) {
		list = c->again_next;
		c->in_again = 0;
		c->again_next = NULL;
		conn_run(s, c);
	}
}

/* The header timeout: a best-effort 408, then close. */
static void
conn_timeout_header(struct http_server *s, struct conn *c)
{
	char buf[256];
	int  n;

	if (c->state == C_HEAD && c->wlen == 0 && c->rlen > c->rpos) {
		n = snprintf(buf, sizeof buf,
		    "HTTP/1.1 408 Request Timeout\r\n"
		    "Server: gwd-http\r\nDate: %s\r\nConnection: close\r\n"
		    "Content-Length: 0\r\n\r\n",
		    s->date);
		(void)send(c->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	conn_close(s, c);
}

uint64_t
conn_expire(struct http_server *s)
{
	struct conn *c;
	uint64_t     next = UINT64_MAX, d;

	/*
	 * Idle keep-alive connections: normally after --keep-alive; when
	 * draining, once quiet for drain_idle_ms (the deadline minus the
	 * timeout is when the connection went idle).
	 */
	while ((c = s->idle.head) != NULL) {
		d = c->deadline;
		if (s->draining &&
		    d - s->idle.timeout_ms + s->drain_idle_ms < d)
			d = d - s->idle.timeout_ms + s->drain_idle_ms;
		if (d > s->now) {
			next = d;
			break;
		}
		if (s->draining && conn_unsent(c))
			conn_linger(s, c); /* until the client has it all */
		else
			conn_close(s, c);
	}
	while ((c = s->header.head) != NULL && c->deadline <= s->now)
		conn_timeout_header(s, c);
	if (c != NULL && c->deadline < next)
		next = c->deadline;
	while ((c = s->write.head) != NULL && c->deadline <= s->now)
		conn_close(s, c);
	if (c != NULL && c->deadline < next)
		next = c->deadline;
	while ((c = s->linger.head) != NULL && c->deadline <= s->now) {
		/* Draining: wait on while the client still reads our answer
		 * (main.c's drain deadline bounds it). */
		if (s->draining && conn_unsent(c))
			list_put(s, c, &s->linger);
		else
			conn_close(s, c);
	}
	if (c != NULL && c->deadline < next)
		next = c->deadline;
	return next;
}
