/*
 * metrics.h: the Prometheus metrics of the master (SPEC section 11 and
 * gwd(8) METRICS), built from in-memory state on every scrape: the pool,
 * the listeners' accept queues (sockdiag.h), the stats writer's counters,
 * and counters this module keeps from the event stream since the master
 * started (exits by reason, reloads by result, requests of workers gone).
 * Nothing here reads SQLite or waits on anything.
 */
#ifndef GWD_METRICS_H
#define GWD_METRICS_H

#include <event2/buffer.h>

/* Start counting (subscribes to the event stream); metrics_stop undoes. */
void metrics_start(void);
void metrics_stop(void);

/* Append the whole exposition (text format 0.0.4) to out; the workers'
 * memory and CPU as the usage table holds them (never scans /proc). */
void metrics_render(struct evbuffer *out);

/* The /metrics route of web.h: GET and HEAD answer the exposition, later
 * if the usage table is stale (sampling_wait: at most 2 s). */
struct evhttp_request;
void metrics_serve(struct evhttp_request *, void *arg);

#endif
