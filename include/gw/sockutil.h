/*
 * sockutil.h: the ritual around a Unix socket file of our own (the control
 * socket, the notify socket, Unix listeners, the metrics socket): fill the
 * address, clear a stale file, bind with no moment at which the file has
 * a looser mode than asked, listen, and learn the file's identity so that
 * it is later removed only if still ours (gw_unlink_if_same, fsutil.h).
 * And SIGPIPE, for a process that writes to peers that may vanish.
 */
#ifndef GW_SOCKUTIL_H
#define GW_SOCKUTIL_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/*
 * Fill *sun (cleared first) with AF_UNIX and path.  Returns 0, or -1 with
 * errno ENAMETOOLONG if path does not fit (sizeof sun_path - 1 bytes).
 */
int gw_unix_addr(struct sockaddr_un *sun, const char *path);

/* What gw_unix_clear_stale found at a path. */
enum gw_unix_stale {
	GW_UNIX_FREE = 0, /* nothing, or a stale socket, now removed */
	GW_UNIX_NOTSOCK,  /* a file that is not a socket: left alone */
	GW_UNIX_LIVE,	  /* a socket that accepts: left alone */
	GW_UNIX_FAILED	  /* errno set; *step names the call */
};

/*
 * Make way for a bind at path.  A socket file that refuses a connection
 * (ECONNREFUSED: nobody listens) is stale and unlinked; one that accepts,
 * has a full backlog or is of another type is live.  On GW_UNIX_FAILED,
 * *step is the call that failed: "lstat", "address", "socket", "connect"
 * (an errno other than the above) or "unlink".
 */
enum gw_unix_stale gw_unix_clear_stale(const char *path, const char **step);

/*
 * bind(2) fd to path under umask(mask), so that the file is never there
 * with a looser mode; mask -1 leaves the umask alone.  Returns 0, or -1
 * with errno set (ENAMETOOLONG: path does not fit).
 */
int		   gw_unix_bind(int fd, const char *path, int mask);

/*
 * A listening stream socket at path (which the caller has cleared):
 * socket(2) with SOCK_CLOEXEC and flags (SOCK_NONBLOCK or 0),
 * gw_unix_bind(mask), listen(backlog), and stat(2) of the file into *st.
 * Returns the fd, or -1 with errno set, *step naming the call that
 * failed ("address", "socket", "bind", "listen", "stat") and no fd or file
 * left behind.
 */
int  gw_unix_listen(const char *path, int flags, int mask, int backlog,
     struct stat *st, const char **step);

/*
 * Ignore SIGPIPE unless a handler is installed: a write to a peer that
 * vanished fails with EPIPE instead of killing the process.  Children get
 * the default back at exec only if the caller resets it (spawn.c does).
 */
void gw_ignore_sigpipe(void);

#endif
