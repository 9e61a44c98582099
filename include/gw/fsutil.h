/*
 * fsutil.h: directories made on demand, and files removed only if they
 * are still the ones this process made.
 */
#ifndef GW_FSUTIL_H
#define GW_FSUTIL_H

#include <sys/types.h>

/* gw_mkdirs flags */
#define GW_MKDIRS_EXACT \
	0x1 /* chmod each directory made to mode, past
				   the umask */

/*
 * mkdir -p: make each missing directory of path, parents first, with
 * mode.  A component that exists already, directory or not, is passed
 * over (the caller checks what it needs of the result).  made(dir, arg),
 * if not NULL, is called for each directory made.  Returns the number of
 * directories made, or -1 with errno set and, if failed is not NULL,
 * *failed set to the directory that could not be made (new string).
 */
int   gw_mkdirs(const char *path, mode_t mode, int flags,
      void (*made)(const char *dir, void *arg), void *arg, char **failed);

/*
 * The directory part of path (new string), or NULL when there is none to
 * make: a name without '/', or one right under "/".
 */
char *gw_parent_dir(const char *path);

/*
 * Unlink path if it is still the file identified by dev and ino (another
 * process may have replaced it since).  Returns 1 if it was removed, 0
 * if not (gone, another file, or unlink failed).
 */
int   gw_unlink_if_same(const char *path, dev_t dev, ino_t ino);

#endif
