/*
 * static.h: what to answer for a GET or HEAD under --static DIR.  Decides
 * the status and opens the file; formatting and sending are conn.c's.
 */
#ifndef GWD_HTTP_STATIC_H
#define GWD_HTTP_STATIC_H

#include <stdint.h>
#include <time.h>

#include "http/parser.h"

struct static_reply {
	int	    status;	 /* 200 206 301 304 400 404 414 416 503 */
	int	    fd;		 /* open file for 200/206, else -1 */
	uint64_t    size;	 /* whole file */
	uint64_t    first, last; /* inclusive span to send (200, 206) */
	time_t	    mtime;
	const char *type; /* Content-Type */
};

/*
 * Fill r for req against the root directory rootfd.  The caller owns r->fd
 * when it is not -1.  Never fails otherwise: every problem is a status.
 */
void static_serve(int rootfd, const struct http_request *req,
    struct static_reply *r);

#endif
