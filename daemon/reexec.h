/*
 * reexec.h: the in-place upgrade (SIGUSR2, `gwctl upgrade`; SPEC section
 * 3): check the candidate binary by running its --version, write the
 * master's state into a memfd (upgrade.h), keep the fds that must
 * survive, and exec; the new image adopts it all in reexec_adopt().  The
 * workers stay our children (exec keeps the pid, and they were forked by
 * the main thread, so their PDEATHSIG does not fire).
 *
 * reexec.c owns the upgrade in progress (its binary and the client
 * waiting for the answer) and the last upgrade's record
 * (status.last_upgrade, upgraded_at); it borrows the supervisor's state
 * through sup_state.h.  The entry points sup_upgrade and
 * sup_upgrade_cancel are declared in supervisor.h.  Main thread only.
 */
#ifndef GWD_REEXEC_H
#define GWD_REEXEC_H

#include <jansson.h>

/*
 * The new image, once its loop exists: the pool, the times, the stats
 * counters, the workers' pipes, and the answer to the client that asked,
 * from the state document st (borrowed).  Returns 0, or -1 with *err
 * (caller frees; then the master cannot carry on).
 */
int	      reexec_adopt(json_t *st, char **err);
/* The last upgrade asked for, {at, ok, binary, from, to, error}
 * (borrowed), or NULL. */
const json_t *reexec_last(void);
/* Unix time this image took over in an upgrade, or 0 if it never did. */
double	      reexec_upgraded_at(void);
/* gwd exits: free what the upgrade holds. */
void	      reexec_free(void);

#endif
