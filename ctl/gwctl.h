/*
 * gwctl.h: what gwctl's subcommands share: the parsed invocation, the
 * request helper and the exit statuses of SPEC section 8.
 */
#ifndef GWCTL_H
#define GWCTL_H

#include <stdint.h>

#include <jansson.h>

#include "gw/util.h"

enum {
	GWCTL_OK = 0,	      /* success */
	GWCTL_FAILED = 1,     /* the daemon answered with an error */
	GWCTL_USAGE = 2,      /* usage error */
	GWCTL_UNREACHABLE = 3 /* the daemon cannot be reached */
};

#define GWCTL_MAX_FLAGS 8

/* A subcommand's own option. */
struct gwctl_flag {
	const char *name;   /* "--wait" */
	char	    shortc; /* 'f', or 0 */
	const char *arg;    /* metavariable, or NULL: no value */
	const char *help;
};

struct gwctl_inv;

struct gwctl_cmd {
	const char		*name;
	const char		*alias;
	const char		*args; /* positional usage, or NULL */
	int			 min_args, max_args; /* -1: no limit */
	const struct gwctl_flag *flags;		     /* NULL name ends */
	int (*run)(struct gwctl_inv *);
	const char *help;
};

struct gwctl_inv {
	const struct gwctl_cmd *cmd;
	char		      **argv; /* positionals */
	int			argc;
	const char	       *flag[GWCTL_MAX_FLAGS]; /* values, by index */
	int			json;
	int			raw_ok; /* simple(): may print the answer raw */
	char		       *raw;	/* the result exactly as received */
	uint64_t		timeout_ms;  /* 0: none */
	int			timeout_set; /* --timeout was given */
	char		       *socket;	     /* resolved path */
};

/* The value of the subcommand flag name ("1" for a plain flag), or NULL. */
const char *gwctl_flag(const struct gwctl_inv *, const char *name);

/*
 * Send {"id":1, "cmd":cmd, "args":args} (args stolen, may be NULL) and
 * wait for the answer.  On success returns GWCTL_OK with *result (new
 * reference); otherwise prints why and returns the exit status.
 */
int	    gwctl_call(struct gwctl_inv *, const char *cmd, json_t *args,
	    json_t **result);
/* Print a result as --json does: compact, as received, one line. */
void	    gwctl_print_json(json_t *);
/* "gwctl: CMD: message" on stderr, returns GWCTL_USAGE. */
int	    gwctl_usage_error(const struct gwctl_inv *, const char *fmt, ...)
    GW_PRINTF(2, 3);

/* ctl/cmd_stats.c */
extern const struct gwctl_flag cmd_stats_flags[];
int			       cmd_stats_run(struct gwctl_inv *);

/* ctl/cmd_top.c */
extern const struct gwctl_flag cmd_top_flags[];
int			       cmd_top_run(struct gwctl_inv *);

#endif
