/*
 * procfs.c: resident memory, CPU time, state, wchan and parent of a pid,
 * and the usage of whole process trees from one snapshot of /proc.  The
 * only file of gwd that reads /proc.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/util.h"
#include "procfs.h"

/* Read a small /proc file into buf (terminated); bytes read or -1. */
static ssize_t
procfs_read(pid_t pid, const char *name, char *buf, size_t len)
{
	char	path[64];
	ssize_t n, total = 0;
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
	char *p;

	if (pid <= 0 || procfs_read(pid, "stat", buf, len) <= 0)
		return NULL;
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return NULL;
	return p + 2;
}

/* The page size in KiB. */
static unsigned long
procfs_page_kb(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page >= 1024 ? (unsigned long)page / 1024 : 4;
}

static double
procfs_seconds(uint64_t ticks)
{
	long tck = sysconf(_SC_CLK_TCK);

	return (double)ticks / (double)(tck > 0 ? tck : 100);
}

int
procfs_parse_stat(const char *text, unsigned long page_kb,
    struct procfs_proc *out)
{
	/* Fields 4 (ppid) to 24 (rss), after the state (field 3). */
	long long   f[25];
	const char *p, *rp;
	char	   *ep;
	int	    i;

	memset(out, 0, sizeof *out);
	if ((rp = strrchr(text, ')')) == NULL || rp[1] != ' ' ||
	    rp[2] == '\0' || rp[3] != ' ')
		return -1;
	errno = 0;
	out->pid = (pid_t)strtol(text, &ep, 10);
	if (ep == text || *ep != ' ' || out->pid <= 0)
		return -1;
	out->state = rp[2];
	p = rp + 4;
	for (i = 4; i <= 24; i++) {
		f[i] = strtoll(p, &ep, 10);
		if (ep == p || (*ep != ' ' && *ep != '\n' && *ep != '\0') ||
		    errno != 0)
			return -1;
		p = ep;
		if (*p == ' ')
			p++;
	}
	out->ppid = (pid_t)f[4];
	out->pgid = (pid_t)f[5];
	out->ticks = (uint64_t)(f[14] > 0 ? f[14] : 0) +
	    (uint64_t)(f[15] > 0 ? f[15] : 0);
	out->cticks = (uint64_t)(f[16] > 0 ? f[16] : 0) +
	    (uint64_t)(f[17] > 0 ? f[17] : 0);
	out->rss_kb = (uint64_t)(f[24] > 0 ? f[24] : 0) * page_kb;
	return 0;
}

int
procfs_usage(pid_t pid, struct procfs_usage *out)
{
	struct procfs_proc pr;
	char		   buf[2048];

	/* One read of /proc/PID/stat: no status or wchan here. */
	memset(out, 0, sizeof *out);
	if (pid <= 0 || procfs_read(pid, "stat", buf, sizeof buf) <= 0 ||
	    procfs_parse_stat(buf, procfs_page_kb(), &pr) == -1)
		return -1;
	out->state = pr.state;
	out->rss_kb = pr.rss_kb;
	out->cpu_s = procfs_seconds(pr.ticks);
	out->procs = 1;
	return 0;
}

/* Add pid's stat to t; 0, or -1 if it is gone. */
static int
procfs_table_add(struct procfs_table *t, pid_t pid, unsigned long page_kb)
{
	struct procfs_proc pr;
	char		   buf[2048];

	if (procfs_read(pid, "stat", buf, sizeof buf) <= 0 ||
	    procfs_parse_stat(buf, page_kb, &pr) == -1)
		return -1;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
	}
	t->v[t->n++] = pr;
	return 0;
}

int
procfs_table_read(struct procfs_table *t)
{
	struct dirent *de;
	unsigned long  page_kb = procfs_page_kb();
	char	      *ep;
	DIR	      *d;
	long	       pid;

	t->n = 0;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = strtol(de->d_name, &ep, 10);
		if (*ep == '\0' && pid > 0) /* gone meanwhile: skipped */
			(void)procfs_table_add(t, (pid_t)pid, page_kb);
	}
	closedir(d);
	return 0;
}

/*
 * The whole of /proc/PID/NAME into *buf (grown as needed, *cap its size;
 * the caller frees), NUL-terminated.  Returns its length, or -1.  For a
 * children file: gwd's own lists every worker, about 8 bytes each, so at
 * 4096 workers it is some 32 KB, and a fixed buffer would cut the list
 * (and maybe a pid in two).
 */
static ssize_t
procfs_read_all(pid_t pid, const char *name, char **buf, size_t *cap)
{
	char	path[128];
	ssize_t n;
	size_t	total = 0;
	int	fd;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (*cap - total < 2) {
			*cap = *cap ? *cap * 2 : 4096;
			*buf = xrealloc(*buf, *cap);
		}
		n = read(fd, *buf + total, *cap - 1 - total);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	close(fd);
	(*buf)[total] = '\0';
	return (ssize_t)total;
}

/* Queue the children of every thread of pid (/proc/PID/task/TID/children:
 * a child belongs to the thread that forked it). */
static void
procfs_push_children(pid_t pid, pid_t **q, size_t *qn, size_t *qcap, char **buf,
    size_t *cap)
{
	struct dirent *de;
	char	       path[64], *p, *ep;
	DIR	      *d;
	long	       c;

	snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return; /* gone meanwhile */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "task/%.20s/children", de->d_name);
		if (procfs_read_all(pid, path, buf, cap) < 0)
			continue; /* the thread is gone */
		for (p = *buf; *p != '\0'; p = ep) {
			c = strtol(p, &ep, 10);
			if (ep == p)
				break;
			if (c > 0) {
				if (*qn == *qcap) {
					*qcap = *qcap ? *qcap * 2 : 64;
					*q = xreallocarray(*q, *qcap,
					    sizeof **q);
				}
				(*q)[(*qn)++] = (pid_t)c;
			}
		}
	}
	closedir(d);
}

int
procfs_table_read_tree(struct procfs_table *t, pid_t root)
{
	unsigned long page_kb = procfs_page_kb();
	pid_t	     *q = NULL;
	size_t	      qn = 0, qcap = 0, i, cap = 0;
	char	      path[64], *buf = NULL;

	/* Without CONFIG_PROC_CHILDREN: every process, as before. */
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children",
	    (long)getpid(), (long)getpid());
	if (access(path, R_OK) == -1)
		return procfs_table_read(t);
	t->n = 0;
	if (procfs_table_add(t, root, page_kb) == -1)
		return -1;
	procfs_push_children(root, &q, &qn, &qcap, &buf, &cap);
	/* Breadth first; a pid seen twice (reused meanwhile) is read once
	 * more at worst, and the tree walk below copes with it. */
	for (i = 0; i < qn && i < PROCFS_TREE_MAX; i++)
		if (procfs_table_add(t, q[i], page_kb) == 0)
			procfs_push_children(q[i], &q, &qn, &qcap, &buf, &cap);
	free(q);
	free(buf);
	return 0;
}

void
procfs_table_free(struct procfs_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static int
procfs_cmp_proc(const void *a, const void *b)
{
	pid_t x = ((const struct procfs_proc *)a)->pid;
	pid_t y = ((const struct procfs_proc *)b)->pid;

	return x < y ? -1 : x > y;
}

struct procfs_root {
	pid_t  pid;
	size_t i; /* index in roots[] */
};

static int
procfs_cmp_root(const void *a, const void *b)
{
	pid_t x = ((const struct procfs_root *)a)->pid;
	pid_t y = ((const struct procfs_root *)b)->pid;

	return x < y ? -1 : x > y;
}

/* The index in roots[] of the tree pid is the root of, or -1. */
static long
procfs_root_of(const struct procfs_root *r, size_t nr, pid_t pid)
{
	struct procfs_root	  key = { pid, 0 };
	const struct procfs_root *hit;

	if (pid <= 0)
		return -1;
	hit = bsearch(&key, r, nr, sizeof *r, procfs_cmp_root);
	return hit != NULL ? (long)hit->i : -1;
}

/* The index in t of pid, or -1. */
static long
procfs_find(const struct procfs_table *t, pid_t pid)
{
	struct procfs_proc	  key;
	const struct procfs_proc *hit;

	key.pid = pid;
	hit = bsearch(&key, t->v, t->n, sizeof *t->v, procfs_cmp_proc);
	return hit != NULL ? hit - t->v : -1;
}

/* Deeper trees than this are cut (and a pid-reuse loop in a snapshot is
 * harmless). */
#define PROCFS_MAX_DEPTH 256
#define PROCFS_UNKNOWN	 (-2)

void
procfs_tree_usage(struct procfs_table *t, const pid_t *roots, size_t n,
    pid_t stop, struct procfs_usage *out)
{
	struct procfs_root *r;
	uint64_t	   *ticks;
	long		   *owner, path[PROCFS_MAX_DEPTH], o, k;
	size_t		    i, nr = 0, depth, j;

	memset(out, 0, n * sizeof *out);
	if (n == 0 || t->n == 0)
		return;
	r = xcalloc(n, sizeof *r);
	for (i = 0; i < n; i++)
		if (roots[i] > 0) {
			r[nr].pid = roots[i];
			r[nr++].i = i;
		}
	qsort(r, nr, sizeof *r, procfs_cmp_root);
	qsort(t->v, t->n, sizeof *t->v, procfs_cmp_proc);
	owner = xcalloc(t->n, sizeof *owner);
	for (i = 0; i < t->n; i++)
		owner[i] = PROCFS_UNKNOWN;
	ticks = xcalloc(n, sizeof *ticks);

	/*
	 * Each process is the root's if it is the root or in the root's
	 * process group, else its parent's; walk up until one is known and
	 * remember the answer on the way down, so the whole table costs
	 * O(n log n) however the trees are shaped.
	 */
	for (i = 0; i < t->n; i++) {
		k = (long)i;
		depth = 0;
		o = -1;
		while (owner[k] == PROCFS_UNKNOWN) {
			const struct procfs_proc *pr = &t->v[k];

			if ((o = procfs_root_of(r, nr, pr->pid)) >= 0 ||
			    (o = procfs_root_of(r, nr, pr->pgid)) >= 0) {
				owner[k] = o;
				break;
			}
			if (pr->ppid <= 1 || pr->ppid == stop ||
			    depth == PROCFS_MAX_DEPTH ||
			    (o = procfs_find(t, pr->ppid)) < 0) {
				owner[k] = o = -1;
				break;
			}
			path[depth++] = k;
			k = o;
		}
		o = owner[k];
		for (j = 0; j < depth; j++)
			owner[path[j]] = o;
	}
	for (i = 0; i < t->n; i++) {
		if ((o = owner[i]) < 0)
			continue;
		out[o].rss_kb += t->v[i].rss_kb;
		ticks[o] += t->v[i].ticks + t->v[i].cticks;
		out[o].procs++;
		if (t->v[i].pid == roots[o])
			out[o].state = t->v[i].state;
	}
	for (i = 0; i < n; i++) {
		/* A group without its leader is not the worker. */
		if (out[i].state == 0)
			memset(&out[i], 0, sizeof out[i]);
		else
			out[i].cpu_s = procfs_seconds(ticks[i]);
	}
	free(ticks);
	free(owner);
	free(r);
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
	char buf[1024], *f, *ep;
	long ppid;

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
