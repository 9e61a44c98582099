/*
 * worker_io.h: the master's per-worker pipes.
 *
 * Each worker record (struct worker, pool.h) carries in w->io the pipes
 * the executor reads for it: the exec-error pipe (until exec is known to
 * have worked or failed), the worker's output (output.h) and its notify
 * fd (notifyfd.h).  This file owns that state: it creates it when a
 * worker is forked or adopted after an upgrade, reads the exec-error
 * pipe, and frees it all when the record goes.  It decides nothing: what
 * the pipes say goes back to the supervisor through the two callbacks
 * given to worker_io_init().  It borrows the event base and never owns a
 * worker record.  Main thread only.
 */
#ifndef GWD_WORKER_IO_H
#define GWD_WORKER_IO_H

#include <jansson.h>

#include <event2/event.h>

#include "notifyfd.h"

struct worker;
struct spawn_ctx;
struct spawn_result;
struct output;

/*
 * errpipe(w) runs when w's exec-error pipe becomes readable (the caller
 * then calls worker_io_drain); notify(msg, w) for each message on w's notify
 * fd.  Both stay set until gwd exits.
 */
typedef void (*worker_io_errpipe_cb)(struct worker *);
void worker_io_init(struct event_base *, worker_io_errpipe_cb,
    notifyfd_cb notify);

/* Watch the pipes of a worker just forked (r from spawn_worker); capture
 * is --capture-output. */
void worker_io_start(struct worker *, const struct spawn_result *r,
    int capture);
/* The new image after an upgrade: take over the pipes err, out and nfd
 * (-1: none) and the last output lines (tail, borrowed; may be NULL). */
void worker_io_adopt(struct worker *, int err, int out, int nfd, int capture,
    const json_t *tail);

/*
 * Read the exec-error pipe.  Returns 1 if exec worked (EOF), 0 if the
 * child reported which step failed (w->exec_errno and w->exec_step are
 * set and the failure logged, naming ctx's path or directory), and -1 if
 * there is nothing to say yet or no pipe to read.
 */
int  worker_io_drain(struct worker *, const struct spawn_ctx *ctx);
/* The worker's record is going (it exited, or gwd exits). */
void worker_io_free(struct worker *);

/* Borrowed, or NULL if the worker has none. */
struct output	*worker_io_output(const struct worker *);
struct notifyfd *worker_io_notifyfd(const struct worker *);
/* The exec-error pipe's fd, or -1. */
int		 worker_io_errfd(const struct worker *);

#endif
