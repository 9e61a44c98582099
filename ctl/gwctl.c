/* gwctl.c: the control client. */
#include "config.h"

#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "gwctl: not built yet\n");
	return 1;
}
