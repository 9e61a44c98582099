/*
 * instance.h: what one gwd instance owns on disk, and only that.
 *
 * The runtime directory is made (mode given by the caller) only when it is
 * missing; an existing one is used as it is, its mode never changed.  The
 * instance lock is an flock(2) on RUNDIR/NAME.lock, taken before any of the
 * instance's files is created, replaced or removed, and held (close-on-exec,
 * so workers never inherit it) for the master's life; the file holds the
 * master's pid so a second instance can say who holds it.
 * instance_reach() tells whether another user can reach a path, so gwd can
 * refuse at start what its workers could never do.
 */
#ifndef GWD_INSTANCE_H
#define GWD_INSTANCE_H

#include <sys/types.h>

/*
 * Make dir (and missing parents) with mode if it does not exist.  Returns
 * 1 if this call created it, 0 if it existed (untouched), -1 with *err
 * set (caller frees).
 */
int	    instance_dir(const char *dir, mode_t mode, char **err);
/*
 * Workers of another user are coming (a reload added --user): give search
 * permission (o+x, g+x) on the directories instance_dir() made.  Never
 * touches one this process did not make.
 */
void	    instance_dir_share(void);

/*
 * Take the lock at path (created 0644 if missing) and write our pid in it.
 * Returns 0, or -1 with *err set: "another gwd (pid 123) holds PATH" when
 * the instance runs, else the system error.  One lock per process.
 */
int	    instance_lock(const char *path, char **err);
/*
 * In-place upgrade: the lock fd (path) was kept open across exec; hold it
 * again without taking a new lock, which would conflict with it.
 * Returns 0, or -1 with *err if fd is not a lock on path.
 */
int	    instance_lock_adopt(const char *path, int fd, char **err);
/* The lock's fd, or -1 (for the upgrade hand-over). */
int	    instance_lock_fd(void);
/* Write our pid into the lock file again (after --daemon forked). */
void	    instance_lock_setpid(void);
/* Remove the lock file if it is still ours, and release the lock. */
void	    instance_unlock(void);
/* The lock file, or NULL when none is held (borrowed). */
const char *instance_lock_path(void);

/*
 * Can a process with uid, gid and supplementary groups reach path: search
 * permission on every existing directory above it (one that does not
 * exist yet, or that this process made, is gwd's to set and is not
 * checked).  Mode bits only, no ACLs.
 * Returns 0, or -1 with *why set (caller frees) naming the directory,
 * its mode and owner.
 */
int instance_reach(const char *path, uid_t uid, gid_t gid, const gid_t *groups,
    int ngroups, char **why);

#endif
