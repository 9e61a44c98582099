/*
 * paths.c: default runtime and state paths.  Only the environment and the
 * effective uid decide; nothing here touches the file system, so gwd and
 * gwctl compute the same answer.
 */
#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/paths.h"
#include "gw/util.h"

/* A set, absolute environment value, or NULL. */
static const char *
abs_env(const char *var)
{
	const char	*v = getenv(var);

	return v != NULL && v[0] == '/' ? v : NULL;
}

char *
gw_default_runtime_dir(void)
{
	const char	*v;
	size_t		 n;

	/* systemd separates several RuntimeDirectory= entries with ':'. */
	if ((v = abs_env("RUNTIME_DIRECTORY")) != NULL) {
		n = strcspn(v, ":");
		return xstrndup(v, n);
	}
	if (geteuid() == 0)
		return xstrdup("/run/gwd");
	if ((v = abs_env("XDG_RUNTIME_DIR")) != NULL)
		return xasprintf("%s/gwd", v);
	return xasprintf("/tmp/gwd-%lu", (unsigned long)geteuid());
}

static char *
in_runtime_dir(const char *name, const char *suffix)
{
	char	*dir = gw_default_runtime_dir(), *p;

	p = xasprintf("%s/%s%s", dir, name, suffix);
	free(dir);
	return p;
}

char *
gw_default_control_socket(const char *name)
{
	return in_runtime_dir(name, ".sock");
}

char *
gw_default_notify_socket(const char *name)
{
	return in_runtime_dir(name, ".notify");
}

char *
gw_default_stats_db(const char *name)
{
	const char	*v;
	struct passwd	*pw;
	size_t		 n;

	if ((v = abs_env("STATE_DIRECTORY")) != NULL) {
		n = strcspn(v, ":");
		return xasprintf("%.*s/%s.db", (int)n, v, name);
	}
	if (geteuid() == 0)
		return xasprintf("/var/lib/gwd/%s.db", name);
	if ((v = abs_env("XDG_STATE_HOME")) != NULL)
		return xasprintf("%s/gwd/%s.db", v, name);
	if ((v = abs_env("HOME")) == NULL &&
	    (pw = getpwuid(geteuid())) != NULL && pw->pw_dir[0] == '/')
		v = pw->pw_dir;
	if (v != NULL)
		return xasprintf("%s/.local/state/gwd/%s.db", v, name);
	return xasprintf("/tmp/gwd-%lu/%s.db", (unsigned long)geteuid(), name);
}
