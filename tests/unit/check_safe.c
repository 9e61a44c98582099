/*
 * check_safe.c: the "safe by default" pieces: the runtime directory and
 * the instance lock (instance.c), where a value came from
 * (config_origin), the one validation of a configuration (validate.c),
 * the step a child names when it fails (spawn.c), and the notify socket
 * that is made again when removed (notify.c).  A program of its own, so
 * its suites merge without touching the shared list.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "gwconfig.h"
#include "gw/util.h"
#include "instance.h"
#include "notify.h"
#include "spawn.h"
#include "validate.h"

static char	tmp[64];

static void
setup(void)
{
	gw_strlcpy(tmp, "/tmp/gwd-check-safe.XXXXXX", sizeof tmp);
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void
teardown(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", tmp);

	(void)!system(cmd);
	free(cmd);
}

static mode_t
mode_of(const char *path)
{
	struct stat	st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static struct gw_config *
load(char **argv, char **err)
{
	struct gw_config	*cfg = NULL;
	enum config_action	 act;
	int			 argc = 0;

	while (argv[argc] != NULL)
		argc++;
	if (config_load(argc, argv, &cfg, &act, err) == -1)
		return NULL;
	return cfg;
}

/* ---- instance.c ---------------------------------------------------------- */

START_TEST(test_dir_existing_untouched)
{
	char	*d = xasprintf("%s/rd", tmp), *err = NULL;

	ck_assert_int_eq(mkdir(d, 0755), 0);
	ck_assert_int_eq(chmod(d, 0755), 0);
	ck_assert_int_eq(instance_dir(d, 0700, &err), 0);
	ck_assert_uint_eq(mode_of(d), 0755);
	free(d);
}
END_TEST

START_TEST(test_dir_made_with_mode)
{
	char	*a = xasprintf("%s/a", tmp), *d = xasprintf("%s/a/b", tmp);
	char	*err = NULL;

	ck_assert_int_eq(instance_dir(d, 0711, &err), 1);
	ck_assert_uint_eq(mode_of(a), 0711);
	ck_assert_uint_eq(mode_of(d), 0711);
	free(a);
	free(d);
}
END_TEST

START_TEST(test_dir_share_only_ours)
{
	char	*mine = xasprintf("%s/mine", tmp);
	char	*theirs = xasprintf("%s/t", tmp);
	char	*s1 = xasprintf("%s/mine/x.sock", tmp), *err = NULL;
	char	*why = NULL;

	ck_assert_int_eq(mkdir(theirs, 0700), 0);
	ck_assert_int_eq(instance_dir(mine, 0700, &err), 1);
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	/* Ours is gwd's to widen: not a reason to refuse. */
	ck_assert_int_eq(instance_reach(s1, 65534, 65534, NULL, 0, &why), 0);
	instance_dir_share();
	ck_assert_uint_eq(mode_of(mine), 0711);
	ck_assert_uint_eq(mode_of(theirs), 0700);
	free(mine);
	free(theirs);
	free(s1);
}
END_TEST

START_TEST(test_dir_file_in_the_way)
{
	char	*d = xasprintf("%s/f", tmp), *err = NULL;

	close(creat(d, 0600));
	ck_assert_int_eq(instance_dir(d, 0700, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a directory"));
	free(err);
	free(d);
}
END_TEST

START_TEST(test_lock_held_and_named)
{
	char	*p = xasprintf("%s/n.lock", tmp), *err = NULL, buf[32];
	char	 want[32];
	pid_t	 pid;
	int	 st, fd;
	ssize_t	 n;

	ck_assert_int_eq(instance_lock(p, &err), 0);
	ck_assert_str_eq(instance_lock_path(), p);
	fd = open(p, O_RDONLY);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	ck_assert_str_eq(buf, want);
	/* Another process cannot take it, and is told who holds it. */
	if ((pid = fork()) == 0) {
		/* A file description of its own, as another gwd would have. */
		int	ofd = open(p, O_RDWR);

		_exit(flock(ofd, LOCK_EX | LOCK_NB) == -1 &&
		    errno == EWOULDBLOCK ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	instance_unlock();
	ck_assert_int_ne(access(p, F_OK), 0);	/* ours: removed */
	free(p);
}
END_TEST

START_TEST(test_lock_message)
{
	char	*p = xasprintf("%s/m.lock", tmp), *err = NULL, *want;
	int	 fd;

	/* Someone else holds it: a descriptor of our own, not the module's. */
	fd = open(p, O_RDWR | O_CREAT, 0644);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(write(fd, "4242\n", 5), 5);
	ck_assert_int_eq(instance_lock(p, &err), -1);
	want = xasprintf("another gwd (pid 4242) holds the lock %s", p);
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	free(want);
	free(err);
	close(fd);
	ck_assert_int_eq(access(p, F_OK), 0);	/* not ours: untouched */
	free(p);
}
END_TEST

START_TEST(test_unlock_leaves_a_foreign_file)
{
	char	*p = xasprintf("%s/r.lock", tmp), *err = NULL;

	ck_assert_int_eq(instance_lock(p, &err), 0);
	ck_assert_int_eq(unlink(p), 0);
	close(creat(p, 0600));		/* someone else's now */
	instance_unlock();
	ck_assert_int_eq(access(p, F_OK), 0);
	free(p);
}
END_TEST

START_TEST(test_reach)
{
	char	*a = xasprintf("%s/a", tmp), *s = xasprintf("%s/a/x.sock", tmp);
	char	*why = NULL;
	gid_t	 g = 4321;

	ck_assert_int_eq(mkdir(a, 0700), 0);
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(chown(a, 0, 4321), 0);
	ck_assert_int_eq(chmod(a, 0700), 0);
	ck_assert_int_eq(instance_reach(s, 65534, 65534, NULL, 0, &why), -1);
	ck_assert_msg(strstr(why, a) != NULL && strstr(why, "mode 0700"),
	    "%s", why);
	free(why);
	ck_assert_int_eq(instance_reach(s, 0, 0, NULL, 0, &why), 0);
	ck_assert_int_eq(instance_reach(s, geteuid(), 1, NULL, 0, &why), 0);
	ck_assert_int_eq(chmod(a, 0711), 0);
	ck_assert_int_eq(instance_reach(s, 65534, 65534, NULL, 0, &why), 0);
	if (geteuid() == 0) {
		/* The group's bit, through a supplementary group. */
		ck_assert_int_eq(chmod(a, 0710), 0);
		ck_assert_int_eq(instance_reach(s, 65534, 65534, &g, 1, &why),
		    0);
		ck_assert_int_eq(instance_reach(s, 65534, 65534, NULL, 0,
		    &why), -1);
		free(why);
	}
	/* What does not exist yet, gwd makes. */
	free(s);
	s = xasprintf("%s/missing/deeper/x.sock", tmp);
	ck_assert_int_eq(instance_reach(s, 65534, 65534, NULL, 0, &why), 0);
	free(a);
	free(s);
}
END_TEST

/* ---- config_origin, validate_config -------------------------------------- */

START_TEST(test_origin)
{
	char			*f = xasprintf("%s/gwd.conf", tmp), *err = NULL;
	char			*argv[] = { "gwd", "-c", f, "--chdir", "/",
				    NULL };
	struct gw_config	*cfg;
	FILE			*fp = fopen(f, "w");
	char			*o;

	fputs("workers = 2\n# c\nuser = root\n", fp);
	fclose(fp);
	cfg = load(argv, &err);
	ck_assert_ptr_nonnull(cfg);
	o = config_origin(cfg, "user");
	ck_assert_ptr_nonnull(strstr(o, "/gwd.conf:3: user"));
	free(o);
	o = config_origin(cfg, "workers");
	ck_assert_ptr_nonnull(strstr(o, "/gwd.conf:1: workers"));
	free(o);
	o = config_origin(cfg, "chdir");
	ck_assert_str_eq(o, "--chdir");
	free(o);
	o = config_origin(cfg, "name");		/* the default */
	ck_assert_str_eq(o, "name");
	free(o);
	config_free(cfg);
	free(f);
}
END_TEST

START_TEST(test_validate)
{
	char			*f = xasprintf("%s/gwd.conf", tmp), *err = NULL;
	char			*x = xasprintf("%s/noexec", tmp);
	char			*argv[] = { "gwd", "-c", f, NULL };
	char			*argv2[] = { "gwd", "--chdir", "/nonexistent",
				    "--", "/bin/true", NULL };
	struct gw_config	*cfg;
	FILE			*fp;

	/* A good one. */
	fp = fopen(f, "w");
	fputs("command = /bin/true\nchdir = /\n", fp);
	fclose(fp);
	cfg = load(argv, &err);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg(validate_config(cfg, NULL, &err) == 0, "%s", err);
	config_free(cfg);
	/* An unknown user, with its place. */
	fp = fopen(f, "w");
	fputs("command = /bin/true\n\nuser = nosuchuser-gwd-check\n", fp);
	fclose(fp);
	cfg = load(argv, &err);
	ck_assert_int_eq(validate_config(cfg, NULL, &err), -1);
	ck_assert_msg(strstr(err, "gwd.conf:3: user: unknown user") != NULL,
	    "%s", err);
	free(err);
	config_free(cfg);
	/* A program that cannot run. */
	close(creat(x, 0644));
	fp = fopen(f, "w");
	fprintf(fp, "command = %s\n", x);
	fclose(fp);
	cfg = load(argv, &err);
	ck_assert_int_eq(validate_config(cfg, NULL, &err), -1);
	ck_assert_msg(strstr(err, "gwd.conf:1: command: cannot run") &&
	    strstr(err, "not executable"), "%s", err);
	free(err);
	config_free(cfg);
	/* --chdir from the command line. */
	cfg = load(argv2, &err);
	ck_assert_int_eq(validate_config(cfg, NULL, &err), -1);
	ck_assert_msg(strncmp(err, "--chdir: cannot use /nonexistent", 32) ==
	    0, "%s", err);
	free(err);
	config_free(cfg);
	free(f);
	free(x);
}
END_TEST

/* ---- spawn: the failing step ------------------------------------------ */

START_TEST(test_spawn_chdir_step)
{
	char			*d = xasprintf("%s/wd", tmp), *err = NULL;
	char			*argv[] = { "gwd", "--chdir", d, "--",
				    "/bin/true", NULL };
	struct gw_config	*cfg;
	struct spawn_ctx	*ctx;
	struct spawn_result	 r;
	struct spawn_error	 e;
	ssize_t			 n;
	int			 st;

	ck_assert_int_eq(mkdir(d, 0700), 0);
	cfg = load(argv, &err);
	ck_assert_ptr_nonnull(cfg);
	ctx = spawn_ctx_new(cfg, NULL, 0, "", NULL, &err);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(rmdir(d), 0);		/* gone after the check */
	ck_assert_int_eq(spawn_worker(ctx, 1, 1, &r), 0);
	ck_assert_int_eq(waitpid(r.pid, &st, 0), r.pid);
	do {
		n = read(r.errfd, &e, sizeof e);
	} while (n == -1 && errno == EAGAIN);
	ck_assert_int_eq(n, sizeof e);
	ck_assert_int_eq(e.step, SPAWN_STEP_CHDIR);
	ck_assert_int_eq(e.err, ENOENT);
	ck_assert_str_eq(spawn_step_name(e.step), "chdir");
	close(r.errfd);
	spawn_ctx_free(ctx);
	config_free(cfg);
	free(d);
}
END_TEST

/* ---- notify: removed, made again -------------------------------------- */

static void
on_msg(pid_t pid, const struct notify_msg *m, void *arg)
{
	(void)pid;
	(void)m;
	(*(int *)arg)++;
}

START_TEST(test_notify_remade)
{
	struct event_base	*base = event_base_new();
	struct stat		 a, b;
	char			*p = xasprintf("%s/n.notify", tmp), *err = NULL;
	int			 got = 0;

	ck_assert_int_eq(notify_open(base, p, on_msg, &got, &err), 0);
	ck_assert_int_eq(lstat(p, &a), 0);
	ck_assert_uint_eq(a.st_mode & 0777, 0700);
	ck_assert_int_eq(unlink(p), 0);
	event_base_loop(base, EVLOOP_ONCE);
	ck_assert_int_eq(lstat(p, &b), 0);
	ck_assert(S_ISSOCK(b.st_mode));
	ck_assert(a.st_ino != b.st_ino);
	/* Workers of another user: writable by them, now and later. */
	notify_set_shared(1);
	ck_assert_int_eq(lstat(p, &b), 0);
	ck_assert_uint_eq(b.st_mode & 0777, 0666);
	/* A regular file in its place is not ours: never removed. */
	ck_assert_int_eq(unlink(p), 0);
	close(creat(p, 0600));
	event_base_loop(base, EVLOOP_ONCE);
	notify_close();
	ck_assert_int_eq(lstat(p, &b), 0);
	ck_assert(S_ISREG(b.st_mode));
	notify_set_shared(0);
	event_base_free(base);
	free(p);
}
END_TEST

static Suite *
make_suite_safe(void)
{
	Suite	*s = suite_create("safe");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dir_existing_untouched);
	tcase_add_test(tc, test_dir_made_with_mode);
	tcase_add_test(tc, test_dir_share_only_ours);
	tcase_add_test(tc, test_dir_file_in_the_way);
	tcase_add_test(tc, test_lock_held_and_named);
	tcase_add_test(tc, test_lock_message);
	tcase_add_test(tc, test_unlock_leaves_a_foreign_file);
	tcase_add_test(tc, test_reach);
	tcase_add_test(tc, test_origin);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_spawn_chdir_step);
	tcase_add_test(tc, test_notify_remade);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(make_suite_safe());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
