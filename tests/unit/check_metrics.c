/*
 * check_metrics.c: the pieces of --metrics-bind that need no running
 * master: accept queues read from the kernel (sockdiag.c) on real
 * loopback and Unix sockets whose queues the test fills on purpose, the
 * Prometheus text format (promtext.c), and the HTTP server (web.c): its
 * routes, late answers, a client gone before its answer, the address
 * checks.  A program of its own.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include <event2/event.h>
#include <event2/http.h>

#include "promtext.h"
#include "sockdiag.h"
#include "web.h"

#define NCLIENTS	5

static char	tmpdir[64];

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gwd-check-metrics-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char	path[128];

	snprintf(path, sizeof path, "%s/q.sock", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

/* A listener on 127.0.0.1 (or ::1), any port; its address in *ss. */
static int
tcp_listener(int family, int backlog, struct sockaddr_storage *ss,
    socklen_t *len)
{
	int	fd = socket(family, SOCK_STREAM, 0);

	ck_assert_int_ne(fd, -1);
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		struct sockaddr_in	*in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof *in;
	} else {
		struct sockaddr_in6	*in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		*len = sizeof *in6;
	}
	if (bind(fd, (struct sockaddr *)ss, *len) == -1) {
		close(fd);
		return -1;
	}
	ck_assert_int_eq(listen(fd, backlog), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)ss, len), 0);
	return fd;
}

/* Connect n clients that nobody accepts; their fds go to cfd. */
static void
tcp_fill(const struct sockaddr_storage *ss, socklen_t len, int *cfd, int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		cfd[i] = socket(ss->ss_family, SOCK_STREAM, 0);
		ck_assert_int_ne(cfd[i], -1);
		/* The kernel completes the handshake and queues it. */
		ck_assert_int_eq(connect(cfd[i], (const struct sockaddr *)ss,
		    len), 0);
	}
}

static void
tcp_queue_case(int family)
{
	struct sockaddr_storage	 ss;
	struct sockdiag_queue	 q;
	socklen_t		 len;
	int			 lfd, cfd[NCLIENTS], afd, i;

	lfd = tcp_listener(family, 16, &ss, &len);
	if (lfd == -1)
		return;		/* no ::1 in this namespace */
	ck_assert_int_eq(sockdiag_listen_queue(lfd, &q), 0);
	ck_assert_uint_eq(q.depth, 0);
	ck_assert_uint_eq(q.max, 16);
	tcp_fill(&ss, len, cfd, NCLIENTS);
	ck_assert_int_eq(sockdiag_listen_queue(lfd, &q), 0);
	ck_assert_uint_eq(q.depth, NCLIENTS);
	ck_assert_uint_eq(q.max, 16);
	/* Accepting one takes it off the queue. */
	afd = accept(lfd, NULL, NULL);
	ck_assert_int_ne(afd, -1);
	ck_assert_int_eq(sockdiag_listen_queue(lfd, &q), 0);
	ck_assert_uint_eq(q.depth, NCLIENTS - 1);
	close(afd);
	for (i = 0; i < NCLIENTS; i++)
		close(cfd[i]);
	close(lfd);
}

START_TEST(tcp4_queue)
{
	tcp_queue_case(AF_INET);
}
END_TEST

START_TEST(tcp6_queue)
{
	tcp_queue_case(AF_INET6);
}
END_TEST

START_TEST(unix_queue)
{
	struct sockaddr_un	 sun;
	struct sockdiag_queue	 q;
	int			 lfd, cfd[NCLIENTS], afd, i;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/q.sock", tmpdir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ne(lfd, -1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	ck_assert_int_eq(listen(lfd, 8), 0);
	if (sockdiag_listen_queue(lfd, &q) == -1 && errno != 0) {
		/* unix_diag missing from this kernel: say so, not pass. */
		ck_abort_msg("unix_diag: %s", strerror(errno));
	}
	ck_assert_uint_eq(q.depth, 0);
	ck_assert_uint_eq(q.max, 8);
	for (i = 0; i < NCLIENTS; i++) {
		cfd[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		ck_assert_int_eq(connect(cfd[i], (struct sockaddr *)&sun,
		    sizeof sun), 0);
	}
	ck_assert_int_eq(sockdiag_listen_queue(lfd, &q), 0);
	ck_assert_uint_eq(q.depth, NCLIENTS);
	ck_assert_uint_eq(q.max, 8);
	afd = accept(lfd, NULL, NULL);
	ck_assert_int_ne(afd, -1);
	ck_assert_int_eq(sockdiag_listen_queue(lfd, &q), 0);
	ck_assert_uint_eq(q.depth, NCLIENTS - 1);
	close(afd);
	for (i = 0; i < NCLIENTS; i++)
		close(cfd[i]);
	close(lfd);
}
END_TEST

/* Two listeners: each answers its own queue (the lookup is by inode). */
START_TEST(unix_two_listeners)
{
	struct sockaddr_un	 a, b;
	struct sockdiag_queue	 q;
	int			 la, lb, c1, c2, c3;

	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof a.sun_path, "%s/q.sock", tmpdir);
	b = a;
	snprintf(b.sun_path, sizeof b.sun_path, "%s/r.sock", tmpdir);
	la = socket(AF_UNIX, SOCK_STREAM, 0);
	lb = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(la, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(bind(lb, (struct sockaddr *)&b, sizeof b), 0);
	ck_assert_int_eq(listen(la, 4), 0);
	ck_assert_int_eq(listen(lb, 6), 0);
	c1 = socket(AF_UNIX, SOCK_STREAM, 0);
	c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	c3 = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(c1, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(connect(c2, (struct sockaddr *)&b, sizeof b), 0);
	ck_assert_int_eq(connect(c3, (struct sockaddr *)&b, sizeof b), 0);
	ck_assert_int_eq(sockdiag_listen_queue(la, &q), 0);
	ck_assert_uint_eq(q.depth, 1);
	ck_assert_uint_eq(q.max, 4);
	ck_assert_int_eq(sockdiag_listen_queue(lb, &q), 0);
	ck_assert_uint_eq(q.depth, 2);
	ck_assert_uint_eq(q.max, 6);
	close(c1);
	close(c2);
	close(c3);
	close(la);
	close(lb);
	unlink(b.sun_path);
}
END_TEST

START_TEST(not_a_listener)
{
	struct sockdiag_queue	q;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(sockdiag_listen_queue(fd, &q), -1);
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_eq(sockdiag_listen_queue(fd, &q), -1);
	ck_assert_int_eq(errno, ENOTSUP);
	close(fd);
	ck_assert_int_eq(sockdiag_listen_queue(-1, &q), -1);
}
END_TEST

/* The evbuffer's text, NUL-terminated (new string). */
static char *
text_of(struct evbuffer *b)
{
	size_t	 n = evbuffer_get_length(b);
	char	*s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	evbuffer_copyout(b, s, n);
	s[n] = '\0';
	return s;
}

START_TEST(prom_format)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s;

	promtext_family(b, "gwd_x", "gauge",
	    "Back\\slash and\nnewline \"ok\".");
	promtext_sample(b, "gwd_x", 3, NULL);
	promtext_sample(b, "gwd_x", 0.25, "bind", "unix:/a\"b\\c\nd", NULL);
	promtext_sample(b, "gwd_x", 1e20, "a", "1", "b", "", NULL);
	promtext_sample(b, "gwd_x", 0.0 / 0.0, NULL);
	promtext_sample(b, "gwd_x", -1.0 / 0.0, NULL);
	s = text_of(b);
	ck_assert_str_eq(s,
	    "# HELP gwd_x Back\\\\slash and\\nnewline \"ok\".\n"
	    "# TYPE gwd_x gauge\n"
	    "gwd_x 3\n"
	    "gwd_x{bind=\"unix:/a\\\"b\\\\c\\nd\"} 0.25\n"
	    "gwd_x{a=\"1\",b=\"\"} 1e+20\n"
	    "gwd_x NaN\n"
	    "gwd_x -Inf\n");
	free(s);
	evbuffer_free(b);
}
END_TEST

/* ---- web.c: a server on the loop, a client in this thread ---------- */

static struct event_base	*wbase;
static struct evhttp_request	*held;	/* a request answered later */
static int			 answered;

static void
route_now(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*b = evbuffer_new();

	(void)arg;
	evbuffer_add_printf(b, "now\n");
	web_reply(req, 200, "OK", "text/plain", b);
	evbuffer_free(b);
}

static void
answer_later(evutil_socket_t fd, short what, void *arg)
{
	struct evbuffer	*b = evbuffer_new();

	(void)fd;
	(void)what;
	(void)arg;
	evbuffer_add_printf(b, "later\n");
	web_reply(held, 200, "OK", "text/plain", b);
	evbuffer_free(b);
	held = NULL;
	answered++;
}

/* Keep req and answer from a timer, like a stats query would. */
static void
route_later(struct evhttp_request *req, void *arg)
{
	struct timeval	tv = { 0, 100 * 1000 };

	(void)arg;
	held = req;
	event_base_once(wbase, -1, EV_TIMEOUT, answer_later, NULL, &tv);
}

/* Run the loop for ms milliseconds. */
static void
web_run(unsigned ms)
{
	struct timeval	tv = { 0, (suseconds_t)ms * 1000 };

	event_base_loopexit(wbase, &tv);
	event_base_dispatch(wbase);
}

/* A client that sent req on 127.0.0.1:port (the kernel completes the
 * handshake; the loop accepts when it runs). */
static int
web_client(int port, const char *req)
{
	struct sockaddr_in	in;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&in, 0, sizeof in);
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in.sin_port = htons((uint16_t)port);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&in, sizeof in), 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

static int
free_port(void)
{
	struct sockaddr_in	in;
	socklen_t		len = sizeof in;
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&in, 0, sizeof in);
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&in, sizeof in), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	port = ntohs(in.sin_port);
	close(fd);
	return port;
}

START_TEST(web_routes_and_late_answers)
{
	struct gw_config	 cfg;
	char			 addr[32], buf[512], *err = NULL;
	int			 port = free_port(), c1, c2, c3;
	ssize_t			 n;

	memset(&cfg, 0, sizeof cfg);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	cfg.metrics_bind = addr;
	ck_assert_int_eq(web_check(&cfg, &err), 0);
	wbase = event_base_new();
	web_route("/now", route_now, NULL);
	web_route("/later", route_later, NULL);
	ck_assert_msg(web_start(wbase, &cfg, &err) == 0, "%s", err);
	ck_assert_str_eq(web_address(), addr);

	/* A client that leaves before its late answer: dropped, no harm. */
	c1 = web_client(port, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
	web_run(30);
	ck_assert_ptr_nonnull(held);
	close(c1);
	web_run(200);
	ck_assert_int_eq(answered, 1);
	/* One that waits gets it; another path answers at once; 404. */
	c2 = web_client(port, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
	c3 = web_client(port, "GET /now HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
	web_run(250);
	ck_assert_int_eq(answered, 2);
	n = read(c2, buf, sizeof buf - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0 &&
	    strstr(buf, "later") != NULL, "%s", buf);
	n = read(c3, buf, sizeof buf - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strstr(buf, "now") != NULL &&
	    strstr(buf, "HTTP/1.1 404") != NULL, "%s", buf);
	close(c2);
	close(c3);
	web_stop();
	ck_assert_ptr_null(web_address());
	event_base_free(wbase);
}
END_TEST

START_TEST(web_check_refuses)
{
	struct gw_config	 cfg;
	struct gw_bind		 b = { NULL, (char *)"127.0.0.1:8000" };
	char			*err = NULL;

	memset(&cfg, 0, sizeof cfg);
	ck_assert_int_eq(web_check(&cfg, &err), 0);
	cfg.metrics_bind = (char *)"none";
	ck_assert_int_eq(web_check(&cfg, &err), 0);
	cfg.metrics_bind = (char *)"fd://3";
	ck_assert_int_eq(web_check(&cfg, &err), -1);
	free(err);
	cfg.metrics_bind = (char *)"host.example:80";
	ck_assert_int_eq(web_check(&cfg, &err), -1);
	free(err);
	cfg.binds = &b;
	cfg.nbinds = 1;
	cfg.metrics_bind = (char *)"127.0.0.1:8000";
	ck_assert_int_eq(web_check(&cfg, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "also a --bind"));
	free(err);
	cfg.metrics_bind = (char *)"unix:/tmp/x.sock";
	ck_assert_int_eq(web_check(&cfg, &err), 0);
}
END_TEST

static Suite *
make_suite_web(void)
{
	Suite	*s = suite_create("web");
	TCase	*tc = tcase_create("server");

	tcase_add_test(tc, web_routes_and_late_answers);
	tcase_add_test(tc, web_check_refuses);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *
make_suite_sockdiag(void)
{
	Suite	*s = suite_create("sockdiag");
	TCase	*tc = tcase_create("queues");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tcp4_queue);
	tcase_add_test(tc, tcp6_queue);
	tcase_add_test(tc, unix_queue);
	tcase_add_test(tc, unix_two_listeners);
	tcase_add_test(tc, not_a_listener);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *
make_suite_promtext(void)
{
	Suite	*s = suite_create("promtext");
	TCase	*tc = tcase_create("format");

	tcase_add_test(tc, prom_format);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(make_suite_sockdiag());
	srunner_add_suite(sr, make_suite_promtext());
	srunner_add_suite(sr, make_suite_web());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
