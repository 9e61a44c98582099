/* check_main.c: runs every unit suite (one per module, see suites.h). */
#include "config.h"

#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	Suite	*(*makers[])(void) = {
		make_suite_parse,
		make_suite_plan,
		make_suite_output,
		make_suite_notify,
		make_suite_events,
		make_suite_log,
		make_suite_spawn,
		make_suite_config,
		make_suite_listeners,
		make_suite_statsdb,
		make_suite_stats,
		make_suite_procfs,
		make_suite_render_stats,
		make_suite_render,
		make_suite_paths,
		make_suite_http_parser,
		make_suite_http_path,
		make_suite_top_rows,
		make_suite_hooks,
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
