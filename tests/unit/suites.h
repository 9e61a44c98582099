/* suites.h: every Check suite of tests/unit, one maker per module. */
#ifndef GW_TEST_SUITES_H
#define GW_TEST_SUITES_H

#include <check.h>

Suite	*make_suite_parse(void);
Suite	*make_suite_plan(void);
Suite	*make_suite_output(void);
Suite	*make_suite_notify(void);
Suite	*make_suite_events(void);
Suite	*make_suite_log(void);
Suite	*make_suite_spawn(void);
Suite	*make_suite_config(void);
Suite	*make_suite_listeners(void);
Suite	*make_suite_statsdb(void);
Suite	*make_suite_stats(void);
Suite	*make_suite_procfs(void);
Suite	*make_suite_render_stats(void);
Suite	*make_suite_render(void);
Suite	*make_suite_paths(void);
Suite	*make_suite_http_parser(void);
Suite	*make_suite_http_path(void);
Suite	*make_suite_top_rows(void);
Suite	*make_suite_hooks(void);

#endif
