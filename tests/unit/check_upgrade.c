/*
 * check_upgrade.c: the state an in-place upgrade carries across exec.
 * The pool must come back exactly as it was (every field of every
 * worker, the backoff, the counters), and a damaged document must be
 * refused with a message that names what is wrong.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "pool.h"
#include "upgrade.h"

/* A pool with a worker in every state and every field set. */
static void
make_pool(struct pool *p)
{
	struct worker	*w;
	int		 i;

	pool_init(p, 5, 3);
	p->gen_counter = 4;
	p->failures = 3;
	p->last_failure_at = 123456789;
	p->backoff_until = 123457789;
	p->reached_target = 1;
	p->spawns_left = 1;
	p->quick = 0;
	p->reload.surge = 1;
	p->reload.batch = 2;
	p->reload.old_generation = 2;
	p->reload.started_at = 99;
	p->reload.started = 7;
	p->reload.retired = 6;
	for (i = 1; i <= 6; i++) {
		w = pool_add(p, i, 1000 + (uint64_t)i);
		w->pid = 4000 + i;
		w->state = (enum wstate)(i - 1);
		w->state_since = 2000 + (uint64_t)i;
		w->ready_at = 3000 + (uint64_t)i;
		w->was_ready = i % 2;
		w->proving = i == 2;
		w->proving_since = 17;
		w->deadline = 50000 + (uint64_t)i;
		w->last_heartbeat = 60000 + (uint64_t)i;
		w->retire = R_RECYCLE_AGE;
		w->stop_reason = R_SCALE;
		w->stop_signal = 15;
		w->self_stopping = 1;
		w->killed = i == 3;
		w->failure_told = i == 4;
		w->requests = 1234567890123ULL;
		w->reports_requests = 1;
		w->request_limit = 1000 + (uint64_t)i;
		w->rss_kb = 20480;
		w->cpu_s = 1.25;
		w->sampled_at = 70000;
		snprintf(w->status, sizeof w->status, "serving %d \"q\" é", i);
		w->exec_errno = i == 6 ? ENOENT : 0;
		w->exec_step = i == 6 ? 3 : 0;
		w->exit_status = i == 6 ? 127 : -1;
		w->exit_signal = i == 5 ? 9 : 0;
		w->exit_reason = i == 6 ? R_BOOT_FAILED : R_NONE;
		snprintf(w->kill_wchan, sizeof w->kill_wchan, "do_epoll_wait");
		w->kill_state = 'S';
		/* Slot 4 is held by its worker_timeout hook. */
		w->dumped = i >= 4;
		w->dumping = i == 4;
		w->dump_sig = i == 4 ? SIGABRT : 0;
		w->dump_why = i == 4 ? "heartbeat timeout" : NULL;
	}
	/* A slot that had replacements before. */
	p->slot_restarts[2] = 9;
	p->w[1]->restarts = 8;
}

static void
assert_pools_equal(const struct pool *a, const struct pool *b)
{
	size_t	i;

	ck_assert_uint_eq(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		struct worker	wa = *a->w[i], wb = *b->w[i];

		ck_assert_ptr_null(b->w[i]->io);
		/* A static text: equal, not the same pointer. */
		ck_assert_str_eq(wa.dump_why ? wa.dump_why : "-",
		    wb.dump_why ? wb.dump_why : "-");
		wa.dump_why = wb.dump_why = NULL;
		ck_assert_msg(memcmp(&wa, &wb, sizeof wa) == 0,
		    "worker %zu differs", i);
	}
	ck_assert_uint_eq(a->nslots, b->nslots);
	ck_assert(memcmp(a->slot_restarts, b->slot_restarts,
	    a->nslots * sizeof *a->slot_restarts) == 0);
	ck_assert_uint_eq(a->target, b->target);
	ck_assert_uint_eq(a->generation, b->generation);
	ck_assert_uint_eq(a->gen_counter, b->gen_counter);
	ck_assert_int_eq(a->mode, b->mode);
	ck_assert_int_eq(a->quick, b->quick);
	ck_assert_uint_eq(a->failures, b->failures);
	ck_assert_uint_eq(a->last_failure_at, b->last_failure_at);
	ck_assert_uint_eq(a->backoff_until, b->backoff_until);
	ck_assert(memcmp(&a->reload, &b->reload, sizeof a->reload) == 0);
	ck_assert_int_eq(a->reached_target, b->reached_target);
	ck_assert_int_eq(a->spawns_left, b->spawns_left);
	ck_assert_uint_eq(a->spawns_total, b->spawns_total);
}

START_TEST(test_pool_round_trip)
{
	struct pool	 a, b;
	json_t		*j, *k;
	char		*s, *err = NULL;

	make_pool(&a);
	j = upgrade_pool_to_json(&a);
	/* Through text, as it crosses exec. */
	s = json_dumps(j, JSON_COMPACT);
	k = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(k);
	pool_init(&b, 0, 1);
	ck_assert_int_eq(upgrade_pool_from_json(k, &b, &err), 0);
	ck_assert_ptr_null(err);
	assert_pools_equal(&a, &b);
	free(s);
	json_decref(j);
	json_decref(k);
	pool_free(&a);
	pool_free(&b);
}
END_TEST

/* The restored pool carries on: its next replacement in a slot counts
 * on from the restart count it had. */
START_TEST(test_pool_carries_on)
{
	struct pool	 a, b;
	struct worker	*w;
	json_t		*j;
	char		*err = NULL;

	make_pool(&a);
	j = upgrade_pool_to_json(&a);
	pool_init(&b, 0, 1);
	ck_assert_int_eq(upgrade_pool_from_json(j, &b, &err), 0);
	w = pool_add(&b, 2, 5000);
	ck_assert_uint_eq(w->restarts, 9);
	ck_assert_uint_eq(w->generation, 3);
	ck_assert_uint_eq(b.spawns_total, a.spawns_total + 1);
	ck_assert_ptr_eq(pool_find_pid(&b, 4003), b.w[2]);
	json_decref(j);
	pool_free(&a);
	pool_free(&b);
}
END_TEST

START_TEST(test_pool_refused)
{
	static const struct {
		const char	*key;	/* in worker 1: removed, spoilt */
		int		 spoil;
		const char	*want;
	} cases[] = {
		{ "deadline", 0, "pool: worker 1: deadline: not an integer" },
		{ "state", 1, "pool: worker 1: state: unknown state" },
		{ "exit_reason", 1, "pool: worker 1: exit_reason: unknown" },
		{ "status", 0, "pool: worker 1: status: not a string" },
		{ "id", 2, "slot 99 has no restart count" },
	};
	struct pool	 a, b;
	size_t		 i;

	make_pool(&a);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t	*j = upgrade_pool_to_json(&a);
		json_t	*ws = json_object_get(j, "workers");
		json_t	*w = json_array_get(ws, 1);
		char	*err = NULL;

		if (cases[i].spoil == 0)
			json_object_del(w, cases[i].key);
		else if (cases[i].spoil == 1)
			json_object_set_new(w, cases[i].key,
			    json_string("bogus"));
		else
			json_object_set_new(w, cases[i].key,
			    json_integer(99));
		pool_init(&b, 0, 1);
		ck_assert_int_eq(upgrade_pool_from_json(j, &b, &err), -1);
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strstr(err, cases[i].want) != NULL, "%s", err);
		ck_assert_uint_eq(b.n, 0);
		free(err);
		json_decref(j);
	}
	pool_free(&a);
}
END_TEST

/* The memfd is written, survives as an fd without close-on-exec, and is
 * read back once through the environment, which then forgets it. */
START_TEST(test_state_memfd)
{
	json_t	*st = json_pack("{s:i, s:s}", "format", UPGRADE_FORMAT,
		    "from_version", "9.9");
	char	*err = NULL, buf[16];
	int	 fd = upgrade_state_write(st, &err);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(upgrade_fd_keep(fd, 1), 0);
	snprintf(buf, sizeof buf, "%d", fd);
	setenv(UPGRADE_ENV, buf, 1);
	ck_assert_int_eq(upgrade_take_env(&err), 1);
	ck_assert_ptr_null(getenv(UPGRADE_ENV));
	ck_assert(json_equal(upgrade_state(), st));
	/* Read and closed. */
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	upgrade_state_free();
	ck_assert_int_eq(upgrade_take_env(&err), 0);
	json_decref(st);

	/* Another format is refused. */
	st = json_pack("{s:i}", "format", UPGRADE_FORMAT + 1);
	fd = upgrade_state_write(st, &err);
	snprintf(buf, sizeof buf, "%d", fd);
	setenv(UPGRADE_ENV, buf, 1);
	ck_assert_int_eq(upgrade_take_env(&err), -1);
	ck_assert_ptr_nonnull(strstr(err, "format"));
	ck_assert_ptr_null(upgrade_state());
	free(err);
	json_decref(st);

	setenv(UPGRADE_ENV, "x", 1);
	err = NULL;
	ck_assert_int_eq(upgrade_take_env(&err), -1);
	free(err);
}
END_TEST

/* Every fd the document names loses close-on-exec, and gets it back. */
START_TEST(test_keep_fds)
{
	int	 p[2], q[2], r[2], s[2], u[2], i;
	json_t	*st;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(q, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(r, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(s, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(u, O_CLOEXEC), 0);
	st = json_pack("{s:[{s:i}], s:{s:[{s:{s:i, s:i, s:i}}]}, s:i, s:i, "
	    "s:i, s:i, s:{s:i}, s:{s:i}, s:i}",
	    "listeners", "fd", p[0],
	    "pool", "workers", "io", "err", p[1], "out", q[0], "notify", q[1],
	    "control_fd", r[0], "notify_fd", r[1], "notify_ifd", u[0],
	    "web_fd", s[0], "lock", "fd", s[1], "client", "fd", -1,
	    "unused", u[1]);
	upgrade_state_keep_fds(st, 1);
	/* The inotify fd too: closing it at exec stalled the master. */
	ck_assert_int_eq(fcntl(u[0], F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_ne(fcntl(u[1], F_GETFD) & FD_CLOEXEC, 0);
	upgrade_state_keep_fds(st, 0);
	ck_assert_int_ne(fcntl(u[0], F_GETFD) & FD_CLOEXEC, 0);
	close(u[0]);
	close(u[1]);
	upgrade_state_keep_fds(st, 1);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(fcntl(p[i], F_GETFD) & FD_CLOEXEC, 0);
		ck_assert_int_eq(fcntl(q[i], F_GETFD) & FD_CLOEXEC, 0);
		ck_assert_int_eq(fcntl(r[i], F_GETFD) & FD_CLOEXEC, 0);
		ck_assert_int_eq(fcntl(s[i], F_GETFD) & FD_CLOEXEC, 0);
	}
	upgrade_state_keep_fds(st, 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_ne(fcntl(p[i], F_GETFD) & FD_CLOEXEC, 0);
		ck_assert_int_ne(fcntl(q[i], F_GETFD) & FD_CLOEXEC, 0);
		ck_assert_int_ne(fcntl(r[i], F_GETFD) & FD_CLOEXEC, 0);
		ck_assert_int_ne(fcntl(s[i], F_GETFD) & FD_CLOEXEC, 0);
		close(p[i]);
		close(q[i]);
		close(r[i]);
		close(s[i]);
	}
	json_decref(st);
}
END_TEST

START_TEST(test_self_path)
{
	char	cwd[4096], *want;

	upgrade_set_self("/usr/sbin/gwd");
	ck_assert_str_eq(upgrade_self(), "/usr/sbin/gwd");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	upgrade_set_self("./gwd");
	want = NULL;
	ck_assert_int_gt(asprintf(&want, "%s/./gwd", cwd), 0);
	ck_assert_str_eq(upgrade_self(), want);
	free(want);
	setenv("PATH", "/nonexistent:/bin", 1);
	upgrade_set_self("sh");
	ck_assert_str_eq(upgrade_self(), "/bin/sh");
	upgrade_set_self("no-such-program-anywhere");
	ck_assert_ptr_null(upgrade_self());
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("upgrade");
	TCase	*tc = tcase_create("state");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_pool_round_trip);
	tcase_add_test(tc, test_pool_carries_on);
	tcase_add_test(tc, test_pool_refused);
	tcase_add_test(tc, test_state_memfd);
	tcase_add_test(tc, test_keep_fds);
	tcase_add_test(tc, test_self_path);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
