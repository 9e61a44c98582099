/*
 * cmd_stats.c: `gwctl stats`.  Asks the daemon, or with --db reads the
 * database file directly (read-only; works with no daemon running).  Joins
 * gwctl's table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "gw/parse.h"
#include "gw/protocol.h"
#include "gw/statsdb.h"
#include "gw/util.h"

#include "gwctl.h"
#include "render_stats.h"

const struct gwctl_flag cmd_stats_flags[] = {
	{ "--since", 0, "D", "from D ago (1h) or a unix time" },
	{ "--until", 0, "D", "up to D ago or a unix time (default now)" },
	{ "--events", 0, NULL, "event rows instead of the summary" },
	{ "--samples", 0, NULL, "sample rows instead of the summary" },
	{ "--limit", 0, "N", "at most N rows" },
	{ "--db", 0, "PATH", "read this database file, not the daemon" },
	{ NULL, 0, NULL, NULL }
};

/* --since/--until D into args[key] as unix seconds. */
static int
time_arg(struct gwctl_inv *inv, json_t *args, const char *flag, const char *key,
    double now)
{
	const char *v = gwctl_flag(inv, flag);
	char	   *err = NULL;
	double	    t;

	if (v == NULL)
		return 0;
	if (statsdb_parse_since(v, now, &t, &err) == -1) {
		gwctl_usage_error(inv, "%s %s: %s", flag, v, err ? err : "?");
		free(err);
		return -1;
	}
	json_object_set_new(args, key, json_real(t));
	return 0;
}

int
cmd_stats_run(struct gwctl_inv *inv)
{
	const char *kind = "summary", *db = gwctl_flag(inv, "--db");
	const char *lim = gwctl_flag(inv, "--limit"), *code = NULL;
	json_t	   *args = json_object(), *result = NULL;
	char	   *err = NULL, *message = NULL, *end;
	double	    now = gw_wall_time();
	long long   n;
	sqlite3	   *h;
	int	    rc;

	if (gwctl_flag(inv, "--events") && gwctl_flag(inv, "--samples")) {
		json_decref(args);
		return gwctl_usage_error(inv,
		    "--events or --samples, not both");
	}
	if (gwctl_flag(inv, "--events"))
		kind = "events";
	else if (gwctl_flag(inv, "--samples"))
		kind = "samples";
	json_object_set_new(args, "kind", json_string(kind));
	if (time_arg(inv, args, "--since", "since", now) == -1 ||
	    time_arg(inv, args, "--until", "until", now) == -1) {
		json_decref(args);
		return GWCTL_USAGE;
	}
	if (lim != NULL) {
		n = strtoll(lim, &end, 10);
		if (lim[0] == '\0' || *end != '\0' || n < 1 ||
		    n > STATSDB_LIMIT_MAX) {
			json_decref(args);
			return gwctl_usage_error(inv,
			    "--limit must be "
			    "1..%d",
			    STATSDB_LIMIT_MAX);
		}
		json_object_set_new(args, "limit", json_integer(n));
	}
	if (db == NULL) {
		if ((rc = gwctl_call(inv, GW_CMD_STATS, args, &result)) !=
		    GWCTL_OK)
			return rc;
	} else {
		if ((h = statsdb_open(db, 1, &err)) == NULL) {
			fprintf(stderr, "gwctl: stats: cannot open %s: %s\n",
			    db, err ? err : "?");
			free(err);
			json_decref(args);
			return GWCTL_UNREACHABLE;
		}
		result = statsdb_query(h, args, &code, &message);
		statsdb_close(h);
		json_decref(args);
		if (result == NULL) {
			fprintf(stderr, "gwctl: stats: %s\n",
			    message  ? message :
				code ? code :
				       "query failed");
			free(message);
			return GWCTL_FAILED;
		}
	}
	if (inv->json)
		gwctl_print_json(result);
	else
		render_stats(stdout, kind, result);
	json_decref(result);
	return GWCTL_OK;
}
