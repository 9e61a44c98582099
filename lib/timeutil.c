/* timeutil.c: clocks and time conversions (see gw/timeutil.h). */
#include "config.h"

#include <time.h>

#include "gw/timeutil.h"

uint64_t
gw_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

double
gw_wall_time(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
