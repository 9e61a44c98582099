/* main.c: parse, validate, daemonize, hand over to the supervisor. */
#include "config.h"

#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "gwd: not built yet\n");
	return 1;
}
