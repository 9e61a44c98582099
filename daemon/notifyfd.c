/*
 * notifyfd.c: the notify fd's read end in the master: cut the stream into
 * lines, parse each with notify_parse(), report it (see notifyfd.h).
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/util.h"
#include "log.h"
#include "notifyfd.h"

/* Read at most this much a wake-up, so that a flooding worker cannot
 * starve the loop. */
#define NOTIFYFD_READ_MAX 65536

struct notifyfd {
	struct event	      *ev;
	int		       fd;
	notifyfd_cb	       cb; /* NULL once detached */
	void		      *arg;
	struct notifyfd_framer fr;
	LIST_ENTRY(notifyfd) entry;
};

/* Every notify fd, for notifyfd_free_all(); a list a worker's exit
 * leaves in constant time, however many workers there are. */
static LIST_HEAD(, notifyfd) nfds = LIST_HEAD_INITIALIZER(nfds);

/* Keep the start of a line that the next read will end. */
static void
framer_keep(struct notifyfd_framer *f, const char *p, size_t n)
{
	if (f->skipping)
		return;
	if (f->len + n > NOTIFY_MAX) {
		/* Too long already: drop it, whatever comes. */
		f->skipping = 1;
		f->dropped++;
		free(f->part);
		f->part = NULL;
		f->len = 0;
		return;
	}
	if (f->part == NULL)
		f->part = xmalloc(NOTIFY_MAX);
	memcpy(f->part + f->len, p, n);
	f->len += n;
}

void
notifyfd_feed(struct notifyfd_framer *f, const char *buf, size_t len,
    notifyfd_line_cb cb, void *arg)
{
	const char *p = buf, *end = buf + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size_t n = (size_t)(nl - p);

		if (f->skipping)
			f->skipping = 0; /* the long line ends here */
		else if (f->len == 0 && n <= NOTIFY_MAX)
			cb(p, n, arg); /* whole in this read */
		else if (f->len + n <= NOTIFY_MAX) {
			framer_keep(f, p, n);
			cb(f->part, f->len, arg);
		} else
			f->dropped++;
		free(f->part);
		f->part = NULL;
		f->len = 0;
		p = nl + 1;
	}
	if (p < end)
		framer_keep(f, p, (size_t)(end - p));
}

void
notifyfd_framer_free(struct notifyfd_framer *f)
{
	free(f->part);
	memset(f, 0, sizeof *f);
}

static void
notifyfd_line(const char *line, size_t len, void *arg)
{
	struct notifyfd	 *nf = arg;
	struct notify_msg m;
	int		  n;

	if (nf->cb == NULL)
		return;
	if ((n = notify_parse(line, len, &m)) == -1) {
		notify_count_drop();
		log_debug("notify fd: dropped a malformed line (%zu bytes)",
		    len);
		return;
	}
	if (n > 0)
		nf->cb(&m, nf->arg);
}

static void
notifyfd_free(struct notifyfd *nf)
{
	LIST_REMOVE(nf, entry);
	if (nf->ev != NULL)
		event_free(nf->ev);
	if (nf->fd != -1)
		close(nf->fd);
	notifyfd_framer_free(&nf->fr);
	free(nf);
}

/* Read up to max bytes; 1 at EOF or a read error, else 0. */
static int
notifyfd_read(struct notifyfd *nf, size_t max)
{
	char	 buf[8192];
	size_t	 got = 0;
	uint64_t before;
	ssize_t	 n;

	while (got < max) {
		n = read(nf->fd, buf, sizeof buf);
		if (n == 0)
			return 1;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno != EAGAIN;
		}
		got += (size_t)n;
		before = nf->fr.dropped;
		notifyfd_feed(&nf->fr, buf, (size_t)n, notifyfd_line, nf);
		for (; before < nf->fr.dropped; before++) {
			notify_count_drop();
			log_debug("notify fd: dropped a line longer than %d "
				  "bytes",
			    NOTIFY_MAX);
		}
	}
	return 0;
}

/* At EOF: no writer is left, so nothing more will come. */
static void
notifyfd_eof(struct notifyfd *nf)
{
	event_free(nf->ev);
	nf->ev = NULL;
	close(nf->fd);
	nf->fd = -1;
	notifyfd_framer_free(&nf->fr);
	if (nf->cb == NULL)
		notifyfd_free(nf);
}

static void
notifyfd_ready(evutil_socket_t fd, short what, void *arg)
{
	struct notifyfd *nf = arg;

	(void)fd;
	(void)what;
	if (notifyfd_read(nf, NOTIFYFD_READ_MAX))
		notifyfd_eof(nf);
}

struct notifyfd *
notifyfd_start(struct event_base *base, int fd, notifyfd_cb cb, void *arg)
{
	struct notifyfd *nf = xcalloc(1, sizeof *nf);

	nf->fd = fd;
	nf->cb = cb;
	nf->arg = arg;
	nf->ev = event_new(base, fd, EV_READ | EV_PERSIST, notifyfd_ready, nf);
	if (nf->ev == NULL)
		fatal("out of memory");
	event_add(nf->ev, NULL);
	LIST_INSERT_HEAD(&nfds, nf, entry);
	return nf;
}

void
notifyfd_drain(struct notifyfd *nf)
{
	if (nf == NULL || nf->fd == -1)
		return;
	if (notifyfd_read(nf, NOTIFYFD_READ_MAX))
		notifyfd_eof(nf);
}

void
notifyfd_detach(struct notifyfd *nf)
{
	if (nf == NULL)
		return;
	nf->cb = NULL;
	nf->arg = NULL;
	if (nf->fd == -1)
		notifyfd_free(nf);
}

void
notifyfd_free_all(void)
{
	while (!LIST_EMPTY(&nfds))
		notifyfd_free(LIST_FIRST(&nfds));
}

int
notifyfd_fd(const struct notifyfd *nf)
{
	return nf != NULL ? nf->fd : -1;
}
