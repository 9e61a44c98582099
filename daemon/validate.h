/*
 * validate.h: every check a configuration must pass before anything runs
 * with it.  A start, --check-config and a reload all call this one
 * function, so what --check-config accepts a start accepts, and a reload
 * refuses what a start would refuse (then nothing changes).  Each message
 * names where the value came from: "gwd.conf:3: user: unknown user: x".
 */
#ifndef GWD_VALIDATE_H
#define GWD_VALIDATE_H

#include "gwconfig.h"

/*
 * What never can work: binds that do not parse, an unknown user or group
 * (workers' or the control socket's), a --chdir that is not a directory
 * the workers can enter, a worker program that does not exist or is not
 * executable, a hook whose program gwd cannot find or run, a log, access
 * log or pid file in a directory that does not exist, a --static that
 * is not a directory, and a notify socket that workers of another user
 * could not reach with --readiness notify.
 * self_exe locates gwd-http (may be NULL).  Returns 0, or -1 with *err
 * set (caller frees).  Warnings (a notify socket out of reach with
 * --readiness spawn) are logged.
 */
int validate_config(const struct gw_config *, const char *self_exe, char **err);

#endif
