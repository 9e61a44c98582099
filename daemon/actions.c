/*
 * actions.c: the planner's list of actions (see actions.h).
 */
#include "config.h"

#include <stdlib.h>

#include "gw/util.h"
#include "actions.h"

void
actions_push(struct actions *a, enum action_kind kind, struct worker *w,
    int sig, enum note_kind note, const char *text)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	a->v[a->n].kind = kind;
	a->v[a->n].w = w;
	a->v[a->n].sig = sig;
	a->v[a->n].note = note;
	a->v[a->n].text = text;
	a->n++;
}

void
actions_clear(struct actions *a)
{
	a->n = 0;
}

void
actions_free(struct actions *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}
