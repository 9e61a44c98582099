/* check_control_main.c: runs the control socket's suites against the fake
 * supervisor (fake_supervisor.c). */
#include "config.h"

#include <stdlib.h>

#include "control_suites.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(make_suite_commands());
	srunner_add_suite(sr, make_suite_control());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
