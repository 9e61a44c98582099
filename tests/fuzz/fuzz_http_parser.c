/*
 * fuzz_http_parser.c: libFuzzer harness for gwd-http's parser, chunked
 * decoder, date, range and path code.  Not built by make; build and run:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Iinclude -Idaemon \
 *     tests/fuzz/fuzz_http_parser.c daemon/http/parser.c daemon/http/path.c \
 *     -o fuzz_http_parser
 *   ./fuzz_http_parser -max_total_time=60 -max_len=12000
 *
 * (or `make fuzz-http`).  Besides "no crash, no out-of-bounds read", it
 * checks the parser's own promises: a complete head is never longer than
 * the input or HTTP_MAX_HEAD, every returned string lies inside the input,
 * the answer does not change when more bytes follow a complete head, and
 * feeding chunked data in two pieces gives the same result as in one.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"
#include "http/path.h"

static void
check_in(const struct http_str *s, const uint8_t *buf, size_t len)
{
	if (s->p == NULL || s->len == 0)
		return;
	if ((const uint8_t *)s->p < buf ||
	    (const uint8_t *)s->p + s->len > buf + len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request	 req, req2;
	struct http_chunked	 ch1, ch2;
	char			 out[PATH_MAX];
	uint8_t			*buf;
	size_t			 cut;
	ssize_t			 a, b, c;
	uint64_t		 f, l;
	time_t			 t;
	int			 rc, rc2, d1, d2, dir;

	/* Copy so that reading one byte past the input is caught by ASan. */
	buf = malloc(size + 16);
	memcpy(buf, data, size);

	rc = http_parse_request((const char *)buf, size, &req);
	if (rc == HTTP_PARSE_DONE) {
		if (req.head_len == 0 || req.head_len > size ||
		    req.head_len > HTTP_MAX_HEAD)
			abort();
		check_in(&req.line, buf, size);
		check_in(&req.target, buf, size);
		/* an absolute-form target without a path gets a static "/" */
		if (!(req.path.len == 1 && req.path.p[0] == '/'))
			check_in(&req.path, buf, size);
		check_in(&req.host, buf, size);
		check_in(&req.range, buf, size);
		check_in(&req.if_modified_since, buf, size);
		if (req.chunked && req.content_length != 0)
			abort();
		/* The same head with garbage after it parses the same. */
		memset(buf + size, 'Z', 16);
		rc2 = http_parse_request((const char *)buf, size + 16, &req2);
		if (rc2 != HTTP_PARSE_DONE || req2.head_len != req.head_len)
			abort();
		if (req.path.p != NULL && req.path.len > 0)
			(void)http_path_resolve(req.path.p, req.path.len, out,
			    sizeof out, &dir);
		if (req.range.p != NULL)
			(void)http_parse_range(req.range.p, req.range.len,
			    size, &f, &l);
		if (req.if_modified_since.p != NULL)
			(void)http_parse_date(req.if_modified_since.p,
			    req.if_modified_since.len, &t);
	} else if (rc != HTTP_PARSE_MORE && rc != -400 && rc != -414 &&
	    rc != -431 && rc != -501 && rc != -505)
		abort();

	/* The raw input as a path, a date, a range. */
	if (http_path_resolve((const char *)buf, size, out, sizeof out,
	    &dir) == 0 && (out[0] == '.' || strstr(out, "/.") != NULL))
		abort();	/* no dot segment, no hidden name, ever */
	(void)http_parse_date((const char *)buf, size, &t);
	if (http_parse_range((const char *)buf, size, 1000, &f, &l) == 1 &&
	    (f > l || l >= 1000))
		abort();

	/* Chunked: one piece or two pieces, same outcome. */
	http_chunked_init(&ch1);
	http_chunked_init(&ch2);
	a = http_chunked_feed(&ch1, (const char *)buf, size, &d1);
	cut = size / 2;
	b = http_chunked_feed(&ch2, (const char *)buf, cut, &d2);
	if (b >= 0 && !d2) {
		if ((size_t)b != cut)
			abort();
		c = http_chunked_feed(&ch2, (const char *)buf + cut,
		    size - cut, &d2);
		b = c < 0 ? -1 : b + c;
	}
	if ((a < 0) != (b < 0) || (a >= 0 && (a != b || d1 != d2)))
		abort();
	if (a > (ssize_t)size)
		abort();

	free(buf);
	return 0;
}
