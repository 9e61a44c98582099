/*
 * options.c: the option table (the one list of gwd's options, SPEC
 * section 2) and the parsing and printing of each value type.
 */
#include <config.h>

#include <sched.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/parse.h"
#include "gw/paths.h"
#include "gw/util.h"
#include "hooks.h"
#include "listeners.h"
#include "log.h"
#include "options.h"

#define F(field)                                  \
	.off = offsetof(struct gw_config, field), \
	.size = sizeof(((struct gw_config *)0)->field)
#define NOFIELD .off = 0

#define MS_MAX	(100ULL * 365 * 86400 * 1000)

static const char *const readiness_names[] = { "spawn", "notify", NULL };
static const char *const strategy_names[] = { "rolling", "surge", NULL };
static const char *const level_names[] = { "debug", "info", "warning", "error",
	NULL };
static const char *const format_names[] = { "text", "json", NULL };

/* Environment variables gwd sets for every worker itself. */
static const char *const reserved_env[] = { "LISTEN_FDS", "LISTEN_PID",
	"LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
	"GWD_WORKER_ID", "GWD_GENERATION", "GWD_MASTER_PID", "GWD_NAME", NULL };

/*
 * In the order of --help and --check-config.  Enum choices are in the
 * order of the matching C enum (readiness, reload_strategy, log_level,
 * log_format), so the index is the value.
 */
const struct option_def	 options_table[] = {
	 { .name = "config",
	     .shortopt = 'c',
	     .type = OPT_CONFIG,
	     .flags = OPT_CLI_ONLY,
	     NOFIELD,
	     .defhelp = "none",
	     .arg = "FILE",
	     .help = "configuration file; re-read on reload" },
	 { .name = "name",
	     .shortopt = 'n',
	     .type = OPT_NAME,
	     F(name),
	     .def = "gwd",
	     .arg = "NAME",
	     .help = "instance name: default paths, log tag, process name" },
	 { .name = "bind",
	     .shortopt = 'b',
	     .type = OPT_BIND,
	     NOFIELD,
	     .def = "127.0.0.1:8000",
	     .arg = "ADDR",
	     .help = "repeatable: HOST:PORT, [V6]:PORT, :PORT, unix:PATH, "
		      "fd://N; NAME=ADDR names it" },
	 { .name = "workers",
	     .shortopt = 'w',
	     .type = OPT_UINT,
	     .flags = OPT_AUTO,
	     F(workers),
	     .def = "1",
	     .arg = "N",
	     .help = "target pool size; auto = 2 x CPUs + 1",
	     .min = 1,
	     .max = 4096 },
	 { .name = "command",
	     .type = OPT_COMMAND,
	     F(command),
	     .defhelp = "gwd-http",
	     .arg = "'CMD ARGS'",
	     .help = "worker command, split into words like a shell, no "
		      "expansion" },
	 { .name = "readiness",
	     .type = OPT_ENUM,
	     F(readiness),
	     .defhelp = "notify for gwd-http, spawn otherwise",
	     .arg = "spawn|notify",
	     .help = "ready once exec succeeded, or once it sent READY=1",
	     .choices = readiness_names },
	 { .name = "readiness-grace",
	     .type = OPT_DURATION,
	     F(readiness_grace_ms),
	     .defhelp = "1s with spawn, 0 with notify",
	     .arg = "D",
	     .help = "a worker counts as ready once alive this long after its "
		      "readiness signal",
	     .max = MS_MAX },
	 { .name = "boot-timeout",
	     .type = OPT_DURATION,
	     F(boot_timeout_ms),
	     .def = "30s",
	     .arg = "D",
	     .help = "longest time a worker may stay booting (0: no limit)",
	     .max = MS_MAX },
	 { .name = "timeout",
	     .shortopt = 't',
	     .type = OPT_DURATION,
	     F(timeout_ms),
	     .def = "30s",
	     .arg = "D",
	     .help = "heartbeat timeout (0: none)",
	     .max = MS_MAX },
	 { .name = "graceful-timeout",
	     .type = OPT_DURATION,
	     F(graceful_timeout_ms),
	     .def = "30s",
	     .arg = "D",
	     .help = "from the stop signal to SIGKILL",
	     .max = MS_MAX },
	 { .name = "stop-signal",
	     .type = OPT_SIGNAL,
	     F(stop_signal),
	     .def = "TERM",
	     .arg = "SIG",
	     .help = "what a worker gets when asked to stop gracefully" },
	 { .name = "worker-reopen-signal",
	     .type = OPT_SIGNAL,
	     .flags = OPT_NONE_OK,
	     F(worker_reopen_signal),
	     .defhelp = "USR1 for gwd-http, none otherwise",
	     .arg = "SIG|none",
	     .help = "sent to ready workers on USR1 and reopen-logs" },
	 { .name = "keep-alive",
	     .type = OPT_DURATION,
	     F(keep_alive_ms),
	     .def = "5s",
	     .arg = "D",
	     .help = "gwd-http: idle keep-alive timeout (0: no keep-alive)",
	     .max = MS_MAX },
	 { .name = "max-requests",
	     .type = OPT_UINT,
	     F(max_requests),
	     .def = "0",
	     .arg = "N",
	     .help = "recycle a worker after about N requests (0: never)",
	     .max = UINT32_MAX },
	 { .name = "max-requests-jitter",
	     .type = OPT_UINT,
	     F(max_requests_jitter),
	     .def = "0",
	     .arg = "N",
	     .help = "add 0..N at random to max-requests per worker",
	     .max = UINT32_MAX },
	 { .name = "max-worker-age",
	     .type = OPT_DURATION,
	     F(max_worker_age_ms),
	     .def = "0",
	     .arg = "D",
	     .help = "recycle a worker older than D (0: never)",
	     .max = MS_MAX },
	 { .name = "max-worker-memory",
	     .type = OPT_SIZE,
	     F(max_worker_memory),
	     .def = "0",
	     .arg = "SIZE",
	     .help = "recycle a worker whose RSS exceeds SIZE (0: never)" },
	 { .name = "reload-strategy",
	     .type = OPT_ENUM,
	     F(reload_strategy),
	     .def = "rolling",
	     .arg = "rolling|surge",
	     .help = "how a reload replaces workers",
	     .choices = strategy_names },
	 { .name = "reload-batch",
	     .type = OPT_UINT,
	     F(reload_batch),
	     .def = "1",
	     .arg = "N",
	     .help = "rolling: workers replaced at a time",
	     .min = 1,
	     .max = 4096 },
	 { .name = "restart-backoff-max",
	     .type = OPT_DURATION,
	     F(restart_backoff_max_ms),
	     .def = "60s",
	     .arg = "D",
	     .help = "cap of the crash-loop backoff",
	     .min = 100,
	     .max = MS_MAX },
	 { .name = "static",
	     .type = OPT_STRING,
	     F(static_dir),
	     .defhelp = "none",
	     .arg = "DIR",
	     .help = "gwd-http serves files from DIR" },
	 { .name = "pid",
	     .type = OPT_STRING,
	     F(pid_file),
	     .defhelp = "none",
	     .arg = "FILE",
	     .help = "pid file" },
	 { .name = "daemon",
	     .shortopt = 'D',
	     .type = OPT_FLAG,
	     F(daemonize),
	     .def = "no",
	     .help = "detach from the terminal" },
	 { .name = "user",
	     .shortopt = 'u',
	     .type = OPT_STRING,
	     F(user),
	     .defhelp = "unchanged",
	     .arg = "USER",
	     .help = "workers run as this user" },
	 { .name = "group",
	     .shortopt = 'g',
	     .type = OPT_STRING,
	     F(group),
	     .defhelp = "unchanged",
	     .arg = "GROUP",
	     .help = "workers run as this group" },
	 { .name = "umask",
	     .type = OPT_MODE,
	     F(umask),
	     .defhelp = "unchanged",
	     .arg = "MODE",
	     .help = "workers' umask (octal)" },
	 { .name = "chdir",
	     .type = OPT_STRING,
	     F(chdir),
	     .defhelp = "unchanged",
	     .arg = "DIR",
	     .help = "workers' working directory" },
	 { .name = "env",
	     .shortopt = 'e',
	     .type = OPT_ENV,
	     NOFIELD,
	     .defhelp = "none",
	     .arg = "KEY=VALUE",
	     .help = "repeatable: set in workers' environment" },
	 { .name = "capture-output",
	     .type = OPT_FLAG,
	     F(capture_output),
	     .def = "no",
	     .help = "pipe workers' stdout/stderr through gwd's log" },
	 { .name = "log-file",
	     .type = OPT_STRING,
	     F(log_file),
	     .defhelp = "stderr",
	     .arg = "FILE",
	     .help = "gwd's log" },
	 { .name = "log-level",
	     .type = OPT_ENUM,
	     F(log_level),
	     .def = "info",
	     .arg = "LEVEL",
	     .help = "debug, info, warning or error",
	     .choices = level_names },
	 { .name = "log-format",
	     .type = OPT_ENUM,
	     F(log_format),
	     .def = "text",
	     .arg = "text|json",
	     .help = "log line format",
	     .choices = format_names },
	 { .name = "access-log",
	     .type = OPT_STRING,
	     F(access_log),
	     .defhelp = "none",
	     .arg = "FILE",
	     .help = "gwd-http access log" },
	 { .name = "control-socket",
	     .type = OPT_STRING,
	     .flags = OPT_SOCKPATH,
	     F(control_socket),
	     .defhelp = "RUNDIR/NAME.sock",
	     .arg = "PATH",
	     .help = "the control socket",
	     .derive = gw_default_control_socket },
	 { .name = "control-mode",
	     .type = OPT_MODE,
	     F(control_mode),
	     .def = "0600",
	     .arg = "MODE",
	     .help = "file mode of the control socket" },
	 { .name = "control-group",
	     .type = OPT_STRING,
	     F(control_group),
	     .defhelp = "none",
	     .arg = "GROUP",
	     .help = "peers with this primary group may use every command" },
	 { .name = "control-read-group",
	     .type = OPT_STRING,
	     F(control_read_group),
	     .defhelp = "none",
	     .arg = "GROUP",
	     .help = "peers with this primary group may use read-only commands" },
	 { .name = "stats-db",
	     .type = OPT_STRING,
	     .flags = OPT_NONE_OK,
	     F(stats_db),
	     .defhelp = "STATEDIR/NAME.db",
	     .arg = "PATH|none",
	     .help = "the stats database; none disables it",
	     .derive = gw_default_stats_db },
	 { .name = "stats-interval",
	     .type = OPT_DURATION,
	     F(stats_interval_ms),
	     .def = "10s",
	     .arg = "D",
	     .help = "sampling period",
	     .min = 1000,
	     .max = MS_MAX },
	 { .name = "stats-retention",
	     .type = OPT_DURATION,
	     F(stats_retention_ms),
	     .def = "7d",
	     .arg = "D",
	     .help = "older rows are deleted (0: keep everything)",
	     .max = MS_MAX },
	 { .name = "metrics-bind",
	     .type = OPT_STRING,
	     .flags = OPT_NONE_OK,
	     F(metrics_bind),
	     .defhelp = "none",
	     .arg = "ADDR|none",
	     .help = "serve Prometheus metrics at http://ADDR/metrics: "
		      "HOST:PORT or unix:PATH" },
	 { .name = "ready-min-workers",
	     .type = OPT_UINT,
	     F(ready_min_workers),
	     .def = "1",
	     .arg = "N",
	     .help = "/readyz and gwctl health: ready once N workers are "
		      "(at most the pool target)",
	     .min = 1,
	     .max = 4096 },
	 { .name = "drain-delay",
	     .type = OPT_DURATION,
	     F(drain_delay_ms),
	     .def = "0",
	     .arg = "D",
	     .help = "on a graceful stop, report not ready and keep serving "
		      "for D first",
	     .max = MS_MAX },
	 { .name = "backlog",
	     .type = OPT_UINT,
	     F(backlog),
	     .def = "2048",
	     .arg = "N",
	     .help = "listen backlog",
	     .min = 1,
	     .max = 65535 },
	 { .name = "reuse-port",
	     .type = OPT_FLAG,
	     F(reuse_port),
	     .def = "no",
	     .help = "SO_REUSEPORT on TCP binds" },
	 { .name = "hook",
	     .type = OPT_HOOK,
	     NOFIELD,
	     .defhelp = "none",
	     .arg = "EVENT=CMD",
	     .help = "repeatable: run CMD (words, no shell) when EVENT happens: "
		      "ready, reload, worker_exit, worker_timeout, scale, backoff, "
		      "stop" },
	 { .name = "hook-timeout",
	     .type = OPT_DURATION,
	     F(hook_timeout_ms),
	     .def = "30s",
	     .arg = "D",
	     .help = "a hook still running after D gets SIGTERM, then SIGKILL",
	     .min = 1,
	     .max = MS_MAX },
	 { .name = "check-config",
	     .type = OPT_ACTION,
	     .flags = OPT_CLI_ONLY,
	     NOFIELD,
	     .action = CONFIG_CHECK,
	     .help = "validate, print the effective configuration, exit" },
	 { .name = "version",
	     .type = OPT_ACTION,
	     .flags = OPT_CLI_ONLY,
	     NOFIELD,
	     .action = CONFIG_VERSION,
	     .help = "print the version" },
	 { .name = "help",
	     .shortopt = 'h',
	     .type = OPT_ACTION,
	     .flags = OPT_CLI_ONLY,
	     NOFIELD,
	     .action = CONFIG_HELP,
	     .help = "this help" },
};
const size_t options_count = GW_ARRAY_LEN(options_table);

/* Compare a key with '_' and '-' the same. */
static int
options_key_eq(const char *name, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = key[i] == '_' ? '-' : key[i];

		if (name[i] == '\0' || name[i] != c)
			return 0;
	}
	return name[len] == '\0';
}

const struct option_def *
options_find(const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < options_count; i++)
		if (options_key_eq(options_table[i].name, key, len))
			return &options_table[i];
	return NULL;
}

const struct option_def *
options_find_short(int c)
{
	size_t i;

	for (i = 0; i < options_count; i++)
		if (options_table[i].shortopt != 0 &&
		    options_table[i].shortopt == c)
			return &options_table[i];
	return NULL;
}

/* Edit distance, for "did you mean"; keys are short. */
static size_t
options_distance(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b), i, j, prev[64], cur[64];

	if (alen >= 63 || blen >= 63)
		return SIZE_MAX;
	for (j = 0; j <= blen; j++)
		prev[j] = j;
	for (i = 1; i <= alen; i++) {
		char c = a[i - 1] == '_' ? '-' : a[i - 1];

		cur[0] = i;
		for (j = 1; j <= blen; j++) {
			size_t sub = prev[j - 1] + (c != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) :
					     (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof prev);
	}
	return prev[blen];
}

const char *
options_suggest(const char *key, size_t len)
{
	const char *best = NULL;
	size_t	    i, d, bestd = SIZE_MAX;

	for (i = 0; i < options_count; i++) {
		d = options_distance(key, len, options_table[i].name);
		if (d < bestd) {
			bestd = d;
			best = options_table[i].name;
		}
	}
	/* Close enough: a typo or two, not a different word. */
	return bestd <= 2 && bestd < len ? best : NULL;
}

int
options_takes_value(const struct option_def *o)
{
	return o->type != OPT_FLAG && o->type != OPT_ACTION;
}

unsigned
options_auto_workers(void)
{
	cpu_set_t set;
	long	  n = 0;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	return n > 2047 ? 4096 : (unsigned)(2 * n + 1);
}

static char *options_format_ms(uint64_t);

static int
options_fail(char **msg, const char *fmt, const char *arg)
{
	*msg = xasprintf(fmt, arg);
	return -1;
}

static void
options_store_int(void *p, size_t size, uint64_t v)
{
	if (size == sizeof(uint64_t)) {
		uint64_t u = v;

		memcpy(p, &u, sizeof u);
	} else {
		int32_t i = (int32_t)v;

		memcpy(p, &i, sizeof i);
	}
}

static int64_t
options_load_int(const void *p, size_t size)
{
	if (size == sizeof(uint64_t)) {
		uint64_t u;

		memcpy(&u, p, sizeof u);
		return (int64_t)u;
	} else {
		int32_t i;

		memcpy(&i, p, sizeof i);
		return i;
	}
}

static int
options_parse_flag(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	size_t			 i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	return -1;
}

static int
options_set_bind(struct gw_config *cfg, const char *v, char **msg)
{
	struct bind_addr ba;
	const char	*eq, *addr = v;
	char		*name = NULL;
	size_t		 i, nlen;

	/* NAME=ADDR: an '=' before any ':' or '[' (addresses have one). */
	eq = strchr(v, '=');
	if (eq != NULL && eq < v + strcspn(v, ":[")) {
		nlen = (size_t)(eq - v);
		if (nlen == 0 || nlen > 255)
			return options_fail(msg,
			    "%s: empty or too long name "
			    "before '='",
			    v);
		for (i = 0; i < nlen; i++)
			if (!isgraph((unsigned char)v[i]))
				return options_fail(msg,
				    "%s: a name is "
				    "printable, without spaces",
				    v);
		name = xstrndup(v, nlen);
		addr = eq + 1;
	}
	if (listeners_parse_bind(addr, &ba, msg) == -1) {
		free(name);
		return -1;
	}
	for (i = 0; i < cfg->nbinds; i++)
		if (strcmp(cfg->binds[i].addr, addr) == 0) {
			free(name);
			return options_fail(msg, "%s: given twice", addr);
		}
	cfg->binds = xreallocarray(cfg->binds, cfg->nbinds + 1,
	    sizeof *cfg->binds);
	cfg->binds[cfg->nbinds].name = name;
	cfg->binds[cfg->nbinds].addr = xstrdup(addr);
	cfg->nbinds++;
	cfg->binds_default = 0;
	return 0;
}

void
options_clear_binds(struct gw_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nbinds; i++) {
		free(cfg->binds[i].name);
		free(cfg->binds[i].addr);
	}
	free(cfg->binds);
	cfg->binds = NULL;
	cfg->nbinds = 0;
}

void
options_clear_hooks(struct gw_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nhooks; i++) {
		free(cfg->hooks[i].event);
		parse_words_free(cfg->hooks[i].argv);
		free(cfg->hooks[i].origin);
	}
	free(cfg->hooks);
	cfg->hooks = NULL;
	cfg->nhooks = 0;
}

/* EVENT=CMD: a known event, and a command split like --command. */
static int
options_set_hook(struct gw_config *cfg, const char *v, char **msg)
{
	const char *eq = strchr(v, '='), *perr;
	char	   *event, **words;

	if (eq == NULL || eq == v)
		return options_fail(msg, "%s: expected EVENT=CMD", v);
	event = xstrndup(v, (size_t)(eq - v));
	if (hooks_event_index(event) == -1) {
		*msg = xasprintf("unknown event '%s': expected one of %s",
		    event, HOOKS_EVENT_LIST);
		free(event);
		return -1;
	}
	if (parse_words(eq + 1, &words, &perr) == -1) {
		free(event);
		return options_fail(msg, "%s", perr);
	}
	if (words[0] == NULL) {
		free(event);
		parse_words_free(words);
		return options_fail(msg, "%s", "empty command");
	}
	cfg->hooks = xreallocarray(cfg->hooks, cfg->nhooks + 1,
	    sizeof *cfg->hooks);
	cfg->hooks[cfg->nhooks].event = event;
	cfg->hooks[cfg->nhooks].argv = words;
	cfg->hooks[cfg->nhooks].origin = NULL; /* set by gwconfig.c */
	cfg->nhooks++;
	return 0;
}

static int
options_set_env(struct gw_config *cfg, const char *v, char **msg)
{
	const char *eq = strchr(v, '=');
	size_t	    klen, i;

	if (eq == NULL)
		return options_fail(msg, "%s: expected KEY=VALUE", v);
	klen = (size_t)(eq - v);
	if (klen == 0 || !(isalpha((unsigned char)v[0]) || v[0] == '_'))
		goto badname;
	for (i = 1; i < klen; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '_')
			goto badname;
	for (i = 0; reserved_env[i] != NULL; i++)
		if (strlen(reserved_env[i]) == klen &&
		    strncmp(reserved_env[i], v, klen) == 0) {
			*msg = xasprintf("%.*s is set by gwd for each worker",
			    (int)klen, v);
			return -1;
		}
	/* The same KEY again replaces it: the command line wins. */
	for (i = 0; i < cfg->env.n; i++)
		if (strncmp(cfg->env.v[i], v, klen + 1) == 0) {
			free(cfg->env.v[i]);
			cfg->env.v[i] = xstrdup(v);
			return 0;
		}
	cfg->env.v = xreallocarray(cfg->env.v, cfg->env.n + 1,
	    sizeof *cfg->env.v);
	cfg->env.v[cfg->env.n++] = xstrdup(v);
	return 0;
badname:
	*msg = xasprintf("bad variable name '%.*s': letters, digits and _, "
			 "not starting with a digit",
	    (int)klen, v);
	return -1;
}

static int
options_set_uint(struct gw_config *cfg, const struct option_def *o,
    const char *v, char **msg)
{
	const char *perr;
	uint64_t    n;

	if ((o->flags & OPT_AUTO) && strcmp(v, "auto") == 0)
		n = options_auto_workers();
	else if (parse_uint(v, 0, UINT64_MAX, &n, &perr) == -1)
		return options_fail(msg, "%s", perr);
	if (n < o->min || n > o->max) {
		*msg = xasprintf("out of range (%llu..%llu)",
		    (unsigned long long)o->min, (unsigned long long)o->max);
		return -1;
	}
	options_store_int((char *)cfg + o->off, o->size, n);
	return 0;
}

static int
options_set_duration(struct gw_config *cfg, const struct option_def *o,
    const char *v, char **msg)
{
	const char *perr;
	char	   *limit;
	uint64_t    ms;

	if (parse_duration_ms(v, &ms, &perr) == -1)
		return options_fail(msg, "%s", perr);
	if (ms < o->min || ms > o->max) {
		limit = options_format_ms(ms < o->min ? o->min : o->max);
		*msg = xasprintf("must be at %s %s",
		    ms < o->min ? "least" : "most", limit);
		free(limit);
		return -1;
	}
	options_store_int((char *)cfg + o->off, o->size, ms);
	return 0;
}

static int
options_set_string(struct gw_config *cfg, const struct option_def *o,
    const char *v, char **msg)
{
	char **p = (char **)(void *)((char *)cfg + o->off);
	size_t i;

	if (o->type == OPT_NAME) {
		if (v[0] == '.' || v[0] == '-' || strlen(v) > 64)
			goto badname;
		for (i = 0; v[i] != '\0'; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '.' &&
			    v[i] != '_' && v[i] != '-')
				goto badname;
	}
	if ((o->flags & OPT_SOCKPATH) && strlen(v) >= 108)
		return options_fail(msg,
		    "%s: path too long for a Unix "
		    "socket (at most 107 bytes)",
		    v);
	free(*p);
	*p = xstrdup(v);
	return 0;
badname:
	return options_fail(msg,
	    "'%s': expected at most 64 letters, digits, "
	    "'.', '_' or '-', not starting with '.' or '-'",
	    v);
}

int
options_set(struct gw_config *cfg, const struct option_def *o, const char *v,
    char **msg)
{
	void	   *p = (char *)cfg + o->off;
	const char *perr;
	uint64_t    n;
	char	  **words, *list;
	int	    i, flag;
	size_t	    len;

	if (v[0] == '\0')
		return options_fail(msg, "%s", "missing value");
	switch (o->type) {
	case OPT_STRING:
	case OPT_NAME:
		return options_set_string(cfg, o, v, msg);
	case OPT_UINT:
		return options_set_uint(cfg, o, v, msg);
	case OPT_FLAG:
		if (options_parse_flag(v, &flag) == -1)
			return options_fail(msg, "%s", "expected yes or no");
		options_store_int(p, o->size, (uint64_t)flag);
		return 0;
	case OPT_DURATION:
		return options_set_duration(cfg, o, v, msg);
	case OPT_SIZE:
		if (parse_size(v, &n, &perr) == -1)
			return options_fail(msg, "%s", perr);
		options_store_int(p, o->size, n);
		return 0;
	case OPT_ENUM:
		for (i = 0; o->choices[i] != NULL; i++)
			if (strcasecmp(v, o->choices[i]) == 0) {
				options_store_int(p, o->size, (uint64_t)i);
				return 0;
			}
		for (len = 1, i = 0; o->choices[i] != NULL; i++)
			len += strlen(o->choices[i]) + 2;
		list = xcalloc(1, len);
		for (i = 0; o->choices[i] != NULL; i++) {
			if (i > 0)
				strcat(list, ", ");
			strcat(list, o->choices[i]);
		}
		*msg = xasprintf("expected one of %s", list);
		free(list);
		return -1;
	case OPT_SIGNAL:
		if ((o->flags & OPT_NONE_OK) && strcasecmp(v, "none") == 0) {
			options_store_int(p, o->size, 0);
			return 0;
		}
		if (parse_signal(v, &flag) == -1)
			return options_fail(msg, "%s",
			    "expected a signal "
			    "name or number, like TERM");
		options_store_int(p, o->size, (uint64_t)flag);
		return 0;
	case OPT_MODE:
		for (i = 0; v[i] != '\0'; i++)
			if (v[i] < '0' || v[i] > '7')
				break;
		n = strtoull(v, NULL, 8);
		if (v[i] != '\0' || i > 5 || n > 0777)
			return options_fail(msg, "%s",
			    "expected an octal "
			    "mode 0000..0777, like 0600");
		options_store_int(p, o->size, n);
		return 0;
	case OPT_BIND:
		return options_set_bind(cfg, v, msg);
	case OPT_ENV:
		return options_set_env(cfg, v, msg);
	case OPT_HOOK:
		return options_set_hook(cfg, v, msg);
	case OPT_COMMAND:
		if (parse_words(v, &words, &perr) == -1)
			return options_fail(msg, "%s", perr);
		if (words[0] == NULL) {
			parse_words_free(words);
			return options_fail(msg, "%s", "empty command");
		}
		parse_words_free(cfg->command);
		cfg->command = words;
		return 0;
	default:
		return options_fail(msg, "%s", "not a configuration value");
	}
}

/* Exact, so that --check-config reads back the same: "1m30s", "250ms". */
static char *
options_format_ms(uint64_t ms)
{
	static const struct {
		const char *unit;
		uint64_t    ms;
	} units[] = {
		{ "d", 86400000 },
		{ "h", 3600000 },
		{ "m", 60000 },
		{ "s", 1000 },
		{ "ms", 1 },
	};
	char   buf[128];
	size_t i, len = 0;

	if (ms == 0)
		return xstrdup("0");
	buf[0] = '\0';
	for (i = 0; i < GW_ARRAY_LEN(units); i++) {
		if (ms >= units[i].ms) {
			len += (size_t)snprintf(buf + len, sizeof buf - len,
			    "%llu%s", (unsigned long long)(ms / units[i].ms),
			    units[i].unit);
			ms %= units[i].ms;
		}
	}
	return xstrdup(buf);
}

static char *
options_format_size(uint64_t n)
{
	if (n != 0 && n % (1ULL << 30) == 0)
		return xasprintf("%lluG", (unsigned long long)(n >> 30));
	if (n != 0 && n % (1ULL << 20) == 0)
		return xasprintf("%lluM", (unsigned long long)(n >> 20));
	if (n != 0 && n % (1ULL << 10) == 0)
		return xasprintf("%lluK", (unsigned long long)(n >> 10));
	return xasprintf("%llu", (unsigned long long)n);
}

char *
options_format(const struct gw_config *cfg, const struct option_def *o)
{
	const void *p = (const char *)cfg + o->off;
	const char *s;
	int64_t	    v;

	switch (o->type) {
	case OPT_STRING:
	case OPT_NAME:
		memcpy(&s, p, sizeof s);
		return s != NULL ? xstrdup(s) : NULL;
	case OPT_UINT:
		return xasprintf("%llu",
		    (unsigned long long)options_load_int(p, o->size));
	case OPT_FLAG:
		return xstrdup(options_load_int(p, o->size) ? "yes" : "no");
	case OPT_DURATION:
		return options_format_ms((uint64_t)options_load_int(p,
		    o->size));
	case OPT_SIZE:
		return options_format_size((uint64_t)options_load_int(p,
		    o->size));
	case OPT_ENUM:
		v = options_load_int(p, o->size);
		return v >= 0 ? xstrdup(o->choices[v]) : NULL;
	case OPT_SIGNAL:
		v = options_load_int(p, o->size);
		return v > 0 ? xstrdup(format_signal((int)v)) :
		    v == 0   ? xstrdup("none") :
			       NULL;
	case OPT_MODE:
		v = options_load_int(p, o->size);
		return v >= 0 ? xasprintf("%04llo", (unsigned long long)v) :
				NULL;
	default:
		return NULL;
	}
}

char *
options_words_text(char *const *argv)
{
	char	   *s = xstrdup(""), *t, *w, *q;
	const char *p;
	size_t	    i;

	for (i = 0; argv[i] != NULL; i++) {
		p = argv[i];
		if (*p != '\0' && strpbrk(p, " \t\n'\"\\#$`") == NULL)
			w = xstrdup(p);
		else {
			/* Single quotes; a quote inside becomes '\''. */
			w = q = xmalloc(strlen(p) * 4 + 3);
			*q++ = '\'';
			for (; *p != '\0'; p++) {
				if (*p == '\'') {
					memcpy(q, "'\\''", 4);
					q += 4;
				} else
					*q++ = *p;
			}
			*q++ = '\'';
			*q = '\0';
		}
		t = xasprintf("%s%s%s", s, i > 0 ? " " : "", w);
		free(s);
		free(w);
		s = t;
	}
	return s;
}

/* A JSON string even from bytes that are not UTF-8 (env values may be). */
static json_t *
options_json_string(const char *s)
{
	json_t *j;
	char   *copy;
	size_t	i;

	if ((j = json_string(s)) != NULL)
		return j;
	copy = xstrdup(s);
	for (i = 0; copy[i] != '\0'; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

json_t *
options_to_json(const struct gw_config *cfg, const struct option_def *o)
{
	const void *p = (const char *)cfg + o->off;
	json_t	   *arr;
	char	   *s;
	size_t	    i;

	switch (o->type) {
	case OPT_UINT:
		return json_integer(options_load_int(p, o->size));
	case OPT_FLAG:
		return json_boolean(options_load_int(p, o->size));
	case OPT_BIND:
		arr = json_array();
		for (i = 0; i < cfg->nbinds; i++) {
			s = cfg->binds[i].name != NULL ?
			    xasprintf("%s=%s", cfg->binds[i].name,
				cfg->binds[i].addr) :
			    xstrdup(cfg->binds[i].addr);
			json_array_append_new(arr, options_json_string(s));
			free(s);
		}
		return arr;
	case OPT_ENV:
		arr = json_array();
		for (i = 0; i < cfg->env.n; i++)
			json_array_append_new(arr,
			    options_json_string(cfg->env.v[i]));
		return arr;
	case OPT_HOOK:
		/* "EVENT=CMD" as the file says it, like "NAME=ADDR" binds. */
		arr = json_array();
		for (i = 0; i < cfg->nhooks; i++) {
			char *cmd = options_words_text(cfg->hooks[i].argv);

			s = xasprintf("%s=%s", cfg->hooks[i].event, cmd);
			json_array_append_new(arr, options_json_string(s));
			free(cmd);
			free(s);
		}
		return arr;
	case OPT_COMMAND:
		if (cfg->command == NULL)
			return json_null();
		arr = json_array();
		for (i = 0; cfg->command[i] != NULL; i++)
			json_array_append_new(arr,
			    options_json_string(cfg->command[i]));
		return arr;
	case OPT_CONFIG:
		return cfg->config_file != NULL ?
		    options_json_string(cfg->config_file) :
		    json_null();
	default:
		if ((s = options_format(cfg, o)) == NULL)
			return json_null();
		arr = options_json_string(s);
		free(s);
		return arr;
	}
}
