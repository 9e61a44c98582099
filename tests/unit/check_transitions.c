/*
 * check_transitions.c: the planner's transition table, checked cell by
 * cell against an expected table written here independently of plan.c.
 *
 * Every (state, event) pair is tried on a fresh worker: a pair that is not
 * listed must change nothing at all (the whole record compares equal and
 * no action is appended); a listed pair must move to the expected state,
 * set the expected stop reason and append the expected first action.  The
 * guards and the exit rules (reason, failure, failed reload) are tables of
 * their own below.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "pool.h"

#define NONE	(-1)		/* no action expected */
#define STAY	PLAN_STAY

/* What the fresh worker is given before the event. */
enum given {
	G_PROVING = 1,		/* its readiness signal came, grace runs */
	G_DUMP_HELD = 2,	/* a worker_timeout hook holds its kill */
	G_DUMPING = 4,		/* ... and the hook still runs */
	G_RETIRING = 8,		/* marked for replacement */
	G_NO_PID = 16,		/* not forked yet */
	G_STOPPING = 32,	/* a stop reason is set */
	G_NEW_GEN = 64,		/* of the generation a reload brings in */
	G_DUMP_HOOK = 128	/* a worker_timeout hook is configured */
};

struct row {
	enum wstate	 from;
	enum plan_event	 ev;
	unsigned	 given;
	uint64_t	 arg;
	int		 to;		/* enum wstate, or STAY */
	enum reason	 stop_reason;	/* after */
	int		 kind;		/* first action: enum action_kind/NONE */
	int		 detail;	/* its note (A_NOTE) or signal */
};

/*
 * The expected table.  Rows marked with a given flag test a guard or a
 * variant; the cross-product test below uses only the rows without flags
 * (given == 0) as "the cell", and treats pairs without any row as ignored.
 */
static const struct row expected[] = {
	/* spawning */
	{ WS_SPAWNING, PE_EXEC_OK, 0, 0, WS_BOOTING, R_NONE, NONE, 0 },
	{ WS_SPAWNING, PE_READINESS, 0, 0, STAY, R_NONE, NONE, 0 },
	{ WS_SPAWNING, PE_PROVEN, G_PROVING, 0, WS_READY, R_NONE, A_NOTE,
	    N_READY },
	{ WS_SPAWNING, PE_EXTEND, 0, 99999, STAY, R_NONE, NONE, 0 },
	{ WS_SPAWNING, PE_SPAWN_FAILED, 0, 2, WS_EXITED, R_NONE, A_NOTE,
	    N_EXIT },
	{ WS_SPAWNING, PE_EXIT, 0, 0, WS_EXITED, R_NONE, A_NOTE, N_EXIT },
	{ WS_SPAWNING, PE_BOOT_TIMEOUT, 0, 0, WS_KILLING, R_BOOT_TIMEOUT,
	    A_SIGNAL, SIGKILL },
	{ WS_SPAWNING, PE_STOP, 0, 0, WS_DRAINING, R_NONE, A_SIGNAL,
	    SIGTERM },
	{ WS_SPAWNING, PE_QUICK_STOP, 0, 0, WS_DRAINING, R_NONE, A_SIGNAL,
	    SIGINT },
	{ WS_SPAWNING, PE_KILL_ASKED, 0, SIGUSR2, STAY, R_NONE, A_SIGNAL,
	    SIGUSR2 },
	/* booting: as spawning, but the exec is behind it */
	{ WS_BOOTING, PE_READINESS, 0, 0, STAY, R_NONE, NONE, 0 },
	{ WS_BOOTING, PE_PROVEN, G_PROVING, 0, WS_READY, R_NONE, A_NOTE,
	    N_READY },
	{ WS_BOOTING, PE_EXTEND, 0, 99999, STAY, R_NONE, NONE, 0 },
	{ WS_BOOTING, PE_SPAWN_FAILED, 0, 2, WS_EXITED, R_NONE, A_NOTE,
	    N_EXIT },
	{ WS_BOOTING, PE_EXIT, 0, 0, WS_EXITED, R_NONE, A_NOTE, N_EXIT },
	{ WS_BOOTING, PE_BOOT_TIMEOUT, 0, 0, WS_KILLING, R_BOOT_TIMEOUT,
	    A_SIGNAL, SIGKILL },
	{ WS_BOOTING, PE_STOP, 0, 0, WS_DRAINING, R_NONE, A_SIGNAL, SIGTERM },
	{ WS_BOOTING, PE_QUICK_STOP, 0, 0, WS_DRAINING, R_NONE, A_SIGNAL,
	    SIGINT },
	{ WS_BOOTING, PE_KILL_ASKED, 0, SIGUSR2, STAY, R_NONE, A_SIGNAL,
	    SIGUSR2 },
	/* ready */
	{ WS_READY, PE_RECYCLE_ASKED, 0, 0, STAY, R_NONE, NONE, 0 },
	{ WS_READY, PE_SPAWN_FAILED, 0, 2, WS_EXITED, R_NONE, A_NOTE,
	    N_EXIT },
	{ WS_READY, PE_EXIT, 0, 0, WS_EXITED, R_NONE, A_NOTE, N_EXIT },
	{ WS_READY, PE_HEARTBEAT_TIMEOUT, 0, 0, WS_KILLING, R_TIMEOUT,
	    A_SIGNAL, SIGABRT },
	{ WS_READY, PE_STOP, 0, 0, WS_DRAINING, R_NONE, A_SIGNAL, SIGTERM },
	{ WS_READY, PE_QUICK_STOP, 0, 0, WS_DRAINING, R_NONE, A_SIGNAL,
	    SIGINT },
	{ WS_READY, PE_KILL_ASKED, 0, SIGUSR2, STAY, R_NONE, A_SIGNAL,
	    SIGUSR2 },
	{ WS_READY, PE_LOGS_REOPENED, 0, SIGUSR1, STAY, R_NONE, A_SIGNAL,
	    SIGUSR1 },
	/* draining */
	{ WS_DRAINING, PE_EXTEND, 0, 99999, STAY, R_NONE, NONE, 0 },
	{ WS_DRAINING, PE_SPAWN_FAILED, 0, 2, WS_EXITED, R_NONE, A_NOTE,
	    N_EXIT },
	{ WS_DRAINING, PE_EXIT, 0, 0, WS_EXITED, R_NONE, A_NOTE, N_EXIT },
	{ WS_DRAINING, PE_QUICK_STOP, 0, 0, STAY, R_NONE, A_SIGNAL, SIGINT },
	{ WS_DRAINING, PE_DRAIN_TIMEOUT, 0, 0, WS_KILLING, R_NONE, A_SIGNAL,
	    SIGKILL },
	{ WS_DRAINING, PE_SHUTDOWN_TIMEOUT, 0, 0, WS_KILLING, R_NONE,
	    A_SIGNAL, SIGKILL },
	{ WS_DRAINING, PE_QUICK_TIMEOUT, 0, 0, WS_KILLING, R_NONE, A_SIGNAL,
	    SIGKILL },
	{ WS_DRAINING, PE_KILL_ASKED, 0, SIGUSR2, STAY, R_NONE, A_SIGNAL,
	    SIGUSR2 },
	/* killing */
	{ WS_KILLING, PE_SPAWN_FAILED, 0, 2, WS_EXITED, R_NONE, A_NOTE,
	    N_EXIT },
	{ WS_KILLING, PE_EXIT, 0, 0, WS_EXITED, R_NONE, A_NOTE, N_EXIT },
	{ WS_KILLING, PE_ABORT_TIMEOUT, 0, 0, STAY, R_NONE, A_SIGNAL,
	    SIGKILL },
	{ WS_KILLING, PE_SHUTDOWN_TIMEOUT, 0, 0, STAY, R_NONE, A_SIGNAL,
	    SIGKILL },
	{ WS_KILLING, PE_QUICK_TIMEOUT, 0, 0, STAY, R_NONE, A_SIGNAL,
	    SIGKILL },
	{ WS_KILLING, PE_DUMP_OVER, G_DUMP_HELD, 0, STAY, R_NONE, A_SIGNAL,
	    SIGABRT },
	{ WS_KILLING, PE_HOOK_DONE, G_DUMP_HELD | G_DUMPING, 0, STAY, R_NONE,
	    NONE, 0 },
	{ WS_KILLING, PE_KILL_ASKED, 0, SIGUSR2, STAY, R_NONE, A_SIGNAL,
	    SIGUSR2 },

	/* Variants and guards: the event is refused, or does otherwise. */
	{ WS_BOOTING, PE_READINESS, G_STOPPING, 0, STAY, R_SCALE, NONE, 0 },
	{ WS_BOOTING, PE_READINESS, G_PROVING, 0, STAY, R_NONE, NONE, 0 },
	{ WS_BOOTING, PE_PROVEN, G_PROVING | G_STOPPING, 0, STAY, R_SCALE,
	    NONE, 0 },
	{ WS_READY, PE_RECYCLE_ASKED, G_RETIRING, 0, STAY, R_NONE, NONE, 0 },
	{ WS_READY, PE_LOGS_REOPENED, 0, 0, STAY, R_NONE, NONE, 0 },
	{ WS_READY, PE_KILL_ASKED, G_NO_PID, SIGUSR2, STAY, R_NONE, NONE, 0 },
	{ WS_KILLING, PE_DUMP_OVER, 0, 0, STAY, R_NONE, NONE, 0 },
	{ WS_KILLING, PE_HOOK_DONE, G_DUMP_HELD, 0, STAY, R_NONE, NONE, 0 },
	/* With a worker_timeout hook, a hung worker is looked at first. */
	{ WS_READY, PE_HEARTBEAT_TIMEOUT, G_DUMP_HOOK, 0, WS_KILLING,
	    R_TIMEOUT, A_NOTE, N_DUMP },
	{ WS_BOOTING, PE_BOOT_TIMEOUT, G_DUMP_HOOK, 0, WS_KILLING,
	    R_BOOT_TIMEOUT, A_NOTE, N_DUMP },
	{ WS_DRAINING, PE_DRAIN_TIMEOUT, G_DUMP_HOOK, 0, WS_KILLING, R_NONE,
	    A_NOTE, N_DUMP },
	{ WS_DRAINING, PE_QUICK_TIMEOUT, G_DUMP_HOOK, 0, WS_KILLING, R_NONE,
	    A_SIGNAL, SIGKILL },
	/* A timeout of the reload's new code fails the reload first. */
	{ WS_READY, PE_HEARTBEAT_TIMEOUT, G_NEW_GEN, 0, WS_KILLING,
	    R_TIMEOUT, A_SIGNAL, SIGABRT },
};

static struct pool		P;
static struct pool_timing	T;
static struct actions		A;

static struct worker *
fresh(enum wstate s, unsigned given)
{
	struct worker	*w;

	memset(&T, 0, sizeof T);
	T.boot_timeout_ms = 30000;
	T.graceful_timeout_ms = 30000;
	T.backoff_max_ms = 60000;
	T.stop_signal = SIGTERM;
	T.readiness_notify = 1;
	T.readiness_grace_ms = 1000;
	T.dump_hook = (given & G_DUMP_HOOK) != 0;
	T.hook_timeout_ms = 5000;
	pool_init(&P, 1, 1);
	memset(&A, 0, sizeof A);
	w = pool_add(&P, 1, 1000);
	w->pid = (given & G_NO_PID) ? 0 : 4242;
	w->state = s;
	w->state_since = 1000;
	w->deadline = 50000;
	if (s >= WS_READY) {
		w->was_ready = 1;
		w->ready_at = 1000;
	}
	if (given & G_PROVING) {
		w->proving = 1;
		w->proving_since = 1000;
	}
	if (given & G_DUMP_HELD) {
		w->dump_sig = SIGABRT;
		w->dumped = 1;
		w->dump_why = "heartbeat timeout";
	}
	if (given & G_DUMPING)
		w->dumping = 1;
	if (given & G_RETIRING)
		w->retire = R_RECYCLE_AGE;
	if (given & G_STOPPING)
		w->stop_reason = R_SCALE;
	if (given & G_NEW_GEN) {
		(void)pool_start_reload(&P, 0, 1, 1000);
		w->generation = P.generation;
	}
	return w;
}

static void
done(void)
{
	pool_free(&P);
	actions_free(&A);
}

static const struct row *
row_for(enum wstate s, enum plan_event ev)
{
	size_t	i;

	for (i = 0; i < sizeof expected / sizeof expected[0]; i++)
		if (expected[i].from == s && expected[i].ev == ev &&
		    (expected[i].given & ~G_PROVING & ~G_DUMP_HELD &
		    ~G_DUMPING) == 0 && (expected[i].given == 0 ||
		    ev == PE_PROVEN || ev == PE_DUMP_OVER ||
		    ev == PE_HOOK_DONE))
			return &expected[i];
	return NULL;
}

static void
check_row(const struct row *r)
{
	struct worker	*w = fresh(r->from, r->given);
	enum wstate	 want = r->to == STAY ? r->from : (enum wstate)r->to;
	char		 where[96];

	snprintf(where, sizeof where, "%s x %s (given %#x)",
	    pool_state_name(r->from), plan_event_name(r->ev), r->given);
	plan_event(&P, w, r->ev, r->arg, 2000, &T, &A);
	ck_assert_msg(w->state == want, "%s: state %s, want %s", where,
	    pool_state_name(w->state), pool_state_name(want));
	ck_assert_msg(w->stop_reason == r->stop_reason, "%s: reason %s",
	    where, pool_reason_name(w->stop_reason));
	if (r->kind == NONE)
		ck_assert_msg(A.n == 0, "%s: %zu actions", where, A.n);
	else {
		ck_assert_msg(A.n >= 1, "%s: no action", where);
		ck_assert_msg((int)A.v[0].kind == r->kind, "%s: kind %d",
		    where, (int)A.v[0].kind);
		if (r->kind == A_NOTE)
			ck_assert_msg((int)A.v[0].note == r->detail,
			    "%s: note %d", where, (int)A.v[0].note);
		else
			ck_assert_msg(A.v[0].sig == r->detail, "%s: SIG %d",
			    where, A.v[0].sig);
	}
	done();
}

/* Every listed row, variants included. */
START_TEST(test_rows)
{
	size_t	i;

	for (i = 0; i < sizeof expected / sizeof expected[0]; i++)
		check_row(&expected[i]);
}
END_TEST

/* Every pair not listed changes nothing: not one field of the record. */
START_TEST(test_unlisted_pairs_are_ignored)
{
	unsigned	 s, ev, cells = 0;

	for (s = 0; s < WS_COUNT; s++)
		for (ev = 0; ev < PE_COUNT; ev++) {
			struct worker	*w, before;

			if (row_for((enum wstate)s, (enum plan_event)ev))
				continue;
			w = fresh((enum wstate)s, 0);
			before = *w;
			plan_event(&P, w, (enum plan_event)ev, 7, 2000, &T,
			    &A);
			ck_assert_msg(memcmp(&before, w, sizeof before) == 0,
			    "%s x %s changed the worker",
			    pool_state_name((enum wstate)s),
			    plan_event_name((enum plan_event)ev));
			ck_assert_msg(A.n == 0, "%s x %s acted",
			    pool_state_name((enum wstate)s),
			    plan_event_name((enum plan_event)ev));
			done();
			cells++;
		}
	ck_assert_uint_gt(cells, 50);
}
END_TEST

/* The table plan.c publishes agrees with this one on which pairs exist
 * and where they lead. */
START_TEST(test_published_table_agrees)
{
	unsigned	s, ev;

	for (s = 0; s < WS_COUNT; s++)
		for (ev = 0; ev < PE_COUNT; ev++) {
			const struct plan_transition	*tr;
			const struct row		*r;

			tr = plan_transition((enum wstate)s,
			    (enum plan_event)ev);
			r = row_for((enum wstate)s, (enum plan_event)ev);
			ck_assert_msg((tr->does != NULL) == (r != NULL),
			    "%s x %s: listed here %d, in plan.c %d",
			    pool_state_name((enum wstate)s),
			    plan_event_name((enum plan_event)ev), r != NULL,
			    tr->does != NULL);
			if (r != NULL)
				ck_assert_msg((int)tr->next == r->to,
				    "%s x %s: next",
				    pool_state_name((enum wstate)s),
				    plan_event_name((enum plan_event)ev));
		}
	ck_assert_str_eq(plan_event_name(PE_EXIT), "exit");
	ck_assert_str_eq(plan_event_name(PE_COUNT), "?");
}
END_TEST

/*
 * The exit rules: from how a worker ended to its exit reason, whether it
 * counts as a failure (a backoff step), and whether it fails a reload.
 */
struct exit_row {
	const char	*what;
	int		 was_ready;
	uint64_t	 ready_for_ms;	/* how long it was ready */
	int		 self_stopping;
	enum reason	 stop_reason;
	int		 killed;
	int		 status;	/* as from waitpid */
	int		 new_gen;	/* a reload brings it in */
	enum reason	 reason;	/* expected */
	unsigned	 failures;	/* expected p->failures after */
	int		 reload_failed;
};

#define EXITED(code)	((code) << 8)

static const struct exit_row exits[] = {
	{ "dies at boot", 0, 0, 0, R_NONE, 0, EXITED(1), 0,
	    R_BOOT_FAILED, 1, 0 },
	{ "crashes after 5 s", 1, 5000, 0, R_NONE, 0, SIGSEGV, 0,
	    R_CRASH, 0, 0 },
	{ "crashes at once", 1, 10, 0, R_NONE, 0, SIGSEGV, 0,
	    R_CRASH, 1, 0 },
	{ "exits 3 after 5 s", 1, 5000, 0, R_NONE, 0, EXITED(3), 0,
	    R_CRASH, 0, 0 },
	{ "exits 0 after 5 s", 1, 5000, 0, R_NONE, 0, EXITED(0), 0,
	    R_EXIT, 0, 0 },
	{ "exits 0 at once", 1, 10, 0, R_NONE, 0, EXITED(0), 0,
	    R_EXIT, 1, 0 },
	{ "said STOPPING=1", 1, 10, 1, R_NONE, 0, EXITED(0), 0,
	    R_EXIT, 0, 0 },
	{ "killed on request", 1, 10, 0, R_NONE, 1, SIGTERM, 0,
	    R_KILLED, 0, 0 },
	{ "stopped for scale", 1, 10, 0, R_SCALE, 0, SIGTERM, 0,
	    R_SCALE, 0, 0 },
	{ "killed for boot timeout", 0, 0, 0, R_BOOT_TIMEOUT, 0, SIGKILL,
	    0, R_BOOT_TIMEOUT, 1, 0 },
	{ "killed for heartbeat", 1, 5000, 0, R_TIMEOUT, 0, SIGKILL, 0,
	    R_TIMEOUT, 0, 0 },
	{ "new code dies at boot", 0, 0, 0, R_NONE, 0, EXITED(1), 1,
	    R_BOOT_FAILED, 0, 1 },
	{ "new code crashes later", 1, 5000, 0, R_NONE, 0, SIGSEGV, 1,
	    R_CRASH, 0, 1 },
	{ "new code exits cleanly", 1, 5000, 0, R_NONE, 0, EXITED(0), 1,
	    R_EXIT, 0, 1 },
	{ "new code says STOPPING=1", 1, 5000, 1, R_NONE, 0, EXITED(0), 1,
	    R_EXIT, 0, 0 },
};

START_TEST(test_exit_rules)
{
	size_t	i, j;

	for (i = 0; i < sizeof exits / sizeof exits[0]; i++) {
		const struct exit_row	*e = &exits[i];
		struct worker		*w;
		int			 failed = 0;

		w = fresh(e->was_ready ? WS_READY : WS_BOOTING,
		    e->new_gen ? G_NEW_GEN : 0);
		w->self_stopping = e->self_stopping;
		w->stop_reason = e->stop_reason;
		w->killed = e->killed;
		if (e->was_ready)
			w->ready_at = 100000 - e->ready_for_ms;
		ck_assert_ptr_eq(pool_on_exit(&P, w->pid, e->status, 100000,
		    &T, &A), w);
		ck_assert_msg(w->exit_reason == e->reason, "%s: reason %s",
		    e->what, pool_reason_name(w->exit_reason));
		ck_assert_msg(P.failures == e->failures, "%s: failures %u",
		    e->what, P.failures);
		for (j = 0; j < A.n; j++)
			if (A.v[j].kind == A_NOTE &&
			    A.v[j].note == N_RELOAD_FAILED)
				failed = 1;
		ck_assert_msg(failed == e->reload_failed, "%s: reload failed "
		    "%d", e->what, failed);
		/* Its process group goes with it, and only once. */
		ck_assert_int_eq(A.v[1].kind, A_SIGNAL);
		ck_assert_int_eq(A.v[1].note, N_GROUP_KILL);
		done();
	}
}
END_TEST

/* TTIN and TTOU, by signal or command: one rule. */
START_TEST(test_scale_steps)
{
	static const struct {
		unsigned	target;
		long long	delta;
		unsigned	max, want;
	} rows[] = {
		{ 2, 1, 10, 3 },	/* up */
		{ 10, 1, 10, 10 },	/* at the maximum */
		{ 8, 5, 10, 10 },	/* clamped to it */
		{ 0, 1, 10, 1 },	/* from an empty pool */
		{ 3, -1, 10, 2 },	/* down */
		{ 3, -5, 10, 1 },	/* not below 1 */
		{ 1, -1, 10, 1 },
		{ 0, -1, 10, 0 },	/* a pool at 0 stays at 0 */
		{ 4, 0, 10, 4 },
	};
	size_t	i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		ck_assert_msg(plan_scale_step(rows[i].target, rows[i].delta,
		    rows[i].max) == rows[i].want, "row %zu", i);
}
END_TEST

/* What a reload does to the target. */
START_TEST(test_reload_targets)
{
	static const struct {
		unsigned	target, old_workers, new_workers, want;
	} rows[] = {
		{ 4, 4, 4, 4 },		/* nothing changed */
		{ 6, 4, 4, 6 },		/* a manual scale stays */
		{ 6, 4, 8, 8 },		/* a new size in the file wins */
		{ 2, 4, 3, 3 },
		{ 0, 4, 4, 4 },		/* after WINCH the pool comes back */
		{ 0, 4, 0, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		ck_assert_msg(plan_reload_target(rows[i].target,
		    rows[i].old_workers, rows[i].new_workers) == rows[i].want,
		    "row %zu", i);
}
END_TEST

/* The table as HACKING.md shows it: one line per cell that exists. */
static char *
render_table(void)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);
	unsigned s, ev;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "| state | event | next | stop reason | signal | "
	    "what it does |\n");
	fprintf(f, "|---|---|---|---|---|---|\n");
	for (s = 0; s < WS_COUNT; s++)
		for (ev = 0; ev < PE_COUNT; ev++) {
			const struct plan_transition	*tr;

			tr = plan_transition((enum wstate)s,
			    (enum plan_event)ev);
			if (tr->does == NULL)
				continue;
			fprintf(f, "| %s | %s | %s | %s | %s | %s |\n",
			    pool_state_name((enum wstate)s),
			    plan_event_name((enum plan_event)ev),
			    tr->next == PLAN_STAY ? "=" :
			    pool_state_name(tr->next),
			    tr->reason == R_NONE ? "" :
			    pool_reason_name(tr->reason),
			    tr->sig == SIGKILL ? "KILL" : tr->sig == SIGABRT ?
			    "ABRT" : tr->sig == SIGINT ? "INT" : "",
			    tr->does);
		}
	fclose(f);
	return buf;
}

/* HACKING.md's copy of the table is the table: a change to one without
 * the other fails here, and the log shows the lines to paste. */
START_TEST(test_hacking_md_is_current)
{
	const char	*top = getenv("top_srcdir");
	char		 path[4096], *doc = NULL, *want, *begin, *end;
	size_t		 cap = 0;
	FILE		*f;
	ssize_t		 n;

	if (top == NULL)
		top = ".";
	snprintf(path, sizeof path, "%s/HACKING.md", top);
	ck_assert_msg((f = fopen(path, "r")) != NULL, "cannot open %s", path);
	n = getdelim(&doc, &cap, '\0', f);
	fclose(f);
	ck_assert_int_gt(n, 0);
	want = render_table();
	begin = strstr(doc, "<!-- transitions: begin -->\n");
	end = strstr(doc, "<!-- transitions: end -->");
	ck_assert_msg(begin != NULL && end != NULL && end > begin,
	    "HACKING.md has no transitions block");
	begin += strlen("<!-- transitions: begin -->\n");
	*end = '\0';
	if (strcmp(begin, want) != 0)
		fprintf(stderr, "HACKING.md should have:\n%s", want);
	ck_assert_msg(strcmp(begin, want) == 0,
	    "HACKING.md's transition table differs from plan.c's");
	free(want);
	free(doc);
}
END_TEST

static Suite *
transitions_suite(void)
{
	Suite	*s = suite_create("transitions");
	TCase	*tc = tcase_create("table");

	tcase_add_test(tc, test_rows);
	tcase_add_test(tc, test_unlisted_pairs_are_ignored);
	tcase_add_test(tc, test_published_table_agrees);
	tcase_add_test(tc, test_exit_rules);
	tcase_add_test(tc, test_hacking_md_is_current);
	tcase_add_test(tc, test_scale_steps);
	tcase_add_test(tc, test_reload_targets);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(transitions_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
