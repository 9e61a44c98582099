/*
 * sampling.h: the workers' memory and CPU, read from /proc.
 *
 * One scan of gwd's process subtree gives every live worker's usage (its
 * whole tree: process group and descendants).  This file owns the sample
 * timer and the last scan, a table of usage by worker; it borrows the
 * pool (given to sampling_start) and reads the configuration through
 * supervisor_config().
 *
 * Two kinds of readers, two paths:
 * - the periodic sample (every --stats-interval, when --max-worker-memory
 *   or the stats database needs it) is the one that reports facts: it
 *   writes rss_kb, cpu_s and sampled_at into the pool's records (the
 *   planner recycles on rss_kb), feeds the stats writer, then calls the
 *   supervisor's callback so the planner runs;
 * - read-only requests (the `workers` command, /metrics) call
 *   sampling_refresh() and sampling_usage(): they may renew the table if
 *   it is stale, but never touch the pool.
 *
 * Main thread only.
 */
#ifndef GWD_SAMPLING_H
#define GWD_SAMPLING_H

#include <sys/types.h>

#include <stdint.h>

#include <event2/event.h>

struct pool;
struct worker;

/* Set up the timer on base; pool is borrowed for as long as gwd runs;
 * master is gwd's pid (the root of the scan).  sampled() runs after each
 * periodic sample, once its facts are in the pool. */
void	 sampling_start(struct event_base *, struct pool *, pid_t master,
	     void (*sampled)(void));
/* Arm the next periodic sample, or disarm it if nobody needs it (the
 * configuration may have changed). */
void	 sampling_arm(void);
/* Free the timer and the table. */
void	 sampling_stop(void);

/*
 * Make the table fresh for every live worker: one scan of /proc for all
 * of them if some worker's usage is older than the stats interval (at
 * least 1 s) or missing, else nothing.  Returns that age limit in ms.
 */
uint64_t sampling_refresh(void);
/*
 * The usage of w from the table if it is at most fresh ms old at now:
 * 1 with *rss_kb (KiB) and *cpu_s (seconds) set, else 0.
 */
int	 sampling_usage(const struct worker *, uint64_t now, uint64_t fresh,
	     uint64_t *rss_kb, double *cpu_s);

#endif
