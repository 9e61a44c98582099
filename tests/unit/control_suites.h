/* control_suites.h: the suites of check_control (they link the fake
 * supervisor, so they are not in check_unit). */
#ifndef GW_CONTROL_SUITES_H
#define GW_CONTROL_SUITES_H

#include <check.h>

Suite	*make_suite_commands(void);
Suite	*make_suite_control(void);

#endif
