/*
 * reload.h: a reload (SIGHUP, `gwctl reload`) as a configuration
 * transaction in three named steps:
 *
 *   prepare   load and validate the file again and apply its listener
 *             changes; anything that can refuse the new configuration
 *             happens here, and a refusal undoes it all: nothing changed;
 *   commit    swap the configuration and spawn context in (the old ones
 *             are kept), and start the pool's reload: the planner
 *             replaces the workers, generation by generation;
 *   roll back a reload that fails (its new workers cannot start, or gwd
 *             stops first) puts the old configuration back, and the old
 *             generation keeps serving.
 *
 * reload.c owns the old configuration during a reload, the clients
 * waiting for the verdict and the last verdict (status.last_reload).  It
 * borrows the supervisor's state through sup_state.h; the entry points
 * sup_reload and sup_reload_cancel are declared in supervisor.h.  Main
 * thread only.
 */
#ifndef GWD_RELOAD_H
#define GWD_RELOAD_H

#include <jansson.h>

struct worker;
struct spawn_ctx;

/*
 * The reload ended: ok (the planner saw the new generation ready), or
 * failed because of why (worker w's end, or NULL): roll back, log, tell
 * systemd, record the event and last_reload, answer every waiter.
 */
void reload_finish(int ok, const char *why, const struct worker *w);
/* Is a reload running (started and not yet finished)? */
int  reload_running(void);
/* The spawn context a reload replaced (NULL outside one), borrowed: its
 * listener copies close with the others when gwd stops. */
struct spawn_ctx *reload_old_ctx(void);
/* The last reload's {at, result} (borrowed), or NULL if none yet. */
const json_t	 *reload_last(void);
/* The new image of an upgrade carries the old one's on (v borrowed). */
void		  reload_set_last(json_t *v);
/* gwd exits: free what a reload holds. */
void		  reload_free(void);

#endif
