/*
 * fake_supervisor.c: supervisor.h for the control unit tests; see
 * fake_supervisor.h.  Defining every function of supervisor.h keeps the
 * real supervisor.o out of the link.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "gw/protocol.h"
#include "gw/util.h"

#include "commands.h"
#include "control.h"
#include "fake_supervisor.h"

volatile struct fake_sup fake;

static struct gw_config	 fake_cfg;
static sup_reload_cb	 pending_cb;
static void		*pending_arg;
static struct event	*pending_ev;

void
fake_reset(void)
{
	memset((void *)&fake, 0, sizeof fake);
	fake.target = 4;
	fake.generation = 1;
	fake.reload_ok = 1;
	fake.kill_result = 4242;
	/* What main.c does for the real gwd. */
	control_set_commands(&commands_dispatch);
}

int
supervisor_run(int argc, char **argv, struct gw_config *cfg,
    struct listeners *l)
{
	(void)argc;
	(void)argv;
	(void)cfg;
	(void)l;
	return 1;
}

struct event_base *
supervisor_base(void)
{
	return fake.base;
}

const struct gw_config *
supervisor_config(void)
{
	fake_cfg.name = (char *)"fake";
	fake_cfg.workers = fake.target;
	return &fake_cfg;
}

json_t *
config_to_json(const struct gw_config *cfg)
{
	return json_pack("{s:s, s:i, s:n}", "name", cfg->name, "workers",
	    (int)cfg->workers, "pid", NULL);
}

int
sup_scale(unsigned target, unsigned *previous)
{
	fake.scale_calls++;
	if (fake.scale_fail)
		return -1;
	*previous = fake.target;
	fake.target = target;
	return 0;
}

unsigned
sup_target(void)
{
	return fake.target;
}

unsigned
sup_generation(void)
{
	return fake.generation;
}

static void
reload_fire(evutil_socket_t fd, short what, void *arg)
{
	sup_reload_cb	 cb = pending_cb;

	(void)fd;
	(void)what;
	(void)arg;
	event_free(pending_ev);
	pending_ev = NULL;
	pending_cb = NULL;
	cb(json_pack("{s:i, s:b, s:f, s:i, s:i, s:s?}", "generation",
	    (int)fake.generation, "ok", fake.reload_ok, "duration_s", 0.1,
	    "started", 2, "retired", 2, "error",
	    fake.reload_ok ? NULL : "worker 3 crashed while booting"),
	    pending_arg);
}

int
sup_reload(sup_reload_cb done, void *arg, char **err)
{
	struct timeval	tv;

	fake.reload_calls++;
	if (fake.reload_fail) {
		*err = xstrdup("gwd.conf:3: workers: expected a number");
		return -1;
	}
	fake.generation++;
	if (done != NULL) {
		pending_cb = done;
		pending_arg = arg;
		tv.tv_sec = fake.reload_delay_ms / 1000;
		tv.tv_usec = (fake.reload_delay_ms % 1000) * 1000;
		pending_ev = evtimer_new(fake.base, reload_fire, NULL);
		evtimer_add(pending_ev, &tv);
	}
	return (int)fake.generation;
}

void
sup_reload_cancel(sup_reload_cb done, void *arg)
{
	if (pending_cb == done && pending_arg == arg) {
		fake.reload_cancels++;
		event_free(pending_ev);
		pending_ev = NULL;
		pending_cb = NULL;
	}
}

void
sup_stop(int graceful)
{
	fake.stop_calls++;
	fake.stop_graceful = graceful;
}

pid_t
sup_kill(int id, pid_t pid, int sig)
{
	fake.kill_calls++;
	fake.kill_id = id;
	fake.kill_pid = pid;
	fake.kill_sig = sig;
	if (id == 99 || pid == 99999)
		return -1;
	return fake.kill_result;
}

void
sup_reopen_logs(void)
{
	fake.reopen_calls++;
}

json_t *
sup_status_json(void)
{
	return json_pack("{s:s, s:i, s:s}", "name", "fake", "generation",
	    (int)fake.generation, "state", "running");
}

json_t *
sup_workers_json(void)
{
	return json_pack("{s:[{s:i, s:i}]}", "workers", "id", 1, "pid", 100);
}

json_t *
sup_health_json(void)
{
	return json_pack("{s:b, s:b, s:i, s:i, s:i, s:s, s:s}", "live", 1,
	    "ready", 0, "ready_workers", 1, "min_ready", 2, "target", 4,
	    "state", "running", "reason", "1 of 2 required workers ready");
}

/* No exec in unit tests: every upgrade is refused as if the binary were
 * missing. */
int
sup_upgrade(const char *binary, struct ctl_client *client,
    sup_upgrade_cb failed, void *arg, const char **code, char **err)
{
	(void)client;
	(void)failed;
	(void)arg;
	*code = GW_ERR_INVALID_ARGUMENT;
	*err = xasprintf("%s: no such file", binary ? binary : "gwd");
	return -1;
}

void
sup_upgrade_cancel(void *arg)
{
	(void)arg;
}
