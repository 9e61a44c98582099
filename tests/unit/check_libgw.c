/*
 * check_libgw.c: the one copy of each small helper of libgw: clocks and
 * time conversions (timeutil.c), directories and files (fsutil.c), the
 * Unix socket file ritual and SIGPIPE (sockutil.c), the group database
 * (idutil.c).  A program of its own: it links libgw.a only.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "gw/fsutil.h"
#include "gw/idutil.h"
#include "gw/sockutil.h"
#include "gw/timeutil.h"
#include "gw/util.h"

/* A private directory for one test, under TMPDIR; the test removes it. */
static char *
tmpdir(void)
{
	char	*t = xasprintf("%s/check_libgw.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");

	ck_assert_ptr_nonnull(mkdtemp(t));
	return t;
}

static void
rm_rf(const char *dir)
{
	char	*cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* ---- timeutil ---------------------------------------------------------- */

START_TEST(test_ms_to_timeval)
{
	static const struct {
		uint64_t	ms;
		long		sec, usec;
	} c[] = {
		{ 0, 0, 0 }, { 1, 0, 1000 }, { 999, 0, 999000 },
		{ 1000, 1, 0 }, { 1500, 1, 500000 },
		{ 86400001, 86400, 1000 },
	};
	struct timeval	tv;
	size_t		i;

	for (i = 0; i < GW_ARRAY_LEN(c); i++) {
		tv = gw_ms_to_timeval(c[i].ms);
		ck_assert_int_eq(tv.tv_sec, c[i].sec);
		ck_assert_int_eq(tv.tv_usec, c[i].usec);
	}
}
END_TEST

static int64_t
ts_ms(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

START_TEST(test_timespec_after_ms)
{
	struct timespec	before, at, after;
	uint64_t	ms;

	/* Every remainder of a second, so the nanoseconds carry sometimes. */
	for (ms = 0; ms < 2000; ms += 7) {
		clock_gettime(CLOCK_MONOTONIC, &before);
		gw_timespec_after_ms(CLOCK_MONOTONIC, ms, &at);
		clock_gettime(CLOCK_MONOTONIC, &after);
		ck_assert_int_ge(at.tv_nsec, 0);
		ck_assert_int_lt(at.tv_nsec, 1000000000L);
		ck_assert_int_ge(ts_ms(&at), ts_ms(&before) + (int64_t)ms);
		ck_assert_int_le(ts_ms(&at), ts_ms(&after) + (int64_t)ms);
	}
	/* The clock asked for is the one read. */
	clock_gettime(CLOCK_REALTIME, &before);
	gw_timespec_after_ms(CLOCK_REALTIME, 60000, &at);
	ck_assert_int_ge(ts_ms(&at), ts_ms(&before) + 60000);
	ck_assert_int_lt(ts_ms(&at), ts_ms(&before) + 61000);
}
END_TEST

START_TEST(test_clocks)
{
	uint64_t	a = gw_now_ms(), b;
	double		w = gw_wall_time();

	usleep(20000);
	b = gw_now_ms();
	ck_assert_uint_ge(b, a + 20);
	ck_assert_uint_lt(b, a + 5000);
	ck_assert(w > 1.6e9);	/* seconds, not milliseconds */
	ck_assert(w < 1e11);
}
END_TEST

/* ---- fsutil ------------------------------------------------------------ */

static char	made_log[1024];

static void
note_made(const char *dir, void *arg)
{
	const char	*root = arg;

	/* Relative to the test's directory, comma-separated. */
	ck_assert(strncmp(dir, root, strlen(root)) == 0);
	strcat(made_log, dir + strlen(root));
	strcat(made_log, ",");
}

START_TEST(test_mkdirs)
{
	char		*t = tmpdir(), *p, *failed = NULL;
	struct stat	 st;

	/* Parents first, each reported once; "//" is one separator. */
	p = xasprintf("%s/a/b//c", t);
	made_log[0] = '\0';
	ck_assert_int_eq(gw_mkdirs(p, 0700, 0, note_made, t, &failed), 3);
	ck_assert_str_eq(made_log, "/a,/a/b,/a/b//c,");
	ck_assert_ptr_null(failed);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	/* All there: nothing made, no callback. */
	made_log[0] = '\0';
	ck_assert_int_eq(gw_mkdirs(p, 0700, 0, note_made, t, NULL), 0);
	ck_assert_str_eq(made_log, "");
	free(p);
	/* Some there: only the rest is made. */
	p = xasprintf("%s/a/x/y", t);
	ck_assert_int_eq(gw_mkdirs(p, 0700, 0, NULL, NULL, NULL), 2);
	free(p);
	rm_rf(t);
	free(t);
}
END_TEST

START_TEST(test_mkdirs_mode)
{
	char		*t = tmpdir(), *p;
	struct stat	 st;

	umask(077);
	/* The umask narrows a plain mkdir ... */
	p = xasprintf("%s/plain", t);
	ck_assert_int_eq(gw_mkdirs(p, 0755, 0, NULL, NULL, NULL), 1);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	free(p);
	/* ... GW_MKDIRS_EXACT gives every directory made the mode asked. */
	p = xasprintf("%s/exact/inner", t);
	ck_assert_int_eq(gw_mkdirs(p, 0751, GW_MKDIRS_EXACT, NULL, NULL,
	    NULL), 2);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0751);
	free(p);
	p = xasprintf("%s/exact", t);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0751);
	free(p);
	rm_rf(t);
	free(t);
}
END_TEST

START_TEST(test_mkdirs_fail)
{
	char	*t = tmpdir(), *p, *want, *failed = NULL;
	int	 fd;

	/* A file where a directory should be: the next level fails. */
	p = xasprintf("%s/file", t);
	ck_assert_int_ge(fd = open(p, O_CREAT | O_WRONLY, 0600), 0);
	close(fd);
	free(p);
	p = xasprintf("%s/file/sub/deeper", t);
	want = xasprintf("%s/file/sub", t);
	errno = 0;
	ck_assert_int_eq(gw_mkdirs(p, 0700, 0, NULL, NULL, &failed), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_ptr_nonnull(failed);
	ck_assert_str_eq(failed, want);
	free(failed);
	free(want);
	free(p);
	rm_rf(t);
	free(t);
}
END_TEST

START_TEST(test_parent_dir)
{
	static const struct {
		const char	*path, *want;
	} c[] = {
		{ "a/b/c", "a/b" }, { "/run/gwd/x.sock", "/run/gwd" },
		{ "name", NULL }, { "/name", NULL }, { "", NULL },
		{ "dir/", "dir" },
	};
	char	*got;
	size_t	 i;

	for (i = 0; i < GW_ARRAY_LEN(c); i++) {
		got = gw_parent_dir(c[i].path);
		if (c[i].want == NULL)
			ck_assert_msg(got == NULL, "%s: %s", c[i].path, got);
		else {
			ck_assert_ptr_nonnull(got);
			ck_assert_str_eq(got, c[i].want);
		}
		free(got);
	}
}
END_TEST

START_TEST(test_unlink_if_same)
{
	char		*t = tmpdir(), *p, *q;
	struct stat	 st;
	int		 fd;

	p = xasprintf("%s/f", t);
	q = xasprintf("%s/g", t);
	ck_assert_int_ge(fd = open(p, O_CREAT | O_WRONLY, 0600), 0);
	close(fd);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(gw_unlink_if_same(p, st.st_dev, st.st_ino), 1);
	ck_assert_int_eq(access(p, F_OK), -1);
	/* Gone already. */
	ck_assert_int_eq(gw_unlink_if_same(p, st.st_dev, st.st_ino), 0);
	/* Replaced by another file since (g renamed over f): left alone. */
	ck_assert_int_ge(fd = open(p, O_CREAT | O_WRONLY, 0600), 0);
	close(fd);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_ge(fd = open(q, O_CREAT | O_WRONLY, 0600), 0);
	close(fd);
	ck_assert_int_eq(rename(q, p), 0);
	ck_assert_int_eq(gw_unlink_if_same(p, st.st_dev, st.st_ino), 0);
	ck_assert_int_eq(access(p, F_OK), 0);
	free(p);
	free(q);
	rm_rf(t);
	free(t);
}
END_TEST

/* ---- sockutil ---------------------------------------------------------- */

START_TEST(test_unix_addr)
{
	struct sockaddr_un	 sun;
	char			 path[sizeof sun.sun_path + 1];

	ck_assert_int_eq(gw_unix_addr(&sun, "/run/x.sock"), 0);
	ck_assert_int_eq(sun.sun_family, AF_UNIX);
	ck_assert_str_eq(sun.sun_path, "/run/x.sock");
	/* The longest that fits leaves room for the NUL. */
	memset(path, 'p', sizeof path);
	path[sizeof sun.sun_path - 1] = '\0';
	ck_assert_int_eq(gw_unix_addr(&sun, path), 0);
	ck_assert_str_eq(sun.sun_path, path);
	path[sizeof sun.sun_path - 1] = 'p';
	path[sizeof sun.sun_path] = '\0';
	errno = 0;
	ck_assert_int_eq(gw_unix_addr(&sun, path), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

/* A socket file nobody listens on: bound, then closed. */
static void
make_stale(const char *path, int type)
{
	struct sockaddr_un	sun;
	int			fd;

	ck_assert_int_eq(gw_unix_addr(&sun, path), 0);
	ck_assert_int_ge(fd = socket(AF_UNIX, type, 0), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
}

START_TEST(test_clear_stale)
{
	char		*t = tmpdir(), *p;
	const char	*step = NULL;
	struct stat	 st;
	struct sockaddr_un sun;
	int		 fd, lfd, dfd;

	p = xasprintf("%s/s.sock", t);
	/* Nothing there. */
	ck_assert_int_eq(gw_unix_clear_stale(p, &step), GW_UNIX_FREE);
	/* A stale socket is removed. */
	make_stale(p, SOCK_STREAM);
	ck_assert_int_eq(gw_unix_clear_stale(p, &step), GW_UNIX_FREE);
	ck_assert_int_eq(access(p, F_OK), -1);
	/* A stale datagram socket too. */
	make_stale(p, SOCK_DGRAM);
	ck_assert_int_eq(gw_unix_clear_stale(p, &step), GW_UNIX_FREE);
	ck_assert_int_eq(access(p, F_OK), -1);
	/* A live one is left alone. */
	ck_assert_int_ge(lfd = gw_unix_listen(p, 0, -1, 4, &st, &step), 0);
	ck_assert_int_eq(gw_unix_clear_stale(p, &step), GW_UNIX_LIVE);
	ck_assert_int_eq(access(p, F_OK), 0);
	close(lfd);
	unlink(p);
	/* A live datagram socket (EPROTOTYPE to a stream connect) too. */
	ck_assert_int_ge(dfd = socket(AF_UNIX, SOCK_DGRAM, 0), 0);
	ck_assert_int_eq(gw_unix_addr(&sun, p), 0);
	ck_assert_int_eq(bind(dfd, (struct sockaddr *)&sun, sizeof sun), 0);
	ck_assert_int_eq(gw_unix_clear_stale(p, &step), GW_UNIX_LIVE);
	ck_assert_int_eq(access(p, F_OK), 0);
	close(dfd);
	unlink(p);
	/* Not a socket: left alone. */
	ck_assert_int_ge(fd = open(p, O_CREAT | O_WRONLY, 0600), 0);
	close(fd);
	ck_assert_int_eq(gw_unix_clear_stale(p, &step), GW_UNIX_NOTSOCK);
	ck_assert_int_eq(access(p, F_OK), 0);
	free(p);
	/* Cannot look: the step says which call failed. */
	p = xasprintf("%s/s.sock/below", t);
	ck_assert_int_eq(gw_unix_clear_stale(p, &step), GW_UNIX_FAILED);
	ck_assert_str_eq(step, "lstat");
	ck_assert_int_eq(errno, ENOTDIR);
	free(p);
	rm_rf(t);
	free(t);
}
END_TEST

START_TEST(test_unix_listen)
{
	char		*t = tmpdir(), *p, *longp;
	const char	*step = NULL;
	struct stat	 st, st2;
	struct sockaddr_un sun;
	mode_t		 old;
	int		 lfd, cfd, fd;

	p = xasprintf("%s/l.sock", t);
	umask(022);
	ck_assert_int_ge(lfd = gw_unix_listen(p, SOCK_NONBLOCK, 0177, 8, &st,
	    &step), 0);
	/* The mode asked for, and the umask given back. */
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	old = umask(0);
	ck_assert_int_eq(old, 022);
	umask(old);
	ck_assert(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
	/* *st is the file's identity. */
	ck_assert_int_eq(lstat(p, &st2), 0);
	ck_assert_int_eq(st.st_ino, st2.st_ino);
	ck_assert_int_eq(st.st_dev, st2.st_dev);
	/* It listens. */
	ck_assert_int_ge(cfd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(gw_unix_addr(&sun, p), 0);
	ck_assert_int_eq(connect(cfd, (struct sockaddr *)&sun, sizeof sun),
	    0);
	close(cfd);
	/* With mask -1, the process umask applies. */
	close(lfd);
	unlink(p);
	ck_assert_int_ge(lfd = gw_unix_listen(p, 0, -1, 8, &st, &step), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0755);
	ck_assert(!(fcntl(lfd, F_GETFL) & O_NONBLOCK));
	/* Taken: bind fails, the file there is not removed. */
	errno = 0;
	ck_assert_int_eq(fd = gw_unix_listen(p, 0, 0177, 8, &st2, &step), -1);
	ck_assert_str_eq(step, "bind");
	ck_assert_int_eq(errno, EADDRINUSE);
	ck_assert_int_eq(access(p, F_OK), 0);
	close(lfd);
	/* Too long for sun_path. */
	longp = xasprintf("%s/%0200d", t, 0);
	ck_assert_int_eq(gw_unix_listen(longp, 0, 0177, 8, &st2, &step), -1);
	ck_assert_str_eq(step, "address");
	ck_assert_int_eq(errno, ENAMETOOLONG);
	free(longp);
	free(p);
	rm_rf(t);
	free(t);
}
END_TEST

START_TEST(test_unix_bind_dgram)
{
	char		*t = tmpdir(), *p;
	struct stat	 st;
	int		 fd;

	p = xasprintf("%s/n.notify", t);
	umask(0);
	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_DGRAM, 0), 0);
	ck_assert_int_eq(gw_unix_bind(fd, p, 0077), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(umask(0), 0);
	close(fd);
	free(p);
	rm_rf(t);
	free(t);
}
END_TEST

static void
on_pipe(int sig)
{
	(void)sig;
}

START_TEST(test_ignore_sigpipe)
{
	struct sigaction	sa;
	int			p[2];

	signal(SIGPIPE, SIG_DFL);
	gw_ignore_sigpipe();
	ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
	ck_assert(sa.sa_handler == SIG_IGN);
	/* A write to a closed pipe now fails instead of killing us. */
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	errno = 0;
	ck_assert_int_eq(write(p[1], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(p[1]);
	/* Someone's handler is left in place. */
	signal(SIGPIPE, on_pipe);
	gw_ignore_sigpipe();
	ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
	ck_assert(sa.sa_handler == on_pipe);
}
END_TEST

/* ---- idutil ------------------------------------------------------------ */

START_TEST(test_group_lookup)
{
	struct group	*gr;
	gid_t		 gid = 0;

	/* Our own group, by name (when the database has it). */
	if ((gr = getgrgid(getgid())) != NULL) {
		char	*name = xstrdup(gr->gr_name);

		ck_assert_int_eq(gw_group_lookup(name, &gid), 0);
		ck_assert_uint_eq(gid, getgid());
		free(name);
	}
	/* A number that names no group is taken as a gid. */
	ck_assert_ptr_null(getgrnam("4000000000"));
	ck_assert_int_eq(gw_group_lookup("4000000000", &gid), 0);
	ck_assert_uint_eq(gid, 4000000000u);
	/* No such group: errno 0. */
	errno = EINVAL;
	ck_assert_int_eq(gw_group_lookup("gwd-no-such-group-x", &gid), -1);
	ck_assert_int_eq(errno, 0);
	ck_assert_int_eq(gw_group_lookup("", &gid), -1);
	/* Not a gid: past the range, or not all digits. */
	ck_assert_int_eq(gw_group_lookup("99999999999", &gid), -1);
	ck_assert_int_eq(gw_group_lookup("12x", &gid), -1);
}
END_TEST

static Suite *
make_suite_libgw(void)
{
	Suite	*s = suite_create("libgw");
	TCase	*tc;

	tc = tcase_create("timeutil");
	tcase_add_test(tc, test_ms_to_timeval);
	tcase_add_test(tc, test_timespec_after_ms);
	tcase_add_test(tc, test_clocks);
	suite_add_tcase(s, tc);
	tc = tcase_create("fsutil");
	tcase_add_test(tc, test_mkdirs);
	tcase_add_test(tc, test_mkdirs_mode);
	tcase_add_test(tc, test_mkdirs_fail);
	tcase_add_test(tc, test_parent_dir);
	tcase_add_test(tc, test_unlink_if_same);
	suite_add_tcase(s, tc);
	tc = tcase_create("sockutil");
	tcase_add_test(tc, test_unix_addr);
	tcase_add_test(tc, test_clear_stale);
	tcase_add_test(tc, test_unix_listen);
	tcase_add_test(tc, test_unix_bind_dgram);
	tcase_add_test(tc, test_ignore_sigpipe);
	suite_add_tcase(s, tc);
	tc = tcase_create("idutil");
	tcase_add_test(tc, test_group_lookup);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(make_suite_libgw());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
