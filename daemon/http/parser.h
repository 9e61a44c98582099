/*
 * parser.h: gwd-http's HTTP/1.x request parser.  It owns nothing: every
 * string it returns points into the caller's buffer.  Also the pieces of
 * HTTP that are pure text: chunked body framing (to discard bodies safely),
 * HTTP dates and the Range header.
 *
 * Why a parser of our own rather than evhttp or libhttp-parser: gwd-http
 * only ever answers GET and HEAD, so it needs the request line, eight
 * headers and body framing, nothing more.  A stateless "is the head
 * complete, then parse it in one pass" parser over the connection's own
 * buffer gives zero copies and zero allocations per request, makes the
 * limits (8 KiB head -> 431, long URI -> 414) exact and easy to test, and
 * lets the event loop be a plain epoll loop with no library buffers in the
 * way.  evhttp allocates several objects and evbuffers per request and
 * hides the connection from us (no pipelining control, no lingering close,
 * no EPOLLEXCLUSIVE); libhttp-parser is callback-driven and still leaves
 * limits, buffering and header bookkeeping to us.  The cost of our own
 * parser is that it must be fuzzed: see tests/fuzz/fuzz_http_parser.c.
 */
#ifndef GWD_HTTP_PARSER_H
#define GWD_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define HTTP_MAX_HEAD 8192 /* request line + headers; more is 431 */
#define HTTP_MAX_URI  4096 /* request-target; longer is 414 */

enum http_method {
	HTTP_METHOD_OTHER = 0, /* a valid token we do not serve: 405 */
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
};

struct http_str {
	const char *p;
	size_t	    len;
};

struct http_request {
	size_t		 head_len; /* bytes of the head, incl. blank line */
	struct http_str	 line;	   /* the request line, without CRLF */
	enum http_method method;
	struct http_str	 target;     /* as sent */
	struct http_str	 path;	     /* origin-form path, no query; may be
					   empty for "*" or a bad target */
	int		 minor;	     /* HTTP/1.minor: 0 or 1 */
	int		 keep_alive; /* by version and Connection */
	int		 chunked;    /* Transfer-Encoding: chunked */
	uint64_t	 content_length;
	struct http_str	 host;
	struct http_str	 if_modified_since;
	struct http_str	 range;
	struct http_str	 if_range;
	struct http_str	 user_agent;
	struct http_str	 referer;
};

/* Results of http_parse_request besides a negative HTTP status. */
#define HTTP_PARSE_DONE 1
#define HTTP_PARSE_MORE 0

/*
 * Look at buf[0..len) and, if a whole request head is there, fill req and
 * return HTTP_PARSE_DONE.  HTTP_PARSE_MORE means wait for more bytes.  A
 * negative value is the status to answer with before closing: -400, -414,
 * -431, -501 (unknown transfer coding) or -505.  On error req->line may
 * still hold the request line for the access log.
 */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* The discarding decoder of a chunked body. */
struct http_chunked {
	int	 state;
	uint64_t remain;   /* data bytes left in this chunk */
	size_t	 line;	   /* bytes of the current size/trailer line */
	size_t	 trailers; /* bytes of trailers so far */
	int	 digits;
};

void	http_chunked_init(struct http_chunked *);
/*
 * Consume up to len bytes of chunked framing and data.  Returns the number
 * of bytes used (less than len only when the body ended, *done is then 1),
 * or -1 if the framing is malformed or over its limits.
 */
ssize_t http_chunked_feed(struct http_chunked *, const char *buf, size_t len,
    int *done);

/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), 29 chars + NUL. */
#define HTTP_DATE_LEN 29
void http_format_date(char out[HTTP_DATE_LEN + 1], time_t);
/* IMF-fixdate, RFC 850 or asctime() format; 0 or -1. */
int  http_parse_date(const char *, size_t, time_t *);

/*
 * A Range header against a representation of size bytes.  Returns 1 and
 * the inclusive byte span for one satisfiable range; 0 when the header is
 * to be ignored (malformed, another unit, several ranges: the whole body is
 * sent); -1 when it is unsatisfiable (416).
 */
int  http_parse_range(const char *, size_t, uint64_t size, uint64_t *first,
     uint64_t *last);

/* Case-insensitive equality of s[0..len) and the NUL-terminated lit. */
int  http_str_ieq(const char *s, size_t len, const char *lit);

/* The value of one hexadecimal digit, or -1 (chunk sizes, %XX). */
int  http_hex_digit(unsigned char);

#endif
