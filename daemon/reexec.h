/*
 * reexec.h: the in-place upgrade (SIGUSR2, `gwctl upgrade`).
 */
#ifndef GWD_REEXEC_H
#define GWD_REEXEC_H

#include <jansson.h>

/* The last upgrade asked for, {at, ok, binary, from, to, error}
 * (borrowed), or NULL. */
const json_t	*reexec_last(void);
/* Unix time this image took over in an upgrade, or 0 if it never did. */
double		 reexec_upgraded_at(void);

#endif
