/* check_main.c: runs every unit suite (one per module, see suites.h). */
#include "config.h"

#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	Suite	*(*makers[])(void) = {
		make_suite_parse,
		make_suite_http_parser,
		make_suite_http_path,
	};
	SRunner	*sr;
	size_t	 i;
	int	 failed;

	sr = srunner_create(NULL);
	for (i = 0; i < sizeof makers / sizeof makers[0]; i++)
		srunner_add_suite(sr, makers[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
