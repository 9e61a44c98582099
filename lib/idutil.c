/* idutil.c: the group database (see gw/idutil.h). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "gw/idutil.h"
#include "gw/util.h"

/* Largest buffer offered to getgrnam_r (a group with a huge member list). */
#define GROUP_BUF_MAX (1 << 20)

int
gw_group_lookup(const char *s, gid_t *gid)
{
	struct group  gr, *res = NULL;
	char	     *buf, *end;
	long	      sz;
	unsigned long n;
	int	      rc;

	if (s[0] == '\0') {
		errno = 0;
		return -1;
	}
	if ((sz = sysconf(_SC_GETGR_R_SIZE_MAX)) <= 0)
		sz = 16384;
	for (;;) {
		buf = xmalloc((size_t)sz);
		rc = getgrnam_r(s, &gr, buf, (size_t)sz, &res);
		if (rc != ERANGE || sz > GROUP_BUF_MAX)
			break;
		free(buf);
		sz *= 2;
	}
	if (res != NULL) {
		*gid = res->gr_gid;
		free(buf);
		return 0;
	}
	free(buf);
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*end == '\0' && errno == 0 && n < UINT_MAX) {
		*gid = (gid_t)n;
		return 0;
	}
	errno = rc; /* 0: looked up, not found */
	return -1;
}
