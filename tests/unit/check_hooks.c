/* check_hooks.c: --hook parsing, printing, validation and environment. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/parse.h"
#include "gw/util.h"
#include "hooks.h"
#include "options.h"
#include "suites.h"
#include "validate.h"

static struct gw_config *
load2(char **err, const char *a, const char *b, const char *c,
    const char *d)
{
	char			*argv[6];
	int			 argc = 0;
	struct gw_config	*cfg = NULL;
	enum config_action	 act;

	argv[argc++] = (char *)"gwd";
	if (a != NULL)
		argv[argc++] = (char *)a;
	if (b != NULL)
		argv[argc++] = (char *)b;
	if (c != NULL)
		argv[argc++] = (char *)c;
	if (d != NULL)
		argv[argc++] = (char *)d;
	argv[argc] = NULL;
	*err = NULL;
	if (config_load(argc, argv, &cfg, &act, err) == -1)
		return NULL;
	return cfg;
}

static char *
write_conf(const char *text)
{
	char	*path = xstrdup("/tmp/check_hooks.XXXXXX");
	int	 fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	return path;
}

static const char *
env_get(char **v, const char *key)
{
	size_t	len = strlen(key), i;

	for (i = 0; v[i] != NULL; i++)
		if (strncmp(v[i], key, len) == 0 && v[i][len] == '=')
			return v[i] + len + 1;
	return NULL;
}

START_TEST(test_event_names)
{
	ck_assert_int_ge(hooks_event_index("ready"), 0);
	ck_assert_int_ge(hooks_event_index("worker_timeout"), 0);
	ck_assert_int_ge(hooks_event_index("stop"), 0);
	ck_assert_int_eq(hooks_event_index("exit"), -1);
	ck_assert_int_eq(hooks_event_index(""), -1);
}
END_TEST

START_TEST(test_parse_command_line)
{
	struct gw_config	*cfg;
	char			*err, *text, **words;
	const char		*perr;
	json_t			*j;

	cfg = load2(&err, "--hook", "ready=/bin/echo 'a b' c", "--hook",
	    "worker_exit=true");
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nhooks, 2);
	ck_assert_str_eq(cfg->hooks[0].event, "ready");
	ck_assert_str_eq(cfg->hooks[0].argv[0], "/bin/echo");
	ck_assert_str_eq(cfg->hooks[0].argv[1], "a b");
	ck_assert_str_eq(cfg->hooks[0].argv[2], "c");
	ck_assert_ptr_null(cfg->hooks[0].argv[3]);
	ck_assert_str_eq(cfg->hooks[0].origin, "--hook");
	ck_assert_str_eq(cfg->hooks[1].event, "worker_exit");
	ck_assert_uint_eq(cfg->hook_timeout_ms, 30000);
	/* The `config` command: "EVENT=CMD" strings that split back. */
	j = config_to_json(cfg);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j,
	    "hook"), 0)), "ready=/bin/echo 'a b' c");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j,
	    "hook"), 1)), "worker_exit=true");
	json_decref(j);
	config_free(cfg);
	cfg = load2(&err, "--hook", "stop=/bin/x \"it's\" '' $HOME", NULL,
	    NULL);
	ck_assert_msg(cfg != NULL, "%s", err);
	text = options_words_text(cfg->hooks[0].argv);
	ck_assert_str_eq(text, "/bin/x 'it'\\''s' '' '$HOME'");
	ck_assert_int_eq(parse_words(text, &words, &perr), 4);
	ck_assert_str_eq(words[1], "it's");
	ck_assert_str_eq(words[2], "");
	ck_assert_str_eq(words[3], "$HOME");
	parse_words_free(words);
	free(text);
	config_free(cfg);
}
END_TEST

START_TEST(test_parse_errors)
{
	char	*err;

	ck_assert_ptr_null(load2(&err, "--hook", "exit=/bin/true", NULL,
	    NULL));
	ck_assert_str_eq(err, "--hook: unknown event 'exit': expected one of "
	    "ready, reload, worker_exit, worker_timeout, scale, backoff, "
	    "stop");
	free(err);
	ck_assert_ptr_null(load2(&err, "--hook", "/bin/true", NULL, NULL));
	ck_assert_str_eq(err, "--hook: /bin/true: expected EVENT=CMD");
	free(err);
	ck_assert_ptr_null(load2(&err, "--hook", "ready=", NULL, NULL));
	ck_assert_str_eq(err, "--hook: empty command");
	free(err);
	ck_assert_ptr_null(load2(&err, "--hook", "ready='x", NULL, NULL));
	ck_assert_ptr_nonnull(err);
	free(err);
	ck_assert_ptr_null(load2(&err, "--hook-timeout", "0", NULL, NULL));
	ck_assert_ptr_nonnull(err);
	free(err);
}
END_TEST

/* In the file: each hook keeps its line; the command line's replace the
 * file's; --check-config prints what reads back the same. */
START_TEST(test_file_origin_print)
{
	struct gw_config	*cfg, *again;
	char			*path, *err, *buf = NULL, *path2;
	size_t			 len = 0;
	FILE			*f;

	path = write_conf("workers = 2\n"
	    "hook = ready=/bin/echo \"up now\"\n"
	    "hook = stop=/bin/true # comment\n"
	    "hook-timeout = 5s\n");
	cfg = load2(&err, "-c", path, NULL, NULL);
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nhooks, 2);
	ck_assert_uint_eq(cfg->hook_timeout_ms, 5000);
	ck_assert_str_eq(cfg->hooks[0].argv[1], "up now");
	ck_assert_ptr_nonnull(strstr(cfg->hooks[0].origin, ":2"));
	ck_assert_ptr_nonnull(strstr(cfg->hooks[1].origin, ":3"));
	ck_assert_ptr_null(cfg->hooks[1].argv[1]);
	f = open_memstream(&buf, &len);
	config_print(f, cfg);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf,
	    "hook = \"ready=/bin/echo 'up now'\"\n"));
	ck_assert_ptr_nonnull(strstr(buf, "hook = stop=/bin/true\n"));
	path2 = write_conf(buf);
	again = load2(&err, "-c", path2, NULL, NULL);
	ck_assert_msg(again != NULL, "%s", err);
	ck_assert_uint_eq(again->nhooks, 2);
	ck_assert_str_eq(again->hooks[0].argv[1], "up now");
	config_free(again);
	config_free(cfg);
	cfg = load2(&err, "-c", path, "--hook", "scale=/bin/true");
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nhooks, 1);
	ck_assert_str_eq(cfg->hooks[0].event, "scale");
	config_free(cfg);
	unlink(path);
	unlink(path2);
	free(path);
	free(path2);
	free(buf);
}
END_TEST

/* A hook that can never run is refused, naming where it was given. */
START_TEST(test_validate)
{
	struct gw_config	*cfg;
	char			*err, *path, *want;

	cfg = load2(&err, "--hook", "ready=/bin/true", "--command",
	    "/bin/true");
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(validate_config(cfg, NULL, &err), 0);
	config_free(cfg);
	cfg = load2(&err, "--hook", "ready=sh -c true", "--command",
	    "/bin/true");
	ck_assert_int_eq(validate_config(cfg, NULL, &err), 0);
	config_free(cfg);

	cfg = load2(&err, "--hook", "stop=no-such-program-gwd x", "--command",
	    "/bin/true");
	ck_assert_int_eq(validate_config(cfg, NULL, &err), -1);
	ck_assert_str_eq(err, "--hook: stop: no-such-program-gwd: not found "
	    "in PATH");
	free(err);
	config_free(cfg);

	path = write_conf("hook = ready=/bin/true\n"
	    "hook = worker_exit=/etc/passwd\n");
	cfg = load2(&err, "-c", path, "--command", "/bin/true");
	ck_assert_int_eq(validate_config(cfg, NULL, &err), -1);
	want = xasprintf("%s:2: hook: worker_exit: cannot run /etc/passwd: "
	    "Permission denied", path);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
	config_free(cfg);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_environ)
{
	char *base[] = { "PATH=/usr/bin:/bin", "NOTIFY_SOCKET=/run/x",
	    "LISTEN_FDS=2", "LISTEN_PID=3", "WATCHDOG_USEC=1",
	    "GWD_WORKER_ID=9", "HOME=/root", NULL };
	struct hook_facts	 f;
	char			**v;

	memset(&f, 0, sizeof f);
	f.event = "worker_timeout";
	f.generation = 4;
	f.worker_id = 2;
	f.worker_pid = 1234;
	f.reason = "timeout";
	f.exit_status = -1;
	f.extra[0] = "GWD_TARGET=3";
	v = hooks_environ(base, "web", 77, &f);
	ck_assert_str_eq(env_get(v, "PATH"), "/usr/bin:/bin");
	ck_assert_str_eq(env_get(v, "HOME"), "/root");
	ck_assert_ptr_null(env_get(v, "NOTIFY_SOCKET"));
	ck_assert_ptr_null(env_get(v, "LISTEN_FDS"));
	ck_assert_ptr_null(env_get(v, "LISTEN_PID"));
	ck_assert_ptr_null(env_get(v, "WATCHDOG_USEC"));
	ck_assert_str_eq(env_get(v, "GWD_EVENT"), "worker_timeout");
	ck_assert_str_eq(env_get(v, "GWD_NAME"), "web");
	ck_assert_str_eq(env_get(v, "GWD_MASTER_PID"), "77");
	ck_assert_str_eq(env_get(v, "GWD_GENERATION"), "4");
	ck_assert_str_eq(env_get(v, "GWD_WORKER_ID"), "2");
	ck_assert_str_eq(env_get(v, "GWD_WORKER_PID"), "1234");
	ck_assert_str_eq(env_get(v, "GWD_REASON"), "timeout");
	ck_assert_str_eq(env_get(v, "GWD_TARGET"), "3");
	ck_assert_ptr_null(env_get(v, "GWD_EXIT_STATUS"));
	ck_assert_ptr_null(env_get(v, "GWD_SIGNAL"));
	parse_words_free(v);

	memset(&f, 0, sizeof f);
	f.event = "worker_exit";
	f.worker_id = 1;
	f.worker_pid = 5;
	f.reason = "crash";
	f.exit_status = -1;
	f.signal = 11;
	v = hooks_environ(NULL, "gwd", 1, &f);
	ck_assert_str_eq(env_get(v, "GWD_SIGNAL"), "SIGSEGV");
	ck_assert_ptr_null(env_get(v, "GWD_EXIT_STATUS"));
	parse_words_free(v);
	f.signal = 0;
	f.exit_status = 0;
	f.result = "ok";
	v = hooks_environ(NULL, "gwd", 1, &f);
	ck_assert_str_eq(env_get(v, "GWD_EXIT_STATUS"), "0");
	ck_assert_str_eq(env_get(v, "GWD_RESULT"), "ok");
	parse_words_free(v);
}
END_TEST

Suite *
make_suite_hooks(void)
{
	Suite	*s = suite_create("hooks");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_event_names);
	tcase_add_test(tc, test_parse_command_line);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_file_origin_print);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_environ);
	suite_add_tcase(s, tc);
	return s;
}
