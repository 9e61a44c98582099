/*
 * sampling.h: the workers' memory and CPU, read from /proc.
 *
 * One scan of gwd's process subtree gives every live worker's usage (its
 * whole tree: process group and descendants).  This file owns the sample
 * timer, the scan in flight and the table of the last scans
 * (usage_table.h); it borrows the pool (given to sampling_start) and
 * reads the configuration through supervisor_config().
 *
 * A scan costs about 110 ms at 4096 workers, so it never runs on the
 * event loop: the main thread snapshots the live workers' pids, a thread
 * of its own walks /proc into a private result (no pool, no log, no
 * libevent), and an eventfd watched by the loop brings it back.  One scan
 * at a time.  On the main thread the result is merged into the table and,
 * for a periodic sample, reported.
 *
 * Two kinds of readers, two paths:
 * - the periodic sample (every --stats-interval, when --max-worker-memory
 *   or the stats database needs it) is the one that reports facts: it
 *   writes rss_kb, cpu_s and sampled_at into the pool's records (the
 *   planner recycles on rss_kb), feeds the stats writer, then calls the
 *   supervisor's callback so the planner runs;
 * - read-only requests (the `workers` command, /metrics, /api/workers)
 *   call sampling_wait(): if the table is stale they answer later, once a
 *   scan is in (or SAMPLING_WAIT_MS has passed), and never touch the
 *   pool.
 *
 * Main thread only (the sampling thread is internal).
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
/* Join the scan in flight, free the timer, the table and the waiting
 * readers (not answered: gwd is going away). */
void	 sampling_stop(void);
/*
 * Join the scan in flight, if any, so that no thread runs across an exec
 * (the upgrade).  Its result stays for the loop: if the exec fails, the
 * loop takes it as usual.  Blocks for what is left of one scan.
 */
void	 sampling_quiesce(void);

/* How old a usage may be for readers: the stats interval, at least 1 s
 * (ms). */
uint64_t sampling_fresh_ms(void);
/*
 * For a reader about to show usages: 1 if the table holds a usage at
 * most sampling_fresh_ms() old for every live worker (answer now), or if
 * sampling is not started.  Else 0: a scan begins (after the one in
 * flight, whose snapshot may miss a worker), and done(arg) runs later on
 * the main thread, once that scan is in or after SAMPLING_WAIT_MS,
 * whichever comes first; then answer with what the table holds.
 */
#define SAMPLING_WAIT_MS 2000
int	 sampling_wait(void (*done)(void *), void *arg);
/* The reader of done(arg) went away: forget its waits (none: nothing). */
void	 sampling_wait_cancel(void (*done)(void *), void *arg);
/*
 * Make the table fresh now, blocking: finish the scan in flight, then one
 * more scan if some worker's usage is still stale.  Returns
 * sampling_fresh_ms().  Not for the event loop (it waits for /proc): for
 * callers without a loop, such as the unit tests.
 */
uint64_t sampling_refresh(void);
/*
 * The usage of w from the table if it is at most fresh ms old at now:
 * 1 with *rss_kb (KiB) and *cpu_s (seconds) set, else 0.
 */
int	 sampling_usage(const struct worker *, uint64_t now, uint64_t fresh,
	 uint64_t *rss_kb, double *cpu_s);

#endif
