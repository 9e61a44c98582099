/*
 * procfs.c: resident memory, CPU time, state, wchan and parent of a pid,
 * read from /proc.  The only file of gwd that reads /proc.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

/* Read a small /proc file into buf (terminated); bytes read or -1. */
static ssize_t
procfs_read(pid_t pid, const char *name, char *buf, size_t len)
{
	char	path[64];
	ssize_t	n, total = 0;
	int	fd;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - (size_t)total);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

/*
 * The fields of /proc/PID/stat after the command name.  The name is in
 * parentheses and may itself hold spaces and ')', so the fields start
 * after the last ')'.  Returns a pointer to the state field or NULL.
 */
static char *
procfs_stat_fields(pid_t pid, char *buf, size_t len)
{
	char	*p;

	if (pid <= 0 || procfs_read(pid, "stat", buf, len) <= 0)
		return NULL;
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return NULL;
	return p + 2;
}

int
procfs_usage(pid_t pid, struct procfs_usage *out)
{
	char			 buf[1024], *f, *p, *ep;
	unsigned long long	 ut, st, rss;
	long			 tck, page;
	int			 i;

	/* One read of /proc/PID/stat: this runs for every worker on every
	 * sample and `workers` request, so no status or wchan here. */
	memset(out, 0, sizeof *out);
	if ((f = procfs_stat_fields(pid, buf, sizeof buf)) == NULL)
		return -1;
	out->state = *f;
	/* After state: ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime (fields 4..15; state is 3). */
	p = f;
	for (i = 0; i < 11; i++) {
		if ((p = strchr(p, ' ')) == NULL)
			return -1;
		p++;
	}
	errno = 0;
	ut = strtoull(p, &ep, 10);
	if (ep == p || *ep != ' ')
		return -1;
	p = ep + 1;
	st = strtoull(p, &ep, 10);
	if (ep == p || errno != 0)
		return -1;
	if ((tck = sysconf(_SC_CLK_TCK)) <= 0)
		tck = 100;
	out->cpu_s = (double)(ut + st) / (double)tck;
	/* rss (field 24, in pages): ep is the blank before field 16. */
	p = ep;
	for (i = 0; i < 8 && p != NULL; i++)
		if ((p = strchr(p + 1, ' ')) == NULL)
			break;
	if (p != NULL) {
		rss = strtoull(p + 1, &ep, 10);
		if ((page = sysconf(_SC_PAGESIZE)) <= 0)
			page = 4096;
		if (ep != p + 1)
			out->rss_kb = rss * (unsigned long long)page / 1024;
	}
	return 0;
}

int
procfs_wchan(pid_t pid, char *buf, size_t len)
{
	if (len == 0 || procfs_read(pid, "wchan", buf, len) <= 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "0") == 0)
		buf[0] = '\0';
	return 0;
}

pid_t
procfs_ppid(pid_t pid)
{
	char	 buf[1024], *f, *ep;
	long	 ppid;

	if ((f = procfs_stat_fields(pid, buf, sizeof buf)) == NULL)
		return -1;
	/* "S 1234 ..." */
	if (f[0] == '\0' || f[1] != ' ')
		return -1;
	errno = 0;
	ppid = strtol(f + 2, &ep, 10);
	if (ep == f + 2 || *ep != ' ' || errno != 0 || ppid < 0)
		return -1;
	return (pid_t)ppid;
}
