/*
 * usage_table.h: the table of the workers' memory and CPU that the last
 * /proc scans found, keyed by (pid, worker id).  Pure: no I/O, no clock,
 * no pool; sampling.c owns the one table gwd has and merges each scan's
 * result into it on the main thread.
 */
#ifndef GWD_USAGE_TABLE_H
#define GWD_USAGE_TABLE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct procfs_usage;

/* One worker's usage in the last scan that found it. */
struct usage {
	pid_t	 pid;
	int	 id;	 /* the worker record's id */
	uint64_t rss_kb; /* KiB, its whole tree */
	double	 cpu_s;	 /* seconds, its whole tree */
	uint64_t at;	 /* monotonic ms the scan was asked at */
};

/* The table owns v (sorted by pid); { NULL, 0 } is an empty table. */
struct usage_table {
	struct usage *v;
	size_t	      n;
};

/* A worker a scan was asked about: a live record's pid and id. */
struct usage_root {
	pid_t pid;
	int   id;
};

/*
 * Merge one scan into t: for each of the n roots, out[i] is what the
 * scan found (procfs_tree_usage: procs 0 = not found).  A root found gets
 * an entry as of at; a root not found keeps its older entry, if any;
 * every other entry (workers the scan was not asked about: gone) is
 * dropped.  Roots with a pid of 0 or less are skipped.
 */
void usage_table_merge(struct usage_table *t, const struct usage_root *roots,
    const struct procfs_usage *out, size_t n, uint64_t at);
/* The entry of the worker (pid, id), or NULL (the pid may be another
 * worker's by now: the id must match too). */
const struct usage *usage_table_find(const struct usage_table *, pid_t, int id);
/* Empty t and free its entries. */
void		    usage_table_clear(struct usage_table *);

#endif
