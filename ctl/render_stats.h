/*
 * render_stats.h: the human output of `gwctl stats`: a summary block, or an
 * aligned table of events, samples or worker samples, with units.  The
 * result object is what statsdb_query() returns (or the daemon's `stats`
 * answer, which is the same).
 */
#ifndef GW_RENDER_STATS_H
#define GW_RENDER_STATS_H

#include <stdio.h>

#include <jansson.h>

/* kind: "summary", "events", "samples" or "worker_samples"; result borrowed. */
void render_stats(FILE *, const char *kind, json_t *result);

/* The short form of an event's detail object ("uptime=3m12s status=..."),
 * at most len - 1 characters; exposed for tests. */
void render_stats_detail(char *buf, size_t len, json_t *detail);

#endif
