/*
 * check_control.c: the control socket in-process, against the fake
 * supervisor.  The event loop runs in a thread; the test talks to the
 * socket like any client: framing, limits, ordering, async answers,
 * subscriptions, credentials, hostile input and socket creation.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "gw/protocol.h"
#include "gw/util.h"

#include "control.h"
#include "control_suites.h"
#include "fake_supervisor.h"
#include "log.h"

static struct event_base	*base;
static pthread_t		 loop;
static char			 dir[64], sock[100];
static struct gw_config		 cfg;

static volatile int		 loop_running;

static void
loop_started(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	loop_running = 1;
}

static void *
loop_main(void *arg)
{
	(void)arg;
	event_base_dispatch(base);
	control_stop();
	return NULL;
}

/* Start the control socket with this mode and these groups. */
static void
server_start(unsigned mode, const char *group, const char *read_group)
{
	char	*err = NULL;

	signal(SIGPIPE, SIG_IGN);
	/* CHECK_CONTROL_LOG=FILE keeps the server's log for debugging. */
	log_open("test", getenv("CHECK_CONTROL_LOG") ?
	    getenv("CHECK_CONTROL_LOG") : "/dev/null", LOG_DEBUG, LOG_TEXT);
	evthread_use_pthreads();
	fake_reset();
	base = event_base_new();
	fake.base = base;
	snprintf(dir, sizeof dir, "/tmp/gwctl-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(sock, sizeof sock, "%s/gwd.sock", dir);
	memset(&cfg, 0, sizeof cfg);
	cfg.control_socket = sock;
	cfg.control_mode = mode;
	cfg.control_group = (char *)group;
	cfg.control_read_group = (char *)read_group;
	ck_assert_msg(control_start(base, &cfg, &err) == 0, "%s", err);
	loop_running = 0;
	event_base_once(base, -1, EV_TIMEOUT, loop_started, NULL, NULL);
	ck_assert_int_eq(pthread_create(&loop, NULL, loop_main, NULL), 0);
	/* A loopbreak before the loop runs would be forgotten. */
	while (!loop_running)
		usleep(1000);
}

static void
server_stop(void)
{
	struct stat	st;

	event_base_loopbreak(base);
	pthread_join(loop, NULL);
	/* control_stop removed the socket. */
	ck_assert_int_eq(lstat(sock, &st), -1);
	event_base_free(base);
	rmdir(dir);
}

struct cli {
	int	 fd;
	char	*buf;
	size_t	 len, cap;
};

static struct cli *
cli_open(void)
{
	struct sockaddr_un	 sun;
	struct cli		*c = xcalloc(1, sizeof *c);

	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock);
	ck_assert_msg(connect(c->fd, (struct sockaddr *)&sun, sizeof sun) == 0,
	    "connect: %s", strerror(errno));
	return c;
}

static void
cli_close(struct cli *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

/* Write all of s; returns 0 or -1 (the server may have hung up). */
static int
cli_send_n(struct cli *c, const char *s, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
cli_send(struct cli *c, const char *s)
{
	ck_assert_int_eq(cli_send_n(c, s, strlen(s)), 0);
}

/* The next line (new string), or NULL on EOF or after ms. */
static char *
cli_line(struct cli *c, int ms)
{
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLIN };
	char		*nl, *line;
	ssize_t		 n;

	for (;;) {
		if (c->len > 0 &&
		    (nl = memchr(c->buf, '\n', c->len)) != NULL) {
			line = xstrndup(c->buf, (size_t)(nl - c->buf));
			c->len -= (size_t)(nl - c->buf) + 1;
			memmove(c->buf, nl + 1, c->len);
			return line;
		}
		if (poll(&pfd, 1, ms) <= 0)
			return NULL;
		if (c->cap - c->len < 65536) {
			c->cap = c->cap * 2 + 65536;
			c->buf = xrealloc(c->buf, c->cap);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
}

/* The next line as JSON (new reference); fails the test if none. */
static json_t *
cli_json(struct cli *c)
{
	char	*line = cli_line(c, 5000);
	json_t	*j;

	ck_assert_msg(line != NULL, "no answer");
	j = json_loads(line, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", line);
	free(line);
	return j;
}

/* Send one line, return the error code of the answer, or "ok". */
static char *
ask(struct cli *c, const char *line)
{
	json_t	*j;
	char	*code;

	/* A refused peer may find the socket closed: read the reason. */
	(void)cli_send_n(c, line, strlen(line));
	j = cli_json(c);
	if (json_is_true(json_object_get(j, "ok")))
		code = xstrdup("ok");
	else
		code = xstrdup(json_string_value(json_object_get(
		    json_object_get(j, "error"), "code")));
	json_decref(j);
	return code;
}

static void
expect(struct cli *c, const char *line, const char *code)
{
	char	*got = ask(c, line);

	ck_assert_msg(strcmp(got, code) == 0, "%s -> %s, want %s", line, got,
	    code);
	free(got);
}

static int
is_eof(struct cli *c, int ms)
{
	char	*line = cli_line(c, ms);

	if (line == NULL)
		return 1;
	free(line);
	return 0;
}

START_TEST(test_ids_echoed)
{
	static const char *ids[] = { "7", "\"abc\"", "null", "true", "1.5",
	    "-3", "\"\"" };
	struct cli	*c;
	json_t		*j, *want;
	char		 line[128];
	size_t		 i;

	server_start(0600, NULL, NULL);
	c = cli_open();
	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		snprintf(line, sizeof line, "{\"id\":%s,\"cmd\":\"ping\"}\n",
		    ids[i]);
		cli_send(c, line);
		j = cli_json(c);
		want = json_loads(ids[i], JSON_DECODE_ANY, NULL);
		ck_assert_msg(json_equal(json_object_get(j, "id"), want),
		    "id %s", ids[i]);
		ck_assert(json_is_true(json_object_get(json_object_get(j,
		    "result"), "pong")));
		json_decref(want);
		json_decref(j);
	}
	/* No id: null. */
	cli_send(c, "{\"cmd\":\"ping\"}\n");
	j = cli_json(c);
	ck_assert(json_is_null(json_object_get(j, "id")));
	json_decref(j);
	cli_close(c);
	server_stop();
}
END_TEST

START_TEST(test_error_codes)
{
	static const struct { const char *line, *code; } cases[] = {
		{ "not json\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"ping\"\n", GW_ERR_BAD_REQUEST },
		{ "[1,2]\n", GW_ERR_BAD_REQUEST },
		{ "\"ping\"\n", GW_ERR_BAD_REQUEST },
		{ "{}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":5}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"ping\",\"id\":{}}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"ping\",\"id\":[1]}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"ping\",\"args\":[]}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"ping\",\"args\":\"x\"}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"ping\",\"extra\":1}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"ping\",\"cmd\":\"ping\"}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"p\\u0000ing\"}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"\xff\xfe\"}\n", GW_ERR_BAD_REQUEST },
		{ "{\"cmd\":\"nope\"}\n", GW_ERR_UNKNOWN_COMMAND },
		{ "{\"cmd\":\"upgrade\",\"args\":{\"binary\":5}}\n",
		    GW_ERR_INVALID_ARGUMENT },
		{ "{\"cmd\":\"Ping\"}\n", GW_ERR_UNKNOWN_COMMAND },
		{ "{\"cmd\":\"scale\",\"args\":{\"workers\":5000}}\n",
		    GW_ERR_INVALID_ARGUMENT },
		{ "{\"cmd\":\"ping\",\"args\":{\"x\":1}}\n",
		    GW_ERR_INVALID_ARGUMENT },
		{ "{\"cmd\":\"kill\",\"args\":{\"worker\":99}}\n",
		    GW_ERR_NOT_FOUND },
		{ "{\"cmd\":\"ping\",\"args\":null}\n", "ok" },
		{ "{\"id\":1,\"cmd\":\"scale\",\"args\":{\"workers\":3}}\r\n",
		    "ok" },
	};
	struct cli	*c;
	json_t		*j;
	size_t		 i;

	server_start(0600, NULL, NULL);
	c = cli_open();
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect(c, cases[i].line, cases[i].code);
	ck_assert_uint_eq(fake.target, 3);
	/* A failing reload is a conflict, with the supervisor's message. */
	fake.reload_fail = 1;
	cli_send(c, "{\"cmd\":\"reload\"}\n");
	j = cli_json(c);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "error"), "message")), "gwd.conf:3: workers: expected a number");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "error"), "code")), GW_ERR_CONFLICT);
	json_decref(j);
	/* Blank lines are skipped; the connection is still fine. */
	cli_send(c, "\n\r\n   \n");
	expect(c, "{\"cmd\":\"ping\",\"id\":2}\n", "ok");
	cli_close(c);
	server_stop();
}
END_TEST

/* A line of exactly n bytes (before the newline) that is a valid ping. */
static char *
sized_ping(size_t n)
{
	const char	*head = "{\"cmd\":\"ping\",\"id\":\"";
	char		*s = xmalloc(n + 2);
	size_t		 h = strlen(head);

	memcpy(s, head, h);
	memset(s + h, 'x', n - h - 2);
	memcpy(s + n - 2, "\"}", 2);
	s[n] = '\n';
	s[n + 1] = '\0';
	return s;
}

START_TEST(test_too_large)
{
	struct cli	*c;
	char		*big, *exact;

	server_start(0600, NULL, NULL);
	/* Exactly the limit is fine. */
	c = cli_open();
	exact = sized_ping(GW_CTL_MAX_LINE);
	expect(c, exact, "ok");
	free(exact);
	/* One more byte is not: too_large, then the connection closes. */
	exact = sized_ping(GW_CTL_MAX_LINE + 1);
	expect(c, exact, GW_ERR_TOO_LARGE);
	ck_assert(is_eof(c, 2000));
	free(exact);
	cli_close(c);
	/* 200 KB without a newline. */
	c = cli_open();
	big = xmalloc(200 * 1024);
	memset(big, 'a', 200 * 1024);
	(void)cli_send_n(c, big, 200 * 1024);
	free(big);
	big = cli_line(c, 2000);
	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(strstr(big, "too_large"));
	free(big);
	ck_assert(is_eof(c, 2000));
	cli_close(c);
	/* The server still answers. */
	c = cli_open();
	expect(c, "{\"cmd\":\"ping\"}\n", "ok");
	cli_close(c);
	server_stop();
}
END_TEST

START_TEST(test_pipelined)
{
	struct cli	*c;
	char		*all, *p, *line;
	json_t		*j;
	int		 i, n = 5000;

	server_start(0600, NULL, NULL);
	c = cli_open();
	all = p = xmalloc((size_t)n * 40);
	for (i = 1; i <= n; i++)
		p += sprintf(p, "{\"id\":%d,\"cmd\":\"ping\"}\n", i);
	cli_send(c, all);
	free(all);
	for (i = 1; i <= n; i++) {
		line = cli_line(c, 5000);
		ck_assert_msg(line != NULL, "answer %d missing", i);
		j = json_loads(line, 0, NULL);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "id")),
		    i);
		json_decref(j);
		free(line);
	}
	cli_close(c);
	server_stop();
}
END_TEST

/* A waited reload is answered in its place: before the ping behind it. */
START_TEST(test_async_order)
{
	struct cli	*c;
	json_t		*j, *r;

	server_start(0600, NULL, NULL);
	fake.reload_delay_ms = 200;
	c = cli_open();
	cli_send(c, "{\"id\":1,\"cmd\":\"reload\",\"args\":{\"wait\":true}}\n"
	    "{\"id\":2,\"cmd\":\"ping\"}\n");
	j = cli_json(c);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), 1);
	r = json_object_get(j, "result");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "generation")),
	    2);
	ck_assert(json_is_true(json_object_get(r, "ok")));
	json_decref(j);
	j = cli_json(c);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), 2);
	json_decref(j);
	/* A failed reload is an answer too, with ok false. */
	fake.reload_ok = 0;
	cli_send(c, "{\"id\":3,\"cmd\":\"reload\",\"args\":{\"wait\":true}}\n");
	j = cli_json(c);
	r = json_object_get(j, "result");
	ck_assert(json_is_false(json_object_get(r, "ok")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "error")),
	    "worker 3 crashed while booting");
	json_decref(j);
	/* Without wait: the generation at once. */
	cli_send(c, "{\"id\":4,\"cmd\":\"reload\"}\n");
	j = cli_json(c);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j,
	    "result"), "generation")), 4);
	json_decref(j);
	cli_close(c);
	server_stop();
}
END_TEST

/* A client that leaves while its reload runs: the callback is cancelled. */
START_TEST(test_async_cancel)
{
	struct cli	*c;
	int		 i;

	server_start(0600, NULL, NULL);
	fake.reload_delay_ms = 300;
	c = cli_open();
	cli_send(c, "{\"cmd\":\"reload\",\"args\":{\"wait\":true}}\n");
	for (i = 0; i < 100 && fake.reload_calls == 0; i++)
		usleep(10000);
	cli_close(c);
	for (i = 0; i < 100 && fake.reload_cancels == 0; i++)
		usleep(10000);
	ck_assert_int_eq(fake.reload_cancels, 1);
	usleep(400000);		/* the timer would have fired by now */
	c = cli_open();
	expect(c, "{\"cmd\":\"ping\"}\n", "ok");
	cli_close(c);
	server_stop();
}
END_TEST

START_TEST(test_subscribe)
{
	struct cli	*s, *m;
	json_t		*j, *d;

	server_start(0600, NULL, NULL);
	s = cli_open();
	expect(s, "{\"id\":\"sub\",\"cmd\":\"subscribe\"}\n", "ok");
	m = cli_open();
	expect(m, "{\"cmd\":\"scale\",\"args\":{\"workers\":6}}\n", "ok");
	/* The audit event of that scale reaches the subscriber. */
	j = cli_json(s);
	ck_assert_str_eq(json_string_value(json_object_get(j, "event")),
	    "control");
	ck_assert_ptr_null(json_object_get(j, "ok"));
	d = json_object_get(j, "detail");
	ck_assert_str_eq(json_string_value(json_object_get(d, "cmd")),
	    "scale");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "uid")),
	    geteuid());
	ck_assert_int_eq(json_integer_value(json_object_get(d, "pid")),
	    getpid());
	json_decref(j);
	/* A subscriber may still ask things. */
	expect(s, "{\"cmd\":\"ping\"}\n", "ok");
	/* Read-only commands are not audited. */
	expect(m, "{\"cmd\":\"status\"}\n", "ok");
	ck_assert_ptr_null(cli_line(s, 200));
	/* The subscriber leaves; events go on without it. */
	cli_close(s);
	usleep(50000);
	expect(m, "{\"cmd\":\"ttin\"}\n", "ok");
	expect(m, "{\"cmd\":\"ping\"}\n", "ok");
	cli_close(m);
	server_stop();
}
END_TEST

START_TEST(test_busy_and_eviction)
{
	struct cli	*c[GW_CTL_MAX_CLIENTS + 1], *x, *y;
	char		*line;
	int		 i;

	server_start(0600, NULL, NULL);
	/* Idle connections are closed to make room: never locked out. */
	for (i = 0; i < GW_CTL_MAX_CLIENTS + 36; i++) {
		x = cli_open();
		if (i < GW_CTL_MAX_CLIENTS)
			c[i] = x;
		else {
			expect(x, "{\"cmd\":\"ping\"}\n", "ok");
			cli_close(x);
		}
	}
	for (i = 0; i < GW_CTL_MAX_CLIENTS; i++)
		cli_close(c[i]);
	usleep(100000);
	/* Connections in use (here: subscribed) are not: the next is busy. */
	for (i = 0; i < GW_CTL_MAX_CLIENTS; i++) {
		c[i] = cli_open();
		expect(c[i], "{\"cmd\":\"subscribe\"}\n", "ok");
	}
	x = cli_open();
	line = cli_line(x, 2000);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "\"busy\""));
	free(line);
	ck_assert(is_eof(x, 2000));
	cli_close(x);
	/* A half-written request holds its slot too. */
	cli_close(c[0]);
	usleep(100000);
	c[0] = cli_open();
	cli_send(c[0], "{\"cmd\":\"pi");
	usleep(100000);
	y = cli_open();
	ck_assert(strstr(line = cli_line(y, 2000), "busy") != NULL);
	free(line);
	cli_close(y);
	/* ... and completing it works. */
	cli_send(c[0], "ng\"}\n");
	line = cli_line(c[0], 2000);
	ck_assert_ptr_nonnull(strstr(line, "pong"));
	free(line);
	for (i = 0; i < GW_CTL_MAX_CLIENTS; i++)
		cli_close(c[i]);
	server_stop();
}
END_TEST

/* 100 idle clients and a half-written request do not delay anyone. */
START_TEST(test_no_stall)
{
	struct cli	*idle[100], *half, *c;
	uint64_t	 t0;
	int		 i;

	server_start(0600, NULL, NULL);
	half = cli_open();
	cli_send(half, "{\"cmd\":\"status\",\"args\":{");
	for (i = 0; i < 100; i++)
		idle[i] = cli_open();
	c = cli_open();
	t0 = gw_now_ms();
	expect(c, "{\"cmd\":\"workers\"}\n", "ok");
	ck_assert_uint_lt(gw_now_ms() - t0, 500);
	cli_close(c);
	for (i = 0; i < 100; i++)
		cli_close(idle[i]);
	cli_send(half, "}}\n");
	expect(half, "", "ok");
	cli_close(half);
	server_stop();
}
END_TEST

START_TEST(test_idle_timeout)
{
	struct cli	*idle, *active, *waiting;
	int		 i;

	control_set_idle_timeout_ms(1000);
	server_start(0600, NULL, NULL);
	fake.reload_delay_ms = 2500;
	idle = cli_open();
	active = cli_open();
	waiting = cli_open();
	cli_send(waiting, "{\"cmd\":\"reload\",\"args\":{\"wait\":true}}\n");
	/* 1.5 s of pings 100 ms apart: never idle for 1 s. */
	for (i = 0; i < 15; i++) {
		usleep(100000);
		expect(active, "{\"cmd\":\"ping\"}\n", "ok");
	}
	/* The silent one was closed; the busy one waits for its answer. */
	ck_assert(is_eof(idle, 2000));
	expect(waiting, "", "ok");
	cli_close(idle);
	cli_close(active);
	cli_close(waiting);
	server_stop();
}
END_TEST

/* A peer that stops writing still gets its answers, then EOF. */
START_TEST(test_half_close)
{
	struct cli	*c;

	server_start(0600, NULL, NULL);
	c = cli_open();
	cli_send(c, "{\"id\":1,\"cmd\":\"ping\"}\n{\"id\":2,\"cmd\":\"ping\"}");
	shutdown(c->fd, SHUT_WR);
	expect(c, "", "ok");
	expect(c, "", "ok");
	ck_assert(is_eof(c, 2000));
	cli_close(c);
	server_stop();
}
END_TEST

START_TEST(test_random_bytes)
{
	struct cli	*c;
	char		 buf[4096];
	int		 i, fd;
	size_t		 j;
	unsigned	 seed = 12345;

	server_start(0600, NULL, NULL);
	fd = open("/dev/urandom", O_RDONLY);
	for (i = 0; i < 50; i++) {
		c = cli_open();
		if (fd != -1 && i % 2 == 0)
			ck_assert_int_eq(read(fd, buf, sizeof buf),
			    (ssize_t)sizeof buf);
		else
			for (j = 0; j < sizeof buf; j++)
				buf[j] = (char)rand_r(&seed);
		for (j = 0; j < 40; j++)
			if (cli_send_n(c, buf, sizeof buf) == -1)
				break;
		cli_close(c);
	}
	if (fd != -1)
		close(fd);
	c = cli_open();
	expect(c, "{\"cmd\":\"ping\"}\n", "ok");
	cli_close(c);
	server_stop();
}
END_TEST

/* Connect as uid/gid in a child; returns the codes of ping and scale. */
static void
as_other(uid_t uid, gid_t gid, char *ping_code, char *scale_code)
{
	int	p[2], status;
	pid_t	pid;
	char	buf[128] = "";

	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		struct cli	*c;
		char		*a, *b;

		close(p[0]);
		if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
		    setuid(uid) == -1)
			_exit(3);
		c = cli_open();
		a = ask(c, "{\"cmd\":\"ping\"}\n");
		if (strcmp(a, "ok") == 0)
			b = ask(c, "{\"cmd\":\"scale\",\"args\":{\"workers\":"
			    "9}}\n");
		else
			b = xstrdup(is_eof(c, 2000) ? "closed" : "open");
		dprintf(p[1], "%s %s", a, b);
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_gt(read(p[0], buf, sizeof buf - 1), 0);
	close(p[0]);
	waitpid(pid, &status, 0);
	ck_assert_int_eq(sscanf(buf, "%31s %31s", ping_code, scale_code), 2);
}

START_TEST(test_credentials)
{
	char	a[32], b[32];

	if (geteuid() != 0) {
		fprintf(stderr, "check_control: credentials test skipped: "
		    "needs root to connect as another uid\n");
		return;
	}
	server_start(0666, "23456", "12345");
	/* A stranger: forbidden, and disconnected. */
	as_other(65534, 65534, a, b);
	ck_assert_str_eq(a, GW_ERR_FORBIDDEN);
	ck_assert_str_eq(b, "closed");
	/* The read group: read-only commands only. */
	as_other(65534, 12345, a, b);
	ck_assert_str_eq(a, "ok");
	ck_assert_str_eq(b, GW_ERR_FORBIDDEN);
	ck_assert_int_eq(fake.scale_calls, 0);
	/* The control group: everything. */
	as_other(65534, 23456, a, b);
	ck_assert_str_eq(a, "ok");
	ck_assert_str_eq(b, "ok");
	ck_assert_uint_eq(fake.target, 9);
	server_stop();
}
END_TEST

START_TEST(test_socket_setup)
{
	struct gw_config	 c2;
	struct stat		 st;
	struct sockaddr_un	 sun;
	char			*err = NULL, path[200], longp[200];
	int			 fd;

	server_start(0640, NULL, NULL);
	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	/* Started once only. */
	memset(&c2, 0, sizeof c2);
	c2.control_socket = sock;
	c2.control_mode = 0600;
	ck_assert_int_eq(control_start(base, &c2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "already open"));
	free(err);
	server_stop();

	/* A live socket (another gwd) is refused and left alone. */
	ck_assert_ptr_nonnull(mkdtemp(strcpy(path, "/tmp/gwctl-s-XXXXXX")));
	snprintf(longp, sizeof longp, "%s/stale.sock", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, longp);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	ck_assert_int_eq(listen(fd, 5), 0);
	base = event_base_new();
	c2.control_socket = longp;
	ck_assert_int_eq(control_start(base, &c2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "in use"));
	free(err);
	ck_assert_int_eq(lstat(longp, &st), 0);
	/* Once nobody listens, it is stale and replaced. */
	close(fd);
	ck_assert_msg(control_start(base, &c2, &err) == 0, "%s", err);
	control_stop();
	ck_assert_int_eq(lstat(longp, &st), -1);
	fd = open(longp, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_int_eq(control_start(base, &c2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a socket"));
	free(err);
	ck_assert_int_eq(lstat(longp, &st), 0);		/* left alone */
	unlink(longp);
	/* The directory is made if missing. */
	snprintf(longp, sizeof longp, "%s/run/x.sock", path);
	ck_assert_msg(control_start(base, &c2, &err) == 0, "%s", err);
	control_stop();
	snprintf(longp, sizeof longp, "%s/run", path);
	ck_assert_int_eq(stat(longp, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	rmdir(longp);
	/* Too long for sun_path. */
	memset(longp, 'a', sizeof longp - 1);
	longp[0] = '/';
	longp[sizeof longp - 1] = '\0';
	ck_assert_int_eq(control_start(base, &c2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	free(err);
	/* Unknown groups are an error at start, not per request. */
	snprintf(longp, sizeof longp, "%s/g.sock", path);
	c2.control_group = (char *)"no-such-group-gwd";
	ck_assert_int_eq(control_start(base, &c2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "control-group: no such group"));
	free(err);
	c2.control_group = NULL;
	c2.control_read_group = (char *)"no-such-group-gwd";
	ck_assert_int_eq(control_start(base, &c2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "control-read-group"));
	free(err);
	rmdir(path);
	event_base_free(base);
}
END_TEST

/* Out of descriptors: accepting pauses, then resumes; nothing is lost. */
START_TEST(test_emfile)
{
	struct rlimit	 rl = { 48, 48 };
	struct cli	*c[64], *x;
	int		 n, i, fd;

	server_start(0600, NULL, NULL);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	/* Client and server share the table: fill it from both ends. */
	for (n = 0; n < 64; n++) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd == -1)
			break;
		close(fd);
		c[n] = cli_open();
		usleep(5000);
	}
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, 64);
	usleep(300000);		/* the server hit EMFILE meanwhile */
	for (i = 0; i < n; i++)
		cli_close(c[i]);
	/* A connection made now is accepted once the pause is over. */
	x = cli_open();
	expect(x, "{\"cmd\":\"ping\"}\n", "ok");
	cli_close(x);
	server_stop();
}
END_TEST

Suite *
make_suite_control(void)
{
	Suite	*s = suite_create("control");
	TCase	*tc = tcase_create("control");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ids_echoed);
	tcase_add_test(tc, test_error_codes);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_async_order);
	tcase_add_test(tc, test_async_cancel);
	tcase_add_test(tc, test_subscribe);
	tcase_add_test(tc, test_busy_and_eviction);
	tcase_add_test(tc, test_no_stall);
	tcase_add_test(tc, test_idle_timeout);
	tcase_add_test(tc, test_half_close);
	tcase_add_test(tc, test_random_bytes);
	tcase_add_test(tc, test_credentials);
	tcase_add_test(tc, test_socket_setup);
	tcase_add_test(tc, test_emfile);
	suite_add_tcase(s, tc);
	return s;
}
