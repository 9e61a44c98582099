/*
 * reload.h: a reload as a configuration transaction.
 */
#ifndef GWD_RELOAD_H
#define GWD_RELOAD_H

#include <jansson.h>

/* The last reload's {at, result} (borrowed), or NULL if none yet. */
const json_t	*reload_last(void);
/* The new image of an upgrade carries the old one's on (borrowed). */
void		 reload_set_last(json_t *);

#endif
