/*
 * main.c: gwd-http, the built-in worker of gwd.  Options, the listening
 * sockets (LISTEN_FDS, or --listen when run alone), the event loop, signals
 * and the messages to the master (READY, WATCHDOG, GWD_REQUESTS,
 * GWD_RECYCLE).  Connections are conn.c's business.
 *
 * Why a raw epoll loop rather than libevent: the worker's only job is the
 * hot path of a keep-alive request, and there every syscall counts.  The
 * listening sockets are shared by all workers, so they are added with
 * EPOLLEXCLUSIVE (one worker woken per connection, no thundering herd) and
 * drained with a bounded non-blocking accept4 loop; connections are
 * edge-triggered and never re-armed; signals arrive through a signalfd in
 * the same loop, so handlers do nothing and a stuck loop really does stop
 * the WATCHDOG=1 heartbeats.  libevent would add an event object, a
 * callback and an epoll_ctl per state change for no gain here.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/notify_send.h"
#include "gw/parse.h"
#include "gw/sockutil.h"
#include "gw/util.h"
#include "http/accesslog.h"
#include "http/server.h"

#define MAX_LISTENERS	    64
#define MAX_EVENTS	    256
#define LISTEN_BACKLOG	    2048
#define ACCEPT_PAUSE_MS	    100
#define WATCHDOG_DEFAULT_MS 10000 /* when gwd gave no WATCHDOG_USEC */
#define REPORT_MS	    1000  /* GWD_REQUESTS at most this often */
#define DRAIN_IDLE_MS	    1000
/*
 * One accept per wake-up, like nginx's default: the listening socket is
 * level-triggered, so what is left wakes us (or, EPOLLEXCLUSIVE, another
 * idle worker) again at once; a batch would let the first worker awake
 * take a whole burst of new connections and unbalance the pool.
 */
#define ACCEPT_BATCH	    1
#define DRAIN_ACCEPT	    256 /* queued connections taken when draining */

struct listener {
	enum http_src src; /* SRC_LISTEN */
	int	      fd;
};

struct options {
	const char *static_dir;
	const char *access_log;
	const char *listen;
	uint64_t    keepalive_ms;
	uint64_t    graceful_ms;
	uint64_t    header_ms;
	uint64_t    write_ms;
	int	    stop_signal;
	uint64_t    max_requests;
	uint64_t    max_requests_jitter;
};

static struct listener listeners[MAX_LISTENERS];
static size_t	       nlisteners;

static void __attribute__((noreturn)) GW_PRINTF(1, 2)
    http_fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gwd-http: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn)) http_usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: gwd-http [--static DIR] [--keep-alive D] "
	    "[--graceful-timeout D]\n"
	    "                [--stop-signal SIG] [--max-requests N] "
	    "[--max-requests-jitter N]\n"
	    "                [--access-log FILE] [--listen HOST:PORT]\n"
	    "                [--header-timeout D] [--write-timeout D]\n"
	    "Serves HTTP on the sockets passed in LISTEN_FDS (or --listen).\n"
	    "See gwd-http(8).\n");
	exit(status);
}

static uint64_t
http_opt_duration(const char *name, const char *v)
{
	uint64_t    ms;
	const char *err;

	if (parse_duration_ms(v, &ms, &err) == -1) {
		fprintf(stderr, "gwd-http: --%s %s: %s\n", name, v, err);
		exit(2);
	}
	return ms;
}

static uint64_t
http_opt_uint(const char *name, const char *v)
{
	uint64_t    n;
	const char *err;

	if (parse_uint(v, 0, UINT64_MAX / 2, &n, &err) == -1) {
		fprintf(stderr, "gwd-http: --%s %s: %s\n", name, v, err);
		exit(2);
	}
	return n;
}

static void
http_options(int argc, char **argv, struct options *o)
{
	enum {
		O_STATIC = 256,
		O_KEEPALIVE,
		O_GRACEFUL,
		O_STOPSIG,
		O_MAXREQ,
		O_JITTER,
		O_ALOG,
		O_LISTEN,
		O_HEADER,
		O_WRITE,
		O_VERSION
	};
	static const struct option longopts[] = {
		{ "static", required_argument, NULL, O_STATIC },
		{ "keep-alive", required_argument, NULL, O_KEEPALIVE },
		{ "graceful-timeout", required_argument, NULL, O_GRACEFUL },
		{ "stop-signal", required_argument, NULL, O_STOPSIG },
		{ "max-requests", required_argument, NULL, O_MAXREQ },
		{ "max-requests-jitter", required_argument, NULL, O_JITTER },
		{ "access-log", required_argument, NULL, O_ALOG },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "header-timeout", required_argument, NULL, O_HEADER },
		{ "write-timeout", required_argument, NULL, O_WRITE },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof *o);
	o->keepalive_ms = 5000;
	o->graceful_ms = 30000;
	o->header_ms = 10000;
	o->write_ms = 30000;
	o->stop_signal = SIGTERM;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case O_STATIC:
			o->static_dir = optarg;
			break;
		case O_KEEPALIVE:
			o->keepalive_ms = http_opt_duration("keep-alive",
			    optarg);
			break;
		case O_GRACEFUL:
			o->graceful_ms = http_opt_duration("graceful-timeout",
			    optarg);
			break;
		case O_HEADER:
			o->header_ms = http_opt_duration("header-timeout",
			    optarg);
			break;
		case O_WRITE:
			o->write_ms = http_opt_duration("write-timeout",
			    optarg);
			break;
		case O_STOPSIG:
			if (parse_signal(optarg, &o->stop_signal) == -1 ||
			    o->stop_signal == SIGKILL ||
			    o->stop_signal == SIGSTOP) {
				fprintf(stderr,
				    "gwd-http: --stop-signal %s: "
				    "not a signal that can be caught\n",
				    optarg);
				exit(2);
			}
			break;
		case O_MAXREQ:
			o->max_requests = http_opt_uint("max-requests", optarg);
			break;
		case O_JITTER:
			o->max_requests_jitter =
			    http_opt_uint("max-requests-jitter", optarg);
			break;
		case O_ALOG:
			o->access_log = optarg;
			break;
		case O_LISTEN:
			o->listen = optarg;
			break;
		case O_VERSION:
			printf("gwd-http %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			http_usage(0);
		default:
			http_usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "gwd-http: unexpected argument '%s'\n",
		    argv[optind]);
		http_usage(2);
	}
	if (o->header_ms == 0 || o->write_ms == 0) {
		fprintf(stderr, "gwd-http: timeouts must be above 0\n");
		exit(2);
	}
}

static void
http_add_listener(int fd)
{
	int	  accepting = 0;
	socklen_t sl = sizeof accepting;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &sl) == -1 ||
	    !accepting)
		http_fatal("fd %d is not a listening socket", fd);
	if (nlisteners == MAX_LISTENERS)
		http_fatal("more than %d listening sockets", MAX_LISTENERS);
	if (gw_set_nonblock(fd, 1) == -1 || gw_set_cloexec(fd, 1) == -1)
		http_fatal("fd %d: %s", fd, strerror(errno));
	listeners[nlisteners].src = SRC_LISTEN;
	listeners[nlisteners].fd = fd;
	nlisteners++;
}

/* The sockets of the activation protocol; 0 if none were passed to us. */
static int
http_listen_fds(void)
{
	const char *e, *pid;
	uint64_t    n, p;
	const char *err;
	uint64_t    i;

	if ((e = getenv("LISTEN_FDS")) == NULL)
		return 0;
	if ((pid = getenv("LISTEN_PID")) == NULL ||
	    parse_uint(pid, 1, INT32_MAX, &p, &err) == -1 ||
	    (pid_t)p != getpid())
		return 0; /* meant for another process */
	if (parse_uint(e, 0, MAX_LISTENERS, &n, &err) == -1)
		http_fatal("LISTEN_FDS=%s: %s", e, err);
	for (i = 0; i < n; i++)
		http_add_listener(3 + (int)i);
	return (int)n;
}

/* --listen HOST:PORT, [V6]:PORT or :PORT, for running without gwd. */
static void
http_listen_addr(const char *addr)
{
	struct addrinfo hints, *res, *ai;
	char		host[256];
	const char     *colon, *port, *h;
	int		fd, rc, one = 1;

	if ((colon = strrchr(addr, ':')) == NULL)
		http_fatal("--listen %s: expected HOST:PORT", addr);
	port = colon + 1;
	if ((size_t)(colon - addr) >= sizeof host)
		http_fatal("--listen %s: host too long", addr);
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	h = host;
	if (host[0] == '[' && colon > addr + 1 && colon[-1] == ']') {
		host[colon - addr - 1] = '\0';
		h = host + 1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*h != '\0' ? h : NULL, port, &hints, &res)) != 0)
		http_fatal("--listen %s: %s", addr, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, LISTEN_BACKLOG) == -1) {
			rc = errno;
			close(fd);
			freeaddrinfo(res);
			http_fatal("cannot bind %s: %s", addr, strerror(rc));
		}
		http_add_listener(fd);
		break;
	}
	freeaddrinfo(res);
	if (nlisteners == 0)
		http_fatal("cannot bind %s", addr);
}

static void
http_listeners_arm(struct http_server *s, int on)
{
	struct epoll_event ev;
	size_t		   i;

	for (i = 0; i < nlisteners; i++) {
		if (listeners[i].fd == -1)
			continue;
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.ptr = &listeners[i];
		if (epoll_ctl(s->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
			listeners[i].fd, &ev) == -1)
			http_fatal("epoll_ctl: %s", strerror(errno));
	}
}

static void
http_clock(struct http_server *s)
{
	struct timespec ts;
	time_t		old = s->wall;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	s->now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	s->wall = ts.tv_sec;
	if (s->wall != old)
		conn_tick(s);
}

static uint64_t
http_jitter(uint64_t max)
{
	uint64_t r;

	if (max == 0)
		return 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint64_t)getpid() * 2654435761u ^ (uint64_t)time(NULL);
	return r % (max + 1);
}

/* WATCHDOG_USEC/3 in ms; the default when gwd did not set a timeout. */
static uint64_t
http_watchdog_period(void)
{
	const char *e, *pid, *err;
	uint64_t    usec, p;

	if ((e = getenv("WATCHDOG_USEC")) == NULL ||
	    parse_uint(e, 1, UINT64_MAX / 2, &usec, &err) == -1)
		return WATCHDOG_DEFAULT_MS;
	if ((pid = getenv("WATCHDOG_PID")) != NULL &&
	    (parse_uint(pid, 1, INT32_MAX, &p, &err) == -1 ||
		(pid_t)p != getpid()))
		return WATCHDOG_DEFAULT_MS;
	usec /= 3;
	return usec < 3000 ? 1 : usec / 1000;
}

static void
http_notify(const char *msg)
{
	if (notify_send(NULL, msg) == -1)
		fprintf(stderr, "gwd-http[%d]: notify: %s\n", (int)getpid(),
		    strerror(errno));
}

/* Stop accepting; the loop ends once every connection is done. */
static void
http_drain(struct http_server *s, const struct options *o, uint64_t *deadline)
{
	size_t	 i;
	uint64_t budget;

	if (s->draining)
		return;
	s->draining = 1;
	for (i = 0; i < nlisteners; i++) {
		if (listeners[i].fd == -1)
			continue;
		/*
		 * EPOLLEXCLUSIVE woke only us for what is queued now: take it
		 * (it is answered with Connection: close) rather than leave
		 * it waiting for the next connection to wake another worker.
		 */
		(void)conn_accept(s, listeners[i].fd, DRAIN_ACCEPT);
		close(listeners[i].fd);
		listeners[i].fd = -1;
	}
	/* Leave before gwd's SIGKILL: a second early, or a quarter. */
	budget = o->graceful_ms > 4000 ? o->graceful_ms - 1000 :
					 o->graceful_ms * 3 / 4;
	*deadline = s->now + budget;
	if (s->drain_idle_ms > budget / 2)
		s->drain_idle_ms = budget / 2;
}

int
main(int argc, char **argv)
{
	struct options	   o;
	struct http_server s;
	struct epoll_event evs[MAX_EVENTS], ev;
	struct {
		enum http_src src;
		int	      fd;
	} sig;
	struct signalfd_siginfo si;
	sigset_t		mask;
	uint64_t		wd_period, next_wd, next_report = 0;
	uint64_t recycle_at = 0, reported = 0, next, drain_end = 0;
	uint64_t accept_resume = 0;
	char	 msg[128];
	size_t	 mlen;
	int	 n, i, quit = 0, recycled = 0, have_notify;

	http_options(argc, argv, &o);
	memset(&s, 0, sizeof s);
	s.rootfd = -1;
	s.drain_idle_ms = o.keepalive_ms < DRAIN_IDLE_MS ? o.keepalive_ms :
							   DRAIN_IDLE_MS;

	if (http_listen_fds() == 0) {
		if (o.listen == NULL)
			http_fatal("no listening socket: run me from gwd "
				   "(LISTEN_FDS) or give --listen HOST:PORT");
		http_listen_addr(o.listen);
	}
	if (o.static_dir != NULL &&
	    (s.rootfd = open(o.static_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) ==
		-1)
		http_fatal("--static %s: %s", o.static_dir, strerror(errno));
	if (o.access_log != NULL &&
	    (s.alog = accesslog_open(o.access_log)) == NULL)
		http_fatal("--access-log %s: %s", o.access_log,
		    strerror(errno));

	/* Signals come through the loop; handlers would have to do nothing. */
	gw_ignore_sigpipe();
	sigemptyset(&mask);
	sigaddset(&mask, o.stop_signal);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		http_fatal("sigprocmask: %s", strerror(errno));
	sig.src = SRC_SIGNAL;
	if ((sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		http_fatal("signalfd: %s", strerror(errno));

	if ((s.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		http_fatal("epoll_create1: %s", strerror(errno));
	http_listeners_arm(&s, 1);
	ev.events = EPOLLIN;
	ev.data.ptr = &sig;
	if (epoll_ctl(s.epfd, EPOLL_CTL_ADD, sig.fd, &ev) == -1)
		http_fatal("epoll_ctl: %s", strerror(errno));

	http_clock(&s);
	conn_init(&s, o.keepalive_ms, o.header_ms, o.write_ms);
	if (o.max_requests > 0)
		recycle_at = o.max_requests +
		    http_jitter(o.max_requests_jitter);
	have_notify = getenv("NOTIFY_SOCKET") != NULL;
	wd_period = http_watchdog_period();

	snprintf(msg, sizeof msg, "READY=1\nSTATUS=serving %s\nWATCHDOG=1",
	    s.rootfd == -1 ? "hello" : "static files");
	http_notify(msg);
	next_wd = s.now + wd_period;

	while (!quit) {
		next = conn_expire(&s);
		if (s.draining && s.nconns == 0)
			break; /* the last ones may just have expired */
		if (next_wd < next)
			next = next_wd;
		if (s.requests != reported && next_report < next)
			next = next_report;
		if (drain_end != 0 && drain_end < next)
			next = drain_end;
		if (accept_resume != 0 && accept_resume < next)
			next = accept_resume;
		if (s.again != NULL || next <= s.now)
			n = 0;
		else
			n = next - s.now > 60000 ? 60000 : (int)(next - s.now);
		n = epoll_wait(s.epfd, evs, MAX_EVENTS, n);
		if (n == -1 && errno != EINTR)
			http_fatal("epoll_wait: %s", strerror(errno));
		http_clock(&s);

		for (i = 0; i < n; i++) {
			enum http_src *src = evs[i].data.ptr;

			if (*src == SRC_CONN) {
				conn_event(&s, evs[i].data.ptr, evs[i].events);
				continue;
			}
			if (*src == SRC_LISTEN) {
				if (s.draining || accept_resume != 0)
					continue;
				if (conn_accept(&s,
					((struct listener *)src)->fd,
					ACCEPT_BATCH) == -1) {
					/* Out of fds: pause, do not spin. */
					http_listeners_arm(&s, 0);
					accept_resume = s.now + ACCEPT_PAUSE_MS;
				}
				continue;
			}
			while (read(sig.fd, &si, sizeof si) == sizeof si) {
				int signo = (int)si.ssi_signo;

				if (signo == o.stop_signal || signo == SIGTERM)
					http_drain(&s, &o, &drain_end);
				else if (signo == SIGINT || signo == SIGQUIT)
					quit = 1;
				else if (signo == SIGUSR1 && s.alog != NULL &&
				    accesslog_reopen(s.alog) == -1)
					fprintf(stderr,
					    "gwd-http[%d]: reopen "
					    "%s: %s\n",
					    (int)getpid(), o.access_log,
					    strerror(errno));
			}
		}
		conn_run_again(&s);

		if (accept_resume != 0 && s.now >= accept_resume) {
			accept_resume = 0;
			if (!s.draining)
				http_listeners_arm(&s, 1);
		}

		/* The heartbeat comes from here, so a stuck loop misses it. */
		mlen = 0;
		msg[0] = '\0';
		if (s.now >= next_wd) {
			mlen += (size_t)snprintf(msg + mlen, sizeof msg - mlen,
			    "WATCHDOG=1\n");
			next_wd = s.now + wd_period;
		}
		if (s.requests != reported && s.now >= next_report) {
			mlen += (size_t)snprintf(msg + mlen, sizeof msg - mlen,
			    "GWD_REQUESTS=%llu\n",
			    (unsigned long long)s.requests);
			reported = s.requests;
			next_report = s.now + REPORT_MS;
		}
		if (recycle_at != 0 && !recycled && s.requests >= recycle_at) {
			recycled = 1;
			if (have_notify) {
				/* gwd starts our replacement, then stops us;
				 * the count with it says why (recycle_requests). */
				if (reported != s.requests) {
					mlen += (size_t)snprintf(msg + mlen,
					    sizeof msg - mlen,
					    "GWD_REQUESTS=%llu\n",
					    (unsigned long long)s.requests);
					reported = s.requests;
				}
				mlen += (size_t)snprintf(msg + mlen,
				    sizeof msg - mlen, "GWD_RECYCLE=1\n");
			} else
				http_drain(&s, &o, &drain_end);
		}
		if (mlen > 0) {
			msg[mlen - 1] = '\0';
			http_notify(msg);
		}
		if (s.alog != NULL)
			accesslog_flush(s.alog);

		if (s.draining && (s.nconns == 0 || s.now >= drain_end))
			break;
	}

	conn_close_all(&s);
	conn_free_cache(&s);
	accesslog_close(s.alog);
	if (s.rootfd != -1)
		close(s.rootfd);
	close(s.epfd);
	close(sig.fd);
	return 0;
}
