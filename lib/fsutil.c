/* fsutil.c: directories and files (see gw/fsutil.h). */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/fsutil.h"
#include "gw/util.h"

int
gw_mkdirs(const char *path, mode_t mode, int flags,
    void (*made)(const char *, void *), void *arg, char **failed)
{
	char *p, *s;
	int   n = 0, saved;

	if (path[0] == '\0')
		return 0;
	p = xstrdup(path);
	/* Each missing component, parents first; "a//b" is "a/b". */
	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) == 0) {
				n++;
				/* The umask may have narrowed it. */
				if (flags & GW_MKDIRS_EXACT)
					(void)chmod(p, mode);
				if (made != NULL)
					made(p, arg);
			} else if (errno != EEXIST) {
				saved = errno;
				if (failed != NULL)
					*failed = xstrdup(p);
				free(p);
				errno = saved;
				return -1;
			}
			*s = c;
		}
		if (*s == '\0')
			break;
	}
	free(p);
	return n;
}

char *
gw_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return NULL;
	return xstrndup(path, (size_t)(slash - path));
}

int
gw_unlink_if_same(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino &&
	    unlink(path) == 0)
		return 1;
	return 0;
}
