/*
 * check_spawn.c: a real fork + exec through spawn_worker: the fd layout,
 * the environment, the process group, and exec failure reported through
 * the error pipe.  Also the notify socket end to end.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gwconfig.h"
#include "gw/notify_send.h"
#include "gw/util.h"
#include "notify.h"
#include "spawn.h"
#include "suites.h"

static int
listen_socket(void)
{
	struct sockaddr_in	sin;
	int			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	return fd;
}

static struct gw_config *
load(char **argv)
{
	struct gw_config	*cfg;
	enum config_action	 act;
	char			*err = NULL;
	int			 argc = 0;

	while (argv[argc] != NULL)
		argc++;
	ck_assert_msg(config_load(argc, argv, &cfg, &act, &err) == 0, "%s",
	    err ? err : "");
	return cfg;
}

static int
wait_file(const char *path)
{
	int	i;

	for (i = 0; i < 500; i++) {
		if (access(path, R_OK) == 0)
			return 0;
		usleep(10000);
	}
	return -1;
}

START_TEST(test_layout_and_environment)
{
	char			 dir[] = "/tmp/gwd-check-spawn.XXXXXX";
	char			 out[128], script[640], line[512], fdpath[64];
	char			*argv[] = { "gwd", "-n", "spawntest", "-e",
				    "FOO=bar baz", "--timeout", "3s", "--",
				    "/bin/sh", "-c", script, NULL };
	struct gw_config	*cfg;
	struct spawn_ctx	*ctx;
	struct spawn_result	 r;
	struct dirent		*de;
	DIR			*d;
	FILE			*f;
	char			*err = NULL;
	int			 lfd, status, nfds = 0, max = -1, n;
	long			 pid, lpid, pgid;
	char			 foo[64], wid[16], gen[16], wd[32];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(script, sizeof script, "echo to-stderr >&2; "
	    "echo READY=1 >&$GWD_NOTIFY_FD; "
	    "echo \"$$ $LISTEN_FDS $LISTEN_PID "
	    "$GWD_WORKER_ID $GWD_GENERATION $WATCHDOG_USEC "
	    "$(cut -d' ' -f5 /proc/$$/stat) $FOO\" > %s.tmp && mv %s.tmp %s; "
	    "exec sleep 5", out, out, out);
	cfg = load(argv);
	lfd = listen_socket();
	ctx = spawn_ctx_new(cfg, &lfd, 1, "web", NULL, &err);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(spawn_worker(ctx, 7, 3, &r), 0);
	ck_assert_int_gt(r.pid, 0);
	/* stderr comes to the master through a pipe, for the tail of
	 * its output. */
	ck_assert_int_ne(r.outfd, -1);
	ck_assert_int_eq(wait_file(out), 0);
	{
		char	got[64] = "";
		ssize_t	k = -1;
		int	tries;

		for (tries = 0; tries < 100 && k <= 0; tries++) {
			k = read(r.outfd, got, sizeof got - 1);
			if (k <= 0)
				usleep(10000);
		}
		ck_assert_int_gt(k, 0);
		got[k] = '\0';
		ck_assert_str_eq(got, "to-stderr\n");
	}

	f = fopen(out, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	fclose(f);
	n = sscanf(line, "%ld 1 %ld %15s %15s %31s %ld %63[^\n]", &pid, &lpid,
	    wid, gen, wd, &pgid, foo);
	ck_assert_msg(n == 7, "got '%s'", line);
	ck_assert_int_eq(pid, r.pid);
	ck_assert_int_eq(lpid, r.pid);		/* LISTEN_PID is its own */
	ck_assert_str_eq(wid, "7");
	ck_assert_str_eq(gen, "3");
	ck_assert_str_eq(wd, "3000000");
	ck_assert_int_eq(pgid, r.pid);		/* its own process group */
	ck_assert_str_eq(foo, "bar baz");

	/* The notify fd (GWD_NOTIFY_FD=4, after the one listener) is a
	 * pipe to the master. */
	ck_assert_int_ne(r.notifyfd, -1);
	{
		char	got[64] = "";
		ssize_t	k = -1;
		int	tries;

		for (tries = 0; tries < 100 && k <= 0; tries++) {
			k = read(r.notifyfd, got, sizeof got - 1);
			if (k <= 0)
				usleep(10000);
		}
		ck_assert_int_gt(k, 0);
		got[k] = '\0';
		ck_assert_str_eq(got, "READY=1\n");
		close(r.notifyfd);
	}

	/* After exec of sleep: exactly 0, 1, 2, the listener at 3 and the
	 * notify fd at 4. */
	usleep(100000);
	snprintf(fdpath, sizeof fdpath, "/proc/%ld/fd", (long)r.pid);
	d = opendir(fdpath);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		nfds++;
		if (atoi(de->d_name) > max)
			max = atoi(de->d_name);
	}
	closedir(d);
	ck_assert_int_eq(nfds, 5);
	ck_assert_int_eq(max, 4);

	/* The error pipe says nothing but EOF: exec succeeded. */
	ck_assert_int_eq(read(r.errfd, &n, sizeof n), 0);
	close(r.errfd);
	kill(-r.pid, SIGKILL);
	ck_assert_int_eq(waitpid(r.pid, &status, 0), r.pid);
	ck_assert(WIFSIGNALED(status));

	spawn_ctx_free(ctx);
	config_free(cfg);
	close(lfd);
	unlink(out);
	rmdir(dir);
}
END_TEST

START_TEST(test_exec_failure_reported)
{
	char			*argv[] = { "gwd", "--", "/nonexistent/app", NULL };
	struct gw_config	*cfg = load(argv);
	struct spawn_ctx	*ctx;
	struct spawn_result	 r;
	struct spawn_error	 e;
	char			*err = NULL;
	int			 lfd = listen_socket(), status;
	ssize_t			 n;

	ctx = spawn_ctx_new(cfg, &lfd, 1, "", NULL, &err);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_str_eq(spawn_ctx_path(ctx), "/nonexistent/app");
	ck_assert_int_eq(spawn_worker(ctx, 1, 1, &r), 0);
	ck_assert_int_eq(waitpid(r.pid, &status, 0), r.pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 127);
	do {
		n = read(r.errfd, &e, sizeof e);
	} while (n == -1 && errno == EAGAIN);
	ck_assert_int_eq(n, sizeof e);
	ck_assert_int_eq(e.step, SPAWN_STEP_EXEC);
	ck_assert_int_eq(e.err, ENOENT);
	close(r.errfd);
	spawn_ctx_free(ctx);
	config_free(cfg);
	close(lfd);
}
END_TEST

START_TEST(test_unknown_user)
{
	char			*argv[] = { "gwd", "-u", "no-such-user-xyz", "--",
				    "/bin/true", NULL };
	struct gw_config	*cfg = load(argv);
	char			*err = NULL;
	int			 lfd = listen_socket();

	ck_assert_ptr_null(spawn_ctx_new(cfg, &lfd, 1, "", NULL, &err));
	ck_assert_str_eq(err, "unknown user: no-such-user-xyz");
	free(err);
	config_free(cfg);
	close(lfd);
}
END_TEST

/* ---- the notify socket ------------------------------------------------- */

static pid_t		 got_pid;
static struct notify_msg got;
static int		 got_n;

static void
on_msg(pid_t pid, const struct notify_msg *m, void *arg)
{
	(void)arg;
	got_pid = pid;
	got = *m;
	got_n++;
}

START_TEST(test_notify_socket)
{
	char			 dir[] = "/tmp/gwd-check-notify.XXXXXX";
	char			 path[128], big[NOTIFY_MAX + 100];
	struct event_base	*base = event_base_new();
	char			*err = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/n.sock", dir);
	ck_assert_int_eq(notify_open(base, path, on_msg, NULL, &err), 0);
	got_n = 0;
	ck_assert_int_eq(notify_send(path, "READY=1\nSTATUS=hi"), 0);
	ck_assert_int_eq(notify_send(path, "READY=2"), 0);	/* bad */
	memset(big, 'x', sizeof big);
	memcpy(big, "STATUS=", 7);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(notify_send(path, big), 0);		/* too big */
	ck_assert_int_eq(notify_send(path, "WATCHDOG=1"), 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(got_n, 2);
	ck_assert_int_eq(got_pid, getpid());
	ck_assert_int_eq(got.watchdog, 1);
	ck_assert_uint_eq(notify_dropped(), 2);
	notify_close();
	ck_assert_int_ne(access(path, F_OK), 0);	/* unlinked */
	/* A regular file in the way is refused, not replaced. */
	close(creat(path, 0600));
	ck_assert_int_eq(notify_open(base, path, on_msg, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a socket"));
	free(err);
	unlink(path);
	rmdir(dir);
	event_base_free(base);
}
END_TEST

/* A barrier sender waits until the datagram has been handled. */
START_TEST(test_notify_barrier)
{
	char			 dir[] = "/tmp/gwd-check-barrier.XXXXXX";
	char			 path[128];
	struct event_base	*base = event_base_new();
	char			*err = NULL;
	pid_t			 pid;
	int			 status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/n.sock", dir);
	ck_assert_int_eq(notify_open(base, path, on_msg, NULL, &err), 0);
	/* Nobody reads yet: the barrier times out. */
	errno = 0;
	ck_assert_int_eq(notify_send_barrier(path, "STATUS=x", 100), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	event_base_loop(base, EVLOOP_NONBLOCK);
	got_n = 0;
	pid = fork();
	if (pid == 0)
		_exit(notify_send_barrier(path, "READY=1", 5000) == 0 ? 0 : 1);
	/* The child is still alive (blocked) when we handle its message. */
	while (got_n == 0)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_int_eq(got_pid, pid);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	notify_close();
	rmdir(dir);
	event_base_free(base);
}
END_TEST

Suite *
make_suite_spawn(void)
{
	Suite	*s = suite_create("spawn");
	TCase	*tc = tcase_create("spawn");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_layout_and_environment);
	tcase_add_test(tc, test_exec_failure_reported);
	tcase_add_test(tc, test_unknown_user);
	tcase_add_test(tc, test_notify_socket);
	tcase_add_test(tc, test_notify_barrier);
	suite_add_tcase(s, tc);
	return s;
}
