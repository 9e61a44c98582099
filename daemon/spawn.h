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

#include "gwconfig.h"

struct listeners;
struct spawn_ctx;

/*
 * Prepare for spawning workers of cfg with the given listening fds.
 * Resolves the command in PATH, the user and group.  Returns NULL with
 * *err set (caller frees) if the user or group does not exist.
 */
struct spawn_ctx *spawn_ctx_new(const struct gw_config *, const int *fds,
    size_t nfds, const char *fdnames, const char *self_exe, char **err);
void		  spawn_ctx_free(struct spawn_ctx *);
/* Close the context's copies of the listening sockets: gwd is stopping
 * and must stop holding them.  Later spawns would get no sockets. */
void		  spawn_ctx_close_listeners(struct spawn_ctx *);
/* The program workers run, for logs, and their --chdir (or NULL). */
const char	 *spawn_ctx_path(const struct spawn_ctx *);
const char	 *spawn_ctx_chdir(const struct spawn_ctx *);
uid_t		  spawn_ctx_uid(const struct spawn_ctx *);
gid_t		  spawn_ctx_gid(const struct spawn_ctx *);
int		  spawn_ctx_sets_ids(const struct spawn_ctx *);

/* The master holds a pipe per worker (its output): raise gwd's soft fd
 * limit to the hard one.  Workers still get the limit gwd started with. */
void		  spawn_raise_fd_limit(void);

/* Who workers of a configuration run as (--user, --group). */
struct spawn_ids {
	int    set; /* --user or --group given */
	uid_t  uid; /* else gwd's own effective ids */
	gid_t  gid;
	gid_t *groups; /* supplementary groups, owned */
	int    ngroups;
};

/* Resolve cfg's user and group: 0, or -1 with *err set (caller frees)
 * for an unknown one.  Free with spawn_ids_free(). */
int spawn_resolve_ids(const struct gw_config *, struct spawn_ids *, char **err);
void  spawn_ids_free(struct spawn_ids *);
/* The path execve gets for argv0: itself if it has a slash, else the
 * first executable match in PATH, else argv0 (new string). */
char *spawn_resolve(const char *argv0);
/* The path execve gets for cfg's workers (new string). */
char *spawn_program(const struct gw_config *, const char *self_exe);

/*
 * What the child reports on its error pipe when a step before the program
 * runs fails; nothing (EOF) means exec succeeded.
 */
enum spawn_step {
	SPAWN_STEP_FORK, /* in the master: fork() itself */
	SPAWN_STEP_FDS,
	SPAWN_STEP_SETPGID,
	SPAWN_STEP_PDEATHSIG,
	SPAWN_STEP_IDS,
	SPAWN_STEP_CHDIR,
	SPAWN_STEP_EXEC
};
struct spawn_error {
	int step; /* enum spawn_step */
	int err;  /* errno */
};
/* "chdir", "exec", ...: the step, for a message "cannot STEP". */
const char *spawn_step_name(int step);

struct spawn_result {
	pid_t pid;
	int   errfd;	/* read end of the exec-error pipe */
	int   outfd;	/* read end of the worker's stderr (and stdout
				   with --capture-output), or -1 if no pipe
				   could be made */
	int   notifyfd; /* read end of the worker's notify fd
				   (GWD_NOTIFY_FD), or -1 if no pipe could
				   be made */
};

/* Fork and exec worker id of generation gen. Returns 0, or -1 with errno. */
int spawn_worker(const struct spawn_ctx *, int id, unsigned gen,
    struct spawn_result *);

/*
 * Fork and exec a helper command (a hook) with the same ritual as a
 * worker, as gwd's own user and in gwd's directory: path as from
 * spawn_resolve, argv and envp ready (NULL-terminated, borrowed), stdin
 * /dev/null, stdout and stderr into one pipe (res->outfd, non-blocking),
 * its own process group, SIGKILL when gwd dies.  res->errfd reports a
 * failure before exec as a struct spawn_error, EOF once exec worked;
 * res->notifyfd is -1.  Returns 0, or -1 with errno (no child).
 */
int spawn_command(const char *path, char *const argv[], char *const envp[],
    struct spawn_result *);

#endif
