/*
 * cmd_stats.c: the `stats` control command.  It joins the command table
 * when the stats module is built (GW_HAVE_STATS): the query runs on the
 * stats writer's thread and answers through control_answer(), in order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gw/protocol.h"
#include "gw/util.h"

#include "commands.h"
#include "control.h"
#include "stats.h"

static const struct arg_spec stats_args[] = {
	{ "since", ARG_NUMBER, 0, 0 },
	{ "until", ARG_NUMBER, 0, 0 },
	{ "kind", ARG_STRING, 0, 0 },
	{ "limit", ARG_INT, 1, 100000 },
};

static int
v_stats(json_t *args, char **message)
{
	const char	*kind;

	if (args_check(args, stats_args, GW_ARRAY_LEN(stats_args),
	    message) == -1)
		return -1;
	kind = json_string_value(json_object_get(args, "kind"));
	if (kind != NULL && strcmp(kind, "summary") != 0 &&
	    strcmp(kind, "events") != 0 && strcmp(kind, "samples") != 0) {
		*message = xstrdup("kind must be summary, events or samples");
		return -1;
	}
	return 0;
}

static void
stats_done(json_t *result, const char *code, const char *message, void *arg)
{
	struct cmd_ctx	*ctx = arg;

	ctx->stats_pending = 0;
	control_answer(ctx->client, result, code, message);
}

static enum cmd_status
c_stats(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)r;
	ctx->stats_pending = 1;
	stats_query(args, stats_done, ctx);
	return CMD_ASYNC;
}

const struct command cmd_stats_entry = {
	GW_CMD_STATS, 1, v_stats, c_stats
};
