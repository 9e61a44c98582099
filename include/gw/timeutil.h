/*
 * timeutil.h: the clocks gwd, gwctl and gwd-http read, and conversions
 * between gwd's unit of time (milliseconds in a uint64_t) and the
 * structs the system calls take.
 */
#ifndef GW_TIMEUTIL_H
#define GW_TIMEUTIL_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: deadlines and durations. */
uint64_t gw_now_ms(void);
/* Seconds of CLOCK_REALTIME, with fractions: timestamps people read. */
double	 gw_wall_time(void);

#endif
