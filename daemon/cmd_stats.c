/*
 * cmd_stats.c: the `stats` control command.  The query runs on the stats
 * writer's thread and answers through control_answer(), in order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gw/protocol.h"
#include "gw/statsdb.h"
#include "gw/util.h"

#include "commands.h"
#include "control.h"
#include "stats.h"

/* The same arguments statsdb_query() takes, so the socket can reach
 * everything `gwctl stats --db` can. */
static const struct arg_spec stats_args[] = {
	{ "since", ARG_NUMBER, 0, 0 },
	{ "until", ARG_NUMBER, 0, 0 },
	{ "kind", ARG_STRING, 0, 0 },
	{ "limit", ARG_INT, 1, STATSDB_LIMIT_MAX },
	{ "event", ARG_STRING, 0, 0 },
	{ "worker", ARG_INT, 1, 1000000 },
};

int
cmd_stats_validate(json_t *args, char **message)
{
	static const char *kinds[] = { "summary", "events", "samples",
		"worker_samples" };
	const char	  *kind;
	size_t		   i;

	if (commands_args_check(args, stats_args, GW_ARRAY_LEN(stats_args),
		message) == -1)
		return -1;
	kind = json_string_value(json_object_get(args, "kind"));
	if (kind == NULL)
		return 0;
	for (i = 0; i < GW_ARRAY_LEN(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 0;
	*message = xstrdup("kind must be summary, events, samples or "
			   "worker_samples");
	return -1;
}

static void
stats_done(json_t *result, const char *code, const char *message, void *arg)
{
	struct cmd_ctx *ctx = arg;

	ctx->stats_pending = 0;
	control_answer(ctx->client, result, code, message);
}

enum cmd_status
cmd_stats_run(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)r;
	ctx->stats_pending = 1;
	stats_query(args, stats_done, ctx);
	return CMD_ASYNC;
}
