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
struct wio {
	struct event	*ev;
	int		 fd;
	struct output	*out;
	struct notifyfd	*nfd;
};

static struct {
	struct event_base	*base;
	wio_errpipe_cb		 errpipe;
	notifyfd_cb		 notify;
} wio;

void
wio_init(struct event_base *base, wio_errpipe_cb errpipe, notifyfd_cb notify)
{
	wio.base = base;
	wio.errpipe = errpipe;
	wio.notify = notify;
}

static void
wio_read(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	wio.errpipe(arg);
}

/* Exec is known to have worked or failed: the error pipe is done. */
static void
wio_close_errpipe(struct wio *io)
{
	if (io->ev != NULL)
		event_free(io->ev);
	io->ev = NULL;
	if (io->fd != -1)
		close(io->fd);
	io->fd = -1;
}

static void
wio_watch_errpipe(struct wio *io, struct worker *w, int fd)
{
	io->fd = fd;
	io->ev = event_new(wio.base, fd, EV_READ, wio_read, w);
	event_add(io->ev, NULL);
}

void
wio_start(struct worker *w, const struct spawn_result *r, int capture)
{
	struct wio	*io = xcalloc(1, sizeof *io);

	wio_watch_errpipe(io, w, r->errfd);
	if (r->outfd != -1)
		io->out = output_start(wio.base, r->outfd, w->id, r->pid,
		    capture);
	if (r->notifyfd != -1)
		io->nfd = notifyfd_start(wio.base, r->notifyfd, wio.notify, w);
	w->io = io;
}

void
wio_adopt(struct worker *w, int err, int out, int nfd, int capture,
    const json_t *tail)
{
	struct wio	*io = xcalloc(1, sizeof *io);

	io->fd = -1;
	if (err != -1) {
		(void)gw_set_cloexec(err, 1);
		wio_watch_errpipe(io, w, err);
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
wio_free(struct worker *w)
{
	struct wio	*io = w->io;

	if (io == NULL)
		return;
	wio_close_errpipe(io);
	output_detach(io->out);
	notifyfd_detach(io->nfd);
	free(io);
	w->io = NULL;
}

struct output *
wio_output(const struct worker *w)
{
	return w->io != NULL ? ((struct wio *)w->io)->out : NULL;
}

struct notifyfd *
wio_notifyfd(const struct worker *w)
{
	return w->io != NULL ? ((struct wio *)w->io)->nfd : NULL;
}

int
wio_errfd(const struct worker *w)
{
	return w->io != NULL ? ((struct wio *)w->io)->fd : -1;
}

/* EOF means exec succeeded, else the child says which step failed
 * (chdir, setuid, exec ...) and why. */
int
wio_drain(struct worker *w, const struct spawn_ctx *ctx)
{
	struct wio		*io = w->io;
	struct spawn_error	 e;
	ssize_t			 n;
	int			 ok = 0;

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
	wio_close_errpipe(io);
	return ok;
}
