/*
 * spawn.h: fork + exec of one worker (SPEC section 4).
 *
 * Everything the child needs (path, argv, environment, fd plan, ids) is
 * prepared before fork in a struct spawn_ctx, built once per generation.
 * The child only calls async-signal-safe functions and reports an exec
 * failure's errno through a CLOEXEC pipe, which the supervisor watches.
 */
#ifndef GWD_SPAWN_H
#define GWD_SPAWN_H

#include <sys/types.h>

#include "config.h"

struct listeners;
struct spawn_ctx;

/*
 * Prepare for spawning workers of cfg with the given listening fds.
 * Resolves the command in PATH, the user and group.  Returns NULL with
 * *err set (caller frees) if the user or group does not exist.
 */
struct spawn_ctx *spawn_ctx_new(const struct gw_config *, const int *fds,
	     size_t nfds, const char *fdnames, const char *self_exe,
	     char **err);
void	 spawn_ctx_free(struct spawn_ctx *);
/* Close the context's copies of the listening sockets: gwd is stopping
 * and must stop holding them.  Later spawns would get no sockets. */
void	 spawn_ctx_close_listeners(struct spawn_ctx *);
/* Whether cfg's user and group exist: 0, or -1 with *err set.  Lets a
 * reload refuse a configuration before it changes anything. */
int	 spawn_check(const struct gw_config *, char **err);
/* The program workers run, for logs. */
const char *spawn_ctx_path(const struct spawn_ctx *);
uid_t	 spawn_ctx_uid(const struct spawn_ctx *);
gid_t	 spawn_ctx_gid(const struct spawn_ctx *);
int	 spawn_ctx_sets_ids(const struct spawn_ctx *);

/* The master holds a pipe per worker (its output): raise gwd's soft fd
 * limit to the hard one.  Workers still get the limit gwd started with. */
void	 spawn_raise_fd_limit(void);

struct spawn_result {
	pid_t	pid;
	int	errfd;		/* read end of the exec-error pipe */
	int	outfd;		/* read end of the worker's stderr (and stdout
				   with --capture-output), or -1 if no pipe
				   could be made */
};

/* Fork and exec worker id of generation gen. Returns 0, or -1 with errno. */
int	 spawn_worker(const struct spawn_ctx *, int id, unsigned gen,
	     struct spawn_result *);

#endif
