/*
 * timeutil.h: the clocks gwd, gwctl and gwd-http read, and conversions
 * between gwd's unit of time (milliseconds in a uint64_t) and the
 * structs the system calls take.
 */
#ifndef GW_TIMEUTIL_H
#define GW_TIMEUTIL_H

#include <sys/time.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC: deadlines and durations. */
uint64_t       gw_now_ms(void);
/* Seconds of CLOCK_REALTIME, with fractions: timestamps people read. */
double	       gw_wall_time(void);

/* ms as a struct timeval: a relative timeout for libevent or select. */
struct timeval gw_ms_to_timeval(uint64_t ms);
/* The time ms from now on clock clk, as pthread_cond_timedwait wants it. */
void gw_timespec_after_ms(clockid_t clk, uint64_t ms, struct timespec *);

#endif
