/*
 * server.h: the state one gwd-http process shares between its event loop
 * (main.c) and its connections (conn.c).  One struct http_server per
 * process, owned by main.c; connections are owned by conn.c.
 */
#ifndef GWD_HTTP_SERVER_H
#define GWD_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http/parser.h"

struct conn;
struct accesslog;

/* What an epoll event's data.ptr points to starts with one of these. */
enum http_src {
	SRC_LISTEN = 1,
	SRC_SIGNAL,
	SRC_CONN,
};

/*
 * A timer list: every connection in it has the same timeout, so appending
 * at the tail keeps it sorted by deadline and expiry only looks at heads.
 */
struct conn_list {
	struct conn *head, *tail;
	uint64_t     timeout_ms;
};

/* The ready-made hello answers for the current second. */
enum { HELLO_KEEP11, HELLO_KEEP10, HELLO_CLOSE, HELLO_N };

struct http_server {
	/* configuration */
	int		  rootfd;	 /* --static directory, or -1: hello */
	uint64_t	  drain_idle_ms; /* idle time that makes a keep-alive
					   connection safe to close when
					   draining */
	struct accesslog *alog;		 /* NULL when off */

	int		  epfd;
	uint64_t	  now;	/* monotonic ms, once per loop turn */
	time_t		  wall; /* seconds, once per loop turn */
	int		  draining;
	int		  keepalive_off; /* --keep-alive 0 */
	uint64_t	  requests;	 /* served, for GWD_REQUESTS */
	size_t		  nconns;

	struct conn_list  idle;	  /* keep-alive, between requests */
	struct conn_list  header; /* inside a request head or body */
	struct conn_list  write;  /* output blocked on the client */
	struct conn_list  linger; /* closing: reading to EOF */
	struct conn	 *again;  /* used up their turn; run next */
	struct conn	 *free;	  /* closed, kept for reuse */

	char		  date[HTTP_DATE_LEN + 1];
	char		  hello[HELLO_N][256];
	size_t		  hello_len[HELLO_N];
};

/* conn.c */
void conn_init(struct http_server *, uint64_t keepalive_ms, uint64_t header_ms,
    uint64_t write_ms);
/* New second: refresh the Date header and the hello answers. */
void conn_tick(struct http_server *);
/* Accept up to max waiting on lfd; -1 when out of fds (pause accepting). */
int  conn_accept(struct http_server *, int lfd, int max);
void conn_event(struct http_server *, struct conn *, uint32_t events);
/* Give the connections that ran out of turns their next turn. */
void conn_run_again(struct http_server *);
/* Expire timers; returns the next deadline (UINT64_MAX: none). */
uint64_t conn_expire(struct http_server *);
/* Close everything now (quick exit). */
void	 conn_close_all(struct http_server *);
/* Free the cached connection structs. */
void	 conn_free_cache(struct http_server *);

#endif
