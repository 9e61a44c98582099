/* check_procfs.c: /proc readings of our own process, a child, a gone pid. */
#include "config.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

Suite *
make_suite_procfs(void)
{
	Suite	*s = suite_create("procfs");
	TCase	*tc = tcase_create("procfs");

	tcase_add_test(tc, test_self);
	tcase_add_test(tc, test_child_sleeping);
	tcase_add_test(tc, test_odd_comm);
	tcase_add_test(tc, test_bad_pid);
	suite_add_tcase(s, tc);
	return s;
}
