/*
 * procfs.h: what /proc says about a process: resident memory, CPU time,
 * state and wchan.  The only file that reads /proc.  Reads are of procfs
 * (no disk wait), so they are allowed on the main thread.
 */
#ifndef GWD_PROCFS_H
#define GWD_PROCFS_H

#include <sys/types.h>
#include <stdint.h>

struct procfs_usage {
	uint64_t rss_kb; /* VmRSS */
	double	 cpu_s;	 /* utime + stime */
	char	 state;	 /* R, S, D, Z, T, ... */
	unsigned procs;	 /* procfs_tree_usage: processes counted,
					   0 = the root is gone */
};

/* Fill *out for pid; returns 0, or -1 if the process is gone/unreadable. */
int procfs_usage(pid_t, struct procfs_usage *);

/* One process, as its /proc/PID/stat shows it. */
struct procfs_proc {
	pid_t	 pid, ppid, pgid;
	char	 state;
	uint64_t rss_kb;
	uint64_t ticks;	 /* utime + stime: its own threads */
	uint64_t cticks; /* cutime + cstime: the children it
					   has reaped, and theirs */
};

/* Every process on the system: one snapshot, one read per process. */
struct procfs_table {
	struct procfs_proc *v;
	size_t		    n, cap;
};

/*
 * Parse the text of a /proc/PID/stat (pure; the command name may hold
 * spaces and parentheses).  page_kb is the page size in KiB.  0, or -1 if
 * the text is not a stat line.
 */
int procfs_parse_stat(const char *, unsigned long page_kb,
    struct procfs_proc *);
/*
 * Read every /proc/PID/stat into t (emptied first; processes that vanish
 * meanwhile are skipped).  One pass over /proc however many workers there
 * are.  0, or -1 if /proc cannot be read.
 */
int procfs_table_read(struct procfs_table *);
/*
 * Read root and its descendants only, following
 * /proc/PID/task/TID/children, into t (emptied first): gwd is its workers'
 * subreaper, so their whole trees are below it, and the cost is that of
 * the workers' processes, not of every process on the host.  At most
 * PROCFS_TREE_MAX processes.  Falls back to procfs_table_read() on a
 * kernel without children files.  0, or -1 if root is gone.
 */
#define PROCFS_TREE_MAX (1 << 20)
int   procfs_table_read_tree(struct procfs_table *, pid_t root);
void  procfs_table_free(struct procfs_table *);
/*
 * The usage of n process trees (pure; sorts t by pid).  out[i] sums every
 * process that belongs to roots[i]: the root itself, the members of its
 * process group (a worker leads its own), and every descendant of one of
 * them, by parent pid, stopping at stop (gwd) and pid 1.  rss_kb is the
 * sum of their RSS; cpu_s the sum of utime + stime + cutime + cstime, so
 * children that have exited and been reaped inside the tree still count;
 * state is the root's; procs how many processes were counted (0: the root
 * is not in t).  A root of 0 or less is skipped.
 */
void  procfs_tree_usage(struct procfs_table *, const pid_t *roots, size_t n,
     pid_t stop, struct procfs_usage *out);
/* What a sleeping process waits in ("" if running); 0 or -1. */
int   procfs_wchan(pid_t, char *, size_t);
/* The parent pid of pid, or -1 (used to map a datagram to a worker). */
pid_t procfs_ppid(pid_t);

#endif
