/*
 * check_config.c: the option table, the command line, the file, defaults,
 * overriding, every error message, reloading, --check-config round trips
 * and the JSON form.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw/paths.h"
#include "gw/util.h"
#include "log.h"
#include "options.h"
#include "suites.h"

#define MAXARGS	128

static char	tmpdir[PATH_MAX];

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gwd-check-config-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("RUNTIME_DIRECTORY", "/tmp/rt", 1);
	setenv("STATE_DIRECTORY", "/tmp/st", 1);
}

static void
teardown(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", tmpdir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Write a file in tmpdir; returns its path (free it). */
static char *
write_file(const char *name, const char *text)
{
	char	*path = xasprintf("%s/%s", tmpdir, name);
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* config_load on a NULL-terminated list of arguments after "gwd". */
static int
load(struct gw_config **cfg, enum config_action *action, char **err, ...)
{
	char		*argv[MAXARGS];
	const char	*a;
	va_list		 ap;
	int		 argc = 0;

	argv[argc++] = (char *)"gwd";
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL && argc < MAXARGS - 1)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return config_load(argc, argv, cfg, action, err);
}

/* Load, expecting success. */
#define LOAD_OK(cfg, ...) do {						\
	enum config_action act_;					\
	char *err_ = NULL;						\
	int rc_ = load(&(cfg), &act_, &err_, __VA_ARGS__, NULL);	\
	ck_assert_msg(rc_ == 0, "load failed: %s", err_);		\
	ck_assert_ptr_null(err_);					\
} while (0)

/* Load, expecting exactly this error. */
static void
expect_error(const char *want, ...)
{
	char			*argv[MAXARGS], *err = NULL;
	const char		*a;
	struct gw_config	*cfg = (void *)1;
	enum config_action	 act;
	va_list			 ap;
	int			 argc = 0;

	argv[argc++] = (char *)"gwd";
	va_start(ap, want);
	while ((a = va_arg(ap, const char *)) != NULL && argc < MAXARGS - 1)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	ck_assert_int_eq(config_load(argc, argv, &cfg, &act, &err), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, want);
	free(err);
}

/* A file with this text must fail with "PATH:" + want. */
static void
expect_file_error(const char *text, const char *want)
{
	char	*path = write_file("bad.conf", text);
	char	*full = xasprintf("%s:%s", path, want);

	expect_error(full, "-c", path, NULL);
	free(full);
	free(path);
}

static char *
print_config(const struct gw_config *cfg)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	config_print(f, cfg);
	fclose(f);
	return buf;
}

START_TEST(test_defaults)
{
	struct gw_config	*cfg;
	enum config_action	 act = CONFIG_HELP;
	char			*err = NULL;

	ck_assert_int_eq(load(&cfg, &act, &err, NULL), 0);
	ck_assert_int_eq(act, CONFIG_RUN);
	ck_assert_ptr_null(cfg->config_file);
	ck_assert_str_eq(cfg->name, "gwd");
	ck_assert_uint_eq(cfg->nbinds, 1);
	ck_assert_str_eq(cfg->binds[0].addr, "127.0.0.1:8000");
	ck_assert_ptr_null(cfg->binds[0].name);
	ck_assert_int_eq(cfg->binds_default, 1);
	ck_assert_uint_eq(cfg->workers, 1);
	ck_assert_ptr_null(cfg->command);
	ck_assert_int_eq(cfg->readiness, READINESS_NOTIFY);
	ck_assert_uint_eq(cfg->boot_timeout_ms, 30000);
	ck_assert_uint_eq(cfg->timeout_ms, 30000);
	ck_assert_uint_eq(cfg->graceful_timeout_ms, 30000);
	ck_assert_int_eq(cfg->stop_signal, SIGTERM);
	ck_assert_uint_eq(cfg->keep_alive_ms, 5000);
	ck_assert_uint_eq(cfg->max_requests, 0);
	ck_assert_uint_eq(cfg->max_requests_jitter, 0);
	ck_assert_uint_eq(cfg->max_worker_age_ms, 0);
	ck_assert_uint_eq(cfg->max_worker_memory, 0);
	ck_assert_int_eq(cfg->reload_strategy, RELOAD_ROLLING);
	ck_assert_uint_eq(cfg->reload_batch, 1);
	ck_assert_uint_eq(cfg->restart_backoff_max_ms, 60000);
	ck_assert_ptr_null(cfg->static_dir);
	ck_assert_ptr_null(cfg->pid_file);
	ck_assert_int_eq(cfg->daemonize, 0);
	ck_assert_ptr_null(cfg->user);
	ck_assert_ptr_null(cfg->group);
	ck_assert_int_eq(cfg->umask, -1);
	ck_assert_ptr_null(cfg->chdir);
	ck_assert_uint_eq(cfg->env.n, 0);
	ck_assert_int_eq(cfg->capture_output, 0);
	ck_assert_ptr_null(cfg->log_file);
	ck_assert_int_eq(cfg->log_level, LOG_INFO);
	ck_assert_int_eq(cfg->log_format, LOG_TEXT);
	ck_assert_ptr_null(cfg->access_log);
	ck_assert_str_eq(cfg->runtime_dir, "/tmp/rt");
	ck_assert_str_eq(cfg->control_socket, "/tmp/rt/gwd.sock");
	ck_assert_str_eq(cfg->notify_socket, "/tmp/rt/gwd.notify");
	ck_assert_uint_eq(cfg->control_mode, 0600);
	ck_assert_ptr_null(cfg->control_group);
	ck_assert_ptr_null(cfg->control_read_group);
	ck_assert_str_eq(cfg->stats_db, "/tmp/st/gwd.db");
	ck_assert_uint_eq(cfg->stats_interval_ms, 10000);
	ck_assert_uint_eq(cfg->stats_retention_ms, 7ULL * 86400000);
	ck_assert_uint_eq(cfg->backlog, 2048);
	ck_assert_int_eq(cfg->reuse_port, 0);
	config_free(cfg);
}
END_TEST

/* Compare one default path with what it should be; free it. */
static int
path_is(char *got, const char *want)
{
	int	ok = strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "got %s, want %s\n", got, want);
	free(got);
	return ok;
}

START_TEST(test_default_paths)
{
	pid_t	pid;
	int	status;

	/* systemd's directories win; the first of several is ours. */
	setenv("RUNTIME_DIRECTORY", "/run/a/:/run/b", 1);
	setenv("STATE_DIRECTORY", "/var/lib/s", 1);
	ck_assert(path_is(gw_default_runtime_dir(), "/run/a"));
	ck_assert(path_is(gw_default_control_socket("x"), "/run/a/x.sock"));
	ck_assert(path_is(gw_default_notify_socket("x"), "/run/a/x.notify"));
	ck_assert(path_is(gw_default_stats_db("x"), "/var/lib/s/x.db"));
	unsetenv("RUNTIME_DIRECTORY");
	unsetenv("STATE_DIRECTORY");
	setenv("XDG_RUNTIME_DIR", "/run/user/1", 1);
	setenv("XDG_STATE_HOME", "/home/u/state", 1);
	if (geteuid() == 0) {
		ck_assert(path_is(gw_default_runtime_dir(), "/run/gwd"));
		ck_assert(path_is(gw_default_stats_db("x"),
		    "/var/lib/gwd/x.db"));
	}
	/* Not root: the XDG directories, then fallbacks (in a child). */
	if (geteuid() == 0 && (pid = fork()) == 0) {
		if (setuid(65534) == -1)
			_exit(1);
		if (!path_is(gw_default_runtime_dir(), "/run/user/1/gwd") ||
		    !path_is(gw_default_stats_db("x"),
		    "/home/u/state/gwd/x.db"))
			_exit(2);
		unsetenv("XDG_RUNTIME_DIR");
		unsetenv("XDG_STATE_HOME");
		setenv("HOME", "/home/u", 1);
		if (!path_is(gw_default_runtime_dir(), "/tmp/gwd-65534") ||
		    !path_is(gw_default_stats_db("x"),
		    "/home/u/.local/state/gwd/x.db"))
			_exit(3);
		/* Relative XDG values are ignored, as the spec says. */
		setenv("XDG_RUNTIME_DIR", "run", 1);
		if (!path_is(gw_default_runtime_dir(), "/tmp/gwd-65534"))
			_exit(4);
		_exit(0);
	} else if (geteuid() == 0) {
		ck_assert_int_ge(pid, 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status));
		ck_assert_msg(WEXITSTATUS(status) == 0, "step %d",
		    WEXITSTATUS(status));
	} else {
		ck_assert(path_is(gw_default_runtime_dir(),
		    "/run/user/1/gwd"));
		ck_assert(path_is(gw_default_stats_db("x"),
		    "/home/u/state/gwd/x.db"));
	}
}
END_TEST

START_TEST(test_default_paths_follow_name)
{
	struct gw_config	*cfg;

	LOAD_OK(cfg, "-n", "shop");
	ck_assert_str_eq(cfg->control_socket, "/tmp/rt/shop.sock");
	ck_assert_str_eq(cfg->notify_socket, "/tmp/rt/shop.notify");
	ck_assert_str_eq(cfg->stats_db, "/tmp/st/shop.db");
	config_free(cfg);
	/* Explicit paths are kept; the notify socket is always derived. */
	LOAD_OK(cfg, "-n", "shop", "--control-socket", "/tmp/c.sock",
	    "--stats-db", "none");
	ck_assert_str_eq(cfg->control_socket, "/tmp/c.sock");
	ck_assert_str_eq(cfg->stats_db, "none");
	ck_assert_str_eq(cfg->notify_socket, "/tmp/rt/shop.notify");
	config_free(cfg);
}
END_TEST

/* Checks shared by the command line and the file forms of one config. */
static void
check_everything(const struct gw_config *cfg)
{
	ck_assert_str_eq(cfg->name, "web");
	ck_assert_uint_eq(cfg->nbinds, 3);
	ck_assert_str_eq(cfg->binds[0].name, "api");
	ck_assert_str_eq(cfg->binds[0].addr, "127.0.0.1:9000");
	ck_assert_ptr_null(cfg->binds[1].name);
	ck_assert_str_eq(cfg->binds[1].addr, "unix:/tmp/web.sock");
	ck_assert_str_eq(cfg->binds[2].addr, "[::1]:9001");
	ck_assert_int_eq(cfg->binds_default, 0);
	ck_assert_uint_eq(cfg->workers, 4);
	ck_assert_int_eq(cfg->readiness, READINESS_NOTIFY);
	ck_assert_uint_eq(cfg->boot_timeout_ms, 90000);
	ck_assert_uint_eq(cfg->timeout_ms, 250);
	ck_assert_uint_eq(cfg->graceful_timeout_ms, 5000);
	ck_assert_int_eq(cfg->stop_signal, SIGQUIT);
	ck_assert_uint_eq(cfg->keep_alive_ms, 0);
	ck_assert_uint_eq(cfg->max_requests, 1000);
	ck_assert_uint_eq(cfg->max_requests_jitter, 50);
	ck_assert_uint_eq(cfg->max_worker_age_ms, 3600000);
	ck_assert_uint_eq(cfg->max_worker_memory, 64ULL << 20);
	ck_assert_int_eq(cfg->reload_strategy, RELOAD_SURGE);
	ck_assert_uint_eq(cfg->reload_batch, 3);
	ck_assert_uint_eq(cfg->restart_backoff_max_ms, 120000);
	ck_assert_str_eq(cfg->static_dir, "/srv/www");
	ck_assert_str_eq(cfg->pid_file, "/tmp/web.pid");
	ck_assert_int_eq(cfg->daemonize, 1);
	ck_assert_str_eq(cfg->user, "nobody");
	ck_assert_str_eq(cfg->group, "nogroup");
	ck_assert_int_eq(cfg->umask, 027);
	ck_assert_str_eq(cfg->chdir, "/srv");
	ck_assert_uint_eq(cfg->env.n, 2);
	ck_assert_str_eq(cfg->env.v[0], "A=1");
	ck_assert_str_eq(cfg->env.v[1], "B=x=y z");
	ck_assert_int_eq(cfg->capture_output, 1);
	ck_assert_str_eq(cfg->log_file, "/tmp/gwd.log");
	ck_assert_int_eq(cfg->log_level, LOG_DEBUG);
	ck_assert_int_eq(cfg->log_format, LOG_JSON);
	ck_assert_str_eq(cfg->access_log, "/tmp/access.log");
	ck_assert_str_eq(cfg->control_socket, "/tmp/ctl.sock");
	ck_assert_uint_eq(cfg->control_mode, 0660);
	ck_assert_str_eq(cfg->control_group, "adm");
	ck_assert_str_eq(cfg->control_read_group, "users");
	ck_assert_str_eq(cfg->stats_db, "none");
	ck_assert_uint_eq(cfg->stats_interval_ms, 30000);
	ck_assert_uint_eq(cfg->stats_retention_ms, 86400000);
	ck_assert_uint_eq(cfg->backlog, 128);
	ck_assert_int_eq(cfg->reuse_port, 1);
	ck_assert_ptr_nonnull(cfg->command);
	ck_assert_str_eq(cfg->command[0], "python3");
	ck_assert_str_eq(cfg->command[1], "-m");
	ck_assert_str_eq(cfg->command[2], "my app");
	ck_assert_ptr_null(cfg->command[3]);
}

START_TEST(test_command_line)
{
	struct gw_config	*cfg;

	LOAD_OK(cfg, "-n", "web", "-b", "api=127.0.0.1:9000",
	    "--bind=unix:/tmp/web.sock", "--bind", "[::1]:9001", "-w", "4",
	    "--readiness=notify", "--boot-timeout", "1m30s", "-t250ms",
	    "--graceful-timeout=5", "--stop-signal", "SIGQUIT",
	    "--keep-alive", "0", "--max-requests", "1000",
	    "--max-requests-jitter", "50", "--max-worker-age", "1h",
	    "--max-worker-memory", "64M", "--reload-strategy", "surge",
	    "--reload-batch", "3", "--restart-backoff-max", "2m",
	    "--static", "/srv/www", "--pid", "/tmp/web.pid", "-D",
	    "-u", "nobody", "-g", "nogroup", "--umask", "027",
	    "--chdir", "/srv", "-e", "A=1", "-eB=x=y z", "--capture-output",
	    "--log-file", "/tmp/gwd.log", "--log-level", "debug",
	    "--log-format", "json", "--access-log", "/tmp/access.log",
	    "--control-socket", "/tmp/ctl.sock", "--control-mode", "660",
	    "--control-group", "adm", "--control-read-group", "users",
	    "--stats-db", "none", "--stats-interval", "30s",
	    "--stats-retention", "1d", "--backlog", "128", "--reuse-port",
	    "--command", "ignored because", "--", "python3", "-m", "my app");
	check_everything(cfg);
	config_free(cfg);
}
END_TEST

START_TEST(test_file)
{
	struct gw_config	*cfg;
	char			*path;

	path = write_file("gwd.conf",
	    "# gwd.conf: every type\n"
	    "\n"
	    "   name = web   # the instance\n"
	    "bind = api=127.0.0.1:9000\n"
	    "bind=\"unix:/tmp/web.sock\"\n"
	    "bind = [::1]:9001\n"
	    "workers = 4\n"
	    "readiness = notify\n"
	    "boot_timeout = 1m30s\n"
	    "timeout = 250ms\n"
	    "graceful-timeout = 5\n"
	    "stop-signal = SIGQUIT\n"
	    "keep-alive = 0\n"
	    "max-requests = 1000\n"
	    "max_requests_jitter = 50\n"
	    "max-worker-age = 1h\n"
	    "max-worker-memory = 64M\n"
	    "reload-strategy = surge\n"
	    "reload-batch = 3\n"
	    "restart-backoff-max = 2m\n"
	    "static = /srv/www\n"
	    "pid = /tmp/web.pid\n"
	    "daemon\n"
	    "user = nobody\n"
	    "group = 'nogroup'\n"
	    "umask = 027\n"
	    "chdir = /srv\n"
	    "env = A=1\n"
	    "env = \"B=x=y z\"\n"
	    "capture-output = yes\n"
	    "log-file = /tmp/gwd.log\n"
	    "log-level = debug\n"
	    "log-format = json\n"
	    "access-log = /tmp/access.log\n"
	    "control-socket = /tmp/ctl.sock\n"
	    "control-mode = 0660\n"
	    "control-group = adm\n"
	    "control-read-group = users\n"
	    "stats-db = none\n"
	    "stats-interval = 30s\n"
	    "stats-retention = 1d\n"
	    "backlog = 128\n"
	    "reuse-port = on\r\n"
	    "command = python3 -m 'my app' # inline comment\n");
	LOAD_OK(cfg, "-c", path);
	ck_assert_str_eq(cfg->config_file, path);
	check_everything(cfg);
	config_free(cfg);
	free(path);
}
END_TEST

START_TEST(test_quoted_command)
{
	struct gw_config	*cfg;
	char			*path;

	path = write_file("q.conf", "\xef\xbb\xbf"
	    "command = \"python3 -m app\"\n");
	LOAD_OK(cfg, "-c", path);
	ck_assert_str_eq(cfg->command[0], "python3");
	ck_assert_str_eq(cfg->command[1], "-m");
	ck_assert_str_eq(cfg->command[2], "app");
	ck_assert_ptr_null(cfg->command[3]);
	ck_assert_int_eq(cfg->readiness, READINESS_SPAWN);
	config_free(cfg);
	free(path);
	/* Several quoted words stay words; '#' inside quotes is no comment. */
	path = write_file("q2.conf",
	    "command = \"/opt/my app/run\" --tag '#1' x\\ y\n");
	LOAD_OK(cfg, "-c", path);
	ck_assert_str_eq(cfg->command[0], "/opt/my app/run");
	ck_assert_str_eq(cfg->command[1], "--tag");
	ck_assert_str_eq(cfg->command[2], "#1");
	ck_assert_str_eq(cfg->command[3], "x y");
	ck_assert_ptr_null(cfg->command[4]);
	config_free(cfg);
	free(path);
}
END_TEST

START_TEST(test_short_options)
{
	struct gw_config	*cfg;
	enum config_action	 act;
	char			*err = NULL;

	LOAD_OK(cfg, "-Dw4", "-nx", "-hx");
	config_free(cfg);
	ck_assert_int_eq(load(&cfg, &act, &err, "-Dw4", "-nx", NULL), 0);
	ck_assert_int_eq(cfg->daemonize, 1);
	ck_assert_uint_eq(cfg->workers, 4);
	ck_assert_str_eq(cfg->name, "x");
	ck_assert_int_eq(act, CONFIG_RUN);
	config_free(cfg);
	/* --flag=no overrides a file's yes. */
	ck_assert_int_eq(load(&cfg, &act, &err, "-D", "--daemon=no", NULL), 0);
	ck_assert_int_eq(cfg->daemonize, 0);
	config_free(cfg);
}
END_TEST

START_TEST(test_actions)
{
	struct gw_config	*cfg;
	enum config_action	 act;
	char			*err = NULL;

	ck_assert_int_eq(load(&cfg, &act, &err, "--check-config", "-w", "3",
	    NULL), 0);
	ck_assert_int_eq(act, CONFIG_CHECK);
	ck_assert_uint_eq(cfg->workers, 3);
	config_free(cfg);
	/* --help wins over what follows it, even a missing file. */
	ck_assert_int_eq(load(&cfg, &act, &err, "-h", "-c", "/nonexistent",
	    NULL), 0);
	ck_assert_int_eq(act, CONFIG_HELP);
	config_free(cfg);
	ck_assert_int_eq(load(&cfg, &act, &err, "--version", "--bogus",
	    NULL), 0);
	ck_assert_int_eq(act, CONFIG_VERSION);
	config_free(cfg);
}
END_TEST

START_TEST(test_first_non_option_starts_command)
{
	struct gw_config	*cfg;

	LOAD_OK(cfg, "-w", "2", "node", "server.js", "-w", "9");
	ck_assert_uint_eq(cfg->workers, 2);
	ck_assert_str_eq(cfg->command[0], "node");
	ck_assert_str_eq(cfg->command[1], "server.js");
	ck_assert_str_eq(cfg->command[2], "-w");
	ck_assert_str_eq(cfg->command[3], "9");
	ck_assert_ptr_null(cfg->command[4]);
	ck_assert_int_eq(cfg->readiness, READINESS_SPAWN);
	config_free(cfg);
	/* "--" with nothing after it leaves --command alone. */
	LOAD_OK(cfg, "--command", "a b", "--");
	ck_assert_str_eq(cfg->command[0], "a");
	ck_assert_str_eq(cfg->command[1], "b");
	config_free(cfg);
	/* An explicit readiness wins over the default. */
	LOAD_OK(cfg, "--readiness", "notify", "--", "app");
	ck_assert_int_eq(cfg->readiness, READINESS_NOTIFY);
	config_free(cfg);
	LOAD_OK(cfg, "--readiness", "SPAWN");
	ck_assert_int_eq(cfg->readiness, READINESS_SPAWN);
	config_free(cfg);
}
END_TEST

START_TEST(test_override_order)
{
	struct gw_config	*cfg;
	char			*path;

	path = write_file("o.conf",
	    "workers = 3\n"
	    "timeout = 10s\n"
	    "bind = 127.0.0.1:1\n"
	    "bind = 127.0.0.1:2\n"
	    "env = A=1\n"
	    "env = B=2\n"
	    "env = A=one\n"
	    "command = file-cmd\n"
	    "daemon = yes\n");
	/* The command line wins wherever it is, before or after -c. */
	LOAD_OK(cfg, "-w", "5", "-c", path, "-b", "127.0.0.1:3", "-e", "B=3",
	    "--command", "cli-cmd", "--daemon=no");
	ck_assert_uint_eq(cfg->workers, 5);
	ck_assert_uint_eq(cfg->timeout_ms, 10000);
	ck_assert_uint_eq(cfg->nbinds, 1);
	ck_assert_str_eq(cfg->binds[0].addr, "127.0.0.1:3");
	ck_assert_uint_eq(cfg->env.n, 2);
	ck_assert_str_eq(cfg->env.v[0], "A=one");
	ck_assert_str_eq(cfg->env.v[1], "B=3");
	ck_assert_str_eq(cfg->command[0], "cli-cmd");
	ck_assert_int_eq(cfg->daemonize, 0);
	config_free(cfg);
	/* Without command line binds the file's are kept, in order. */
	LOAD_OK(cfg, "-c", path, "--", "argv-cmd", "x");
	ck_assert_uint_eq(cfg->nbinds, 2);
	ck_assert_str_eq(cfg->binds[0].addr, "127.0.0.1:1");
	ck_assert_str_eq(cfg->binds[1].addr, "127.0.0.1:2");
	ck_assert_str_eq(cfg->command[0], "argv-cmd");
	ck_assert_int_eq(cfg->daemonize, 1);
	config_free(cfg);
	/* The last of several -c wins. */
	LOAD_OK(cfg, "-c", "/nonexistent", "-c", path);
	ck_assert_uint_eq(cfg->workers, 3);
	config_free(cfg);
	free(path);
}
END_TEST

START_TEST(test_workers_auto)
{
	struct gw_config	*cfg;
	cpu_set_t		 set;
	unsigned		 want;

	ck_assert_int_eq(sched_getaffinity(0, sizeof set, &set), 0);
	want = 2 * (unsigned)CPU_COUNT(&set) + 1;
	ck_assert_uint_eq(options_auto_workers(), want);
	LOAD_OK(cfg, "-w", "auto");
	ck_assert_uint_eq(cfg->workers, want);
	config_free(cfg);
}
END_TEST

START_TEST(test_command_line_errors)
{
	char	*longpath = xmalloc(200);

	memset(longpath, 'x', 199);
	longpath[0] = '/';
	longpath[199] = '\0';
	expect_error("--workers: expected a non-negative integer",
	    "--workers", "abc", NULL);
	expect_error("--workers: out of range (1..4096)", "-w", "0", NULL);
	expect_error("--workers: out of range (1..4096)", "-w4097", NULL);
	expect_error("--wokers: unknown option; did you mean --workers?",
	    "--wokers", "3", NULL);
	expect_error("--max_requests: unknown option; did you mean "
	    "--max-requests?", "--max_requests=3", NULL);
	expect_error("--frobnicate: unknown option", "--frobnicate", NULL);
	expect_error("-x: unknown option", "-Dx", NULL);
	expect_error("--workers: missing value", "--workers", NULL);
	expect_error("-w: missing value", "-w", NULL);
	expect_error("--config: missing value", "--config=", NULL);
	expect_error("--timeout: unknown unit (use ms, s, m, h or d)",
	    "-t", "5x", NULL);
	expect_error("--timeout: expected a number (like 250ms, 30s, 5m, 1h, "
	    "7d)", "-t", "soon", NULL);
	expect_error("--stats-interval: must be at least 1s",
	    "--stats-interval", "10ms", NULL);
	expect_error("--restart-backoff-max: must be at least 100ms",
	    "--restart-backoff-max", "50ms", NULL);
	expect_error("--max-worker-memory: unknown size unit (use K, M, G or "
	    "T)", "--max-worker-memory", "12Q", NULL);
	expect_error("--daemon: expected yes or no", "--daemon=maybe", NULL);
	expect_error("--help: takes no value", "--help=1", NULL);
	expect_error("--readiness: expected one of spawn, notify",
	    "--readiness", "always", NULL);
	expect_error("--log-level: expected one of debug, info, warning, "
	    "error", "--log-level", "loud", NULL);
	expect_error("--stop-signal: expected a signal name or number, like "
	    "TERM", "--stop-signal", "FOO", NULL);
	expect_error("--umask: expected an octal mode 0000..0777, like 0600",
	    "--umask", "999", NULL);
	expect_error("--control-mode: expected an octal mode 0000..0777, "
	    "like 0600", "--control-mode", "01777", NULL);
	expect_error("--backlog: out of range (1..65535)", "--backlog", "0",
	    NULL);
	expect_error("--reload-batch: out of range (1..4096)",
	    "--reload-batch", "0", NULL);
	expect_error("--bind: 1.2.3.4: expected HOST:PORT, [V6]:PORT, :PORT, "
	    "unix:PATH or fd://N", "-b", "1.2.3.4", NULL);
	expect_error("--bind: empty address: expected HOST:PORT, [V6]:PORT, "
	    ":PORT, unix:PATH or fd://N", "-b", "web=", NULL);
	expect_error("--bind: =:80: empty or too long name before '='",
	    "-b", "=:80", NULL);
	expect_error("--bind: :80: given twice", "-b", ":80", "-b", "x=:80",
	    NULL);
	expect_error("--env: FOO: expected KEY=VALUE", "-e", "FOO", NULL);
	expect_error("--env: bad variable name '1X': letters, digits and _, "
	    "not starting with a digit", "-e", "1X=2", NULL);
	expect_error("--env: bad variable name 'A-B': letters, digits and _, "
	    "not starting with a digit", "-e", "A-B=2", NULL);
	expect_error("--env: NOTIFY_SOCKET is set by gwd for each worker",
	    "-e", "NOTIFY_SOCKET=/x", NULL);
	expect_error("--command: missing value", "--command", "", NULL);
	expect_error("--command: empty command", "--command", "   ", NULL);
	expect_error("--command: unterminated single quote", "--command",
	    "'abc", NULL);
	expect_error("--user: missing value", "-u", "", NULL);
	expect_error("--group: missing value", "-g", "", NULL);
	expect_error("--name: 'a/b': expected at most 64 letters, digits, "
	    "'.', '_' or '-', not starting with '.' or '-'", "-n", "a/b", NULL);
	expect_error("--name: '.x': expected at most 64 letters, digits, "
	    "'.', '_' or '-', not starting with '.' or '-'", "-n", ".x", NULL);
	{
		char	*want = xasprintf("--control-socket: %s: path too long "
		    "for a Unix socket (at most 107 bytes)", longpath);

		expect_error(want, "--control-socket", longpath, NULL);
		free(want);
	}
	expect_error("cannot read /nonexistent/gwd.conf: No such file or "
	    "directory", "-c", "/nonexistent/gwd.conf", NULL);
	{
		char	*want = xasprintf("cannot read %s: Is a directory",
		    tmpdir);

		expect_error(want, "-c", tmpdir, NULL);
		free(want);
	}
	free(longpath);
}
END_TEST

START_TEST(test_file_errors)
{
	expect_file_error("workers = abc\n",
	    "1: workers: expected a non-negative integer");
	expect_file_error("\n# comment\nwokers = 2\n",
	    "3: wokers: unknown key; did you mean workers?");
	expect_file_error("frobnicate = 2\n", "1: frobnicate: unknown key");
	expect_file_error("max_requests = -1\n",
	    "1: max_requests: expected a non-negative integer");
	expect_file_error("check-config = yes\n", "1: check-config: only "
	    "valid on the command line (--check-config)");
	expect_file_error("config = /etc/other.conf\n",
	    "1: config: only valid on the command line (--config)");
	expect_file_error("workers\n", "1: workers: expected 'key = value'");
	expect_file_error("workers 4\n", "1: workers: expected 'key = value'");
	expect_file_error("= 4\n", "1: expected 'key = value'");
	expect_file_error("name = \"abc\n", "1: name: unterminated quote");
	expect_file_error("name = \"a\" b\n",
	    "1: name: text after the closing quote");
	expect_file_error("command = 'a b\n", "1: command: unterminated quote");
	expect_file_error("pid =\n", "1: pid: missing value");
	expect_file_error("pid = # nothing\n", "1: pid: missing value");
	expect_file_error("env = FOO\n", "1: env: FOO: expected KEY=VALUE");
	expect_file_error("bind = unix:\n", "1: bind: unix:: empty socket path");
	expect_file_error("daemon = maybe\n", "1: daemon: expected yes or no");
	expect_file_error("workers = 2\nworkers = 5000\n",
	    "2: workers: out of range (1..4096)");
	expect_file_error("timeout = 30 s\n",
	    "1: timeout: unknown unit (use ms, s, m, h or d)");
}
END_TEST

START_TEST(test_reload_same_argv)
{
	struct gw_config	*a, *b, *c;
	char			*path, *pa, *pb, *pc;
	char			*argv[] = { (char *)"gwd", (char *)"-c", NULL,
				    (char *)"-w", (char *)"7", NULL };
	enum config_action	 act;
	char			*err = NULL;

	path = write_file("r.conf", "workers = 2\ntimeout = 1s\n");
	argv[2] = path;
	ck_assert_int_eq(config_load(5, argv, &a, &act, &err), 0);
	ck_assert_int_eq(config_load(5, argv, &b, &act, &err), 0);
	pa = print_config(a);
	pb = print_config(b);
	ck_assert_str_eq(pa, pb);
	ck_assert_uint_eq(a->workers, 7);
	/* The file changes: the new value shows, the command line wins. */
	free(write_file("r.conf", "workers = 2\ntimeout = 2s\n"));
	ck_assert_int_eq(config_load(5, argv, &c, &act, &err), 0);
	ck_assert_uint_eq(c->timeout_ms, 2000);
	ck_assert_uint_eq(c->workers, 7);
	pc = print_config(c);
	ck_assert_str_ne(pa, pc);
	/* A broken file is an error, and the earlier configs are intact. */
	free(write_file("r.conf", "workers = two\n"));
	c->workers = 0;
	config_free(c);
	c = NULL;
	ck_assert_int_eq(config_load(5, argv, &c, &act, &err), -1);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "r.conf:1: workers:"));
	free(err);
	ck_assert_uint_eq(a->timeout_ms, 1000);
	config_free(a);
	config_free(b);
	free(pa);
	free(pb);
	free(pc);
	free(path);
}
END_TEST

/* print -> file -> load -> print gives the same text (after the header). */
static void
check_round_trip(struct gw_config *cfg)
{
	struct gw_config	*back;
	char			*text, *path, *again;

	text = print_config(cfg);
	path = write_file("round.conf", text);
	LOAD_OK(back, "-c", path);
	again = print_config(back);
	ck_assert_str_eq(strchr(text, '\n'), strchr(again, '\n'));
	config_free(back);
	free(again);
	free(text);
	free(path);
}

START_TEST(test_round_trip)
{
	struct gw_config	*cfg;

	LOAD_OK(cfg, NULL);
	check_round_trip(cfg);
	config_free(cfg);
	LOAD_OK(cfg, "-n", "web", "-b", "api=127.0.0.1:9000",
	    "-b", "unix:/tmp/a b#c.sock", "-w", "auto", "-t", "1m30s250ms",
	    "--max-worker-memory", "1536K", "--max-worker-age", "3d",
	    "--stop-signal", "USR2", "--umask", "0", "--control-mode", "0640",
	    "-e", "MSG=it's \"quoted\" # not a comment", "-e", "EMPTY=",
	    "--pid", " /tmp/lead space", "-u", "'odd'", "--reuse-port",
	    "--", "sh", "-c", "echo \"$1\" 'x' \\", "my name", "");
	check_round_trip(cfg);
	config_free(cfg);
	LOAD_OK(cfg, "--", "/opt/my app/server");
	check_round_trip(cfg);
	config_free(cfg);
}
END_TEST

START_TEST(test_print)
{
	struct gw_config	*cfg;
	char			*text;

	LOAD_OK(cfg, "-w", "3", "-t", "90s", "--max-worker-memory", "64M",
	    "-b", "web=:80", "--", "python3", "-m", "my app");
	text = print_config(cfg);
	ck_assert_ptr_nonnull(strstr(text, "\nworkers = 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntimeout = 1m30s\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nmax-worker-memory = 64M\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nbind = web=:80\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\ncommand = \"python3 -m 'my app'\"\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nreadiness = spawn\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nstop-signal = TERM\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ncontrol-mode = 0600\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n# pid (not set)\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n# umask (not set)\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\n# control-socket = /tmp/rt/gwd.sock (default)\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\n# stats-db = /tmp/st/gwd.db (default)\n"));
	free(text);
	config_free(cfg);
	LOAD_OK(cfg, "--stats-db", "none", "--control-socket", "/tmp/c");
	text = print_config(cfg);
	ck_assert_ptr_nonnull(strstr(text, "\nstats-db = none\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ncontrol-socket = /tmp/c\n"));
	ck_assert_ptr_null(strstr(text, "check-config"));
	free(text);
	config_free(cfg);
}
END_TEST

START_TEST(test_json)
{
	struct gw_config	*cfg;
	json_t			*j;
	size_t			 i;

	LOAD_OK(cfg, "-b", "web=127.0.0.1:1", "-e", "A=1", "--umask", "022",
	    "--", "app", "x");
	j = config_to_json(cfg);
	/* Every option but the actions is a key, spelled as in the file. */
	for (i = 0; i < options_count; i++) {
		if (options_table[i].type == OPT_ACTION)
			ck_assert_ptr_null(
			    json_object_get(j, options_table[i].name));
		else
			ck_assert_msg(json_object_get(j,
			    options_table[i].name) != NULL, "missing %s",
			    options_table[i].name);
	}
	ck_assert_int_eq(json_integer_value(json_object_get(j, "workers")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "timeout")),
	    "30s");
	ck_assert_str_eq(json_string_value(json_object_get(j,
	    "graceful-timeout")), "30s");
	ck_assert_str_eq(json_string_value(json_object_get(j, "umask")),
	    "0022");
	ck_assert(json_is_null(json_object_get(j, "pid")));
	ck_assert(json_is_null(json_object_get(j, "config")));
	ck_assert(json_is_false(json_object_get(j, "daemon")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j,
	    "bind"), 0)), "web=127.0.0.1:1");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j,
	    "env"), 0)), "A=1");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j,
	    "command"), 1)), "x");
	ck_assert_str_eq(json_string_value(json_object_get(j, "readiness")),
	    "spawn");
	ck_assert_str_eq(json_string_value(json_object_get(j, "stats-db")),
	    "/tmp/st/gwd.db");
	json_decref(j);
	config_free(cfg);
}
END_TEST

START_TEST(test_usage)
{
	char	*buf = NULL;
	size_t	 len = 0, i;
	FILE	*f = open_memstream(&buf, &len);

	config_usage(f);
	fclose(f);
	for (i = 0; i < options_count; i++) {
		char	*want = xasprintf("--%s", options_table[i].name);

		ck_assert_msg(strstr(buf, want) != NULL, "no %s", want);
		free(want);
	}
	ck_assert_ptr_nonnull(strstr(buf, "-w, --workers N"));
	ck_assert_ptr_nonnull(strstr(buf, "[30s]"));
	/* Fits a terminal: no line over 79 columns, no trailing blank. */
	{
		char	*line, *save = NULL;

		for (line = strtok_r(buf, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			ck_assert_msg(strlen(line) <= 79, "long: %s", line);
			ck_assert_msg(line[strlen(line) - 1] != ' ',
			    "trailing blank: %s", line);
		}
	}
	free(buf);
}
END_TEST

START_TEST(test_table_sane)
{
	size_t	i, j;

	for (i = 0; i < options_count; i++) {
		ck_assert_ptr_nonnull(options_table[i].help);
		for (j = i + 1; j < options_count; j++) {
			ck_assert_str_ne(options_table[i].name,
			    options_table[j].name);
			ck_assert(options_table[i].shortopt == 0 ||
			    options_table[i].shortopt !=
			    options_table[j].shortopt);
		}
	}
	ck_assert_ptr_eq(options_find("max_requests", 12),
	    options_find("max-requests", 12));
	ck_assert_ptr_null(options_find("max", 3));
	ck_assert_str_eq(options_suggest("timout", 6), "timeout");
	ck_assert_ptr_null(options_suggest("zz", 2));
}
END_TEST

Suite *
make_suite_config(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_default_paths);
	tcase_add_test(tc, test_default_paths_follow_name);
	tcase_add_test(tc, test_command_line);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_quoted_command);
	tcase_add_test(tc, test_short_options);
	tcase_add_test(tc, test_actions);
	tcase_add_test(tc, test_first_non_option_starts_command);
	tcase_add_test(tc, test_override_order);
	tcase_add_test(tc, test_workers_auto);
	tcase_add_test(tc, test_command_line_errors);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_reload_same_argv);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_print);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_table_sane);
	suite_add_tcase(s, tc);
	return s;
}
