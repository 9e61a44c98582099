/*
 * commands.h: the control commands, one table entry each.
 *
 * An entry has a name, whether read-only peers may use it, a validator
 * (pure: it only looks at the arguments) and a handler.  Handlers act only
 * through the supervisor's entry points (supervisor.h), the event stream
 * (events.h) and the stats queries (stats.h); they decide nothing on their
 * own.  control.c parses the envelope, checks permissions, calls the
 * validator and then the handler.
 */
#ifndef GWD_COMMANDS_H
#define GWD_COMMANDS_H

#include <sys/types.h>

#include <jansson.h>

struct ctl_client;

/* Who is asking, from SO_PEERCRED at accept time. */
struct cmd_peer {
	uid_t	 uid;
	gid_t	 gid;
	pid_t	 pid;
	int	 may_write;	/* 0: read-only commands only */
};

/* Per-connection command state, embedded in control.c's client. */
struct cmd_ctx {
	struct ctl_client *client;
	struct cmd_peer	 peer;
	int		 reload_pending;	/* waiting for sup_reload's cb */
	int		 stats_pending;		/* waiting for stats_query */
	int		 subscribed;		/* on the event stream */
	int		 upgrade_pending;	/* waiting for sup_upgrade */
};

enum cmd_status {
	CMD_OK,		/* *result set (new reference) */
	CMD_ERROR,	/* *code and *message set (message: caller frees) */
	CMD_ASYNC	/* control_answer() comes later (maybe already came) */
};

struct cmd_reply {
	json_t		*result;
	const char	*code;
	char		*message;
};

struct command {
	const char	*name;
	int		 read_only;
	/* args is an object (borrowed). 0, or -1 with *message (free). */
	int		 (*validate)(json_t *args, char **message);
	enum cmd_status	 (*run)(struct cmd_ctx *, json_t *args,
			     struct cmd_reply *);
};

/* The entry for name, or NULL (unknown_command). */
const struct command *commands_find(const char *name);
/* The whole table, for the documentation check in the unit tests. */
const struct command *commands_table(size_t *n);

/* The client is going away: cancel what it is waiting for. */
void	 commands_cancel(struct cmd_ctx *);

/*
 * Validation helpers shared by the table entries (commands.c and
 * cmd_stats.c).  Each returns 0, or -1 with *message (caller frees).
 */
enum arg_type { ARG_INT, ARG_BOOL, ARG_NUMBER, ARG_STRING, ARG_SIGNAL };
struct arg_spec {
	const char	*name;
	enum arg_type	 type;
	long long	 min, max;	/* ARG_INT only */
};
int	 commands_args_check(json_t *args, const struct arg_spec *, size_t n,
	     char **message);
/* A signal given as "TERM", "SIGTERM" or a number; 0 or -1. */
int	 commands_args_signal(json_t *v, int *sig);

/* The audit trail of a mutating command: an event and a log line. */
void	 commands_audit(const struct cmd_ctx *, const char *cmd,
	     json_t *args);

/* cmd_stats.c */
extern const struct command cmd_stats_entry;

#endif
