/*
 * commands.c: the control commands of SPEC section 7, one table entry each.
 *
 * Validators are pure: they look at the arguments and nothing else, so the
 * unit tests drive every one through the table.  Handlers turn a request
 * into one call of a supervisor entry point; the supervisor and its planner
 * decide what happens, exactly as for the equivalent signal.
 */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/parse.h"
#include "gw/protocol.h"
#include "gw/util.h"

#include "commands.h"
#include "control.h"
#include "events.h"
#include "log.h"
#include "plan.h"
#include "sampling.h"
#include "supervisor.h"
#include "upgrade.h"
#include "stats.h"

/* ---- validation helpers ------------------------------------------------- */

static const char *
type_name(enum arg_type t)
{
	switch (t) {
	case ARG_INT:
		return "an integer";
	case ARG_BOOL:
		return "true or false";
	case ARG_NUMBER:
		return "a number";
	case ARG_STRING:
		return "a string";
	case ARG_SIGNAL:
		return "a signal name or number";
	}
	return "?";
}

int
commands_args_signal(json_t *v, int *sig)
{
	json_int_t n;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n < 1 || n >= NSIG)
			return -1;
		*sig = (int)n;
		return 0;
	}
	if (json_is_string(v) && parse_signal(json_string_value(v), sig) == 0 &&
	    *sig >= 1 && *sig < NSIG)
		return 0;
	return -1;
}

int
commands_args_check(json_t *args, const struct arg_spec *spec, size_t n,
    char **message)
{
	const char *key;
	json_t	   *v;
	size_t	    i;
	json_int_t  iv;
	int	    sig;

	json_object_foreach(args, key, v)
	{
		for (i = 0; i < n; i++)
			if (strcmp(key, spec[i].name) == 0)
				break;
		if (i == n) {
			*message = n == 0 ?
			    xasprintf("takes no arguments (got '%s')", key) :
			    xasprintf("unknown argument '%s'", key);
			return -1;
		}
		switch (spec[i].type) {
		case ARG_INT:
			if (!json_is_integer(v))
				goto type;
			iv = json_integer_value(v);
			if (iv < spec[i].min || iv > spec[i].max) {
				*message = xasprintf("%s must be %lld..%lld",
				    key, spec[i].min, spec[i].max);
				return -1;
			}
			break;
		case ARG_BOOL:
			if (!json_is_boolean(v))
				goto type;
			break;
		case ARG_NUMBER:
			if (!json_is_number(v))
				goto type;
			break;
		case ARG_STRING:
			if (!json_is_string(v))
				goto type;
			break;
		case ARG_SIGNAL:
			if (commands_args_signal(v, &sig) == -1) {
				*message =
				    xasprintf("%s must be a signal name "
					      "(TERM, SIGKILL) or number 1..%d",
					key, NSIG - 1);
				return -1;
			}
			break;
		}
	}
	return 0;
type:
	*message = xasprintf("%s must be %s", key, type_name(spec[i].type));
	return -1;
}

/* Exactly one of a and b must be present. */
static int
args_one_of(json_t *args, const char *a, const char *b, char **message)
{
	int ha = json_object_get(args, a) != NULL;
	int hb = json_object_get(args, b) != NULL;

	if (ha == hb) {
		*message = xasprintf("give exactly one of '%s' and '%s'", a, b);
		return -1;
	}
	return 0;
}

static int
bool_arg(json_t *args, const char *key, int dflt)
{
	json_t *v = json_object_get(args, key);

	return v == NULL ? dflt : json_is_true(v);
}

/* ---- validators --------------------------------------------------------- */

static int
v_none(json_t *args, char **message)
{
	return commands_args_check(args, NULL, 0, message);
}

static const struct arg_spec scale_args[] = {
	{ "workers", ARG_INT, 0, SUP_MAX_WORKERS },
	{ "delta", ARG_INT, -SUP_MAX_WORKERS, SUP_MAX_WORKERS },
};

static int
v_scale(json_t *args, char **message)
{
	if (commands_args_check(args, scale_args, GW_ARRAY_LEN(scale_args),
		message) == -1)
		return -1;
	return args_one_of(args, "workers", "delta", message);
}

static const struct arg_spec ttin_args[] = {
	{ "n", ARG_INT, 1, SUP_MAX_WORKERS },
};

static int
v_ttin(json_t *args, char **message)
{
	return commands_args_check(args, ttin_args, GW_ARRAY_LEN(ttin_args),
	    message);
}

static const struct arg_spec reload_args[] = {
	{ "wait", ARG_BOOL, 0, 0 },
};

static int
v_reload(json_t *args, char **message)
{
	return commands_args_check(args, reload_args, GW_ARRAY_LEN(reload_args),
	    message);
}

static const struct arg_spec stop_args[] = {
	{ "graceful", ARG_BOOL, 0, 0 },
};

static int
v_stop(json_t *args, char **message)
{
	return commands_args_check(args, stop_args, GW_ARRAY_LEN(stop_args),
	    message);
}

static const struct arg_spec kill_args[] = {
	{ "worker", ARG_INT, 1, SUP_MAX_WORKERS },
	{ "pid", ARG_INT, 1, INT_MAX },
	{ "signal", ARG_SIGNAL, 0, 0 },
};

static int
v_kill(json_t *args, char **message)
{
	if (commands_args_check(args, kill_args, GW_ARRAY_LEN(kill_args),
		message) == -1)
		return -1;
	return args_one_of(args, "worker", "pid", message);
}

/* ---- handlers ----------------------------------------------------------- */

static enum cmd_status
scale_result(unsigned target, struct cmd_reply *r)
{
	unsigned previous;

	if (sup_scale(target, &previous) == -1) {
		r->code = GW_ERR_CONFLICT;
		r->message = xstrdup("cannot change the pool size now "
				     "(gwd is stopping)");
		return CMD_ERROR;
	}
	r->result = json_pack("{s:I, s:I}", "target", (json_int_t)target,
	    "previous", (json_int_t)previous);
	return CMD_OK;
}

static enum cmd_status
c_ping(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)ctx;
	(void)args;
	r->result = json_pack("{s:b}", "pong", 1);
	return CMD_OK;
}

static enum cmd_status
c_version(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)ctx;
	(void)args;
	r->result = json_pack("{s:s, s:i}", "version", GWD_VERSION, "protocol",
	    GW_PROTOCOL_VERSION);
	return CMD_OK;
}

static enum cmd_status
c_status(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)ctx;
	(void)args;
	r->result = sup_status_json();
	return CMD_OK;
}

/* The usage table is fresh again (or the wait is over). */
static void
workers_answer(void *arg)
{
	struct cmd_ctx *ctx = arg;

	control_answer(ctx->client, sup_workers_json(), NULL, NULL);
}

static enum cmd_status
c_workers(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)args;
	/* Never a /proc scan here: wait for the sampling thread's. */
	if (!sampling_wait(workers_answer, ctx))
		return CMD_ASYNC;
	r->result = sup_workers_json();
	return CMD_OK;
}

static enum cmd_status
c_scale(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	json_t	 *w = json_object_get(args, "workers");
	long long t;

	(void)ctx;
	if (w != NULL)
		t = json_integer_value(w);
	else {
		t = (long long)sup_target() +
		    json_integer_value(json_object_get(args, "delta"));
		if (t < 0 || t > SUP_MAX_WORKERS) {
			r->code = GW_ERR_INVALID_ARGUMENT;
			r->message = xasprintf("target would be %lld; workers "
					       "must be 0..%d",
			    t, SUP_MAX_WORKERS);
			return CMD_ERROR;
		}
	}
	return scale_result((unsigned)t, r);
}

/* Like TTIN: up by n (the planner's rule, plan_scale_step). */
static enum cmd_status
c_ttin(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	json_t *n = json_object_get(args, "n");

	(void)ctx;
	return scale_result(plan_scale_step(sup_target(),
				n ? json_integer_value(n) : 1, SUP_MAX_WORKERS),
	    r);
}

/* Like TTOU: down by n (the planner's rule, plan_scale_step). */
static enum cmd_status
c_ttou(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	json_t *n = json_object_get(args, "n");

	(void)ctx;
	return scale_result(plan_scale_step(sup_target(),
				-(n ? json_integer_value(n) : 1),
				SUP_MAX_WORKERS),
	    r);
}

static void
reload_done(json_t *result, void *arg)
{
	struct cmd_ctx *ctx = arg;

	ctx->reload_pending = 0;
	control_answer(ctx->client, result, NULL, NULL);
}

static enum cmd_status
c_reload(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	int   wait = bool_arg(args, "wait", 0), gen;
	char *err = NULL;

	if (wait)
		ctx->reload_pending = 1;
	gen = sup_reload(wait ? reload_done : NULL, wait ? ctx : NULL, &err);
	if (gen == -1) {
		ctx->reload_pending = 0;
		r->code = GW_ERR_CONFLICT;
		r->message = err != NULL ? err : xstrdup("reload failed");
		return CMD_ERROR;
	}
	free(err);
	if (wait)
		return CMD_ASYNC;
	r->result = json_pack("{s:i}", "generation", gen);
	return CMD_OK;
}

static enum cmd_status
c_stop(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)ctx;
	sup_stop(bool_arg(args, "graceful", 1));
	/* gwctl stop --wait watches this pid go after the connection ends. */
	r->result = json_pack("{s:i}", "pid", (int)getpid());
	return CMD_OK;
}

static enum cmd_status
c_kill(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	json_t *w = json_object_get(args, "worker");
	json_t *p = json_object_get(args, "pid");
	json_t *s = json_object_get(args, "signal");
	int	sig = SIGTERM;
	pid_t	pid;

	(void)ctx;
	if (s != NULL && commands_args_signal(s, &sig) == -1)
		sig = SIGTERM; /* not reached: validated */
	pid = sup_kill(w ? (int)json_integer_value(w) : 0,
	    p ? (pid_t)json_integer_value(p) : 0, sig);
	if (pid == -1) {
		r->code = GW_ERR_NOT_FOUND;
		r->message = w ? xasprintf("no live worker with id %lld",
				     (long long)json_integer_value(w)) :
				 xasprintf("no live worker with pid %lld",
				     (long long)json_integer_value(p));
		return CMD_ERROR;
	}
	r->result = json_pack("{s:I}", "pid", (json_int_t)pid);
	return CMD_OK;
}

static enum cmd_status
c_config(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)ctx;
	(void)args;
	r->result = config_to_json(supervisor_config());
	return CMD_OK;
}

static enum cmd_status
c_reopen_logs(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)ctx;
	(void)args;
	sup_reopen_logs();
	r->result = json_object();
	return CMD_OK;
}

static void
subscriber_event(const struct gw_event *ev, void *arg)
{
	struct cmd_ctx *ctx = arg;
	json_t	       *o = events_to_json(ev);

	control_push(ctx->client, o);
	json_decref(o);
}

static enum cmd_status
c_subscribe(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)args;
	if (!ctx->subscribed) {
		events_subscribe(subscriber_event, ctx);
		ctx->subscribed = 1;
	}
	r->result = json_object();
	return CMD_OK;
}

/* Ready for traffic?  The same rule as /readyz (health.h). */
static enum cmd_status
c_health(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	(void)ctx;
	(void)args;
	r->result = sup_health_json();
	return CMD_OK;
}

/* ---- the table ---------------------------------------------------------- */

static const struct arg_spec upgrade_args[] = {
	{ "binary", ARG_STRING, 0, 0 },
};

static int
v_upgrade(json_t *args, char **message)
{
	return commands_args_check(args, upgrade_args,
	    GW_ARRAY_LEN(upgrade_args), message);
}

/* The upgrade failed in this image (else the new image answers). */
static void
upgrade_failed(const char *code, const char *message, void *arg)
{
	struct cmd_ctx *ctx = arg;

	ctx->upgrade_pending = 0;
	control_answer(ctx->client, NULL, code, message);
}

static enum cmd_status
c_upgrade(struct cmd_ctx *ctx, json_t *args, struct cmd_reply *r)
{
	const char *binary = json_string_value(json_object_get(args, "binary"));
	char	   *err = NULL;

	if (sup_upgrade(binary, ctx->client, upgrade_failed, ctx, &r->code,
		&err) == -1) {
		r->message = err;
		return CMD_ERROR;
	}
	ctx->upgrade_pending = 1;
	return CMD_ASYNC;
}

static const struct command table[] = {
	{ GW_CMD_PING, 1, v_none, c_ping },
	{ GW_CMD_VERSION, 1, v_none, c_version },
	{ GW_CMD_STATUS, 1, v_none, c_status },
	{ GW_CMD_WORKERS, 1, v_none, c_workers },
	{ GW_CMD_SCALE, 0, v_scale, c_scale },
	{ GW_CMD_TTIN, 0, v_ttin, c_ttin },
	{ GW_CMD_TTOU, 0, v_ttin, c_ttou },
	{ GW_CMD_RELOAD, 0, v_reload, c_reload },
	{ GW_CMD_STOP, 0, v_stop, c_stop },
	{ GW_CMD_KILL, 0, v_kill, c_kill },
	{ GW_CMD_CONFIG, 1, v_none, c_config },
	{ GW_CMD_REOPEN_LOGS, 0, v_none, c_reopen_logs },
	{ GW_CMD_SUBSCRIBE, 1, v_none, c_subscribe },
	{ GW_CMD_HEALTH, 1, v_none, c_health },
	{ GW_CMD_UPGRADE, 0, v_upgrade, c_upgrade },
	{ GW_CMD_STATS, 1, cmd_stats_validate, cmd_stats_run },
};

const struct command *
commands_find(const char *name)
{
	size_t i;

	for (i = 0; i < GW_ARRAY_LEN(table); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const struct command *
commands_table(size_t *n)
{
	*n = GW_ARRAY_LEN(table);
	return table;
}

void
commands_cancel(struct cmd_ctx *ctx)
{
	if (ctx->reload_pending) {
		sup_reload_cancel(reload_done, ctx);
		ctx->reload_pending = 0;
	}
	if (ctx->upgrade_pending) {
		sup_upgrade_cancel(ctx);
		ctx->upgrade_pending = 0;
	}
	if (ctx->stats_pending) {
		stats_query_cancel(ctx);
		ctx->stats_pending = 0;
	}
	sampling_wait_cancel(workers_answer, ctx);
	if (ctx->subscribed) {
		events_unsubscribe(subscriber_event, ctx);
		ctx->subscribed = 0;
	}
}

void
commands_audit(const struct cmd_ctx *ctx, const char *cmd, json_t *args)
{
	struct gw_event ev;
	json_t	       *detail;
	char	       *a;

	memset(&ev, 0, sizeof ev);
	ev.ts = gw_wall_time();
	ev.master_pid = getpid();
	ev.generation = sup_generation();
	ev.event = "control";
	ev.exit_status = -1;
	detail = json_pack("{s:s, s:O, s:I, s:I}", "cmd", cmd, "args", args,
	    "uid", (json_int_t)ctx->peer.uid, "pid", (json_int_t)ctx->peer.pid);
	ev.detail = detail;
	a = json_dumps(args, JSON_COMPACT);
	log_info("control: %s %s from uid %lu pid %ld", cmd, a ? a : "{}",
	    (unsigned long)ctx->peer.uid, (long)ctx->peer.pid);
	free(a);
	events_emit(&ev);
	json_decref(detail);
}

const struct control_commands commands_dispatch = { commands_find,
	commands_audit, commands_cancel };

int
commands_is_read_only(const char *cmd)
{
	const struct command *c = commands_find(cmd);

	return c != NULL && c->read_only;
}
