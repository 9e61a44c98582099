/*
 * supervisor.h: the master's event loop and the entry points through which
 * signals and control commands act on the pool.
 *
 * Every entry point records a fact in the pool and runs the planner; none
 * decides anything on its own.  All of them run on the main thread.  The
 * supervisor owns the event base, the pool, the current configuration, the
 * listeners and the notify socket.
 */
#ifndef GWD_SUPERVISOR_H
#define GWD_SUPERVISOR_H

#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

#include "gwconfig.h"

struct listeners;

/* Limits of the pool size, for scale requests. */
#define SUP_MAX_WORKERS 4096

/*
 * Run the master until shutdown.  Takes ownership of cfg and the bound
 * listeners; argc/argv are kept for reloads.  Returns the exit status.
 */
int		   supervisor_run(int argc, char **argv, struct gw_config *cfg,
		   struct listeners *);

struct event_base *supervisor_base(void);
const struct gw_config *supervisor_config(void);

/* Set the target pool size (0..SUP_MAX_WORKERS); *previous gets the old one. */
int			sup_scale(unsigned target, unsigned *previous);
unsigned		sup_target(void);
/* The generation in force (the newest that has been ready). */
unsigned		sup_generation(void);

/*
 * Start a reload: re-read the configuration, bump the generation and
 * replace the workers.  Returns the new generation, or -1 with *err set
 * (caller frees) if the configuration is invalid; nothing changes then.
 * If done is not NULL it is called once when the reload finishes or is
 * aborted, with a new JSON object {generation, ok, duration_s, started,
 * retired, error} that the callee owns.
 */
typedef void (*sup_reload_cb)(json_t *result, void *arg);
int   sup_reload(sup_reload_cb done, void *arg, char **err);
/* Forget a pending callback (its client went away). */
void  sup_reload_cancel(sup_reload_cb done, void *arg);

/* Shut down: graceful (stop signal, then SIGKILL after graceful-timeout)
 * or quick (SIGINT, SIGKILL after 2 s).  gwd exits 0 once all are gone. */
void  sup_stop(int graceful);

/*
 * Send sig to a worker by slot id (id > 0) or pid (pid > 0).  Returns the
 * worker's pid, or -1 if no such live worker exists.  The worker is
 * replaced as usual and its exit is recorded with reason `killed`.
 */
pid_t sup_kill(int id, pid_t pid, int sig);

/*
 * Upgrade in place (SPEC section 3, USR2): check binary (NULL: the path
 * gwd was started as, upgrade_self()) by running its --version, then
 * re-exec the master with it, keeping the pid, the sockets and the
 * workers.  Returns 0 once the check has started: the answer then comes
 * from the new image on client's socket (client may be NULL), or, if the
 * upgrade fails, through failed(code, message, arg) in this image.
 * Returns -1 with *code (static) and *err (caller frees) if refused at
 * once: code `conflict` while a reload runs, while gwd stops, while
 * another upgrade runs or when the configuration file changed.
 */
struct ctl_client;
typedef void (*sup_upgrade_cb)(const char *code, const char *message,
    void *arg);
int	sup_upgrade(const char *binary, struct ctl_client *client,
	sup_upgrade_cb failed, void *arg, const char **code, char **err);
/* Forget the waiting client (it went away); the upgrade goes on. */
void	sup_upgrade_cancel(void *arg);

/* Reopen log files and forward USR1 to the workers. */
void	sup_reopen_logs(void);

/* `status` and `workers` results (new references). */
json_t *sup_status_json(void);
json_t *sup_workers_json(void);
/* The `health` result (new reference): health.h's rule, now. */
json_t *sup_health_json(void);

/*
 * For the metrics page: the pool and the listeners (borrowed, read on
 * the main thread only, valid until the loop runs again), and the unix
 * time the master started.
 */
struct pool;
const struct pool      *supervisor_pool(void);
const struct listeners *supervisor_listeners(void);
double			supervisor_started_at(void);

#endif
