/*
 * commands.h: the control commands, one table entry each.
 *
 * An entry has a name, whether read-only peers may use it (the one list
 * of read-only commands), a validator (pure: it only looks at the
 * arguments) and a handler.  Handlers act only
 * through the supervisor's entry points (supervisor.h), the event stream
 * (events.h) and the stats queries (stats.h); they decide nothing on their
 * own.  control.c parses the envelope, checks permissions, calls the
 * validator and then the handler, through commands_dispatch, which main.c
 * hands to control_set_commands(): control.c does not call commands.c by
 * name, so the arrows go one way (supervisor -> control; commands ->
 * supervisor and control).
 */
#ifndef GWD_COMMANDS_H
#define GWD_COMMANDS_H

#include <sys/types.h>

#include <jansson.h>

/* The types a table entry is made of (struct command, cmd_ctx, cmd_reply)
 * are control.h's: the interface control.c dispatches through. */
#include "control.h"

/* The entry for name, or NULL (unknown_command). */
const struct command		    *commands_find(const char *name);
/* The whole table, for the documentation check in the unit tests. */
const struct command		    *commands_table(size_t *n);

/* The client is going away: cancel what it is waiting for. */
void				     commands_cancel(struct cmd_ctx *);

/* commands_find, commands_audit and commands_cancel, for control.c. */
extern const struct control_commands commands_dispatch;

/* May a read-only peer (--control-read-group) use cmd?  The table's flag
 * (the `stats` entry's too); 0 for an unknown command. */
int				     commands_is_read_only(const char *cmd);

/*
 * Validation helpers shared by the table entries (commands.c and
 * cmd_stats.c).  Each returns 0, or -1 with *message (caller frees).
 */
enum arg_type { ARG_INT, ARG_BOOL, ARG_NUMBER, ARG_STRING, ARG_SIGNAL };
struct arg_spec {
	const char   *name;
	enum arg_type type;
	long long     min, max; /* ARG_INT only */
};
int  commands_args_check(json_t *args, const struct arg_spec *, size_t n,
     char **message);
/* A signal given as "TERM", "SIGTERM" or a number; 0 or -1. */
int  commands_args_signal(json_t *v, int *sig);

/* The audit trail of a mutating command: an event and a log line. */
void commands_audit(const struct cmd_ctx *, const char *cmd, json_t *args);

/* cmd_stats.c: `stats`, answered from the stats thread (CMD_ASYNC). */
int  cmd_stats_validate(json_t *args, char **message);
enum cmd_status cmd_stats_run(struct cmd_ctx *, json_t *args,
    struct cmd_reply *);

#endif
