/*
 * check_commands.c: the command table.  Every argument of every command
 * through its validator (types, ranges, missing, extra), and every handler
 * against the fake supervisor: the right entry point, the right values,
 * the right result or error code, and the audit event.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/protocol.h"

#include "commands.h"
#include "events.h"
#include "fake_supervisor.h"
#include "control_suites.h"

/* Validate args (JSON text) for cmd; returns 0 or -1, message in *msg. */
static int
validate(const char *cmd, const char *args, char **msg)
{
	const struct command	*c = commands_find(cmd);
	json_t			*a;
	int			 rc;

	ck_assert_msg(c != NULL, "no command %s", cmd);
	a = json_loads(args, 0, NULL);
	ck_assert_msg(a != NULL, "bad test JSON %s", args);
	*msg = NULL;
	rc = c->validate(a, msg);
	json_decref(a);
	return rc;
}

static const struct vcase {
	const char	*cmd;
	const char	*args;
	int		 ok;
	const char	*msg;	/* substring of the message when !ok */
} vcases[] = {
	/* Commands without arguments refuse any. */
	{ "ping", "{}", 1, NULL },
	{ "ping", "{\"x\":1}", 0, "takes no arguments" },
	{ "version", "{\"verbose\":true}", 0, "takes no arguments" },
	{ "status", "{\"a\":null}", 0, "takes no arguments" },
	{ "workers", "{\"all\":1}", 0, "takes no arguments" },
	{ "config", "{\"k\":\"v\"}", 0, "takes no arguments" },
	{ "reopen_logs", "{\"x\":[]}", 0, "takes no arguments" },
	{ "subscribe", "{\"filter\":\"exit\"}", 0, "takes no arguments" },
	{ "status", "{}", 1, NULL },
	/* scale */
	{ "scale", "{\"workers\":8}", 1, NULL },
	{ "scale", "{\"workers\":0}", 1, NULL },
	{ "scale", "{\"workers\":4096}", 1, NULL },
	{ "scale", "{\"workers\":4097}", 0, "workers must be 0..4096" },
	{ "scale", "{\"workers\":-1}", 0, "workers must be 0..4096" },
	{ "scale", "{\"workers\":\"8\"}", 0, "workers must be an integer" },
	{ "scale", "{\"workers\":8.0}", 0, "workers must be an integer" },
	{ "scale", "{\"workers\":true}", 0, "workers must be an integer" },
	{ "scale", "{\"workers\":null}", 0, "workers must be an integer" },
	{ "scale", "{\"workers\":99999999999999}", 0, "0..4096" },
	{ "scale", "{\"delta\":3}", 1, NULL },
	{ "scale", "{\"delta\":-3}", 1, NULL },
	{ "scale", "{\"delta\":-4097}", 0, "delta must be -4096..4096" },
	{ "scale", "{\"delta\":\"+1\"}", 0, "delta must be an integer" },
	{ "scale", "{}", 0, "exactly one of 'workers' and 'delta'" },
	{ "scale", "{\"workers\":2,\"delta\":1}", 0, "exactly one" },
	{ "scale", "{\"workers\":2,\"n\":1}", 0, "unknown argument 'n'" },
	/* ttin, ttou */
	{ "ttin", "{}", 1, NULL },
	{ "ttin", "{\"n\":1}", 1, NULL },
	{ "ttin", "{\"n\":4096}", 1, NULL },
	{ "ttin", "{\"n\":0}", 0, "n must be 1..4096" },
	{ "ttin", "{\"n\":4097}", 0, "n must be 1..4096" },
	{ "ttin", "{\"n\":\"2\"}", 0, "n must be an integer" },
	{ "ttin", "{\"k\":2}", 0, "unknown argument 'k'" },
	{ "ttou", "{\"n\":2}", 1, NULL },
	{ "ttou", "{\"n\":-1}", 0, "n must be 1..4096" },
	{ "ttou", "{\"n\":1.5}", 0, "n must be an integer" },
	{ "ttou", "{\"workers\":1}", 0, "unknown argument" },
	/* reload */
	{ "reload", "{}", 1, NULL },
	{ "reload", "{\"wait\":true}", 1, NULL },
	{ "reload", "{\"wait\":false}", 1, NULL },
	{ "reload", "{\"wait\":1}", 0, "wait must be true or false" },
	{ "reload", "{\"wait\":\"yes\"}", 0, "wait must be true or false" },
	{ "reload", "{\"wait\":null}", 0, "wait must be true or false" },
	{ "reload", "{\"wait\":true,\"force\":true}", 0,
	    "unknown argument 'force'" },
	/* stop */
	{ "stop", "{}", 1, NULL },
	{ "stop", "{\"graceful\":false}", 1, NULL },
	{ "stop", "{\"graceful\":0}", 0, "graceful must be true or false" },
	{ "stop", "{\"quick\":true}", 0, "unknown argument 'quick'" },
	/* kill */
	{ "kill", "{\"worker\":3}", 1, NULL },
	{ "kill", "{\"pid\":1234}", 1, NULL },
	{ "kill", "{\"worker\":3,\"signal\":\"KILL\"}", 1, NULL },
	{ "kill", "{\"worker\":3,\"signal\":\"SIGHUP\"}", 1, NULL },
	{ "kill", "{\"worker\":3,\"signal\":9}", 1, NULL },
	{ "kill", "{\"worker\":3,\"signal\":0}", 0, "signal must be a signal" },
	{ "kill", "{\"worker\":3,\"signal\":65}", 0, "signal must be" },
	{ "kill", "{\"worker\":3,\"signal\":\"NOPE\"}", 0, "signal must be" },
	{ "kill", "{\"worker\":3,\"signal\":true}", 0, "signal must be" },
	{ "kill", "{\"worker\":0}", 0, "worker must be 1..4096" },
	{ "kill", "{\"worker\":\"3\"}", 0, "worker must be an integer" },
	{ "kill", "{\"pid\":0}", 0, "pid must be 1..2147483647" },
	{ "kill", "{\"pid\":-5}", 0, "pid must be" },
	{ "kill", "{\"pid\":2147483648}", 0, "pid must be" },
	{ "kill", "{}", 0, "exactly one of 'worker' and 'pid'" },
	{ "kill", "{\"signal\":\"TERM\"}", 0, "exactly one" },
	{ "kill", "{\"worker\":1,\"pid\":2}", 0, "exactly one" },
	{ "kill", "{\"worker\":1,\"sig\":9}", 0, "unknown argument 'sig'" },
};

START_TEST(test_validate)
{
	const struct vcase	*v = &vcases[_i];
	char			*msg;
	int			 rc;

	rc = validate(v->cmd, v->args, &msg);
	if (v->ok) {
		ck_assert_msg(rc == 0, "%s %s: %s", v->cmd, v->args, msg);
		ck_assert_ptr_null(msg);
	} else {
		ck_assert_msg(rc == -1, "%s %s accepted", v->cmd, v->args);
		ck_assert_ptr_nonnull(msg);
		ck_assert_msg(strstr(msg, v->msg) != NULL,
		    "%s %s: '%s' lacks '%s'", v->cmd, v->args, msg, v->msg);
	}
	free(msg);
}
END_TEST

START_TEST(test_table)
{
	static const char *all[] = { "ping", "version", "status", "workers",
	    "scale", "ttin", "ttou", "reload", "stop", "kill", "config",
	    "reopen_logs", "subscribe", "health", "upgrade", "stats" };
	const struct command	*t;
	size_t			 i, n;

	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		ck_assert_msg(commands_find(all[i]) != NULL, "%s", all[i]);
	ck_assert_ptr_nonnull(commands_find("stats"));
	ck_assert_ptr_null(commands_find("PING"));
	ck_assert_ptr_null(commands_find(""));
	/* The table and protocol.h agree on what is read-only. */
	t = commands_table(&n);
	ck_assert_uint_eq(n, sizeof all / sizeof all[0]);
	for (i = 0; i < n; i++)
		ck_assert_msg(t[i].read_only == commands_is_read_only(t[i].name),
		    "%s", t[i].name);
	ck_assert(commands_is_read_only("stats"));
	ck_assert(commands_is_read_only("health"));
	ck_assert(!commands_is_read_only("scale"));
}
END_TEST

/* Run cmd with args (JSON text) through the table. */
static enum cmd_status
run(const char *cmd, const char *args, struct cmd_reply *r)
{
	static struct cmd_ctx	 ctx;
	const struct command	*c = commands_find(cmd);
	json_t			*a = json_loads(args, 0, NULL);
	char			*msg = NULL;
	enum cmd_status		 st;

	ck_assert_ptr_nonnull(c);
	ck_assert_msg(c->validate(a, &msg) == 0, "%s: %s", cmd, msg);
	memset(r, 0, sizeof *r);
	st = c->run(&ctx, a, r);
	json_decref(a);
	return st;
}

static long long
iget(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	ck_assert_msg(json_is_integer(v), "%s missing", k);
	return json_integer_value(v);
}

START_TEST(test_run_scale)
{
	struct cmd_reply	r;

	fake_reset();
	ck_assert_int_eq(run("scale", "{\"workers\":8}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "target"), 8);
	ck_assert_int_eq(iget(r.result, "previous"), 4);
	ck_assert_uint_eq(fake.target, 8);
	json_decref(r.result);

	ck_assert_int_eq(run("scale", "{\"delta\":-3}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "target"), 5);
	ck_assert_int_eq(iget(r.result, "previous"), 8);
	json_decref(r.result);

	ck_assert_int_eq(run("scale", "{\"delta\":-6}", &r), CMD_ERROR);
	ck_assert_str_eq(r.code, GW_ERR_INVALID_ARGUMENT);
	ck_assert_ptr_nonnull(strstr(r.message, "target would be -1"));
	free(r.message);
	ck_assert_uint_eq(fake.target, 5);
	ck_assert_int_eq(fake.scale_calls, 2);

	fake.target = 4090;
	ck_assert_int_eq(run("scale", "{\"delta\":7}", &r), CMD_ERROR);
	free(r.message);

	fake.scale_fail = 1;
	ck_assert_int_eq(run("scale", "{\"workers\":3}", &r), CMD_ERROR);
	ck_assert_str_eq(r.code, GW_ERR_CONFLICT);
	free(r.message);
}
END_TEST

START_TEST(test_run_ttin_ttou)
{
	struct cmd_reply	r;

	fake_reset();
	ck_assert_int_eq(run("ttin", "{}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "target"), 5);
	json_decref(r.result);
	ck_assert_int_eq(run("ttin", "{\"n\":12}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "target"), 17);
	ck_assert_int_eq(iget(r.result, "previous"), 5);
	json_decref(r.result);
	ck_assert_int_eq(run("ttou", "{\"n\":10}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "target"), 7);
	json_decref(r.result);
	/* Not below 1, like TTOU. */
	ck_assert_int_eq(run("ttou", "{\"n\":100}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "target"), 1);
	json_decref(r.result);
	/* A stopped pool (target 0) does not grow from ttou. */
	fake.target = 0;
	ck_assert_int_eq(run("ttou", "{}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "target"), 0);
	json_decref(r.result);
	/* ttin is clamped to the maximum. */
	fake.target = 4095;
	ck_assert_int_eq(run("ttin", "{\"n\":5}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "target"), 4096);
	json_decref(r.result);
}
END_TEST

START_TEST(test_run_others)
{
	struct cmd_reply	r;

	fake_reset();
	ck_assert_int_eq(run("ping", "{}", &r), CMD_OK);
	ck_assert(json_is_true(json_object_get(r.result, "pong")));
	json_decref(r.result);

	ck_assert_int_eq(run("version", "{}", &r), CMD_OK);
	ck_assert_str_eq(json_string_value(json_object_get(r.result,
	    "version")), PACKAGE_VERSION);
	ck_assert_int_eq(iget(r.result, "protocol"), GW_PROTOCOL_VERSION);
	json_decref(r.result);

	ck_assert_int_eq(run("status", "{}", &r), CMD_OK);
	ck_assert_str_eq(json_string_value(json_object_get(r.result,
	    "name")), "fake");
	json_decref(r.result);

	ck_assert_int_eq(run("workers", "{}", &r), CMD_OK);
	ck_assert_int_eq(json_array_size(json_object_get(r.result,
	    "workers")), 1);
	json_decref(r.result);

	ck_assert_int_eq(run("config", "{}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "workers"), 4);
	json_decref(r.result);

	ck_assert_int_eq(run("reopen_logs", "{}", &r), CMD_OK);
	ck_assert_int_eq(fake.reopen_calls, 1);
	json_decref(r.result);

	ck_assert_int_eq(run("stop", "{}", &r), CMD_OK);
	ck_assert_int_eq(fake.stop_calls, 1);
	ck_assert_int_eq(fake.stop_graceful, 1);
	json_decref(r.result);
	ck_assert_int_eq(run("stop", "{\"graceful\":false}", &r), CMD_OK);
	ck_assert_int_eq(fake.stop_graceful, 0);
	json_decref(r.result);
}
END_TEST

START_TEST(test_run_kill)
{
	struct cmd_reply	r;

	fake_reset();
	ck_assert_int_eq(run("kill", "{\"worker\":3}", &r), CMD_OK);
	ck_assert_int_eq(fake.kill_id, 3);
	ck_assert_int_eq(fake.kill_pid, 0);
	ck_assert_int_eq(fake.kill_sig, SIGTERM);
	ck_assert_int_eq(iget(r.result, "pid"), 4242);
	json_decref(r.result);

	ck_assert_int_eq(run("kill", "{\"pid\":777,\"signal\":\"SIGKILL\"}",
	    &r), CMD_OK);
	ck_assert_int_eq(fake.kill_id, 0);
	ck_assert_int_eq(fake.kill_pid, 777);
	ck_assert_int_eq(fake.kill_sig, SIGKILL);
	json_decref(r.result);

	ck_assert_int_eq(run("kill", "{\"worker\":2,\"signal\":1}", &r),
	    CMD_OK);
	ck_assert_int_eq(fake.kill_sig, SIGHUP);
	json_decref(r.result);

	ck_assert_int_eq(run("kill", "{\"worker\":99}", &r), CMD_ERROR);
	ck_assert_str_eq(r.code, GW_ERR_NOT_FOUND);
	ck_assert_str_eq(r.message, "no live worker with id 99");
	free(r.message);
	ck_assert_int_eq(run("kill", "{\"pid\":99999}", &r), CMD_ERROR);
	ck_assert_str_eq(r.code, GW_ERR_NOT_FOUND);
	free(r.message);
}
END_TEST

START_TEST(test_run_reload)
{
	struct cmd_reply	r;

	fake_reset();
	ck_assert_int_eq(run("reload", "{}", &r), CMD_OK);
	ck_assert_int_eq(iget(r.result, "generation"), 2);
	json_decref(r.result);
	fake.reload_fail = 1;
	ck_assert_int_eq(run("reload", "{\"wait\":true}", &r), CMD_ERROR);
	ck_assert_str_eq(r.code, GW_ERR_CONFLICT);
	ck_assert_str_eq(r.message, "gwd.conf:3: workers: expected a number");
	free(r.message);
	ck_assert_int_eq(fake.reload_calls, 2);
	ck_assert_uint_eq(fake.generation, 2);
}
END_TEST

static json_t	*seen;

static void
keep_event(const struct gw_event *ev, void *arg)
{
	(void)arg;
	if (strcmp(ev->event, "control") == 0) {
		json_decref(seen);
		seen = events_to_json(ev);
	}
}

START_TEST(test_audit)
{
	struct cmd_ctx	 ctx;
	json_t		*args = json_pack("{s:i}", "workers", 3), *d;

	fake_reset();
	memset(&ctx, 0, sizeof ctx);
	ctx.peer.uid = 1000;
	ctx.peer.pid = 4321;
	events_subscribe(keep_event, NULL);
	commands_audit(&ctx, "scale", args);
	events_unsubscribe(keep_event, NULL);
	ck_assert_ptr_nonnull(seen);
	ck_assert_int_eq(iget(seen, "generation"), 1);
	d = json_object_get(seen, "detail");
	ck_assert_str_eq(json_string_value(json_object_get(d, "cmd")),
	    "scale");
	ck_assert(json_equal(json_object_get(d, "args"), args));
	ck_assert_int_eq(iget(d, "uid"), 1000);
	ck_assert_int_eq(iget(d, "pid"), 4321);
	json_decref(seen);
	seen = NULL;
	json_decref(args);
}
END_TEST

/* The manual names every command and every error code. */
START_TEST(test_documented)
{
	static const char *codes[] = { GW_ERR_BAD_REQUEST,
	    GW_ERR_UNKNOWN_COMMAND, GW_ERR_INVALID_ARGUMENT, GW_ERR_FORBIDDEN,
	    GW_ERR_TOO_LARGE, GW_ERR_BUSY, GW_ERR_NOT_FOUND, GW_ERR_CONFLICT,
	    GW_ERR_INTERNAL };
	const struct command	*t;
	const char		*src = getenv("top_srcdir");
	char			 path[4096], *text;
	FILE			*f;
	long			 len;
	size_t			 i, n;

	snprintf(path, sizeof path, "%s/man/gwctl.1", src ? src : "../..");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	ck_assert_int_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	t = commands_table(&n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(strstr(text, t[i].name) != NULL,
		    "%s undocumented", t[i].name);
	}
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		ck_assert_msg(strstr(text, codes[i]) != NULL,
		    "%s undocumented", codes[i]);
	free(text);
}
END_TEST

Suite *
make_suite_commands(void)
{
	Suite	*s = suite_create("commands");
	TCase	*tc = tcase_create("commands");

	tcase_add_loop_test(tc, test_validate, 0,
	    sizeof vcases / sizeof vcases[0]);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_run_scale);
	tcase_add_test(tc, test_run_ttin_ttou);
	tcase_add_test(tc, test_run_others);
	tcase_add_test(tc, test_run_kill);
	tcase_add_test(tc, test_run_reload);
	tcase_add_test(tc, test_audit);
	tcase_add_test(tc, test_documented);
	suite_add_tcase(s, tc);
	return s;
}
