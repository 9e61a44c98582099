/*
 * gwconfig.h: the effective configuration of one generation.
 *
 * A struct gw_config is built by config_load() from the command line and
 * the configuration file (the command line wins), and is immutable after
 * that: a reload builds a new one and the supervisor swaps it in.  Every
 * field is driven by the option table in options.c, which is the one source
 * of truth for the command line, the file, --help, --check-config and the
 * `config` control command.  config_free() frees everything it owns.
 */
#ifndef GWD_GWCONFIG_H
#define GWD_GWCONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* jansson's json_t, declared here so that the configuration's users need
 * not include jansson (the pure core reads struct gw_config). */
struct json_t;

enum readiness { READINESS_DEFAULT = -1, READINESS_SPAWN, READINESS_NOTIFY };
/* Fields whose default depends on other options until config_load ends. */
#define GRACE_DEFAULT	       UINT64_MAX
#define SIGNAL_DEFAULT	       (-1)
/* --readiness-grace when not given: with --readiness spawn a worker must
 * stay alive this long after exec; READY=1 needs no grace. */
#define GRACE_SPAWN_DEFAULT_MS 1000
enum reload_strategy { RELOAD_ROLLING, RELOAD_SURGE };

struct gw_bind {
	char *name; /* NAME= prefix, or NULL */
	char *addr; /* as written, without NAME= */
};

struct gw_strlist {
	char **v;
	size_t n;
};

/* One --hook EVENT=CMD (hooks.h has the events). */
struct gw_hook {
	char  *event;  /* one of hooks_events[] */
	char **argv;   /* CMD split into words, NULL-terminated */
	char  *origin; /* "FILE:LINE" or "--hook", for messages */
};

struct gw_config {
	/* Where it came from. */
	char	       *config_file; /* -c FILE, or NULL */
	char	      **origin;	     /* per options_table entry: "FILE:LINE",
					   "--opt", or NULL for the default */

	/* Identity and paths (section 1). */
	char	       *name;
	char	       *runtime_dir;   /* derived unless set */
	char	       *notify_socket; /* derived: RUNDIR/NAME.notify */

	/* Pool. */
	struct gw_bind *binds;
	size_t		nbinds;
	int		binds_default; /* no --bind given: 127.0.0.1:8000,
					   replaced by LISTEN_FDS sockets */
	unsigned	workers;
	char	      **command;   /* NULL-terminated argv, NULL = gwd-http */
	int		readiness; /* enum readiness, resolved by config_load */
	uint64_t	readiness_grace_ms; /* resolved by config_load */
	uint64_t	boot_timeout_ms;
	uint64_t	timeout_ms;
	uint64_t	graceful_timeout_ms;
	int		stop_signal;
	int		worker_reopen_signal; /* 0 = none; resolved by
					   config_load */
	uint64_t	max_requests;
	uint64_t	max_requests_jitter;
	uint64_t	max_worker_age_ms;
	uint64_t	max_worker_memory; /* bytes */
	int		reload_strategy;
	unsigned	reload_batch;
	uint64_t	restart_backoff_max_ms;

	/* Process. */
	char	       *pid_file;
	int		daemonize;
	char	       *user;
	char	       *group;
	int		umask; /* -1 = unchanged */
	char	       *chdir;
	struct gw_strlist env; /* KEY=VALUE */
	int		  capture_output;

	/* Logging. */
	char		 *log_file;
	int		  log_level;  /* enum log_level */
	int		  log_format; /* enum log_format */

	/* Sockets. */
	unsigned	  backlog;
	int		  reuse_port;

	/* Control socket (issue: control). */
	char		 *control_socket;
	unsigned	  control_mode;
	char		 *control_group;
	char		 *control_read_group;

	/* Stats (issue: stats). */
	char		 *stats_db; /* "none" disables */
	uint64_t	  stats_interval_ms;
	uint64_t	  stats_retention_ms;

	/* Metrics (issue 11): HOST:PORT or unix:PATH; NULL or "none": off. */
	char		 *metrics_bind;

	/* Health and drain (issue 10): workers ready for /readyz, and the
	 * not-ready time before a graceful stop (0: none). */
	unsigned	  ready_min_workers;
	uint64_t	  drain_delay_ms;
	/* Hooks (SPEC section 13): run in order of this list. */
	struct gw_hook	 *hooks;
	size_t		  nhooks;
	uint64_t	  hook_timeout_ms;

	/* gwd-http (issue: gwd-http). */
	uint64_t	  keep_alive_ms;
	char		 *static_dir;
	char		 *access_log;
};

/* What the command line asked for besides a configuration. */
enum config_action { CONFIG_RUN, CONFIG_CHECK, CONFIG_HELP, CONFIG_VERSION };

/*
 * Build a configuration from argv (the whole command line, argv[0]
 * included) and the file it names with -c.  The command line overrides the
 * file.  Returns 0 with *out set (and *action), or -1 with a message in
 * *err ("gwd.conf:12: workers: expected ..."), to be freed by the caller.
 * The same argv is passed again on reload, so the file is re-read and the
 * command line still wins.
 */
int	       config_load(int argc, char **argv, struct gw_config **out,
	       enum config_action *action, char **err);
void	       config_free(struct gw_config *);

/*
 * Where the value of option key came from, to prefix a message about it:
 * "gwd.conf:12: user", "--user", or "user" for a default (new string).
 */
char	      *config_origin(const struct gw_config *, const char *key);

/* --help text, generated from the option table. */
void	       config_usage(FILE *);
/* --check-config: the effective configuration, one `key = value` a line. */
void	       config_print(FILE *, const struct gw_config *);
/* The `config` control command: keys as in the file (new reference). */
struct json_t *config_to_json(const struct gw_config *);

#endif
