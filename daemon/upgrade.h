/*
 * upgrade.h: the in-place upgrade of the master (SIGUSR2, `gwctl upgrade`,
 * SPEC sections 3 and 7).
 *
 * The old image writes its state as one JSON document into a memfd, keeps
 * the fds that must survive open across exec, and execs the new binary
 * with GWD_UPGRADE_FD=N in its environment; the new image reads the
 * document back and adopts everything (same pid, so the workers are still
 * its children).  This file owns:
 *
 *   - the pool's serialisation (pure: upgrade_pool_to_json and
 *     upgrade_pool_from_json, a round trip that the unit tests check);
 *   - the state document's memfd: writing it, and reading it once at
 *     start-up (upgrade_take_env);
 *   - the check of the candidate binary before the master execs it: a
 *     child that runs `BINARY --check-config ARGS` with a time limit,
 *     watched from the event loop so that the master never waits for it;
 *   - the close-on-exec flags of the fds handed over.
 *
 * The supervisor decides when to upgrade and what goes into the document
 * (reexec.c, sup_upgrade); main.c and the modules adopt their fds
 * from upgrade_state().
 */
#ifndef GWD_UPGRADE_H
#define GWD_UPGRADE_H

#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

#include "pool.h"

/* The state document's format; a reader refuses any other. */
#define UPGRADE_FORMAT	  1
/* The environment variable that names the memfd in the new image. */
#define UPGRADE_ENV	  "GWD_UPGRADE_FD"
/* Set in the environment of the check: the candidate then prints
 * "gwd VERSION" and "upgrade-format N" (the state format it reads) before
 * it checks the configuration, and not the configuration itself. */
#define UPGRADE_CHECK_ENV "GWD_UPGRADE_CHECK"
/* How long the candidate binary has to pass its check (ms). */
#define UPGRADE_CHECK_MS  5000

/* The version this build reports: the package version, plus a suffix
 * that test builds of the same sources set (tests/helpers/gwd-next). */
#ifndef GWD_VERSION_SUFFIX
#define GWD_VERSION_SUFFIX ""
#endif
#define GWD_VERSION PACKAGE_VERSION GWD_VERSION_SUFFIX

/*
 * The pool as JSON: every worker record (but its executor state, io) and
 * the pool's target, generations, backoff, reload and counters.  Times
 * are the monotonic ms of the pool, valid across exec (same boot).
 * Returns a new reference.
 */
json_t	   *upgrade_pool_to_json(const struct pool *);
/*
 * The reverse, into p (initialised by the caller with pool_init; what it
 * held is freed).  Workers come back in the order of the JSON array.
 * Returns 0, or -1 with *err (caller frees) naming the field at fault;
 * p is then empty.
 */
int	    upgrade_pool_from_json(const json_t *, struct pool *p, char **err);

/*
 * The binary an upgrade execs by default: the path gwd was started as
 * (argv0), made absolute against the working directory at start-up (gwd
 * -D changes it) or looked up in PATH, but not resolved through symlinks
 * nor through /proc/self/exe, which after a package update names the
 * deleted old file.  Call first thing in main().
 */
void	    upgrade_set_self(const char *argv0);
/* That path (borrowed), or NULL if it could not be made. */
const char *upgrade_self(void);

/*
 * Write the state document (borrowed) to a new memfd whose close-on-exec
 * flag is cleared, and return its fd; -1 with *err (caller frees).
 */
int	    upgrade_state_write(const json_t *state, char **err);
/*
 * At start-up, before anything is opened: if UPGRADE_ENV is set, read
 * and close the memfd it names and remove the variable from the
 * environment (workers never see it).  Returns 1 with the document kept
 * for upgrade_state(), 0 if this is no upgrade, -1 with *err.
 */
int	    upgrade_take_env(char **err);
/* The document read by upgrade_take_env (borrowed), or NULL. */
json_t	   *upgrade_state(void);
/* Forget it (the new image has adopted everything). */
void	    upgrade_state_free(void);

/* Clear (keep = 1) or set (keep = 0) FD_CLOEXEC on fd; -1 if fd < 0 or
 * fcntl fails. */
int	    upgrade_fd_keep(int fd, int keep);
/*
 * Every fd the state document names (listeners, control, notify and
 * metrics sockets, the lock, the waiting client, each worker's pipes):
 * upgrade_fd_keep(fd, keep) on each, before exec and, if it failed, after.
 */
void	    upgrade_state_keep_fds(const json_t *state, int keep);
/* The integer member key of obj, or -1 (borrowed obj). */
int	    upgrade_get_fd(const json_t *obj, const char *key);

/*
 * Start checking binary: fork a child that runs `binary --check-config
 * ARGV[1..]` (the running master's own command line, argc/argv borrowed)
 * in the master's environment plus UPGRADE_CHECK_ENV=1, stdout and
 * stderr to a pipe.  A gwd then prints "gwd VERSION" and
 * "upgrade-format N" first, and runs every check its start would run on
 * that command line and configuration (exit 2 and the reason if it would
 * refuse it).  done is called once, from the event loop: with ok = 1 and
 * the version ("0.2.0") if it printed "gwd VERSION" and
 * "upgrade-format UPGRADE_FORMAT" and exited 0 within UPGRADE_CHECK_MS,
 * else ok = 0 and why ("it refuses the configuration: FILE:LINE: ...";
 * a gwd without in-place upgrade, or with another state format, could
 * not adopt the workers).  Both strings are borrowed for the call.
 * Returns 0, or -1 with *err (nothing started).  The child is reaped by
 * the supervisor's reaper, which hands its status to
 * upgrade_check_reaped().
 */
typedef void (*upgrade_check_cb)(int ok, const char *version, const char *why,
    void *arg);
int upgrade_check_start(struct event_base *, const char *binary, int argc,
    char **argv, upgrade_check_cb done, void *arg, char **err);
/* Whether pid is the checker (then its status is taken: returns 1). */
int upgrade_check_reaped(pid_t pid, int status);
/* Whether a check is running. */
int upgrade_check_running(void);

#endif
