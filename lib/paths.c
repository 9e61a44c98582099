/*
 * paths.c: default instance paths from the environment.  See gw/paths.h.
 * No NSS lookups (getpwuid may block on a directory service): when $HOME
 * is unset too the state falls back to the runtime directory.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/paths.h"
#include "gw/util.h"

/*
 * An environment directory, or NULL when unset, empty or relative (the XDG
 * specification says to ignore relative values).  systemd separates several
 * RuntimeDirectory= / StateDirectory= entries with ':'; the first is ours.
 */
static char *
paths_env_dir(const char *var)
{
	const char *v = getenv(var);
	size_t	    len;

	if (v == NULL || v[0] != '/')
		return NULL;
	len = strcspn(v, ":");
	while (len > 1 && v[len - 1] == '/')
		len--;
	return xstrndup(v, len);
}

char *
gw_default_runtime_dir(void)
{
	char *dir, *res;

	if ((dir = paths_env_dir("RUNTIME_DIRECTORY")) != NULL)
		return dir;
	if (geteuid() == 0)
		return xstrdup("/run/gwd");
	if ((dir = paths_env_dir("XDG_RUNTIME_DIR")) != NULL) {
		res = xasprintf("%s/gwd", dir);
		free(dir);
		return res;
	}
	return xasprintf("/tmp/gwd-%u", (unsigned)geteuid());
}

char *
gw_default_control_socket(const char *name)
{
	char *dir = gw_default_runtime_dir(), *res;

	res = xasprintf("%s/%s.sock", dir, name);
	free(dir);
	return res;
}

char *
gw_default_notify_socket(const char *name)
{
	char *dir = gw_default_runtime_dir(), *res;

	res = xasprintf("%s/%s.notify", dir, name);
	free(dir);
	return res;
}

char *
gw_default_stats_db(const char *name)
{
	char *dir, *res;

	if ((dir = paths_env_dir("STATE_DIRECTORY")) != NULL) {
		res = xasprintf("%s/%s.db", dir, name);
	} else if (geteuid() == 0) {
		return xasprintf("/var/lib/gwd/%s.db", name);
	} else if ((dir = paths_env_dir("XDG_STATE_HOME")) != NULL) {
		res = xasprintf("%s/gwd/%s.db", dir, name);
	} else if ((dir = paths_env_dir("HOME")) != NULL) {
		res = xasprintf("%s/.local/state/gwd/%s.db", dir, name);
	} else {
		dir = gw_default_runtime_dir();
		res = xasprintf("%s/%s.db", dir, name);
	}
	free(dir);
	return res;
}

char *
gw_self_exe(void)
{
	char	buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}
