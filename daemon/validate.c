/*
 * validate.c: the checks of a configuration that need the system (users,
 * groups, files), as opposed to the syntax checks of options.c.  See
 * validate.h.  Each check returns 0, or -1 with a message that begins with
 * the value's origin (config_origin()).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "gw/util.h"
#include "instance.h"
#include "listeners.h"
#include "log.h"
#include "options.h"
#include "spawn.h"
#include "validate.h"
#include "web.h"

/* *err = "ORIGIN: msg", taking msg. */
static int
validate_fail(const struct gw_config *cfg, const char *key, char *msg,
    char **err)
{
	char *where = config_origin(cfg, key);

	*err = xasprintf("%s: %s", where, msg);
	free(where);
	free(msg);
	return -1;
}

static int
validate_binds(const struct gw_config *cfg, char **err)
{
	struct bind_addr ba;
	char		*msg = NULL;
	size_t		 i;

	for (i = 0; i < cfg->nbinds; i++)
		if (listeners_parse_bind(cfg->binds[i].addr, &ba, &msg) == -1)
			return validate_fail(cfg, "bind", msg, err);
	return 0;
}

static int validate_parent(const struct gw_config *, const char *, const char *,
    const char *, char **);

/* --metrics-bind: an address gwd could serve (web.h), not a --bind, and
 * for a Unix socket a directory to make it in. */
static int
validate_metrics(const struct gw_config *cfg, char **err)
{
	char *msg = NULL, *what;

	if (web_check(cfg, &msg) == 0) {
		if (cfg->metrics_bind != NULL &&
		    strncmp(cfg->metrics_bind, "unix:", 5) == 0)
			return validate_parent(cfg, "metrics-bind",
			    cfg->metrics_bind + 5, "metrics socket", err);
		return 0;
	}
	/* web_check says "metrics-bind: ..."; the origin names it. */
	what = xstrdup(strncmp(msg, "metrics-bind: ", 14) == 0 ? msg + 14 :
								 msg);
	free(msg);
	return validate_fail(cfg, "metrics-bind", what, err);
}

static int
validate_groups(const struct gw_config *cfg, char **err)
{
	gid_t gid;
	char *msg = NULL;

	if (cfg->control_group != NULL && cfg->control_group[0] != '\0' &&
	    control_resolve_group("control-group", cfg->control_group, &gid,
		&msg) == -1) {
		/* The message names the option; give it the place too. */
		char *where = config_origin(cfg, "control-group");

		*err = xasprintf("%s: %s", where,
		    strchr(msg, ':') ? strchr(msg, ':') + 2 : msg);
		free(where);
		free(msg);
		return -1;
	}
	if (cfg->control_read_group != NULL &&
	    cfg->control_read_group[0] != '\0' &&
	    control_resolve_group("control-read-group", cfg->control_read_group,
		&gid, &msg) == -1) {
		char *where = config_origin(cfg, "control-read-group");

		*err = xasprintf("%s: %s", where,
		    strchr(msg, ':') ? strchr(msg, ':') + 2 : msg);
		free(where);
		free(msg);
		return -1;
	}
	return 0;
}

/* The directory a file would be created in exists. */
static int
validate_parent(const struct gw_config *cfg, const char *key, const char *path,
    const char *what, char **err)
{
	struct stat st;
	char	   *dir, *slash;
	int	    rc = 0;

	if (path == NULL)
		return 0;
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		return 0; /* the current directory */
	}
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) == -1)
		rc = validate_fail(cfg, key,
		    xasprintf("cannot create the %s "
			      "%s: directory %s: %s",
			what, path, dir, strerror(errno)),
		    err);
	else if (!S_ISDIR(st.st_mode))
		rc = validate_fail(cfg, key,
		    xasprintf("cannot create the %s "
			      "%s: %s is not a directory",
			what, path, dir),
		    err);
	free(dir);
	return rc;
}

/* The value of key was given (command line or file), not derived. */
static int
validate_given(const struct gw_config *cfg, const char *key)
{
	const struct option_def *o = options_find(key, strlen(key));

	return o != NULL && cfg->origin != NULL &&
	    cfg->origin[o - options_table] != NULL;
}

/* --chdir: a directory the workers can enter. */
static int
validate_chdir(const struct gw_config *cfg, const struct spawn_ids *ids,
    char **err)
{
	struct stat st;
	char	   *why = NULL, *inside;
	int	    rc;

	if (cfg->chdir == NULL)
		return 0;
	if (stat(cfg->chdir, &st) == -1)
		return validate_fail(cfg, "chdir",
		    xasprintf("cannot use %s "
			      "as the workers' directory: %s",
			cfg->chdir, strerror(errno)),
		    err);
	if (!S_ISDIR(st.st_mode))
		return validate_fail(cfg, "chdir",
		    xasprintf("cannot use %s "
			      "as the workers' directory: not a directory",
			cfg->chdir),
		    err);
	if (!ids->set)
		return 0;
	inside = xasprintf("%s/.", cfg->chdir);
	rc = instance_reach(inside, ids->uid, ids->gid, ids->groups,
	    ids->ngroups, &why);
	free(inside);
	if (rc == -1)
		return validate_fail(cfg, "chdir",
		    xasprintf("workers cannot "
			      "enter %s: %s",
			cfg->chdir, why),
		    err);
	return 0;
}

/* The program exists and is executable, where the child will look, and
 * workers of another user can reach it. */
static int
validate_program(const struct gw_config *cfg, const struct spawn_ids *ids,
    const char *self_exe, char **err)
{
	struct stat st;
	char	   *prog = spawn_program(cfg, self_exe), *path;
	char	   *why = NULL;
	const char *key = "command";
	int	    rc = 0;

	if (prog[0] != '/' && cfg->chdir != NULL)
		path = xasprintf("%s/%s", cfg->chdir, prog);
	else
		path = xstrdup(prog);
	if (strchr(prog, '/') == NULL)
		rc = validate_fail(cfg, key,
		    xasprintf("%s: not found in "
			      "PATH",
			prog),
		    err);
	else if (stat(path, &st) == -1)
		rc = validate_fail(cfg, key,
		    xasprintf("cannot run %s: %s", path, strerror(errno)), err);
	else if (!S_ISREG(st.st_mode))
		rc = validate_fail(cfg, key,
		    xasprintf("cannot run %s: not a "
			      "regular file",
			path),
		    err);
	else if ((st.st_mode & 0111) == 0)
		rc = validate_fail(cfg, key,
		    xasprintf("cannot run %s: not "
			      "executable",
			path),
		    err);
	else if (ids->set &&
	    instance_reach(path, ids->uid, ids->gid, ids->groups, ids->ngroups,
		&why) == -1) {
		rc = validate_fail(cfg, key,
		    xasprintf("workers cannot reach "
			      "%s: %s",
			path, why),
		    err);
		free(why);
	}
	free(path);
	free(prog);
	return rc;
}

/*
 * Every hook's program exists and gwd itself can run it (hooks run as
 * gwd's user, in gwd's directory): a hook that can never run is refused
 * now rather than failing at the moment it is needed.
 */
static int
validate_hooks(const struct gw_config *cfg, char **err)
{
	struct stat st;
	char	   *path, *why = NULL, *where;
	size_t	    i;

	for (i = 0; i < cfg->nhooks && why == NULL; i++) {
		const struct gw_hook *h = &cfg->hooks[i];

		path = spawn_resolve(h->argv[0]);
		if (strchr(path, '/') == NULL)
			why = xasprintf("%s: not found in PATH", path);
		else if (stat(path, &st) == -1)
			why = xasprintf("cannot run %s: %s", path,
			    strerror(errno));
		else if (!S_ISREG(st.st_mode))
			why = xasprintf("cannot run %s: not a regular file",
			    path);
		else if (access(path, X_OK) == -1)
			why = xasprintf("cannot run %s: %s", path,
			    strerror(errno));
		free(path);
		if (why == NULL)
			continue;
		where = h->origin == NULL ? xstrdup("hook") :
		    h->origin[0] == '-'	  ? xstrdup(h->origin) :
					    xasprintf("%s: hook", h->origin);
		*err = xasprintf("%s: %s: %s", where, h->event, why);
		free(where);
		free(why);
		return -1;
	}
	return 0;
}

static int
validate_static(const struct gw_config *cfg, char **err)
{
	struct stat st;

	if (cfg->static_dir == NULL)
		return 0;
	if (stat(cfg->static_dir, &st) == -1)
		return validate_fail(cfg, "static",
		    xasprintf("%s: %s", cfg->static_dir, strerror(errno)), err);
	if (!S_ISDIR(st.st_mode))
		return validate_fail(cfg, "static",
		    xasprintf("%s: not a "
			      "directory",
			cfg->static_dir),
		    err);
	return 0;
}

/*
 * Workers of another user must reach the notify socket: gwd makes the
 * directories it creates searchable for them, but never changes one it
 * did not create.  With --readiness notify nothing could ever become
 * ready, so that is refused; otherwise only heartbeats are lost: a warning.
 */
static int
validate_notify_reach(const struct gw_config *cfg, const struct spawn_ids *ids,
    char **err)
{
	char *why = NULL, *msg;

	if (!ids->set ||
	    instance_reach(cfg->notify_socket, ids->uid, ids->gid, ids->groups,
		ids->ngroups, &why) == 0)
		return 0;
	msg = xasprintf("workers (uid %lu) cannot reach the notify socket "
			"%s: %s; give them search permission (chmod o+x) or choose "
			"another runtime directory (RUNTIME_DIRECTORY)",
	    (unsigned long)ids->uid, cfg->notify_socket, why);
	free(why);
	if (cfg->readiness == READINESS_NOTIFY)
		return validate_fail(cfg, cfg->user ? "user" : "group", msg,
		    err);
	log_warn("%s (readiness spawn: only their heartbeats are lost)", msg);
	free(msg);
	return 0;
}

/*
 * --ready-min-workers above the configured pool size could never be met
 * at that size: refuse it rather than start a gwd that reports not ready
 * for ever.  (A later scale below it lowers what is required instead:
 * see health.h.)
 */
static int
validate_ready_min(const struct gw_config *cfg, char **err)
{
	if (cfg->ready_min_workers <= cfg->workers)
		return 0;
	return validate_fail(cfg, "ready-min-workers",
	    xasprintf("%u is "
		      "more than workers (%u): gwd could never be ready",
		cfg->ready_min_workers, cfg->workers),
	    err);
}

int
validate_config(const struct gw_config *cfg, const char *self_exe, char **err)
{
	struct spawn_ids ids;
	char		*msg = NULL;
	int		 rc = -1;

	*err = NULL;
	if (validate_binds(cfg, err) == -1 || validate_groups(cfg, err) == -1 ||
	    validate_metrics(cfg, err) == -1 ||
	    validate_ready_min(cfg, err) == -1)
		return -1;
	if (spawn_resolve_ids(cfg, &ids, &msg) == -1)
		return validate_fail(cfg,
		    strstr(msg, "group") ? "group" : "user", msg, err);
	if (validate_chdir(cfg, &ids, err) == 0 &&
	    validate_program(cfg, &ids, self_exe, err) == 0 &&
	    validate_static(cfg, err) == 0 && validate_hooks(cfg, err) == 0 &&
	    validate_parent(cfg, "log-file", cfg->log_file, "log file", err) ==
		0 &&
	    validate_parent(cfg, "access-log", cfg->access_log, "access log",
		err) == 0 &&
	    validate_parent(cfg, "pid", cfg->pid_file, "pid file", err) == 0 &&
	    /* gwd makes the directories of its default paths; a path the
	     * user gave must be in a directory that exists, so that a typo
	     * never creates /nonexistent. */
	    (!validate_given(cfg, "stats-db") ||
		strcmp(cfg->stats_db, "none") == 0 ||
		validate_parent(cfg, "stats-db", cfg->stats_db,
		    "stats database", err) == 0) &&
	    (!validate_given(cfg, "control-socket") ||
		validate_parent(cfg, "control-socket", cfg->control_socket,
		    "control socket", err) == 0) &&
	    validate_notify_reach(cfg, &ids, err) == 0)
		rc = 0;
	spawn_ids_free(&ids);
	return rc;
}
