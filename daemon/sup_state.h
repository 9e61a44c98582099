/*
 * sup_state.h: what supervisor.c lends to the files that do its other
 * jobs (status.c, reload.c, reexec.c).  Not for anything else: inputs
 * report facts through supervisor.h.
 *
 * supervisor.c owns the state these give access to (the pool, the
 * configuration in force and its spawn context, the listeners, the
 * times); every pointer returned is borrowed, for the main thread only,
 * and valid until the configuration is swapped or the loop runs again.
 */
#ifndef GWD_SUP_STATE_H
#define GWD_SUP_STATE_H

#include <sys/types.h>

#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "config.h"

struct pool;
struct worker;
struct listeners;
struct spawn_ctx;

struct pool	 *sup_pool(void);
struct listeners *sup_listeners(void);
/* gwd's pid, and the command line it was started with (kept for reloads
 * and for the exec of an upgrade). */
pid_t		  sup_pid(void);
int		  sup_argc(void);
char		**sup_argv(void);
/* The path of gwd's own binary (/proc/self/exe when it started). */
const char	 *sup_self_exe(void);
/* When the master started: monotonic ms; and both times as the new image
 * of an upgrade takes them over. */
uint64_t	  sup_started_mono(void);
void		  sup_set_started(double wall, uint64_t mono);

/*
 * Put cfg and ctx in force (the supervisor owns them from now on) and
 * hand back the ones they replace in *old_cfg and *old_ctx (the caller
 * owns those now).  The pool's timings follow the new configuration.
 */
void sup_install_config(struct gw_config *cfg, struct spawn_ctx *ctx,
    struct gw_config **old_cfg, struct spawn_ctx **old_ctx);

/* Run the planner and carry out its actions (facts are in). */
void sup_process(void);
/* Record an event (events.h) about worker w (NULL: about gwd); detail is
 * stolen (may be NULL). */
void sup_emit(const char *event, const struct worker *w, const char *reason,
    json_t *detail);

#endif
