/*
 * fake_supervisor.h: a stand-in for supervisor.c in the control unit
 * tests.  It implements supervisor.h (and config_to_json) and records what
 * the command handlers asked for, so the tests can check that a command
 * reaches the right entry point with the right arguments.
 */
#ifndef GW_FAKE_SUPERVISOR_H
#define GW_FAKE_SUPERVISOR_H

#include <sys/types.h>

#include <event2/event.h>

#include "supervisor.h"

struct fake_sup {
	struct event_base *base;	/* where delayed reload answers run */
	unsigned	 target;
	int		 scale_calls, scale_fail;
	int		 reload_calls, reload_fail, reload_cancels;
	unsigned	 reload_delay_ms;	/* answer a waited reload */
	int		 reload_ok;
	unsigned	 generation;
	int		 stop_calls, stop_graceful;
	int		 kill_calls, kill_id, kill_sig;
	pid_t		 kill_pid, kill_result;
	int		 reopen_calls;
};

extern volatile struct fake_sup fake;

void	 fake_reset(void);

#endif
