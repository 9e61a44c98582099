/* procfs.c: resident memory, CPU time, state, wchan and ppid from /proc. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

static ssize_t
read_file(const char *path, char *buf, size_t len)
{
	int	fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t	n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The fields after "(comm)" of /proc/PID/stat; comm may hold ')'. */
static char *
stat_fields(pid_t pid, char *buf, size_t len)
{
	char	path[64], *p;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (read_file(path, buf, len) <= 0 || (p = strrchr(buf, ')')) == NULL)
		return NULL;
	return p + 2;
}

int
procfs_usage(pid_t pid, struct procfs_usage *u)
{
	char			 buf[1024], path[64], *f, *line;
	unsigned long long	 ut = 0, st = 0, rss = 0;
	long			 hz = sysconf(_SC_CLK_TCK);
	int			 i;

	memset(u, 0, sizeof *u);
	if ((f = stat_fields(pid, buf, sizeof buf)) == NULL)
		return -1;
	u->state = *f;
	/* utime and stime are fields 14 and 15; f starts at field 3. */
	for (i = 3; i < 14 && f != NULL; i++)
		if ((f = strchr(f, ' ')) != NULL)
			f++;
	if (f == NULL || sscanf(f, "%llu %llu", &ut, &st) != 2)
		return -1;
	u->cpu_s = (double)(ut + st) / (double)(hz > 0 ? hz : 100);

	snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
	if (read_file(path, buf, sizeof buf) > 0 &&
	    sscanf(buf, "%*u %llu", &rss) == 1)
		u->rss_kb = rss * ((unsigned long long)sysconf(_SC_PAGESIZE) /
		    1024);

	snprintf(path, sizeof path, "/proc/%ld/wchan", (long)pid);
	if (read_file(path, buf, sizeof buf) > 0) {
		line = buf;
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "0") != 0) {
			line[sizeof u->wchan - 1] = '\0';
			memcpy(u->wchan, line, strlen(line) + 1);
		}
	}
	return 0;
}

pid_t
procfs_ppid(pid_t pid)
{
	char	buf[1024], *f;
	long	ppid;

	if ((f = stat_fields(pid, buf, sizeof buf)) == NULL)
		return -1;
	if (sscanf(f, "%*c %ld", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}
