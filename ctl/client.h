/*
 * client.h: gwctl's side of the control socket.  One connection, requests
 * written whole, answers read one line at a time, every wait bounded by a
 * deadline.  Blocking I/O with poll(): gwctl does one thing at a time.
 */
#ifndef GWCTL_CLIENT_H
#define GWCTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct ctl_conn {
	int	 fd;
	char	*path;
	char	*buf; /* bytes read but not yet returned */
	size_t	 len, cap;
	size_t	 consumed; /* by the line returned last */
	uint64_t deadline; /* gw_now_ms() deadline, 0 = none */
	int	 eof;
};

enum {
	CLIENT_OK = 0,
	CLIENT_ERROR = -1, /* errno says why; 0 if the peer closed */
	CLIENT_TIMEOUT = -2,
	CLIENT_INTERRUPTED = -3 /* a signal asked us to stop */
};

/*
 * Connect to the socket at path within timeout_ms (0: no limit; a full
 * backlog is retried until then).  CLIENT_OK, CLIENT_TIMEOUT or CLIENT_ERROR
 * (errno).  The deadline also applies to what follows until reset.
 */
int  client_open(struct ctl_conn *, const char *path, uint64_t timeout_ms);
/* Set the deadline timeout_ms from now (0 = wait forever). */
void client_deadline(struct ctl_conn *, uint64_t timeout_ms);
/* Write all of buf and a newline. */
int  client_send_line(struct ctl_conn *, const char *buf, size_t len);
/*
 * The next line without its newline, in *line (valid until the next
 * call).  A last line without newline before EOF counts.  CLIENT_ERROR with
 * errno 0 means the peer closed the connection first.
 */
int  client_read_line(struct ctl_conn *, char **line, size_t *len);
void client_close(struct ctl_conn *);

/* Set by gwctl's SIGINT/SIGTERM handler: waits return CLIENT_INTERRUPTED. */
extern volatile int client_stop;

#endif
