/*
 * status.h: the answers of the read-only `status`, `workers` and `health`
 * commands (supervisor.h declares them: sup_status_json,
 * sup_workers_json, sup_health_json).
 *
 * status.c owns nothing: it reads the pool, the configuration and the
 * listeners (sup_state.h), the last reload (reload.h), the last upgrade
 * (reexec.h) and the last /proc scan (sampling.h), and builds new JSON
 * objects the caller owns.  It never writes a fact: asking must not change
 * what the planner sees.
 */
#ifndef GWD_STATUS_H
#define GWD_STATUS_H

/* The three functions are declared in supervisor.h, the entry points the
 * commands call. */
#include "supervisor.h"

#endif
