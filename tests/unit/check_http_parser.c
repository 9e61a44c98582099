/*
 * check_http_parser.c: gwd-http's request parser, chunked discarder, HTTP
 * dates and Range parsing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"
#include "suites.h"

static int
parse(const char *s, struct http_request *req)
{
	return http_parse_request(s, strlen(s), req);
}

static int
streq(const struct http_str *s, const char *lit)
{
	return s->p != NULL && s->len == strlen(lit) &&
	    memcmp(s->p, lit, s->len) == 0;
}

START_TEST(test_simple_get)
{
	struct http_request	 req;
	const char		*r = "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\n"
	    "User-Agent: curl/7\r\nReferer: http://r/\r\n\r\nGET /next";

	ck_assert_int_eq(parse(r, &req), HTTP_PARSE_DONE);
	ck_assert_uint_eq(req.head_len, strlen(r) - strlen("GET /next"));
	ck_assert_int_eq(req.method, HTTP_METHOD_GET);
	ck_assert(streq(&req.target, "/a/b?x=1"));
	ck_assert(streq(&req.path, "/a/b"));
	ck_assert(streq(&req.line, "GET /a/b?x=1 HTTP/1.1"));
	ck_assert(streq(&req.host, "h"));
	ck_assert(streq(&req.user_agent, "curl/7"));
	ck_assert(streq(&req.referer, "http://r/"));
	ck_assert_int_eq(req.minor, 1);
	ck_assert_int_eq(req.keep_alive, 1);
	ck_assert_int_eq(req.chunked, 0);
	ck_assert_uint_eq(req.content_length, 0);
}
END_TEST

START_TEST(test_head_and_methods)
{
	struct http_request	req;

	ck_assert_int_eq(parse("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", &req),
	    HTTP_PARSE_DONE);
	ck_assert_int_eq(req.method, HTTP_METHOD_HEAD);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n", &req),
	    HTTP_PARSE_DONE);
	ck_assert_int_eq(req.method, HTTP_METHOD_OTHER);
	/* methods are case-sensitive: "get" is some other method */
	ck_assert_int_eq(parse("get / HTTP/1.1\r\nHost: h\r\n\r\n", &req),
	    HTTP_PARSE_DONE);
	ck_assert_int_eq(req.method, HTTP_METHOD_OTHER);
}
END_TEST

START_TEST(test_incremental)
{
	struct http_request	 req;
	const char		*r = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	size_t			 i, n = strlen(r);

	for (i = 0; i < n; i++)
		ck_assert_msg(http_parse_request(r, i, &req) == HTTP_PARSE_MORE,
		    "prefix %zu", i);
	ck_assert_int_eq(http_parse_request(r, n, &req), HTTP_PARSE_DONE);
	ck_assert_uint_eq(req.head_len, n);
}
END_TEST

START_TEST(test_bare_lf_and_empty_lines)
{
	struct http_request	req;

	ck_assert_int_eq(parse("GET / HTTP/1.1\nHost: h\n\n", &req),
	    HTTP_PARSE_DONE);
	ck_assert_uint_eq(req.head_len, 24);
	ck_assert_int_eq(parse("\r\n\r\nGET / HTTP/1.0\r\n\r\n", &req),
	    HTTP_PARSE_DONE);
	ck_assert(streq(&req.line, "GET / HTTP/1.0"));
	ck_assert_int_eq(parse("\r", &req), HTTP_PARSE_MORE);
}
END_TEST

START_TEST(test_keep_alive_rules)
{
	struct http_request	req;

	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n", &req), 1);
	ck_assert_int_eq(req.minor, 0);
	ck_assert_int_eq(req.keep_alive, 0);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n"
	    "\r\n", &req), 1);
	ck_assert_int_eq(req.keep_alive, 1);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Connection: foo, close\r\n\r\n", &req), 1);
	ck_assert_int_eq(req.keep_alive, 0);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Connection: keep-alive\r\n\r\n", &req), 1);
	ck_assert_int_eq(req.keep_alive, 1);
	/* HTTP/1.2 is answered as 1.1 */
	ck_assert_int_eq(parse("GET / HTTP/1.2\r\nHost: h\r\n\r\n", &req), 1);
	ck_assert_int_eq(req.minor, 1);
}
END_TEST

START_TEST(test_bodies)
{
	struct http_request	req;

	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 12\r\n\r\n", &req), 1);
	ck_assert_uint_eq(req.content_length, 12);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 12\r\ncontent-length: 12\r\n\r\n", &req), 1);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 12\r\nContent-Length: 13\r\n\r\n", &req), -400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: -1\r\n\r\n", &req), -400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 1,1\r\n\r\n", &req), -400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 99999999999999999999\r\n\r\n", &req), -400);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", &req), 1);
	ck_assert_int_eq(req.chunked, 1);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", &req), -501);
	/* both framings: a smuggling attempt */
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", &req),
	    -400);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	    &req), -400);
	ck_assert_int_eq(parse("POST / HTTP/1.0\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", &req), -400);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *bad[] = {
		"GET\r\n\r\n",
		"GET /\r\n\r\n",			/* HTTP/0.9 */
		"GET  / HTTP/1.1\r\nHost: h\r\n\r\n",	/* two spaces */
		"GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
		"GET / http/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.x\r\nHost: h\r\n\r\n",
		"G@T / HTTP/1.1\r\nHost: h\r\n\r\n",
		" GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",		/* no Host */
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : h\r\n\r\n",	/* space before colon */
		"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\x01" "b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n\rX\r\n\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",	/* TLS */
	};
	struct http_request	req;
	size_t			i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse(bad[i], &req) == -400, "case %zu: %d", i,
		    parse(bad[i], &req));
	ck_assert_int_eq(parse("GET / HTTP/2.0\r\n\r\n", &req), -505);
}
END_TEST

START_TEST(test_limits)
{
	struct http_request	 req;
	char			*buf;
	size_t			 n;

	buf = malloc(3 * HTTP_MAX_HEAD);
	/* a target of exactly HTTP_MAX_URI is fine, one more is 414 */
	n = (size_t)sprintf(buf, "GET /");
	memset(buf + n, 'a', HTTP_MAX_URI - 1);
	n += HTTP_MAX_URI - 1;
	n += (size_t)sprintf(buf + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	ck_assert_int_eq(http_parse_request(buf, n, &req), HTTP_PARSE_DONE);
	n = (size_t)sprintf(buf, "GET /");
	memset(buf + n, 'a', HTTP_MAX_URI);
	n += HTTP_MAX_URI;
	n += (size_t)sprintf(buf + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	ck_assert_int_eq(http_parse_request(buf, n, &req), -414);
	/* a long line without its end yet is also 414, early */
	n = (size_t)sprintf(buf, "GET /");
	memset(buf + n, 'a', HTTP_MAX_URI + 200);
	ck_assert_int_eq(http_parse_request(buf, n + HTTP_MAX_URI + 200, &req),
	    -414);

	/* headers: a complete head over 8 KiB, and an endless one */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(buf + n, 'b', HTTP_MAX_HEAD);
	n += HTTP_MAX_HEAD;
	ck_assert_int_eq(http_parse_request(buf, n, &req), -431);
	n += (size_t)sprintf(buf + n, "\r\n\r\n");
	ck_assert_int_eq(http_parse_request(buf, n, &req), -431);
	/* just under the limit is fine */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(buf + n, 'b', HTTP_MAX_HEAD - n - 4);
	n = HTTP_MAX_HEAD - 4;
	n += (size_t)sprintf(buf + n, "\r\n\r\n");
	ck_assert_uint_eq(n, HTTP_MAX_HEAD);
	ck_assert_int_eq(http_parse_request(buf, n, &req), HTTP_PARSE_DONE);
	free(buf);
}
END_TEST

START_TEST(test_absolute_form)
{
	struct http_request	req;

	ck_assert_int_eq(parse("GET http://example.com/x/y?q HTTP/1.1\r\n"
	    "Host: example.com\r\n\r\n", &req), 1);
	ck_assert(streq(&req.path, "/x/y"));
	ck_assert_int_eq(parse("GET HTTPS://example.com HTTP/1.1\r\n"
	    "Host: example.com\r\n\r\n", &req), 1);
	ck_assert(streq(&req.path, "/"));
	ck_assert_int_eq(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &req),
	    1);
	ck_assert_uint_eq(req.path.len, 0);
	ck_assert_int_eq(parse("GET /p#frag HTTP/1.1\r\nHost: h\r\n\r\n",
	    &req), 1);
	ck_assert(streq(&req.path, "/p"));
}
END_TEST

START_TEST(test_conditional_headers)
{
	struct http_request	req;

	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "If-Modified-Since:  Sun, 06 Nov 1994 08:49:37 GMT \r\n"
	    "RANGE: bytes=0-0\r\nIf-Range: x\r\n\r\n", &req), 1);
	ck_assert(streq(&req.if_modified_since,
	    "Sun, 06 Nov 1994 08:49:37 GMT"));
	ck_assert(streq(&req.range, "bytes=0-0"));
	ck_assert(streq(&req.if_range, "x"));
}
END_TEST

static int
chunked_all(const char *body, size_t step, size_t *used, int *done)
{
	struct http_chunked	ch;
	size_t			len = strlen(body), i = 0, n;
	ssize_t			r;

	http_chunked_init(&ch);
	*done = 0;
	while (i < len && !*done) {
		n = len - i < step ? len - i : step;
		r = http_chunked_feed(&ch, body + i, n, done);
		if (r == -1)
			return -1;
		i += (size_t)r;
	}
	*used = i;
	return 0;
}

START_TEST(test_chunked)
{
	static const char *ok = "5\r\nhello\r\n1a;ext=1\r\n"
	    "abcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\nGET /next";
	size_t	used, step;
	int	done;

	for (step = 1; step < 70; step++) {
		ck_assert_int_eq(chunked_all(ok, step, &used, &done), 0);
		ck_assert_int_eq(done, 1);
		ck_assert_uint_eq(used, strlen(ok) - strlen("GET /next"));
	}
	ck_assert_int_eq(chunked_all("0\r\n\r\n", 100, &used, &done), 0);
	ck_assert_int_eq(done, 1);
	ck_assert_uint_eq(used, 5);
	/* not finished yet */
	ck_assert_int_eq(chunked_all("5\r\nhel", 100, &used, &done), 0);
	ck_assert_int_eq(done, 0);
	ck_assert_uint_eq(used, 6);
}
END_TEST

START_TEST(test_chunked_bad)
{
	static const char *bad[] = {
		"x\r\n",
		"\r\n",
		"5\nhello\r\n0\r\n\r\n",		/* bare LF */
		"5\r\nhelloX\r\n",			/* no CRLF after data */
		"1000000000000000\r\n",			/* 16 hex digits */
		"5\r\nhello\r\n0\r\n\rX",
		"5;a\x01\r\n",
	};
	size_t	i, used;
	int	done;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(chunked_all(bad[i], 1000, &used, &done) == -1,
		    "case %zu", i);
}
END_TEST

START_TEST(test_chunked_limits)
{
	char	*buf;
	size_t	 used;
	int	 done;

	buf = malloc(20000);
	/* an endless chunk extension */
	buf[0] = '1';
	buf[1] = ';';
	memset(buf + 2, 'e', 10000);
	buf[10002] = '\0';
	ck_assert_int_eq(chunked_all(buf, 1000, &used, &done), -1);
	/* endless trailers */
	memcpy(buf, "0\r\n", 3);
	memset(buf + 3, 't', 10000);
	buf[10003] = '\0';
	ck_assert_int_eq(chunked_all(buf, 1000, &used, &done), -1);
	free(buf);
}
END_TEST

START_TEST(test_dates)
{
	char	out[HTTP_DATE_LEN + 1];
	time_t	t;

	http_format_date(out, 784111777);
	ck_assert_str_eq(out, "Sun, 06 Nov 1994 08:49:37 GMT");
	ck_assert_int_eq(http_parse_date(out, strlen(out), &t), 0);
	ck_assert_int_eq(t, 784111777);
	ck_assert_int_eq(http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT",
	    30, &t), 0);
	ck_assert_int_eq(t, 784111777);
	ck_assert_int_eq(http_parse_date("Sun Nov  6 08:49:37 1994", 24, &t),
	    0);
	ck_assert_int_eq(t, 784111777);
	ck_assert_int_eq(http_parse_date("Sun, 06 Foo 1994 08:49:37 GMT",
	    29, &t), -1);
	ck_assert_int_eq(http_parse_date("Sun, 06 Nov 1994 25:49:37 GMT",
	    29, &t), -1);
	ck_assert_int_eq(http_parse_date("yesterday", 9, &t), -1);
	ck_assert_int_eq(http_parse_date("", 0, &t), -1);
}
END_TEST

START_TEST(test_range)
{
	uint64_t	a, b;

	ck_assert_int_eq(http_parse_range("bytes=0-0", 9, 100, &a, &b), 1);
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(b, 0);
	ck_assert_int_eq(http_parse_range("bytes=10-", 9, 100, &a, &b), 1);
	ck_assert_uint_eq(a, 10);
	ck_assert_uint_eq(b, 99);
	ck_assert_int_eq(http_parse_range("bytes=90-200", 12, 100, &a, &b), 1);
	ck_assert_uint_eq(b, 99);
	ck_assert_int_eq(http_parse_range("bytes=-5", 8, 100, &a, &b), 1);
	ck_assert_uint_eq(a, 95);
	ck_assert_uint_eq(b, 99);
	ck_assert_int_eq(http_parse_range("bytes=-500", 10, 100, &a, &b), 1);
	ck_assert_uint_eq(a, 0);
	/* unsatisfiable */
	ck_assert_int_eq(http_parse_range("bytes=100-", 10, 100, &a, &b), -1);
	ck_assert_int_eq(http_parse_range("bytes=-0", 8, 100, &a, &b), -1);
	ck_assert_int_eq(http_parse_range("bytes=0-", 8, 0, &a, &b), -1);
	ck_assert_int_eq(http_parse_range("bytes=99999999999999999999999-",
	    30, 100, &a, &b), -1);
	/* ignored: send the whole thing */
	ck_assert_int_eq(http_parse_range("bytes=5-1", 9, 100, &a, &b), 0);
	ck_assert_int_eq(http_parse_range("bytes=0-1,5-6", 13, 100, &a, &b),
	    0);
	ck_assert_int_eq(http_parse_range("items=0-1", 9, 100, &a, &b), 0);
	ck_assert_int_eq(http_parse_range("bytes=a-b", 9, 100, &a, &b), 0);
	ck_assert_int_eq(http_parse_range("bytes=", 6, 100, &a, &b), 0);
	ck_assert_int_eq(http_parse_range("bytes=1", 7, 100, &a, &b), 0);
}
END_TEST

Suite *
make_suite_http_parser(void)
{
	Suite	*s = suite_create("http_parser");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_simple_get);
	tcase_add_test(tc, test_head_and_methods);
	tcase_add_test(tc, test_incremental);
	tcase_add_test(tc, test_bare_lf_and_empty_lines);
	tcase_add_test(tc, test_keep_alive_rules);
	tcase_add_test(tc, test_bodies);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_absolute_form);
	tcase_add_test(tc, test_conditional_headers);
	tcase_add_test(tc, test_chunked);
	tcase_add_test(tc, test_chunked_bad);
	tcase_add_test(tc, test_chunked_limits);
	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_range);
	suite_add_tcase(s, tc);
	return s;
}
