/*
 * check_scale.c: what the master costs with thousands of workers (issue
 * 12), where it does not show in behaviour but in time or memory:
 *   - a spawn costs the same with 12,000 fds open in the master as with a
 *     few (the child shares the table and copies only the spawn window);
 *   - a worker's output that ends silent leaves no buffer behind;
 *   - a worker's output and notify fd go in constant time, whatever their
 *     order and however many there are;
 *   - the stats writer's SQLite page cache stays small however many
 *     events it writes.
 * A program of its own: it counts libevent's allocations, which must be
 * hooked before any other libevent call.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "config.h"
#include "events.h"
#include "gw/util.h"
#include "log.h"
#include "notify.h"
#include "notifyfd.h"
#include "output.h"
#include "spawn.h"
#include "stats.h"

/* ---- libevent's live bytes ---------------------------------------------- */

/* Each block carries its size in front, so that free can count it. */
#define HDR	16
static size_t	ev_live;

static void *
ev_malloc(size_t n)
{
	char	*p = malloc(n + HDR);

	if (p == NULL)
		return NULL;
	memcpy(p, &n, sizeof n);
	ev_live += n;
	return p + HDR;
}

static void
ev_free(void *q)
{
	char	*p = q;
	size_t	 n;

	if (p == NULL)
		return;
	p -= HDR;
	memcpy(&n, p, sizeof n);
	ev_live -= n;
	free(p);
}

static void *
ev_realloc(void *q, size_t n)
{
	char	*p;
	size_t	 old;

	if (q == NULL)
		return ev_malloc(n);
	p = (char *)q - HDR;
	memcpy(&old, p, sizeof old);
	if ((p = realloc(p, n + HDR)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof n);
	ev_live = ev_live - old + n;
	return p + HDR;
}

/* ---- spawn: the master's fd table --------------------------------------- */

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The fastest of n spawns of ctx's program, each until it has exited
 * (so the child's exec, and its closing of fds at exec, are in it). */
static double
spawn_min_ms(struct spawn_ctx *ctx, int n)
{
	struct spawn_result	r;
	double			t0, t, best = 1e9;
	int			i, st;

	for (i = 0; i < n; i++) {
		t0 = now_ms();
		ck_assert_int_eq(spawn_worker(ctx, 1, 1, &r), 0);
		ck_assert_int_eq(waitpid(r.pid, &st, 0), r.pid);
		t = now_ms() - t0;
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "worker status %d", st);
		close(r.errfd);
		if (r.outfd != -1)
			close(r.outfd);
		if (r.notifyfd != -1)
			close(r.notifyfd);
		if (t < best)
			best = t;
	}
	return best;
}

START_TEST(test_spawn_cost_flat_in_fds)
{
	char			*argv[] = { "gwd", "-n", "scaletest", "--",
				    "/bin/true", NULL };
	struct gw_config	*cfg;
	struct spawn_ctx	*ctx;
	enum config_action	 act;
	struct rlimit		 rl;
	struct spawn_result	 r;
	struct spawn_error	 se;
	char			*err = NULL;
	double			 few, many;
	int			 nfd, *fds, i, n = 0, st;

	ck_assert_msg(config_load(5, argv, &cfg, &act, &err) == 0, "%s",
	    err ? err : "");
	/* As gwd does at start: the window is reserved while the table
	 * is small, then the workers' pipes pile up above it. */
	ctx = spawn_ctx_new(cfg, NULL, 0, "", NULL, &err);
	ck_assert_msg(ctx != NULL, "%s", err ? err : "");
	few = spawn_min_ms(ctx, 30);

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	nfd = 12000;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)nfd + 200)
		nfd = (int)rl.rlim_max - 200;
	ck_assert_msg(nfd >= 4000, "fd hard limit %llu too low for the test",
	    (unsigned long long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	fds = calloc((size_t)nfd, sizeof *fds);
	ck_assert_ptr_nonnull(fds);
	for (i = 0; i < nfd; i++) {
		/* Like a worker's pipes: close-on-exec, so that without
		 * the window each child's exec closes every one of them. */
		if ((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			break;
		n++;
	}
	ck_assert_int_ge(n, 4000);
	many = spawn_min_ms(ctx, 30);
	spawn_ctx_free(ctx);
	config_free(cfg);

	/* A failed exec is still reported, from a child that shared the
	 * table: its error pipe went through the window. */
	argv[4] = "/nonexistent/gwd-check-scale";
	ck_assert_msg(config_load(5, argv, &cfg, &act, &err) == 0, "%s",
	    err ? err : "");
	ctx = spawn_ctx_new(cfg, NULL, 0, "", NULL, &err);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(spawn_worker(ctx, 1, 1, &r), 0);
	ck_assert_int_eq(waitpid(r.pid, &st, 0), r.pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	gw_set_nonblock(r.errfd, 0);
	ck_assert_int_eq(read(r.errfd, &se, sizeof se), (ssize_t)sizeof se);
	ck_assert_int_eq(se.step, SPAWN_STEP_EXEC);
	ck_assert_int_eq(se.err, ENOENT);
	close(r.errfd);
	if (r.outfd != -1)
		close(r.outfd);
	if (r.notifyfd != -1)
		close(r.notifyfd);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	spawn_ctx_free(ctx);
	config_free(cfg);
	fprintf(stderr, "check_scale: spawn %.3f ms with %d fds open, "
	    "%.3f ms with few\n", many, n, few);
	/* Without the window, each spawn copies and closes n fds: about
	 * 1 ms more for 12,000, where the whole spawn is about that. */
	ck_assert_msg(many < few * 1.5 + 0.15,
	    "spawn: %.3f ms with %d fds open, %.3f ms with few", many, n, few);
}
END_TEST

/* ---- output: silent workers keep no buffer ------------------------------- */

START_TEST(test_output_eof_keeps_nothing)
{
	struct event_base	*base = event_base_new();
	struct output		*o[64];
	size_t			 before;
	int			 p[2], i;

	ck_assert_ptr_nonnull(base);
	before = ev_live;
	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
		o[i] = output_start(base, p[0], i + 1, 100 + i, 1);
		close(p[1]);		/* the worker exits without a word */
		output_drain(o[i]);	/* its exit: read to EOF */
	}
	/* The records still hold their outputs (the tail, for the exit
	 * report), which must not hold a read buffer each. */
	fprintf(stderr, "check_scale: libevent holds %zu bytes for 64 "
	    "silent outputs\n", ev_live - before);
	ck_assert_msg(ev_live - before < 64 * 256,
	    "libevent holds %zu bytes for 64 silent outputs",
	    ev_live - before);
	for (i = 0; i < 64; i++)
		output_detach(o[i]);
	event_base_free(base);
}
END_TEST

/* ---- output and notify fd: a worker's exit, in any order ---------------- */

#define MANY	20000

static void
nfd_cb(const struct notify_msg *m, void *arg)
{
	(void)m;
	(void)arg;
}

/* Raise the soft fd limit for n more fds; how many may be opened. */
static int
room_for(int n)
{
	struct rlimit	rl;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)n + 200)
		n = (int)rl.rlim_max - 200;
	ck_assert_int_ge(n, 4000);
	return n;
}

/*
 * n outputs and n notify fds of workers that have exited (EOF read), then
 * their records go: newest first, or oldest first as when the first
 * generation is replaced.  ms for the records to go.
 */
static double
free_ms(struct event_base *base, int n, int oldest_first)
{
	struct output	**o = calloc((size_t)n, sizeof *o);
	struct notifyfd	**nf = calloc((size_t)n, sizeof *nf);
	double		  t0, t;
	int		  p[2], q[2], i, k;

	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(nf);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
		close(p[1]);
		o[i] = output_start(base, p[0], i + 1, 100 + i, 1);
		output_drain(o[i]);
		ck_assert_int_eq(pipe2(q, O_CLOEXEC | O_NONBLOCK), 0);
		close(q[1]);
		nf[i] = notifyfd_start(base, q[0], nfd_cb, NULL);
		notifyfd_drain(nf[i]);
	}
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		k = oldest_first ? i : n - 1 - i;
		output_detach(o[k]);
		notifyfd_detach(nf[k]);
	}
	t = now_ms() - t0;
	free(o);
	free(nf);
	return t;
}

START_TEST(test_exit_cost_flat_in_pool)
{
	struct event_base	*base = event_base_new();
	double			 newest, oldest;
	int			 n = room_for(MANY);

	ck_assert_ptr_nonnull(base);
	newest = free_ms(base, n, 0);
	oldest = free_ms(base, n, 1);
	fprintf(stderr, "check_scale: %d exited workers' outputs and notify "
	    "fds freed in %.1f ms newest first, %.1f ms oldest first\n", n,
	    newest, oldest);
	event_base_free(base);
	/* A list walked to find each one costs n²/2 steps oldest first. */
	ck_assert_msg(oldest < newest * 3 + 20,
	    "freeing %d outputs: %.1f ms oldest first, %.1f ms newest first",
	    n, oldest, newest);
}
END_TEST

/* ---- stats: the writer's page cache -------------------------------------- */

static struct event_base	*sbase;

static long long
written(void)
{
	json_t		*o = stats_status_json();
	long long	 v = json_integer_value(json_object_get(o, "written"));

	json_decref(o);
	return v;
}

static void
run_until_written(long long want)
{
	struct timeval	tv = { 0, 10000 };
	int		i;

	for (i = 0; i < 3000 && written() < want; i++) {
		event_base_loopexit(sbase, &tv);
		event_base_dispatch(sbase);
	}
	ck_assert_int_ge(written(), want);
}

START_TEST(test_stats_cache_small)
{
	char		 dir[] = "/tmp/gwd-check-scale.XXXXXX";
	char		*path, *cmd, reason[32];
	sqlite3_int64	 cur = 0, hi = 0;
	long long	 n = 0;
	int		 batch, i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/stats.db", dir);
	sbase = event_base_new();
	ck_assert_int_eq(stats_start(sbase, path, 0), 0);
	/* 40,000 events, about 6 MB of table and indexes: three times
	 * SQLite's default cache, in batches the writer's ring holds. */
	for (batch = 0; batch < 20; batch++) {
		for (i = 0; i < 2000; i++) {
			struct gw_event	e = { .ts = gw_wall_time(),
			    .master_pid = getpid(), .generation = 1,
			    .worker_id = i % 4096 + 1, .pid = 10000 + i,
			    .event = "exit", .reason = reason,
			    .exit_status = 0, .signal = 0 };

			snprintf(reason, sizeof reason, "reason-%d", i % 50);
			events_emit(&e);
		}
		n += 2000;
		run_until_written(n);
	}
	ck_assert_int_eq(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur,
	    &hi, 0), SQLITE_OK);
	stats_stop();
	event_base_free(sbase);
	cmd = xasprintf("rm -rf '%s'", dir);
	(void)!system(cmd);
	free(cmd);
	free(path);
	fprintf(stderr, "check_scale: SQLite holds %lld bytes after %lld "
	    "events (peak %lld)\n", (long long)cur, n, (long long)hi);
	ck_assert_msg(hi > 0, "SQLite does not count its memory");
	/* The cache (256 KiB), the schema and the statements: well under
	 * SQLite's default cache alone (2 MB). */
	ck_assert_msg(cur < 1024 * 1024,
	    "SQLite holds %lld bytes after %lld events", (long long)cur, n);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("scale");
	TCase	*tc = tcase_create("scale");
	SRunner	*sr;
	int	 failed;

	/* Before any libevent call (event_set_mem_functions' rule). */
	event_set_mem_functions(ev_malloc, ev_realloc, ev_free);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_spawn_cost_flat_in_fds);
	tcase_add_test(tc, test_output_eof_keeps_nothing);
	tcase_add_test(tc, test_exit_cost_flat_in_pool);
	tcase_add_test(tc, test_stats_cache_small);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
