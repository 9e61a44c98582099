/*
 * worker_io.c: a worker's exec-error pipe, output and notify fd, as the
 * master holds them for as long as the worker's record lives.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gw/util.h"
#include "log.h"
#include "notifyfd.h"
#include "output.h"
#include "pool.h"
#include "spawn.h"
#include "worker_io.h"

/* Per-worker executor state: the exec-error pipe until exec is known to
 * have worked, and the worker's output and notify fd for as long as its
 * record lives. */
struct worker_io {
	struct event	*ev;
	int		 fd;
	struct output	*out;
	struct notifyfd *nfd;
};

static struct {
	struct event_base   *base;
	worker_io_errpipe_cb errpipe;
	notifyfd_cb	     notify;
} wio;

void
worker_io_init(struct event_base *base, worker_io_errpipe_cb errpipe,
    notifyfd_cb notify)
{
	wio.base = base;
	wio.errpipe = errpipe;
	wio.notify = notify;
}

static void
worker_io_read(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	wio.errpipe(arg);
}

/* Exec is known to have worked or failed: the error pipe is done. */
static void
worker_io_close_errpipe(struct worker_io *io)
{
	if (io->ev != NULL)
		event_free(io->ev);
	io->ev = NULL;
	if (io->fd != -1)
		close(io->fd);
	io->fd = -1;
}

static void
worker_io_watch_errpipe(struct worker_io *io, struct worker *w, int fd)
{
	io->fd = fd;
	io->ev = event_new(wio.base, fd, EV_READ, worker_io_read, w);
	event_add(io->ev, NULL);
}

void
worker_io_start(struct worker *w, const struct spawn_result *r, int capture)
{
	struct worker_io *io = xcalloc(1, sizeof *io);

	worker_io_watch_errpipe(io, w, r->errfd);
	if (r->outfd != -1)
		io->out = output_start(wio.base, r->outfd, w->id, r->pid,
		    capture);
	if (r->notifyfd != -1)
		io->nfd = notifyfd_start(wio.base, r->notifyfd, wio.notify, w);
	w->io = io;
}

void
worker_io_adopt(struct worker *w, int err, int out, int nfd, int capture,
    const json_t *tail)
{
	struct worker_io *io = xcalloc(1, sizeof *io);

	io->fd = -1;
	if (err != -1) {
		(void)gw_set_cloexec(err, 1);
		worker_io_watch_errpipe(io, w, err);
	}
	if (out != -1) {
		(void)gw_set_cloexec(out, 1);
		io->out = output_start(wio.base, out, w->id, w->pid, capture);
		output_restore_tail(io->out, tail);
	}
	if (nfd != -1) {
		(void)gw_set_cloexec(nfd, 1);
		io->nfd = notifyfd_start(wio.base, nfd, wio.notify, w);
	}
	w->io = io;
}

void
worker_io_free(struct worker *w)
{
	struct worker_io *io = w->io;

	if (io == NULL)
		return;
	worker_io_close_errpipe(io);
	output_detach(io->out);
	notifyfd_detach(io->nfd);
	free(io);
	w->io = NULL;
}

struct output *
worker_io_output(const struct worker *w)
{
	return w->io != NULL ? ((struct worker_io *)w->io)->out : NULL;
}

struct notifyfd *
worker_io_notifyfd(const struct worker *w)
{
	return w->io != NULL ? ((struct worker_io *)w->io)->nfd : NULL;
}

int
worker_io_errfd(const struct worker *w)
{
	return w->io != NULL ? ((struct worker_io *)w->io)->fd : -1;
}

/* EOF means exec succeeded, else the child says which step failed
 * (chdir, setuid, exec ...) and why. */
int
worker_io_drain(struct worker *w, const struct spawn_ctx *ctx)
{
	struct worker_io  *io = w->io;
	struct spawn_error e;
	ssize_t		   n;
	int		   ok = 0;

	if (io == NULL || io->fd == -1)
		return -1;
	do {
		n = read(io->fd, &e, sizeof e);
	} while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		return -1;
	if (n == (ssize_t)sizeof e) {
		w->exec_errno = e.err;
		w->exec_step = e.step;
		if (e.step == SPAWN_STEP_CHDIR)
			log_error("worker %d: cannot chdir to %s: %s", w->id,
			    spawn_ctx_chdir(ctx), strerror(e.err));
		else
			log_error("worker %d: cannot %s %s: %s", w->id,
			    spawn_step_name(e.step), spawn_ctx_path(ctx),
			    strerror(e.err));
	} else
		ok = 1;
	worker_io_close_errpipe(io);
	return ok;
}
