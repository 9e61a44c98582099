/*
 * control.h: the control socket (SPEC section 7).
 *
 * control.c owns the listening Unix socket and its clients: creation (stale
 * socket removal, umask, mode, group), peer credentials, the line framing
 * and its limits, per-connection ordering, idle timeouts, and back
 * pressure.  What a request means is commands.c's business; control.c only
 * parses the envelope ({id, cmd, args}) and hands it over.
 */
#ifndef GWD_CONTROL_H
#define GWD_CONTROL_H

#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

#include "gwconfig.h"

struct ctl_client;

/* Who is asking, from SO_PEERCRED at accept time. */
struct cmd_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int   may_write; /* 0: read-only commands only */
};

/* Per-connection command state, embedded in control.c's client. */
struct cmd_ctx {
	struct ctl_client *client;
	struct cmd_peer	   peer;
	int		   reload_pending;  /* waiting for sup_reload's cb */
	int		   stats_pending;   /* waiting for stats_query */
	int		   subscribed;	    /* on the event stream */
	int		   upgrade_pending; /* waiting for sup_upgrade */
};

enum cmd_status {
	CMD_OK,	   /* *result set (new reference) */
	CMD_ERROR, /* *code and *message set (message: caller frees) */
	CMD_ASYNC  /* control_answer() comes later (maybe already came) */
};

struct cmd_reply {
	json_t	   *result;
	const char *code;
	char	   *message;
};

struct command {
	const char *name;
	int	    read_only;
	/* args is an object (borrowed). 0, or -1 with *message (free). */
	int (*validate)(json_t *args, char **message);
	enum cmd_status (*run)(struct cmd_ctx *, json_t *args,
	    struct cmd_reply *);
};

/*
 * The command set control.c dispatches to: find (NULL: unknown_command),
 * audit (a mutating command's trail, before it runs) and cancel (the
 * client is going away).  commands.c provides it (commands_dispatch);
 * main.c wires it before the supervisor starts the socket.  Without one
 * every command is unknown.
 */
struct control_commands {
	const struct command *(*find)(const char *name);
	void (*audit)(const struct cmd_ctx *, const char *cmd, json_t *args);
	void (*cancel)(struct cmd_ctx *);
};
void control_set_commands(const struct control_commands *);

/*
 * Create the socket at cfg->control_socket with mode cfg->control_mode,
 * resolve cfg->control_group and cfg->control_read_group (names or gids;
 * looked up here, never per request) and start accepting on base.  Returns
 * 0, or -1 with a message in *err (caller frees).
 */
int  control_start(struct event_base *, const struct gw_config *, char **err);
/* Flush what can be flushed without blocking, close every client, unlink
 * the socket.  Safe to call when control_start was not. */
void control_stop(void);
/* A group as a name or a number: 0, or -1 with *err ("OPT: no such
 * group 'x'"; caller frees).  For the configuration's validation. */
int  control_resolve_group(const char *opt, const char *s, gid_t *gid,
     char **err);

/* Number of connected clients (for status and tests). */
unsigned control_clients(void);

/*
 * For commands.c.  Answer the request a command left pending (CMD_ASYNC):
 * either result (a new reference, stolen) or an error code and message.
 * The answer keeps its place in the connection's order.
 */
void	 control_answer(struct ctl_client *, json_t *result, const char *code,
	const char *message);
/* Send one unsolicited line (a subscribed event; obj is borrowed).  A
 * client that does not read is disconnected rather than buffered forever. */
void	 control_push(struct ctl_client *, json_t *obj);

/*
 * In-place upgrade.  control_inherit(fd) before control_start() makes it
 * adopt fd (the listening socket kept across exec) instead of creating
 * the socket.  control_fd() is the listening fd (-1 if none);
 * control_client_fd() and control_client_id() give a client's socket and
 * the id of the request it waits on (borrowed), for the new image to
 * answer with control_answer_fd(), which sends one reply line (result
 * stolen) and closes fd.
 */
void	 control_inherit(int fd);
int	 control_fd(void);
int	 control_client_fd(struct ctl_client *);
json_t	*control_client_id(struct ctl_client *);
void	 control_answer_fd(int fd, json_t *id, json_t *result, const char *code,
	const char *message);
/* Tests only: shorten the idle timeout. */
void	 control_set_idle_timeout_ms(unsigned ms);

#endif
