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
	uint64_t	rss_kb;		/* VmRSS */
	double		cpu_s;		/* utime + stime */
	char		state;		/* R, S, D, Z, T, ... */
};

/* Fill *out for pid; returns 0, or -1 if the process is gone/unreadable. */
int	 procfs_usage(pid_t, struct procfs_usage *);
/* What a sleeping process waits in ("" if running); 0 or -1. */
int	 procfs_wchan(pid_t, char *, size_t);
/* The parent pid of pid, or -1 (used to map a datagram to a worker). */
pid_t	 procfs_ppid(pid_t);

#endif
