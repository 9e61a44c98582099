/*
 * parser.c: the request head parser, the chunked-body discarder, HTTP dates
 * and Range.  See parser.h for why gwd-http parses HTTP itself.  Nothing
 * here allocates, reads the clock or does I/O, so it is unit-tested and
 * fuzzed directly.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "http/parser.h"

#define MAX_METHOD	64   /* a longer method is malformed */
#define MAX_EMPTY_LINES 8    /* CRLFs tolerated before a request line */
#define MAX_CHUNK_LINE	4096 /* chunk size line with its extensions */
#define MAX_TRAILERS	HTTP_MAX_HEAD

/* RFC 9110 tchar: the characters of a method or a header name. */
static const unsigned char tchar[256] = {
	['!'] = 1,
	['#'] = 1,
	['$'] = 1,
	['%'] = 1,
	['&'] = 1,
	['\''] = 1,
	['*'] = 1,
	['+'] = 1,
	['-'] = 1,
	['.'] = 1,
	['^'] = 1,
	['_'] = 1,
	['`'] = 1,
	['|'] = 1,
	['~'] = 1,
	['0'] = 1,
	['1'] = 1,
	['2'] = 1,
	['3'] = 1,
	['4'] = 1,
	['5'] = 1,
	['6'] = 1,
	['7'] = 1,
	['8'] = 1,
	['9'] = 1,
	['A'] = 1,
	['B'] = 1,
	['C'] = 1,
	['D'] = 1,
	['E'] = 1,
	['F'] = 1,
	['G'] = 1,
	['H'] = 1,
	['I'] = 1,
	['J'] = 1,
	['K'] = 1,
	['L'] = 1,
	['M'] = 1,
	['N'] = 1,
	['O'] = 1,
	['P'] = 1,
	['Q'] = 1,
	['R'] = 1,
	['S'] = 1,
	['T'] = 1,
	['U'] = 1,
	['V'] = 1,
	['W'] = 1,
	['X'] = 1,
	['Y'] = 1,
	['Z'] = 1,
	['a'] = 1,
	['b'] = 1,
	['c'] = 1,
	['d'] = 1,
	['e'] = 1,
	['f'] = 1,
	['g'] = 1,
	['h'] = 1,
	['i'] = 1,
	['j'] = 1,
	['k'] = 1,
	['l'] = 1,
	['m'] = 1,
	['n'] = 1,
	['o'] = 1,
	['p'] = 1,
	['q'] = 1,
	['r'] = 1,
	['s'] = 1,
	['t'] = 1,
	['u'] = 1,
	['v'] = 1,
	['w'] = 1,
	['x'] = 1,
	['y'] = 1,
	['z'] = 1,
};

static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const wdays[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };

int
http_str_ieq(const char *s, size_t len, const char *lit)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char a = (unsigned char)s[i],
			      b = (unsigned char)lit[i];

		if (b == '\0')
			return 0;
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return 0;
	}
	return lit[len] == '\0';
}

/* Decimal digits only, at most 18 of them so the value cannot overflow. */
static int
parser_uint(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t	 i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* Connection: a comma-separated list of tokens. */
static void
parser_connection(const char *p, size_t len, int *close, int *keep)
{
	size_t i = 0, s, e;

	while (i < len) {
		while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
			i++;
		s = i;
		while (i < len && p[i] != ',')
			i++;
		e = i;
		while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (http_str_ieq(p + s, e - s, "close"))
			*close = 1;
		else if (http_str_ieq(p + s, e - s, "keep-alive"))
			*keep = 1;
	}
}

/* Split the target into the origin-form path used to find a resource. */
static void
parser_path(struct http_request *req)
{
	const char *t = req->target.p, *end = t + req->target.len, *p;

	if (t[0] != '/') {
		/* absolute-form: scheme "://" authority path-abempty */
		if (req->target.len > 7 && http_str_ieq(t, 7, "http://"))
			t += 7;
		else if (req->target.len > 8 && http_str_ieq(t, 8, "https://"))
			t += 8;
		else
			return; /* "*" or garbage: no path */
		while (t < end && *t != '/' && *t != '?' && *t != '#')
			t++;
		if (t == end || *t != '/') {
			req->path.p = "/";
			req->path.len = 1;
			return;
		}
	}
	for (p = t; p < end && *p != '?' && *p != '#'; p++)
		;
	req->path.p = t;
	req->path.len = (size_t)(p - t);
}

/* The request line, buf[0..len) without its line end. */
static int
parser_request_line(const char *buf, size_t len, struct http_request *req)
{
	size_t i, m, ts;

	for (i = 0; i < len && buf[i] != ' '; i++)
		if (!tchar[(unsigned char)buf[i]])
			return -400;
	if (i == 0 || i == len || i > MAX_METHOD)
		return -400;
	m = i;
	if (m == 3 && memcmp(buf, "GET", 3) == 0)
		req->method = HTTP_METHOD_GET;
	else if (m == 4 && memcmp(buf, "HEAD", 4) == 0)
		req->method = HTTP_METHOD_HEAD;
	else
		req->method = HTTP_METHOD_OTHER;

	ts = ++i;
	for (; i < len && buf[i] != ' '; i++)
		if ((unsigned char)buf[i] <= 0x20 ||
		    (unsigned char)buf[i] >= 0x7f)
			return -400;
	if (i - ts > HTTP_MAX_URI)
		return -414;
	if (i == ts || i == len)
		return -400; /* no target, or HTTP/0.9 */
	req->target.p = buf + ts;
	req->target.len = i - ts;
	i++;
	if (len - i != 8 || memcmp(buf + i, "HTTP/", 5) != 0 ||
	    buf[i + 5] < '0' || buf[i + 5] > '9' || buf[i + 6] != '.' ||
	    buf[i + 7] < '0' || buf[i + 7] > '9')
		return -400;
	if (buf[i + 5] != '1')
		return -505;
	req->minor = buf[i + 7] == '0' ? 0 : 1;
	parser_path(req);
	return 0;
}

/* One header line, without its line end. */
static int
parser_header(const char *p, size_t len, struct http_request *req,
    int *conn_close, int *conn_keep, int *have_cl, int *have_te)
{
	const char *v;
	size_t	    n, vl, i;
	uint64_t    cl;

	if (len > 0 && (p[0] == ' ' || p[0] == '\t'))
		return -400; /* obs-fold */
	for (n = 0; n < len && p[n] != ':'; n++)
		if (!tchar[(unsigned char)p[n]])
			return -400; /* includes space before the colon */
	if (n == 0 || n == len)
		return -400;
	v = p + n + 1;
	vl = len - n - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	for (i = 0; i < vl; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -400;
	}

	switch (n) {
	case 4:
		if (http_str_ieq(p, n, "host")) {
			if (req->host.p != NULL)
				return -400;
			req->host.p = v;
			req->host.len = vl;
		}
		break;
	case 5:
		if (http_str_ieq(p, n, "range")) {
			req->range.p = v;
			req->range.len = vl;
		}
		break;
	case 7:
		if (http_str_ieq(p, n, "referer")) {
			req->referer.p = v;
			req->referer.len = vl;
		}
		break;
	case 8:
		if (http_str_ieq(p, n, "if-range")) {
			req->if_range.p = v;
			req->if_range.len = vl;
		}
		break;
	case 10:
		if (http_str_ieq(p, n, "connection"))
			parser_connection(v, vl, conn_close, conn_keep);
		else if (http_str_ieq(p, n, "user-agent")) {
			req->user_agent.p = v;
			req->user_agent.len = vl;
		}
		break;
	case 14:
		if (http_str_ieq(p, n, "content-length")) {
			if (parser_uint(v, vl, &cl) == -1)
				return -400;
			if (*have_cl && cl != req->content_length)
				return -400;
			*have_cl = 1;
			req->content_length = cl;
		}
		break;
	case 17:
		if (http_str_ieq(p, n, "transfer-encoding")) {
			if (*have_te)
				return -400;
			*have_te = 1;
			if (!http_str_ieq(v, vl, "chunked"))
				return -501;
			req->chunked = 1;
		} else if (http_str_ieq(p, n, "if-modified-since")) {
			req->if_modified_since.p = v;
			req->if_modified_since.len = vl;
		}
		break;
	}
	return 0;
}

int
http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	const char *lf, *p, *end, *q;
	size_t	    skip = 0, i, ll;
	int	    empty = 0, rc, conn_close = 0, conn_keep = 0;
	int	    have_cl = 0, have_te = 0;

	memset(req, 0, sizeof *req);

	/* Empty lines before a request line are ignored (RFC 9112 2.2). */
	for (;;) {
		if (skip < len && buf[skip] == '\n')
			skip++;
		else if (skip + 1 == len && buf[skip] == '\r')
			return HTTP_PARSE_MORE;
		else if (skip + 1 < len && buf[skip] == '\r' &&
		    buf[skip + 1] == '\n')
			skip += 2;
		else
			break;
		if (++empty > MAX_EMPTY_LINES)
			return -400;
	}

	/* Reject garbage early rather than wait for 8 KiB of it. */
	for (i = skip; i < len && buf[i] != ' '; i++)
		if (!tchar[(unsigned char)buf[i]] || i - skip >= MAX_METHOD)
			return -400;

	lf = memchr(buf + skip, '\n', len - skip);
	if (lf == NULL) {
		/* method (<= 64) SP target SP "HTTP/1.1" CR: target too long */
		if (len - skip > HTTP_MAX_URI + MAX_METHOD + 16)
			return -414;
		return HTTP_PARSE_MORE;
	}
	ll = (size_t)(lf - (buf + skip));
	if (ll > 0 && buf[skip + ll - 1] == '\r')
		ll--;
	req->line.p = buf + skip;
	req->line.len = ll;
	if ((rc = parser_request_line(buf + skip, ll, req)) != 0)
		return rc;

	/* Find the blank line that ends the head. */
	end = buf + len;
	p = lf + 1;
	for (;;) {
		if (p >= end)
			goto more;
		if (*p == '\n') {
			p++;
			break;
		}
		if (*p == '\r') {
			if (p + 1 >= end)
				goto more;
			if (p[1] != '\n')
				return -400;
			p += 2;
			break;
		}
		if ((q = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto more;
		p = q + 1;
	}
	req->head_len = (size_t)(p - buf);
	if (req->head_len > HTTP_MAX_HEAD)
		return -431;

	/* Parse the header lines between the request line and the blank. */
	end = p;
	for (p = lf + 1; *p != '\n' && !(*p == '\r' && p[1] == '\n');
	     p = q + 1) {
		q = memchr(p, '\n', (size_t)(end - p));
		ll = (size_t)(q - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		rc = parser_header(p, ll, req, &conn_close, &conn_keep,
		    &have_cl, &have_te);
		if (rc != 0)
			return rc;
	}

	if (have_te && have_cl)
		return -400; /* ambiguous framing: a smuggling attempt */
	if (have_te && req->minor == 0)
		return -400;
	if (req->minor == 1 && req->host.p == NULL)
		return -400;
	if (req->minor == 1)
		req->keep_alive = !conn_close;
	else
		req->keep_alive = conn_keep && !conn_close;
	return HTTP_PARSE_DONE;

more:
	if (len > HTTP_MAX_HEAD)
		return -431;
	return HTTP_PARSE_MORE;
}

enum {
	CH_SIZE,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,
	CH_TRAILER_LINE,
	CH_TRAILER_LF,
};

void
http_chunked_init(struct http_chunked *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->state = CH_SIZE;
}

int
http_hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t
http_chunked_feed(struct http_chunked *ch, const char *buf, size_t len,
    int *done)
{
	size_t i = 0, n;
	int    h;

	*done = 0;
	while (i < len) {
		unsigned char c = (unsigned char)buf[i];

		switch (ch->state) {
		case CH_SIZE:
			if ((h = http_hex_digit(c)) != -1) {
				if (++ch->digits > 15)
					return -1;
				ch->remain = ch->remain * 16 + (uint64_t)h;
			} else if (ch->digits == 0)
				return -1;
			else if (c == ';' || c == ' ' || c == '\t')
				ch->state = CH_EXT;
			else if (c == '\r')
				ch->state = CH_SIZE_LF;
			else
				return -1;
			if (++ch->line > MAX_CHUNK_LINE)
				return -1;
			i++;
			break;
		case CH_EXT:
			if (c == '\r')
				ch->state = CH_SIZE_LF;
			else if ((c < 0x20 && c != '\t') || c == 0x7f)
				return -1;
			if (++ch->line > MAX_CHUNK_LINE)
				return -1;
			i++;
			break;
		case CH_SIZE_LF:
			if (c != '\n')
				return -1;
			ch->state = ch->remain == 0 ? CH_TRAILER : CH_DATA;
			ch->digits = 0;
			ch->line = 0;
			i++;
			break;
		case CH_DATA:
			n = len - i;
			if (n > ch->remain)
				n = (size_t)ch->remain;
			ch->remain -= n;
			i += n;
			if (ch->remain == 0)
				ch->state = CH_DATA_CR;
			break;
		case CH_DATA_CR:
			if (c != '\r')
				return -1;
			ch->state = CH_DATA_LF;
			i++;
			break;
		case CH_DATA_LF:
			if (c != '\n')
				return -1;
			ch->state = CH_SIZE;
			i++;
			break;
		case CH_TRAILER:
			i++;
			if (c == '\n') {
				*done = 1;
				return (ssize_t)i;
			}
			ch->state = c == '\r' ? CH_TRAILER_LF : CH_TRAILER_LINE;
			if (++ch->trailers > MAX_TRAILERS)
				return -1;
			break;
		case CH_TRAILER_LINE:
			if (c == '\n')
				ch->state = CH_TRAILER;
			else if ((c < 0x20 && c != '\t' && c != '\r') ||
			    c == 0x7f)
				return -1;
			if (++ch->trailers > MAX_TRAILERS)
				return -1;
			i++;
			break;
		case CH_TRAILER_LF:
			if (c != '\n')
				return -1;
			*done = 1;
			return (ssize_t)i + 1;
		default:
			return -1;
		}
	}
	return (ssize_t)i;
}

void
http_format_date(char out[HTTP_DATE_LEN + 1], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, HTTP_DATE_LEN + 1, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    wdays[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    (tm.tm_year + 1900) % 10000, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* n decimal digits at p, a leading space allowed when lead_sp. */
static int
date_num(const char *p, int n, int lead_sp)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (i == 0 && lead_sp && p[i] == ' ' && n > 1)
			continue;
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int
date_month(const char *p)
{
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(p, months[i], 3) == 0)
			return i;
	return -1;
}

/* "HH:MM:SS" */
static int
date_time(const char *p, struct tm *tm)
{
	if (p[2] != ':' || p[5] != ':')
		return -1;
	tm->tm_hour = date_num(p, 2, 0);
	tm->tm_min = date_num(p + 3, 2, 0);
	tm->tm_sec = date_num(p + 6, 2, 0);
	if (tm->tm_hour < 0 || tm->tm_hour > 23 || tm->tm_min < 0 ||
	    tm->tm_min > 59 || tm->tm_sec < 0 || tm->tm_sec > 60)
		return -1;
	return 0;
}

int
http_parse_date(const char *s, size_t len, time_t *out)
{
	struct tm   tm;
	const char *p;
	size_t	    w;
	time_t	    t;

	memset(&tm, 0, sizeof tm);
	for (w = 0; w < len && w < 10 &&
	     ((s[w] >= 'A' && s[w] <= 'Z') || (s[w] >= 'a' && s[w] <= 'z'));
	     w++)
		;
	if (w < 3 || w == len)
		return -1;
	if (w == 3 && s[3] == ',' && len == 29) {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		p = s + 5;
		if (s[4] != ' ' || p[2] != ' ' || p[6] != ' ' || p[11] != ' ' ||
		    memcmp(p + 20, " GMT", 4) != 0)
			return -1;
		tm.tm_mday = date_num(p, 2, 0);
		tm.tm_mon = date_month(p + 3);
		tm.tm_year = date_num(p + 7, 4, 0) - 1900;
		if (date_time(p + 12, &tm) == -1)
			return -1;
	} else if (s[w] == ',' && len == w + 24) {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		p = s + w + 2;
		if (s[w + 1] != ' ' || p[2] != '-' || p[6] != '-' ||
		    p[9] != ' ' || memcmp(p + 18, " GMT", 4) != 0)
			return -1;
		tm.tm_mday = date_num(p, 2, 0);
		tm.tm_mon = date_month(p + 3);
		tm.tm_year = date_num(p + 7, 2, 0);
		if (tm.tm_year < 0)
			return -1;
		if (tm.tm_year < 70)
			tm.tm_year += 100;
		if (date_time(p + 10, &tm) == -1)
			return -1;
	} else if (w == 3 && s[3] == ' ' && len == 24) {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		p = s + 4;
		if (p[3] != ' ' || p[6] != ' ' || p[15] != ' ')
			return -1;
		tm.tm_mon = date_month(p);
		tm.tm_mday = date_num(p + 4, 2, 1);
		tm.tm_year = date_num(p + 16, 4, 0) - 1900;
		if (date_time(p + 7, &tm) == -1)
			return -1;
	} else
		return -1;
	if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_year < 0)
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

/* Digits at *pp up to a non-digit; saturates at UINT64_MAX. */
static int
range_num(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t    v = 0;

	if (p == end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			v = UINT64_MAX;
		else
			v = v * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	*out = v;
	return 0;
}

int
http_parse_range(const char *s, size_t len, uint64_t size, uint64_t *first,
    uint64_t *last)
{
	const char *p = s + 6, *end = s + len;
	uint64_t    a, b;

	if (len < 7 || !http_str_ieq(s, 6, "bytes="))
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (memchr(p, ',', (size_t)(end - p)) != NULL)
		return 0; /* several ranges: send it all */
	if (p < end && *p == '-') {
		p++;
		if (range_num(&p, end, &b) == -1 || p != end)
			return 0;
		if (b == 0 || size == 0)
			return -1;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (range_num(&p, end, &a) == -1 || p == end || *p != '-')
		return 0;
	p++;
	if (p == end)
		b = UINT64_MAX;
	else if (range_num(&p, end, &b) == -1 || p != end || b < a)
		return 0;
	if (a >= size)
		return -1;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return 1;
}
