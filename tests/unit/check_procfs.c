/* check_procfs.c: /proc readings of our own process, a child, a gone pid. */
#include "config.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "suites.h"

START_TEST(test_self)
{
	struct procfs_usage	 u;
	volatile double		 x = 0;
	long			 i;
	volatile char		*big;

	/* Touch memory and burn CPU so that neither can read as zero. */
	big = malloc(8 << 20);
	ck_assert((void *)big != NULL);
	for (i = 0; i < 8 << 20; i += 4096)
		big[i] = 1;
	for (i = 0; i < 30000000; i++)
		x += i;
	ck_assert_int_eq(procfs_usage(getpid(), &u), 0);
	ck_assert_uint_ge(u.rss_kb, 8 * 1024);
	ck_assert(u.cpu_s > 0);
	ck_assert_int_eq(u.state, 'R');
	free((void *)big);
	ck_assert_int_eq(procfs_ppid(getpid()), getppid());
}
END_TEST

START_TEST(test_child_sleeping)
{
	struct procfs_usage	 u;
	pid_t			 pid;
	int			 i, status;

	if ((pid = fork()) == 0) {
		pause();
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	/* Wait until it sleeps in pause(). */
	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(procfs_usage(pid, &u), 0);
		if (u.state == 'S')
			break;
		usleep(5000);
	}
	ck_assert_int_eq(u.state, 'S');
	ck_assert_uint_gt(u.rss_kb, 0);
	ck_assert_int_eq(procfs_ppid(pid), getpid());
	kill(pid, SIGKILL);
	/* A zombie is still there, with no memory. */
	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(procfs_usage(pid, &u), 0);
		if (u.state == 'Z')
			break;
		usleep(5000);
	}
	ck_assert_int_eq(u.state, 'Z');
	ck_assert_uint_eq(u.rss_kb, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	/* Reaped: gone. */
	ck_assert_int_eq(procfs_usage(pid, &u), -1);
	ck_assert_int_eq(procfs_ppid(pid), -1);
}
END_TEST

START_TEST(test_odd_comm)
{
	struct procfs_usage	 u;
	pid_t			 pid;
	int			 p[2], status;
	char			 c;

	/* A command name with spaces and ") " must not shift the fields:
	 * parsed from the first ')', ppid would read as 1 and state as 'S'
	 * with garbage CPU. */
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		prctl(PR_SET_NAME, ") Z 1 (x y)");
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	usleep(20000);
	ck_assert_int_eq(procfs_usage(pid, &u), 0);
	ck_assert_int_ne(u.state, 'Z');
	ck_assert_uint_gt(u.rss_kb, 0);
	ck_assert_int_eq(procfs_ppid(pid), getpid());
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}
END_TEST

START_TEST(test_bad_pid)
{
	struct procfs_usage	u;

	ck_assert_int_eq(procfs_usage(0, &u), -1);
	ck_assert_int_eq(procfs_usage(-5, &u), -1);
	ck_assert_int_eq(procfs_ppid(0), -1);
	ck_assert_int_eq(procfs_usage(0x3ffffff0, &u), -1);
}
END_TEST

START_TEST(test_parse_stat)
{
	struct procfs_proc	 p;
	const char		*line = "4242 (a) S 1 (b c) R 17 4243 4244 0 "
	    "-1 4194560 100 0 0 0 120 30 7 3 20 0 3 0 555 123456789 2500 "
	    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

	ck_assert_int_eq(procfs_parse_stat(line, 4, &p), 0);
	ck_assert_int_eq(p.pid, 4242);
	ck_assert_int_eq(p.state, 'R');
	ck_assert_int_eq(p.ppid, 17);
	ck_assert_int_eq(p.pgid, 4243);
	ck_assert_uint_eq(p.ticks, 150);
	ck_assert_uint_eq(p.cticks, 10);
	ck_assert_uint_eq(p.rss_kb, 10000);
	/* Not stat lines. */
	ck_assert_int_eq(procfs_parse_stat("", 4, &p), -1);
	ck_assert_int_eq(procfs_parse_stat("12 (x", 4, &p), -1);
	ck_assert_int_eq(procfs_parse_stat("x (x) S 1 2 3", 4, &p), -1);
	ck_assert_int_eq(procfs_parse_stat("12 (x) S 1 2 3 4 5 6", 4, &p), -1);
	ck_assert_int_eq(procfs_parse_stat("12 (x) S 1 2 3 4 5 6 7 8 9 10 11 "
	    "12 13 14 15 16 17 18 19 20 z", 4, &p), -1);
}
END_TEST

static void
put(struct procfs_table *t, pid_t pid, pid_t ppid, pid_t pgid, char st,
    uint64_t rss_kb, uint64_t ticks, uint64_t cticks)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = realloc(t->v, t->cap * sizeof *t->v);
		ck_assert(t->v != NULL);
	}
	t->v[t->n].pid = pid;
	t->v[t->n].ppid = ppid;
	t->v[t->n].pgid = pgid;
	t->v[t->n].state = st;
	t->v[t->n].rss_kb = rss_kb;
	t->v[t->n].ticks = ticks;
	t->v[t->n].cticks = cticks;
	t->n++;
}

START_TEST(test_tree_synthetic)
{
	struct procfs_table	 t = { NULL, 0, 0 };
	struct procfs_usage	 u[4];
	pid_t			 roots[4] = { 200, 0, 300, 999 };
	long			 tck = sysconf(_SC_CLK_TCK);

	/* Out of pid order on purpose: the function sorts. */
	put(&t, 400, 1, 400, 'S', 99999, 1000, 0);	/* someone else */
	put(&t, 201, 200, 200, 'S', 5000, 100, 0);	/* child, in group */
	put(&t, 100, 1, 100, 'S', 3000, 1, 0);		/* gwd */
	put(&t, 202, 201, 202, 'S', 300, 0, 0);	/* own group, by ppid */
	put(&t, 200, 100, 200, 'S', 1000, 10, 5);	/* worker 1 */
	put(&t, 203, 100, 200, 'S', 7, 0, 0);		/* orphan, by group */
	put(&t, 204, 200, 200, 'Z', 0, 50, 0);		/* zombie child */
	put(&t, 300, 100, 300, 'R', 2000, 1, 0);	/* worker 2 */
	put(&t, 301, 300, 300, 'S', 1, 0, 0);
	put(&t, 401, 400, 400, 'S', 5, 0, 0);		/* someone else's */
	put(&t, 500, 501, 500, 'S', 5, 0, 0);		/* a loop: ignored */
	put(&t, 501, 500, 501, 'S', 5, 0, 0);
	procfs_tree_usage(&t, roots, 4, 100, u);
	ck_assert_uint_eq(u[0].rss_kb, 1000 + 5000 + 300 + 7);
	ck_assert_uint_eq(u[0].procs, 5);
	ck_assert_int_eq(u[0].state, 'S');
	ck_assert(u[0].cpu_s > (165.0 - 0.5) / (double)tck &&
	    u[0].cpu_s < (165.0 + 0.5) / (double)tck);
	ck_assert_uint_eq(u[1].procs, 0);
	ck_assert_uint_eq(u[1].rss_kb, 0);
	ck_assert_uint_eq(u[2].rss_kb, 2001);
	ck_assert_uint_eq(u[2].procs, 2);
	ck_assert_int_eq(u[2].state, 'R');
	ck_assert_uint_eq(u[3].procs, 0);	/* gone */
	procfs_table_free(&t);
}
END_TEST

START_TEST(test_tree_deep)
{
	struct procfs_table	 t = { NULL, 0, 0 };
	struct procfs_usage	 u;
	pid_t			 root = 1000, p;

	/* A chain of 5000 processes, each in its own group: counted whole
	 * (the answers are remembered, so this is no quadratic walk). */
	put(&t, root, 10, root, 'S', 1, 0, 0);
	for (p = root + 1; p < root + 5000; p++)
		put(&t, p, p - 1, p, 'S', 1, 1, 0);
	procfs_tree_usage(&t, &root, 1, 10, &u);
	ck_assert_uint_eq(u.procs, 5000);
	ck_assert_uint_eq(u.rss_kb, 5000);
	procfs_table_free(&t);
}
END_TEST

/* Burn about ms of CPU time. */
static void
burn(long ms)
{
	struct timespec	ts;
	double		end;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + (double)ms / 1e3;
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	while ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 < end);
}

START_TEST(test_tree_real)
{
	struct procfs_table	 t = { NULL, 0, 0 };
	struct procfs_usage	 tree, top;
	pid_t			 pid;
	int			 p[2], status, rc;
	char			 c;

	/*
	 * A worker-like process (its own group) whose child burns 300 ms of
	 * CPU and exits (reaped: cutime), and whose other child holds 32 MB;
	 * the top process itself does almost nothing.
	 */
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		pid_t	 b, m;
		char	*big;
		int	 st;

		setpgid(0, 0);
		close(p[0]);
		if ((b = fork()) == 0) {
			burn(300);
			_exit(0);
		}
		waitpid(b, &st, 0);
		if ((m = fork()) == 0) {
			volatile char	*v;
			size_t		 i;

			if ((big = malloc(32 << 20)) == NULL)
				_exit(1);
			/* Through volatile: no store may be optimised out. */
			for (v = big, i = 0; i < 32 << 20; i += 4096)
				v[i] = 1;
			(void)!write(p[1], "x", 1);
			pause();
			_exit(0);
		}
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("the memory child did not start");
	}
	close(p[0]);
	memset(&top, 0, sizeof top);
	memset(&tree, 0, sizeof tree);
	rc = procfs_usage(pid, &top);
	if (procfs_table_read(&t) == 0)
		procfs_tree_usage(&t, &pid, 1, getpid(), &tree);
	/* Reap the tree before any assertion can end this test. */
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_gt(t.n, 3);
	ck_assert_uint_eq(tree.procs, 2);
	/* The child's 32 MB count on top of the top process (whatever the
	 * top holds: under ASan its shadow memory is large). */
	ck_assert_uint_ge(tree.rss_kb, top.rss_kb + 32 * 1024);
	ck_assert(top.cpu_s < 0.1);
	ck_assert(tree.cpu_s >= 0.25);
	procfs_table_free(&t);
}
END_TEST

Suite *
make_suite_procfs(void)
{
	Suite	*s = suite_create("procfs");
	TCase	*tc = tcase_create("procfs");

	tcase_add_test(tc, test_self);
	tcase_add_test(tc, test_child_sleeping);
	tcase_add_test(tc, test_odd_comm);
	tcase_add_test(tc, test_bad_pid);
	tcase_add_test(tc, test_parse_stat);
	tcase_add_test(tc, test_tree_synthetic);
	tcase_add_test(tc, test_tree_deep);
	tcase_add_test(tc, test_tree_real);
	suite_add_tcase(s, tc);
	return s;
}
