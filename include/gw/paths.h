/*
 * paths.h: the default locations of an instance's files (SPEC section 1),
 * shared by gwd and gwctl so both find the same socket.  Pure functions of
 * the environment and the effective uid; nothing is created.  Every result
 * is newly allocated (free it).
 */
#ifndef GW_PATHS_H
#define GW_PATHS_H

/*
 * $RUNTIME_DIRECTORY (its first entry), else /run/gwd for root, else
 * $XDG_RUNTIME_DIR/gwd, else /tmp/gwd-UID.
 */
char *gw_default_runtime_dir(void);
/* RUNDIR/NAME.sock */
char *gw_default_control_socket(const char *name);
/* RUNDIR/NAME.notify */
char *gw_default_notify_socket(const char *name);
/*
 * $STATE_DIRECTORY/NAME.db, else /var/lib/gwd/NAME.db for root, else
 * $XDG_STATE_HOME/gwd/NAME.db ($HOME/.local/state when unset).
 */
char *gw_default_stats_db(const char *name);
/* The running program's own path (/proc/self/exe), or NULL. */
char *gw_self_exe(void);

#endif
