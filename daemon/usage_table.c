/*
 * usage_table.c: merging a /proc scan into the table of the workers'
 * usage (pure; see usage_table.h).
 */
#include "config.h"

#include <stdlib.h>

#include "gw/util.h"
#include "procfs.h"
#include "usage_table.h"

static int
usage_cmp(const void *a, const void *b)
{
	pid_t x = ((const struct usage *)a)->pid;
	pid_t y = ((const struct usage *)b)->pid;

	return x < y ? -1 : x > y;
}

const struct usage *
usage_table_find(const struct usage_table *t, pid_t pid, int id)
{
	struct usage	    key;
	const struct usage *u;

	if (pid <= 0 || t->n == 0)
		return NULL;
	key.pid = pid;
	u = bsearch(&key, t->v, t->n, sizeof *t->v, usage_cmp);
	return u != NULL && u->id == id ? u : NULL;
}

void
usage_table_merge(struct usage_table *t, const struct usage_root *roots,
    const struct procfs_usage *out, size_t n, uint64_t at)
{
	struct usage	   *nv;
	const struct usage *old;
	size_t		    i, k = 0;

	nv = xcalloc(n + 1, sizeof *nv);
	for (i = 0; i < n; i++) {
		if (roots[i].pid <= 0)
			continue;
		if (out[i].procs > 0) {
			nv[k].pid = roots[i].pid;
			nv[k].id = roots[i].id;
			nv[k].rss_kb = out[i].rss_kb;
			nv[k].cpu_s = out[i].cpu_s;
			nv[k++].at = at;
		} else if ((old = usage_table_find(t, roots[i].pid,
				roots[i].id)) != NULL)
			nv[k++] = *old;
	}
	qsort(nv, k, sizeof *nv, usage_cmp);
	free(t->v);
	t->v = nv;
	t->n = k;
}

void
usage_table_clear(struct usage_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
