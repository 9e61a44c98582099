/*
 * notify_msg.c: the parser of one notify message (see notify_msg.h).
 * Pure: the pool and the planner link it without the socket.
 */
#include "config.h"

#include <string.h>

#include "gw/parse.h"
#include "notify_msg.h"

static int
parse_u64(const char *v, size_t len, uint64_t *out)
{
	char	    buf[32];
	const char *err;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return parse_uint(buf, 0, UINT64_MAX, out, &err);
}

int
notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	const char *p = buf, *end = buf + len;
	int	    n = 0;

	memset(m, 0, sizeof *m);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		size_t	    klen, vlen;
		const char *v;

		if (memchr(p, '\0', (size_t)(eol - p)) != NULL)
			return -1;
		if (eol == p) { /* empty line */
			p = eol + 1;
			continue;
		}
		if (eq == NULL)
			return -1;
		klen = (size_t)(eq - p);
		v = eq + 1;
		vlen = (size_t)(eol - v);
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(p, s, klen) == 0)
#define ONE    (vlen == 1 && v[0] == '1')
		if (KEY("READY")) {
			if (!ONE)
				return -1;
			m->ready = 1;
			n++;
		} else if (KEY("WATCHDOG")) {
			if (!ONE)
				return -1;
			m->watchdog = 1;
			n++;
		} else if (KEY("STOPPING")) {
			if (!ONE)
				return -1;
			m->stopping = 1;
			n++;
		} else if (KEY("GWD_RECYCLE")) {
			if (!ONE)
				return -1;
			m->recycle = 1;
			n++;
		} else if (KEY("STATUS")) {
			size_t c = vlen < sizeof m->status - 1 ?
			    vlen :
			    sizeof m->status - 1;
			size_t i;

			memcpy(m->status, v, c);
			m->status[c] = '\0';
			for (i = 0; i < c; i++) /* keep logs one line */
				if ((unsigned char)m->status[i] < 0x20)
					m->status[i] = ' ';
			m->has_status = 1;
			n++;
		} else if (KEY("EXTEND_TIMEOUT_USEC")) {
			if (parse_u64(v, vlen, &m->extend_usec) == -1)
				return -1;
			m->has_extend = 1;
			n++;
		} else if (KEY("GWD_REQUESTS")) {
			if (parse_u64(v, vlen, &m->requests) == -1)
				return -1;
			m->has_requests = 1;
			n++;
		}
#undef KEY
#undef ONE
		p = eol + 1;
	}
	return n;
}
