/*
 * listeners.h: the listening sockets gwd owns and hands to every worker as
 * fds 3, 4, ... in --bind order.
 *
 * listeners_parse_bind() checks one address (pure: no socket, no DNS).  A
 * struct listeners is the open set: listeners_open() binds a
 * configuration's addresses, listeners_update() moves the set to a
 * reloaded configuration keeping every socket whose address did not
 * change, listeners_close() closes them and unlinks the Unix socket files
 * this process created.
 * Sockets adopted from systemd (LISTEN_FDS) come first and are kept across
 * reloads; fd://N binds are adopted, never created, and never unlinked.
 *
 * Under systemd (NOTIFY_SOCKET), every socket gwd binds itself is also
 * given to systemd's file descriptor store (sd_notify(3) FDSTORE=1) under
 * its store name, so that it outlives gwd: a restarted gwd gets it back
 * in LISTEN_FDS and takes it IN PLACE of the bind it matches (same
 * address), instead of binding anew, and the connections queued on it in
 * between are served.  Store names all start with "gwd-" so that a stored
 * socket no bind wants any more is told apart from one a socket unit
 * passes: it is closed and removed from the store (FDSTOREREMOVE=1).
 * Sockets from socket units are never stored (their unit keeps them).
 *
 * Every fd is close-on-exec and non-blocking (the spawner dup2()s them into
 * place for workers, which clears close-on-exec on the copies).
 */
#ifndef GWD_LISTENERS_H
#define GWD_LISTENERS_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "gwconfig.h"

enum bind_kind { BIND_INET, BIND_UNIX, BIND_FD };

struct bind_addr {
	int  kind;	/* enum bind_kind */
	char host[256]; /* numeric; "" = all addresses */
	char port[16];
	char path[108]; /* BIND_UNIX */
	int  fd;	/* BIND_FD */
};

/*
 * "127.0.0.1:8000", "[::1]:8000", ":8000" (all addresses), "localhost:8000"
 * (127.0.0.1), "unix:/path", "fd://3".  Hosts must be numeric: binds are
 * also opened on reload, on the event loop, where DNS may not block.  The
 * NAME= prefix is config's business, not this function's.  Returns 0, or
 * -1 with a new message in *err.
 */
int listeners_parse_bind(const char *spec, struct bind_addr *out, char **err);

/* listener.flags */
#define LISTENER_ACTIVATED 0x1 /* from LISTEN_FDS: outlives reloads */
#define LISTENER_ADOPTED   0x2 /* fd://N or LISTEN_FDS: not ours to make */
#define LISTENER_UNLINK	   0x4 /* a Unix socket file we created */

struct listener {
	char	*name; /* NAME= or NULL */
	char	*addr; /* as written in --bind, without NAME= */
	int	 fd;
	unsigned flags;	 /* LISTENER_* */
	dev_t	 dev;	 /* LISTENER_UNLINK: the file we made, so we */
	ino_t	 ino;	 /* never unlink someone else's socket */
	char	*stored; /* its FDNAME in systemd's fd store, or NULL */
};

struct listeners {
	struct listener *v;
	size_t		 n;
};

/*
 * Open every cfg->binds in order and append them to the set (which is
 * empty, or holds sockets from listeners_adopt_env(); those replace the
 * default bind).  An inherited socket whose address a bind asks for
 * (listeners_match()) is taken in that bind's place, in --bind order,
 * instead of binding anew; an inherited socket with a store name that no
 * bind wants is closed and removed from the fd store.  SO_REUSEADDR,
 * SO_REUSEPORT with --reuse-port, listen() with --backlog.  A stale Unix
 * socket file (nobody accepts on it) is replaced; a live socket or any
 * other file is not.  On failure, closes what it opened (the inherited
 * sockets it took in a bind's place stay in the set, open) and returns -1
 * with *err like "cannot bind 127.0.0.1:8000: Address already in use".
 */
int   listeners_open(struct listeners *, const struct gw_config *, char **err);
/*
 * Reload: the set becomes newcfg's binds.  A socket whose address is
 * unchanged keeps its fd (renamed if its NAME= changed, listen() again
 * with the new backlog), added ones are opened, removed ones closed (and
 * their socket files unlinked, and removed from the fd store).  On failure
 * the old set is untouched.  The caller stores the added ones with
 * listeners_fdstore().
 */
int   listeners_update(struct listeners *, const struct gw_config *newcfg,
      char **err);
/*
 * Close every socket, unlink the files we created, empty the set.  A Unix
 * socket in the fd store keeps its file: the store keeps the socket alive
 * for the next gwd, which needs the path still to lead to it.
 */
void  listeners_close(struct listeners *);

/* "web:admin:unknown" for LISTEN_FDNAMES (new string). */
char *listeners_fdnames(const struct listeners *);
/*
 * [{name, addr, fd, local, fdstore}]; local is the bound address, fdstore
 * its name in systemd's fd store or null (new reference).
 */
json_t *listeners_to_json(const struct listeners *);
/* The bound address of fd: "127.0.0.1:8000", "[::]:8000", "unix:/p". */
char   *listeners_local_addr(int fd);

/*
 * The fd store name of a bind: "gwd-NAME", or without NAME= (or with one
 * too long for the 255 bytes systemd allows) "gwd-" and the address with
 * ':' and anything not printable ASCII made '_' ("127.0.0.1:8000" is
 * "gwd-127.0.0.1_8000", "unix:/run/a.sock" "gwd-unix_/run/a.sock").
 * name may be NULL.  Returns a new string.
 */
char   *listeners_store_name(const char *name, const char *addr);
/* Does this name look like one of listeners_store_name()'s? */
int	listeners_is_store_name(const char *fdname);
/*
 * Is the inherited socket bound to local (as listeners_local_addr() says)
 * and named fdname (may be NULL) the socket that bind_spec ("127.0.0.1:80",
 * ":8000", "[::1]:80", "unix:/p"; never fd://) asks for?  The address
 * decides; a bind to port 0 (any free port) matches the same host only
 * under its own store name.  Pure: no socket, no DNS.
 */
int  listeners_match(const char *bind_spec, const char *name, const char *local,
     const char *fdname);
/*
 * Give every socket gwd bound (or took back from the store) to the fd
 * store if it is not there under its current store name yet: at start-up,
 * and after each reload for the added and renamed binds.  Nothing without
 * a service manager.  Failures are logged, never fatal: the socket works,
 * it just will not outlive gwd.
 */
void listeners_fdstore(struct listeners *);

/*
 * Socket activation: if LISTEN_PID is our pid, adopt fds 3 .. 3+LISTEN_FDS-1
 * (they must be listening stream sockets), named from LISTEN_FDNAMES.
 * LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are removed from the
 * environment in every case.  Two fds of one socket (a socket unit's that
 * was also in the fd store) are adopted once, under the socket unit's
 * name, and the copy is taken out of the store.  Returns the number
 * adopted, or -1 with *err.
 */
int  listeners_adopt_env(struct listeners *, char **err);

/*
 * Append an fd that is already a listening socket (the upgrade hand-over,
 * which must restore flags, dev and ino itself if it wants the file
 * unlinked later).  Returns 0, or -1 with *err if fd is no listening socket.
 */
int  listeners_add_fd(struct listeners *, const char *name, const char *addr,
     int fd, unsigned flags, char **err);

#endif
