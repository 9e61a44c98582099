/*
 * plan_index.c: the planner's index of the pool (struct pool_index in
 * pool.h), so that a run's work follows the workers that changed: each
 * worker's due time in a min-heap, the workers facts touched, the workers
 * on their way out, per slot its workers and whether it is held or ready,
 * and a pid table.  plan.c reads it; plan_index_check() compares it with
 * one rebuilt from scratch (tests).  Pure: no system calls.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gw/util.h"
#include "plan.h"
#include "plan_int.h"

/* ---- the index ------------------------------------------------------- */

/*
 * What the index keeps (struct pool_index): each worker's due time in a
 * min-heap (plan_next_deadline's terms, so the earliest is its top), the
 * workers facts touched since the last run, the workers on their way out
 * that are not draining yet, and per slot its workers in pool order and
 * whether it is held, ready, or has an old-generation current worker.
 * A run plans the touched, due and leaving workers in pool order (ix_seq)
 * and reads the rest from the counts, which visits exactly the workers a
 * full pass would act on.  What the counts depend on beyond one worker
 * (target, generation, failure count, mode, timing) makes the run a full
 * pass and rebuilds the index when it changes.
 */

static void pid_insert(struct pool_index *, struct worker *, pid_t);

#define WF_BOOTING_CURRENT 0x1 /* current, not ready yet */
#define WF_OLD_LIVE	   0x2 /* old generation, not draining */
#define WF_EXITED	   0x4

#define PSF_HELD	   0x1 /* a worker holds it (holds_slot) */
#define PSF_READY	   0x2 /* its current worker is ready */
#define PSF_OLD		   0x4 /* an old-generation current worker */

/* Lists start small: a slot holds one or two workers, and there is one
 * list per slot (16 pointers each cost 0.45 MB at 4096 workers). */
void
plan_index_push(struct worker ***v, size_t *n, size_t *cap, struct worker *w)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 2;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = w;
}

static void
heap_put(struct pool_index *ix, size_t i, struct worker *w)
{
	ix->heap[i] = w;
	w->ix_heap = i + 1;
}

static void
heap_up(struct pool_index *ix, size_t i)
{
	struct worker *w = ix->heap[i];

	while (i > 0) {
		size_t up = (i - 1) / 2;

		if (ix->heap[up]->ix_due <= w->ix_due)
			break;
		heap_put(ix, i, ix->heap[up]);
		i = up;
	}
	heap_put(ix, i, w);
}

static void
heap_down(struct pool_index *ix, size_t i)
{
	struct worker *w = ix->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= ix->nheap)
			break;
		if (c + 1 < ix->nheap &&
		    ix->heap[c + 1]->ix_due < ix->heap[c]->ix_due)
			c++;
		if (w->ix_due <= ix->heap[c]->ix_due)
			break;
		heap_put(ix, i, ix->heap[c]);
		i = c;
	}
	heap_put(ix, i, w);
}

static void
heap_set(struct pool_index *ix, struct worker *w, uint64_t due)
{
	size_t i;

	if (due == 0) {
		if (w->ix_heap != 0) {
			struct worker *last = ix->heap[--ix->nheap];

			i = w->ix_heap - 1;
			w->ix_heap = 0;
			if (i < ix->nheap) {
				heap_put(ix, i, last);
				heap_up(ix, i);
				heap_down(ix, last->ix_heap - 1);
			}
		}
		w->ix_due = 0;
		return;
	}
	w->ix_due = due;
	if (w->ix_heap == 0) {
		plan_index_push(&ix->heap, &ix->nheap, &ix->capheap, w);
		heap_up(ix, ix->nheap - 1);
	} else {
		heap_up(ix, w->ix_heap - 1);
		heap_down(ix, w->ix_heap - 1);
	}
}

/* Slots 0..n-1 exist, with their bitmaps. */
static void
ensure_slots(struct pool_index *ix, size_t n)
{
	size_t words, had;

	if (n <= ix->nslot)
		return;
	n = n < 2 * ix->nslot ? 2 * ix->nslot : n;
	n = (n + 63) & ~(size_t)63;
	had = (ix->nslot + 63) / 64;
	words = n / 64;
	ix->slot = xreallocarray(ix->slot, n, sizeof *ix->slot);
	memset(ix->slot + ix->nslot, 0, (n - ix->nslot) * sizeof *ix->slot);
	ix->held_bits = xreallocarray(ix->held_bits, words, sizeof(uint64_t));
	ix->old_bits = xreallocarray(ix->old_bits, words, sizeof(uint64_t));
	memset(ix->held_bits + had, 0, (words - had) * sizeof(uint64_t));
	memset(ix->old_bits + had, 0, (words - had) * sizeof(uint64_t));
	ix->nslot = n;
}

static void
set_bit(uint64_t *bits, size_t i, int on)
{
	if (on)
		bits[i / 64] |= (uint64_t)1 << (i % 64);
	else
		bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

static void
slot_stale(struct pool_index *ix, int id)
{
	if (ix->slot[id].stale)
		return;
	ix->slot[id].stale = 1;
	if (ix->nsstale == ix->capsstale) {
		ix->capsstale = ix->capsstale ? ix->capsstale * 2 : 16;
		ix->sstale = xreallocarray(ix->sstale, ix->capsstale,
		    sizeof *ix->sstale);
	}
	ix->sstale[ix->nsstale++] = id;
}

static void
count(unsigned *n, unsigned was, unsigned is, unsigned flag)
{
	if ((was & flag) && !(is & flag))
		(*n)--;
	else if (!(was & flag) && (is & flag))
		(*n)++;
}

static void
slot_compute(struct pool *p, int id)
{
	struct pool_index *ix = &p->ix;
	struct pool_slot  *s = &ix->slot[id];
	unsigned	   f = 0;
	size_t		   i;
	int		   cur = 0;

	for (i = 0; i < s->n; i++) {
		const struct worker *w = s->w[i];

		if (plan_holds_slot(w))
			f |= PSF_HELD;
		if (!plan_current(w))
			continue;
		if (!cur && w->state == WS_READY)
			f |= PSF_READY;
		cur = 1;
		if (w->generation != p->generation)
			f |= PSF_OLD;
	}
	if ((unsigned)id <= p->target) {
		count(&ix->held, s->flags, f, PSF_HELD);
		count(&ix->ready, s->flags, f, PSF_READY);
	}
	s->flags = f;
	set_bit(ix->held_bits, (size_t)id, f & PSF_HELD);
	set_bit(ix->old_bits, (size_t)id, f & PSF_OLD);
}

static int
leaving(const struct pool *p, const struct worker *w)
{
	return w->state < WS_DRAINING &&
	    (w->retire != R_NONE || w->stop_reason != R_NONE ||
		w->id > (int)p->target);
}

/* Recompute what the index holds about w from its record. */
static void
worker_compute(struct pool *p, struct worker *w)
{
	struct pool_index *ix = &p->ix;
	unsigned	   f = 0;

	if (plan_current(w) && w->state < WS_READY)
		f |= WF_BOOTING_CURRENT;
	if (w->generation != p->generation && w->state < WS_DRAINING)
		f |= WF_OLD_LIVE;
	if (w->state == WS_EXITED)
		f |= WF_EXITED;
	count(&ix->booting_current, w->ix_flags, f, WF_BOOTING_CURRENT);
	count(&ix->old_live, w->ix_flags, f, WF_OLD_LIVE);
	if ((f & WF_EXITED) && !(w->ix_flags & WF_EXITED))
		plan_index_push(&ix->exited, &ix->nexited, &ix->capexited, w);
	w->ix_flags = f;
	if (leaving(p, w) && w->ix_lpos == 0) {
		plan_index_push(&ix->leaving, &ix->nleaving, &ix->capleaving,
		    w);
		w->ix_lpos = ix->nleaving;
	} else if (!leaving(p, w) && w->ix_lpos != 0) {
		struct worker *last = ix->leaving[--ix->nleaving];

		ix->leaving[w->ix_lpos - 1] = last;
		last->ix_lpos = w->ix_lpos;
		w->ix_lpos = 0;
	}
	heap_set(ix, w,
	    plan_worker_due(p, ix->timeout_ms, ix->max_age_ms, ix->grace_ms,
		w));
	slot_stale(ix, w->id);
}

/* Bring the index up to date with the workers touched since. */
void
plan_index_refresh(struct pool *p)
{
	struct pool_index *ix = &p->ix;
	size_t		   i;

	for (i = 0; i < ix->nstale; i++) {
		ix->stale[i]->ix_stale = 0;
		worker_compute(p, ix->stale[i]);
	}
	ix->nstale = 0;
	for (i = 0; i < ix->nsstale; i++) {
		ix->slot[ix->sstale[i]].stale = 0;
		slot_compute(p, ix->sstale[i]);
	}
	ix->nsstale = 0;
}

/* The index was built for this pool-wide state and timing. */
int
plan_index_built_for(const struct pool *p, const struct pool_timing *t)
{
	const struct pool_index *ix = &p->ix;

	return ix->valid && !ix->off && ix->target == p->target &&
	    ix->generation == p->generation && ix->failures == p->failures &&
	    ix->last_failure_at == p->last_failure_at && ix->mode == p->mode &&
	    ix->timeout_ms == t->timeout_ms &&
	    ix->max_age_ms == t->max_worker_age_ms &&
	    ix->grace_ms == t->readiness_grace_ms;
}

void
plan_index_rebuild(struct pool *p, const struct pool_timing *t)
{
	struct pool_index *ix = &p->ix;
	size_t		   i, maxid = p->target;

	ix->valid = 0;
	if (ix->off || p->mode != PM_RUNNING)
		return;
	for (i = 0; i < p->n; i++) {
		if (p->w[i]->id < 1)
			return; /* not a slot: plan by full passes */
		if ((size_t)p->w[i]->id > maxid)
			maxid = (size_t)p->w[i]->id;
	}
	ensure_slots(ix, maxid + 1);
	for (i = 0; i < ix->nslot; i++) {
		ix->slot[i].n = 0;
		ix->slot[i].flags = 0;
		ix->slot[i].stale = 0;
	}
	memset(ix->held_bits, 0, ix->nslot / 64 * sizeof(uint64_t));
	memset(ix->old_bits, 0, ix->nslot / 64 * sizeof(uint64_t));
	ix->nheap = ix->nstale = ix->ncand = ix->nleaving = 0;
	ix->nsstale = ix->nexited = 0;
	ix->held = ix->ready = ix->booting_current = ix->old_live = 0;
	if (ix->cappids > 0)
		memset(ix->pids, 0, ix->cappids * sizeof *ix->pids);
	ix->npids = 0;
	ix->target = p->target;
	ix->generation = p->generation;
	ix->failures = p->failures;
	ix->last_failure_at = p->last_failure_at;
	ix->mode = p->mode;
	ix->timeout_ms = t->timeout_ms;
	ix->max_age_ms = t->max_worker_age_ms;
	ix->grace_ms = t->readiness_grace_ms;
	for (i = 0; i < p->n; i++) {
		struct worker	 *w = p->w[i];
		struct pool_slot *s = &ix->slot[w->id];

		w->ix_seq = i;
		w->ix_due = 0;
		w->ix_heap = w->ix_lpos = 0;
		w->ix_flags = 0;
		w->ix_stale = w->ix_cand = 0;
		w->ix_pid = 0;
		plan_index_push(&s->w, &s->n, &s->cap, w);
		if (w->pid > 0)
			pid_insert(ix, w, w->pid);
	}
	ix->seq = p->n;
	ix->valid = 1;
	for (i = 0; i < p->n; i++)
		worker_compute(p, p->w[i]);
	plan_index_refresh(p);
}

static size_t
pid_hash(pid_t pid, size_t cap)
{
	return ((uint64_t)(unsigned)pid * 0x9E3779B97F4A7C15ULL >> 32) &
	    (cap - 1);
}

static void
pid_grow(struct pool_index *ix)
{
	struct pool_pident *old = ix->pids;
	size_t		    i, oldcap = ix->cappids;

	ix->cappids = oldcap ? oldcap * 2 : 64;
	ix->pids = xcalloc(ix->cappids, sizeof *ix->pids);
	ix->npids = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].pid != 0)
			pid_insert(ix, old[i].w, old[i].pid);
	free(old);
}

static void
pid_insert(struct pool_index *ix, struct worker *w, pid_t pid)
{
	size_t i;

	if (2 * (ix->npids + 1) > ix->cappids)
		pid_grow(ix);
	for (i = pid_hash(pid, ix->cappids); ix->pids[i].pid != 0;
	     i = (i + 1) & (ix->cappids - 1))
		;
	ix->pids[i].pid = pid;
	ix->pids[i].w = w;
	w->ix_pid = pid;
	ix->npids++;
}

/* Linear probing: deletion shifts back the entries after the hole. */
static void
pid_remove(struct pool_index *ix, struct worker *w)
{
	size_t i, j, h, mask = ix->cappids - 1;

	if (w->ix_pid == 0 || ix->cappids == 0)
		return;
	for (i = pid_hash(w->ix_pid, ix->cappids); ix->pids[i].pid != 0;
	     i = (i + 1) & mask)
		if (ix->pids[i].w == w)
			break;
	w->ix_pid = 0;
	if (ix->pids[i].pid == 0)
		return;
	ix->npids--;
	for (j = (i + 1) & mask; ix->pids[j].pid != 0; j = (j + 1) & mask) {
		h = pid_hash(ix->pids[j].pid, ix->cappids);
		/* Entry j may move to the hole at i if its home h is not in
		 * the cyclic range (i, j]. */
		if ((j > i && (h <= i || h > j)) ||
		    (j < i && (h <= i && h > j))) {
			ix->pids[i] = ix->pids[j];
			i = j;
		}
	}
	ix->pids[i].pid = 0;
	ix->pids[i].w = NULL;
}

void
plan_index_forked(struct pool *p, struct worker *w, pid_t pid)
{
	struct pool_index *ix = &p->ix;

	if (!ix->valid || ix->off)
		return;
	pid_remove(ix, w);
	if (pid > 0)
		pid_insert(ix, w, pid);
}

struct worker *
plan_index_find_pid(struct pool *p, pid_t pid, int *known)
{
	struct pool_index *ix = &p->ix;
	struct worker	  *best = NULL;
	size_t		   i;

	*known = ix->valid && !ix->off && ix->cappids > 0;
	if (!*known)
		return NULL;
	for (i = pid_hash(pid, ix->cappids); ix->pids[i].pid != 0;
	     i = (i + 1) & (ix->cappids - 1)) {
		struct worker *w = ix->pids[i].w;

		if (ix->pids[i].pid != pid || w->pid != pid ||
		    w->state == WS_EXITED)
			continue;
		if (best == NULL || w->ix_seq < best->ix_seq)
			best = w;
	}
	return best;
}

void
plan_index_add(struct pool *p, struct worker *w)
{
	struct pool_index *ix = &p->ix;
	struct pool_slot  *s;

	if (!ix->valid)
		return;
	if (w->id < 1) {
		ix->valid = 0;
		return;
	}
	w->ix_seq = ix->seq++;
	ensure_slots(ix, (size_t)w->id + 1);
	s = &ix->slot[w->id];
	plan_index_push(&s->w, &s->n, &s->cap, w);
	pool_touch(p, w);
}

static int
by_seq(const void *a, const void *b)
{
	const struct worker *x = *(struct worker *const *)a;
	const struct worker *y = *(struct worker *const *)b;

	return x->ix_seq < y->ix_seq ? -1 : x->ix_seq > y->ix_seq;
}

void
plan_index_sort(struct worker **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, by_seq);
}

/* Position of w in p->w, which is in ix_seq order. */
static size_t
pool_pos(const struct pool *p, const struct worker *w)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->w[mid]->ix_seq < w->ix_seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
plan_index_gc(struct pool *p)
{
	struct pool_index *ix = &p->ix;
	size_t		   i, j, k, from, to, *pos;

	if (!ix->valid || ix->off)
		return 1;
	plan_index_refresh(p);
	if (ix->nexited == 0)
		return 0;
	/* Out of the candidates and their slots, then out of p->w by
	 * moving the runs between them (p->w stays in pool order). */
	for (i = j = 0; i < ix->ncand; i++)
		if (!(ix->cand[i]->ix_flags & WF_EXITED))
			ix->cand[j++] = ix->cand[i];
	ix->ncand = j;
	qsort(ix->exited, ix->nexited, sizeof *ix->exited, by_seq);
	for (k = 0; k < ix->nexited; k++) {
		struct worker	 *w = ix->exited[k];
		struct pool_slot *s = &ix->slot[w->id];

		for (i = j = 0; i < s->n; i++)
			if (s->w[i] != w)
				s->w[j++] = s->w[i];
		s->n = j;
		slot_stale(ix, w->id);
		pid_remove(ix, w);
	}
	/* Positions first: the moves below change p->w. */
	pos = xreallocarray(NULL, ix->nexited + 1, sizeof *pos);
	for (k = 0; k < ix->nexited; k++)
		pos[k] = pool_pos(p, ix->exited[k]);
	pos[ix->nexited] = p->n;
	to = pos[0];
	for (k = 0; k < ix->nexited; k++) {
		from = pos[k] + 1;
		j = pos[k + 1];
		free(ix->exited[k]);
		memmove(p->w + to, p->w + from, (j - from) * sizeof *p->w);
		to += j - from;
	}
	free(pos);
	p->n = to;
	ix->nexited = 0;
	plan_index_refresh(p);
	return 0;
}

void
plan_index_free(struct pool *p)
{
	struct pool_index *ix = &p->ix;
	size_t		   i;

	for (i = 0; i < ix->nslot; i++)
		free(ix->slot[i].w);
	free(ix->slot);
	free(ix->held_bits);
	free(ix->old_bits);
	free(ix->heap);
	free(ix->stale);
	free(ix->cand);
	free(ix->leaving);
	free(ix->sstale);
	free(ix->exited);
	free(ix->pids);
	memset(ix, 0, sizeof *ix);
}

/* Workers with a due time at or before now, below heap position i. */
void
plan_index_collect_due(struct pool_index *ix, size_t i, uint64_t now,
    struct worker ***v, size_t *n, size_t *cap)
{
	struct worker *w;

	if (i >= ix->nheap || (w = ix->heap[i])->ix_due > now)
		return;
	if (w->ix_mark != ix->runs) {
		w->ix_mark = ix->runs;
		plan_index_push(v, n, cap, w);
	}
	plan_index_collect_due(ix, 2 * i + 1, now, v, n, cap);
	plan_index_collect_due(ix, 2 * i + 2, now, v, n, cap);
}

/* The lowest slot 1..target whose bit is set (want 1) or clear (want 0)
 * from id on, or 0. */
unsigned
plan_index_next_slot(const struct pool *p, const uint64_t *bits, int want,
    unsigned id)
{
	unsigned target = p->target;

	while (id <= target) {
		uint64_t word = bits[id / 64];

		if (!want)
			word = ~word;
		word &= ~(uint64_t)0 << (id % 64);
		if (word != 0) {
			id = id / 64 * 64 + (unsigned)__builtin_ctzll(word);
			return id <= target ? id : 0;
		}
		id = (id / 64 + 1) * 64;
	}
	return 0;
}

/* ---- checking the index (tests) -------------------------------------- */

int
plan_index_check(struct pool *p, const struct pool_timing *t, const char **why)
{
	struct pool_index *ix = &p->ix;
	unsigned	   held = 0, ready = 0, booting = 0, old = 0;
	size_t		   i, nleave = 0, nheap = 0, inslots = 0;
	size_t		   npid = 0;
	unsigned	   id;

	*why = NULL;
	if (!plan_index_built_for(p, t))
		return 0; /* the next run rebuilds it */
	plan_index_refresh(p);
	for (i = 0; i < p->n; i++) {
		const struct worker *w = p->w[i];
		uint64_t	     due;

		due = plan_worker_due(p, t->timeout_ms, t->max_worker_age_ms,
		    t->readiness_grace_ms, w);
		if (w->ix_due != due || (due != 0) != (w->ix_heap != 0)) {
			*why = "a worker's due time";
			return -1;
		}
		if (w->ix_heap != 0 &&
		    (w->ix_heap > ix->nheap || ix->heap[w->ix_heap - 1] != w)) {
			*why = "a heap position";
			return -1;
		}
		if (i > 0 && p->w[i - 1]->ix_seq >= w->ix_seq) {
			*why = "pool order";
			return -1;
		}
		if (leaving(p, w) != (w->ix_lpos != 0) ||
		    (w->ix_lpos != 0 && ix->leaving[w->ix_lpos - 1] != w)) {
			*why = "the leaving list";
			return -1;
		}
		if (w->pid > 0 && w->state != WS_EXITED) {
			struct worker *f;
			size_t	       k;
			int	       known;

			for (k = 0; k < p->n; k++)
				if (p->w[k]->pid == w->pid &&
				    p->w[k]->state != WS_EXITED)
					break;
			f = plan_index_find_pid(p, w->pid, &known);
			if (!known || f != p->w[k]) {
				*why = "the pid table";
				return -1;
			}
		}
		npid += w->ix_pid != 0;
		nleave += w->ix_lpos != 0;
		nheap += w->ix_heap != 0;
		booting += plan_current(w) && w->state < WS_READY;
		old += w->generation != p->generation && w->state < WS_DRAINING;
	}
	for (i = 1; i < ix->nheap; i++)
		if (ix->heap[(i - 1) / 2]->ix_due > ix->heap[i]->ix_due) {
			*why = "heap order";
			return -1;
		}
	for (id = 1; id < ix->nslot; id++) {
		const struct pool_slot *s = &ix->slot[id];

		inslots += s->n;
		for (i = 0; i < s->n; i++)
			if (s->w[i]->id != (int)id ||
			    (i > 0 && s->w[i - 1]->ix_seq >= s->w[i]->ix_seq)) {
				*why = "a slot's workers";
				return -1;
			}
		if (id <= p->target) {
			held += (s->flags & PSF_HELD) != 0;
			ready += (s->flags & PSF_READY) != 0;
		}
		if (((ix->held_bits[id / 64] >> (id % 64)) & 1) !=
			((s->flags & PSF_HELD) != 0) ||
		    ((ix->old_bits[id / 64] >> (id % 64)) & 1) !=
			((s->flags & PSF_OLD) != 0)) {
			*why = "a slot bitmap";
			return -1;
		}
	}
	if (nleave != ix->nleaving || nheap != ix->nheap || inslots != p->n ||
	    npid != ix->npids) {
		*why = "list sizes";
		return -1;
	}
	if (held != ix->held || ready != ix->ready ||
	    booting != ix->booting_current || old != ix->old_live) {
		*why = "counts";
		return -1;
	}
	/* The slots' flags against a full pass. */
	{
		unsigned char *h = plan_slots_held(p);
		unsigned       nh = 0;

		for (id = 1; id <= p->target; id++)
			nh += h[id];
		free(h);
		if (nh != ix->held ||
		    (ix->ready == p->target) != plan_all_slots_ready(p)) {
			*why = "held or ready slots";
			return -1;
		}
	}
	return 0;
}
