/*
 * status.c: the `status`, `workers` and `health` answers, built from what
 * the supervisor and its files hold, without changing any of it.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "drain.h"
#include "gw/util.h"
#include "health.h"
#include "listeners.h"
#include "notify.h"
#include "pool.h"
#include "reexec.h"
#include "reload.h"
#include "sampling.h"
#include "stats.h"
#include "status.h"
#include "sup_state.h"
#include "upgrade.h"

/* Unix time of a monotonic timestamp, past or future, given both clocks
 * read once at (wall, now). */
static double
status_wall_of(uint64_t mono, double wall, uint64_t now)
{
	return wall + ((double)mono - (double)now) / 1000.0;
}

static const char *
status_pool_state(const struct pool *p, uint64_t now)
{
	return health_state(p, drain_active(), now);
}

static json_t *
status_ref(const json_t *v)
{
	return v != NULL ? json_incref((json_t *)v) : json_null();
}

json_t *
sup_status_json(void)
{
	const struct gw_config *cfg = supervisor_config();
	const struct pool      *p = supervisor_pool();
	struct pool_counts	c;
	uint64_t		now = gw_now_ms();
	double			up = reexec_upgraded_at();
	json_t		       *o;

	pool_count(p, &c);
	o = json_object();
	json_object_set_new(o, "name", json_string(cfg->name));
	json_object_set_new(o, "pid", json_integer(sup_pid()));
	json_object_set_new(o, "version", json_string(GWD_VERSION));
	json_object_set_new(o, "started_at",
	    json_real(supervisor_started_at()));
	json_object_set_new(o, "uptime_s",
	    json_real((double)(now - sup_started_mono()) / 1000.0));
	json_object_set_new(o, "generation", json_integer(p->generation));
	json_object_set_new(o, "state", json_string(status_pool_state(p, now)));
	json_object_set_new(o, "workers",
	    json_pack("{s:i, s:i, s:i, s:i, s:i}", "target", (int)p->target,
		"ready", (int)c.ready, "booting", (int)c.booting, "draining",
		(int)c.draining, "total", (int)c.total));
	json_object_set_new(o, "binds",
	    listeners_to_json(supervisor_listeners()));
	json_object_set_new(o, "control_socket",
	    cfg->control_socket ? json_string(cfg->control_socket) :
				  json_null());
	json_object_set_new(o, "notify_socket",
	    json_string(cfg->notify_socket));
	json_object_set_new(o, "stats_db",
	    cfg->stats_db && strcmp(cfg->stats_db, "none") != 0 ?
		json_string(cfg->stats_db) :
		json_null());
	json_object_set_new(o, "last_reload", status_ref(reload_last()));
	json_object_set_new(o, "backoff_until",
	    p->backoff_until > now ? json_real(status_wall_of(p->backoff_until,
					 gw_wall_time(), now)) :
				     json_null());
	json_object_set_new(o, "failures", json_integer(p->failures));
	json_object_set_new(o, "stats", stats_status_json());
	json_object_set_new(o, "upgraded_at",
	    up > 0 ? json_real(up) : json_null());
	json_object_set_new(o, "last_upgrade", status_ref(reexec_last()));
	json_object_set_new(o, "notify_dropped",
	    json_integer((json_int_t)notify_dropped()));
	json_object_set_new(o, "spawns_total",
	    json_integer((json_int_t)p->spawns_total));
	return o;
}

json_t *
sup_health_json(void)
{
	struct health h;

	health_now(&h);
	return health_json(&h);
}

/*
 * One object per live worker.  At 4096 workers this is the biggest answer
 * gwd gives (about 900 KB): the clocks are read once, and memory and CPU
 * come from the last /proc scan (sampling.h); the caller waits for a
 * fresh one first (sampling_wait), this never scans.
 */
json_t *
sup_workers_json(void)
{
	const struct pool *p = supervisor_pool();
	uint64_t	   fresh = sampling_fresh_ms();
	uint64_t	   now = gw_now_ms();
	double		   wall = gw_wall_time();
	json_t		  *arr = json_array();
	size_t		   i;

	for (i = 0; i < p->n; i++) {
		const struct worker *w = p->w[i];
		uint64_t	     rss_kb = 0;
		double		     cpu_s = 0;
		int		     have;
		json_t		    *o;

		if (w->state == WS_EXITED)
			continue;
		have = sampling_usage(w, now, fresh, &rss_kb, &cpu_s);
		o = json_object();
		json_object_set_new(o, "id", json_integer(w->id));
		json_object_set_new(o, "pid",
		    w->pid > 0 ? json_integer(w->pid) : json_null());
		json_object_set_new(o, "generation",
		    json_integer(w->generation));
		json_object_set_new(o, "state",
		    json_string(pool_state_name(w->state)));
		json_object_set_new(o, "state_since",
		    json_real(status_wall_of(w->state_since, wall, now)));
		json_object_set_new(o, "age_s",
		    json_real((double)(now - w->spawned_at) / 1000.0));
		json_object_set_new(o, "last_heartbeat_s",
		    w->last_heartbeat ?
			json_real((double)(now - w->last_heartbeat) / 1000.0) :
			json_null());
		json_object_set_new(o, "requests",
		    w->reports_requests ?
			json_integer((json_int_t)w->requests) :
			json_null());
		json_object_set_new(o, "rss_kb",
		    have ? json_integer((json_int_t)rss_kb) : json_null());
		json_object_set_new(o, "cpu_s",
		    have ? json_real(cpu_s) : json_null());
		json_object_set_new(o, "restarts", json_integer(w->restarts));
		json_object_set_new(o, "status",
		    w->status[0] ? json_string(w->status) : json_null());
		json_array_append_new(arr, o);
	}
	return json_pack("{s:o}", "workers", arr);
}
