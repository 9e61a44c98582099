/* suites.h: every Check suite of tests/unit, one maker per module. */
#ifndef GW_TEST_SUITES_H
#define GW_TEST_SUITES_H

#include <check.h>

Suite	*make_suite_parse(void);
Suite	*make_suite_http_parser(void);
Suite	*make_suite_http_path(void);

#endif
