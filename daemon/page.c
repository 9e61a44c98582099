/*
 * page.c: the routes of the status page (see page.h).  The live JSON is
 * built from memory by the same functions as the control socket's
 * answers; the history goes to the stats thread and is answered from the
 * loop when it comes back, so nothing here waits on SQLite.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "gw/statsdb_history.h"
#include "gw/util.h"
#include "page.h"
#include "sampling.h"
#include "stats.h"
#include "supervisor.h"
#include "web.h"

/*
 * Nothing from elsewhere: the page's inline script and style, fetches of
 * its own origin, the empty data: favicon; no framing, no forms.
 */
#define PAGE_CSP                                                         \
	"default-src 'none'; script-src 'unsafe-inline'; "               \
	"style-src 'unsafe-inline'; connect-src 'self'; img-src data:; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

#define PAGE_JSON "application/json; charset=utf-8"

/* The ranges the page offers, and how far back each goes. */
static const struct {
	const char *name;
	int	    seconds;
} page_ranges[] = {
	{ "1h", 3600 },
	{ "24h", 86400 },
	{ "7d", 7 * 86400 },
};

/* History queries on the stats thread now. */
static unsigned page_pending;

static void
page_reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", PAGE_CSP);
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	web_reply(req, code, reason, type, body);
}

/* Answer o (a new reference, consumed) as JSON. */
static void
page_json(struct evhttp_request *req, int code, const char *reason, json_t *o)
{
	struct evbuffer *b = evbuffer_new();
	char		*s = json_dumps(o, JSON_COMPACT);

	if (s != NULL) {
		evbuffer_add(b, s, strlen(s));
		evbuffer_add(b, "\n", 1);
		free(s);
	}
	json_decref(o);
	page_reply(req, code, reason, PAGE_JSON, b);
	evbuffer_free(b);
}

static void
page_error(struct evhttp_request *req, int code, const char *reason,
    const char *ecode, const char *message)
{
	page_json(req, code, reason,
	    json_pack("{s:{s:s, s:s}}", "error", "code", ecode, "message",
		message));
}

static void
page_index(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add_reference(b, page_html, page_html_len, NULL, NULL);
	page_reply(req, 200, "OK", "text/html; charset=utf-8", b);
	evbuffer_free(b);
}

static void
page_status(struct evhttp_request *req, void *arg)
{
	(void)arg;
	page_json(req, 200, "OK", sup_status_json());
}

static void
page_workers_answer(void *arg)
{
	page_json(arg, 200, "OK", sup_workers_json());
}

static void
page_workers(struct evhttp_request *req, void *arg)
{
	(void)arg;
	/* Later if the usage table is stale (evhttp keeps req meanwhile). */
	if (sampling_wait(page_workers_answer, req))
		page_workers_answer(req);
}

/* Back on the loop from the stats thread: answer the waiting request. */
static void
page_history_done(json_t *result, const char *code, const char *message,
    void *arg)
{
	struct evhttp_request *req = arg;

	page_pending--;
	if (result != NULL)
		page_json(req, 200, "OK", result);
	else if (code != NULL && strcmp(code, "not_found") == 0)
		page_error(req, 404, "Not Found", code, message);
	else
		page_error(req, 503, "Service Unavailable",
		    code != NULL ? code : "internal",
		    message != NULL ? message : "no answer");
}

/* The value of ?range=, or NULL. */
static const char *
page_range_arg(struct evhttp_request *req, struct evkeyvalq *q)
{
	const struct evhttp_uri *uri;
	const char		*query;

	uri = evhttp_request_get_evhttp_uri(req);
	query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (query == NULL || evhttp_parse_query_str(query, q) == -1)
		return NULL;
	return evhttp_find_header(q, "range");
}

static void
page_history(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq q = { 0 };
	const char	*range;
	json_t		*args;
	size_t		 i;

	(void)arg;
	TAILQ_INIT(&q);
	range = page_range_arg(req, &q);
	for (i = 0; range != NULL && i < GW_ARRAY_LEN(page_ranges); i++)
		if (strcmp(range, page_ranges[i].name) == 0)
			break;
	evhttp_clear_headers(&q);
	if (range == NULL || i == GW_ARRAY_LEN(page_ranges)) {
		page_error(req, 400, "Bad Request", "invalid_argument",
		    "range must be 1h, 24h or 7d");
		return;
	}
	if (page_pending >= PAGE_HISTORY_PENDING_MAX) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "1");
		page_error(req, 503, "Service Unavailable", "busy",
		    "too many history queries at once");
		return;
	}
	args = json_pack("{s:i, s:i}", "since", -page_ranges[i].seconds,
	    "points", STATSDB_HISTORY_POINTS);
	page_pending++;
	/* Never answers from inside: page_history_done comes later. */
	stats_query_with(statsdb_history, args, page_history_done, req);
	json_decref(args);
}

void
page_start(void)
{
	page_pending = 0;
	web_route("/", page_index, NULL);
	web_route("/api/status", page_status, NULL);
	web_route("/api/workers", page_workers, NULL);
	web_route("/api/history", page_history, NULL);
}
