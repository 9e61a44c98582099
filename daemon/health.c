/*
 * health.c: the one readiness rule (see health.h) and its two HTTP
 * routes on --metrics-bind.  Both answer from the pool in memory: a
 * probe costs the master one pass over the worker records.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "drain.h"
#include "gw/parse.h"
#include "gw/util.h"
#include "health.h"
#include "pool.h"
#include "supervisor.h"
#include "web.h"

const char *
health_state(const struct pool *p, int draining, uint64_t now)
{
	if (p->mode == PM_STOPPING)
		return "stopping";
	if (draining)
		return "draining";
	if (p->reload.active)
		return "reloading";
	if (p->backoff_until > now)
		return "backoff";
	return "running";
}

void
health_eval(const struct pool *p, unsigned min_ready, int draining,
    uint64_t now, struct health *h)
{
	struct pool_counts c;
	char		   d[32];

	memset(h, 0, sizeof *h);
	pool_count(p, &c);
	h->ready_workers = c.ready;
	h->target = p->target;
	h->min_ready = min_ready < p->target ? min_ready : p->target;
	h->state = health_state(p, draining, now);
	if (p->mode == PM_STOPPING || draining)
		snprintf(h->reason, sizeof h->reason, "%s", h->state);
	else if (p->target == 0)
		snprintf(h->reason, sizeof h->reason,
		    "no workers: the target is 0");
	else if (c.ready < h->min_ready && p->backoff_until > now) {
		format_duration(d, sizeof d, p->backoff_until - now);
		snprintf(h->reason, sizeof h->reason,
		    "backoff: %u of %u "
		    "required workers ready after %u consecutive failures; "
		    "next attempt in %s",
		    c.ready, h->min_ready, p->failures, d);
	} else if (c.ready < h->min_ready)
		snprintf(h->reason, sizeof h->reason,
		    "%u of %u required workers ready", c.ready, h->min_ready);
	else
		h->ready = 1;
}

void
health_now(struct health *h)
{
	health_eval(supervisor_pool(), supervisor_config()->ready_min_workers,
	    drain_active(), gw_now_ms(), h);
}

json_t *
health_json(const struct health *h)
{
	return json_pack("{s:b, s:b, s:i, s:i, s:i, s:s, s:o}", "live", 1,
	    "ready", h->ready, "ready_workers", (int)h->ready_workers,
	    "min_ready", (int)h->min_ready, "target", (int)h->target, "state",
	    h->state, "reason",
	    h->ready ? json_null() : json_string(h->reason));
}

/* ---- routes ------------------------------------------------------------ */

static void
health_text(struct evhttp_request *req, int code, const char *reason,
    struct evbuffer *b)
{
	web_reply(req, code, reason, "text/plain; charset=utf-8", b);
}

/* The handler running at all is the proof that the loop answers. */
static void
health_livez(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add(b, "ok\n", 3);
	health_text(req, 200, "OK", b);
	evbuffer_free(b);
}

/* Is "verbose" one of the query's parameters (with or without a value)?
 * evhttp_parse_query_str refuses a parameter without '=', so look
 * ourselves. */
static int
health_verbose(struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	size_t	    n;

	while (q != NULL && *q != '\0') {
		n = strcspn(q, "&");
		if (n >= 7 && strncmp(q, "verbose", 7) == 0 &&
		    (n == 7 || q[7] == '='))
			return 1;
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
}

/* 200 "ok", or 503 and the one-line reason; ?verbose adds the counts. */
static void
health_readyz(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	struct health	 h;

	(void)arg;
	health_now(&h);
	evbuffer_add_printf(b, "%s\n", h.ready ? "ok" : h.reason);
	if (health_verbose(req))
		evbuffer_add_printf(b,
		    "state: %s\nready_workers: %u\n"
		    "min_ready: %u\ntarget: %u\n",
		    h.state, h.ready_workers, h.min_ready, h.target);
	health_text(req, h.ready ? 200 : 503,
	    h.ready ? "OK" : "Service Unavailable", b);
	evbuffer_free(b);
}

void
health_start(void)
{
	web_route("/livez", health_livez, NULL);
	web_route("/readyz", health_readyz, NULL);
}
