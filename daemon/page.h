/*
 * page.h: the status page on --metrics-bind (issue 11, gwd(8) STATUS
 * PAGE): one self-contained HTML page at / (daemon/page.html, compiled
 * into the binary) and the read-only JSON it polls:
 *
 *   /api/status    the control socket's `status` result, as is
 *   /api/workers   the control socket's `workers` result, as is
 *   /api/history?range=1h|24h|7d
 *                  statsdb_history() of that range, run on the stats
 *                  thread and answered when it is done
 *
 * Every answer carries a Content-Security-Policy that allows nothing but
 * the page's own inline script and style and fetches of its own origin.
 */
#ifndef GWD_PAGE_H
#define GWD_PAGE_H

/* At most this many history queries wait for the stats thread at once;
 * the next get 503. */
#define PAGE_HISTORY_PENDING_MAX 8

/* Register the routes with web.h (before or after web_start). */
void		      page_start(void);

/* The page itself (generated from daemon/page.html: page_html.c). */
extern const char     page_html[];
extern const unsigned page_html_len;

#endif
