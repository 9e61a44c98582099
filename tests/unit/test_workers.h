/*
 * test_workers.h: real child processes as worker records, for the unit
 * tests that read /proc (check_sampling, check_smp_handover).  The test
 * process plays gwd: its children are the workers.
 */
#ifndef GWD_TEST_WORKERS_H
#define GWD_TEST_WORKERS_H

#include <stddef.h>

struct pool;

/* n children that wait to be killed, as ready worker records of p (p is
 * overwritten; free it with test_workers_reap). */
void	test_workers_spawn(struct pool *p, size_t n);
/* SIGKILL and reap every child of p, and free its records. */
void	test_workers_reap(struct pool *p);

#endif
