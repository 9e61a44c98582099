/*
 * idutil.h: user and group names of the system database, for gwd's
 * --group and --control-group options.
 */
#ifndef GW_IDUTIL_H
#define GW_IDUTIL_H

#include <sys/types.h>

/*
 * The gid of group s: a name in the group database, else a number (as
 * chown(1) reads a group).  Returns 0, or -1 with errno 0 if there is no
 * such group, or the error of the lookup (getgrnam_r) otherwise.
 */
int gw_group_lookup(const char *s, gid_t *gid);

#endif
