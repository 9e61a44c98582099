/*
 * check_notifyfd.c: the notify fd (notifyfd.c): how a byte stream is cut
 * into lines (bounded, whatever the reads look like), and a real pipe on
 * an event base turning lines into notify messages.  A program of its
 * own, so that its suite merges without touching the shared list.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "gw/util.h"
#include "notify.h"
#include "notifyfd.h"

/* Every line the framer handed over, joined by '|'. */
static char	got[NOTIFY_MAX * 3];
static int	nlines;

static void
collect(const char *line, size_t len, void *arg)
{
	size_t	at = strlen(got);

	(void)arg;
	ck_assert_uint_le(len, NOTIFY_MAX);
	ck_assert_ptr_null(memchr(line, '\n', len));
	if (len > 64)
		len = 64;	/* long lines: their start is enough */
	if (at > 0)
		got[at++] = '|';
	memcpy(got + at, line, len);
	got[at + len] = '\0';
	nlines++;
}

static void
reset(void)
{
	got[0] = '\0';
	nlines = 0;
}

static void
feed(struct notifyfd_framer *f, const char *s)
{
	notifyfd_feed(f, s, strlen(s), collect, NULL);
}

START_TEST(test_whole_lines)
{
	struct notifyfd_framer	f = { 0 };

	reset();
	feed(&f, "READY=1\n");
	feed(&f, "READY=1\nSTATUS=x\nWATCHDOG=1\n");
	ck_assert_str_eq(got, "READY=1|READY=1|STATUS=x|WATCHDOG=1");
	/* Nothing kept between reads when every line is whole. */
	ck_assert_ptr_null(f.part);
	ck_assert_uint_eq(f.dropped, 0);
	notifyfd_framer_free(&f);
}
END_TEST

START_TEST(test_split_reads)
{
	struct notifyfd_framer	 f = { 0 };
	const char		*s =
	    "READY=1\nSTATUS=booting\n\nWATCHDOG=1\nGWD_";
	size_t			 i;

	reset();
	/* One byte a read: the same lines as one read. */
	for (i = 0; s[i] != '\0'; i++)
		notifyfd_feed(&f, s + i, 1, collect, NULL);
	ck_assert_str_eq(got, "READY=1|STATUS=booting||WATCHDOG=1");
	/* An unended line waits for its newline. */
	ck_assert_uint_eq(f.len, 4);
	feed(&f, "REQUESTS=5");
	ck_assert_int_eq(nlines, 4);
	feed(&f, "\n");
	ck_assert_str_eq(got,
	    "READY=1|STATUS=booting||WATCHDOG=1|GWD_REQUESTS=5");
	ck_assert_ptr_null(f.part);
	notifyfd_framer_free(&f);
}
END_TEST

START_TEST(test_long_lines_dropped)
{
	struct notifyfd_framer	 f = { 0 };
	char			*big = xmalloc(NOTIFY_MAX + 2);
	char			*mb;
	size_t			 i;

	reset();
	/* Exactly NOTIFY_MAX bytes is a line; one more is not. */
	memset(big, 'S', NOTIFY_MAX);
	memcpy(big, "STATUS=", 7);
	big[NOTIFY_MAX] = '\n';
	notifyfd_feed(&f, big, NOTIFY_MAX + 1, collect, NULL);
	ck_assert_int_eq(nlines, 1);
	ck_assert_uint_eq(f.dropped, 0);
	big[NOTIFY_MAX] = 'S';
	big[NOTIFY_MAX + 1] = '\n';
	notifyfd_feed(&f, big, NOTIFY_MAX + 2, collect, NULL);
	ck_assert_int_eq(nlines, 1);
	ck_assert_uint_eq(f.dropped, 1);
	/* The same, split so that the limit is crossed in the kept part. */
	notifyfd_feed(&f, big, NOTIFY_MAX - 1, collect, NULL);
	ck_assert_uint_eq(f.len, NOTIFY_MAX - 1);
	notifyfd_feed(&f, big, 3, collect, NULL);
	ck_assert_ptr_null(f.part);
	feed(&f, "tail of it\nREADY=1\n");
	ck_assert_uint_eq(f.dropped, 2);
	ck_assert_int_eq(nlines, 2);
	ck_assert_str_eq(got + strlen(got) - 8, "|READY=1");
	/* 1 MB without a newline, in 4 KiB reads: one drop, nothing kept,
	 * and the next line after it is read. */
	mb = xmalloc(1 << 20);
	memset(mb, 'x', 1 << 20);
	for (i = 0; i < (1 << 20); i += 4096)
		notifyfd_feed(&f, mb + i, 4096, collect, NULL);
	ck_assert_ptr_null(f.part);
	ck_assert_uint_eq(f.dropped, 3);
	feed(&f, "x\nWATCHDOG=1\n");
	ck_assert_int_eq(nlines, 3);
	ck_assert_str_eq(got + strlen(got) - 11, "|WATCHDOG=1");
	ck_assert_uint_eq(f.dropped, 3);
	free(mb);
	free(big);
	notifyfd_framer_free(&f);
}
END_TEST

/* What the pipe's owner was told. */
static struct notify_msg	msgs[16];
static int			nmsgs;

static void
on_msg(const struct notify_msg *m, void *arg)
{
	ck_assert_ptr_eq(arg, &nmsgs);
	if (nmsgs < 16)
		msgs[nmsgs] = *m;
	nmsgs++;
}

static void
spin(struct event_base *base)
{
	int	i;

	for (i = 0; i < 5; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

START_TEST(test_pipe_messages)
{
	struct event_base	*base = event_base_new();
	struct notifyfd		*nf;
	uint64_t		 dropped = notify_dropped();
	const char		*s = "READY=1\nSTATUS=up\nGWD_REQUESTS=x\n"
	    "UNKNOWN=1\nWATCHDOG=1\nGWD_REQ";
	int			 p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	gw_set_nonblock(p[0], 1);
	nf = notifyfd_start(base, p[0], on_msg, &nmsgs);
	nmsgs = 0;
	ck_assert_int_eq(write(p[1], s, strlen(s)), (int)strlen(s));
	spin(base);
	/* One message a line, in order; the bad line is counted, the
	 * unknown key is no message at all. */
	ck_assert_int_eq(nmsgs, 3);
	ck_assert_int_eq(msgs[0].ready, 1);
	ck_assert_int_eq(msgs[1].has_status, 1);
	ck_assert_str_eq(msgs[1].status, "up");
	ck_assert_int_eq(msgs[1].ready, 0);
	ck_assert_int_eq(msgs[2].watchdog, 1);
	ck_assert_uint_eq(notify_dropped(), dropped + 1);
	ck_assert_int_eq(write(p[1], "UESTS=7\n", 8), 8);
	spin(base);
	ck_assert_int_eq(nmsgs, 4);
	ck_assert_int_eq(msgs[3].has_requests, 1);
	ck_assert_uint_eq(msgs[3].requests, 7);
	/* Drained at once when asked (a reaped worker's last words). */
	ck_assert_int_eq(write(p[1], "STOPPING=1\n", 11), 11);
	notifyfd_drain(nf);
	ck_assert_int_eq(nmsgs, 5);
	ck_assert_int_eq(msgs[4].stopping, 1);
	/* Detached: no more messages, but the pipe is still read, so a
	 * descendant still holding it is not killed by SIGPIPE. */
	notifyfd_detach(nf);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(write(p[1], "READY=1\n", 8), 8);
	spin(base);
	ck_assert_int_eq(nmsgs, 5);
	ck_assert_int_eq(write(p[1], "READY=1\n", 8), 8);
	/* EOF: the detached reader goes (the valgrind and ASan builds see
	 * it freed). */
	close(p[1]);
	spin(base);
	ck_assert_int_eq(nmsgs, 5);
	notifyfd_free_all();
	event_base_free(base);
}
END_TEST

static Suite *
make_suite_notifyfd(void)
{
	Suite	*s = suite_create("notifyfd");
	TCase	*tc = tcase_create("framing");

	tcase_add_test(tc, test_whole_lines);
	tcase_add_test(tc, test_split_reads);
	tcase_add_test(tc, test_long_lines_dropped);
	tcase_add_test(tc, test_pipe_messages);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(make_suite_notifyfd());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
