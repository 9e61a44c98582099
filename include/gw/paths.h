/*
 * paths.h: the default paths of an instance (SPEC section 1), shared by
 * gwd's configuration and gwctl so that both find the same socket.  Every
 * function returns a new string (free it) and never fails.
 */
#ifndef GW_PATHS_H
#define GW_PATHS_H

/*
 * $RUNTIME_DIRECTORY (its first entry), else /run/gwd for root, else
 * $XDG_RUNTIME_DIR/gwd, else /tmp/gwd-UID.
 */
char	*gw_default_runtime_dir(void);
/* RUNDIR/NAME.sock */
char	*gw_default_control_socket(const char *name);
/* RUNDIR/NAME.notify */
char	*gw_default_notify_socket(const char *name);
/*
 * $STATE_DIRECTORY/NAME.db, else /var/lib/gwd/NAME.db for root, else
 * $XDG_STATE_HOME/gwd/NAME.db, else ~/.local/state/gwd/NAME.db.
 */
char	*gw_default_stats_db(const char *name);

#endif
