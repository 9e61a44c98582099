/*
 * output.h: a worker's output, read by the master from a pipe.
 *
 * Every worker's stderr is a pipe to the master (with --capture-output its
 * stdout too).  The master passes each line on, unchanged to its own
 * stderr or, with --capture-output, into its log tagged with the worker,
 * and keeps the last lines of each worker (at most OUTPUT_TAIL_BYTES) so
 * that a failed reload or a crash can say what the worker said last
 * ("ModuleNotFoundError: No module named 'x'").  The tail costs nothing
 * for a worker that writes nothing.
 *
 * An output belongs to the worker's executor state until output_detach();
 * after that it frees itself at EOF (a grandchild may still hold the pipe).
 */
#ifndef GWD_OUTPUT_H
#define GWD_OUTPUT_H

#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

/* The most of a worker's last lines kept, in bytes. */
#define OUTPUT_TAIL_BYTES  1024
/* The newest line that names an error is kept apart, at most this many
 * bytes, until this many lines have followed it. */
#define OUTPUT_CAUSE_MAX   200
#define OUTPUT_CAUSE_LINES 64
/* A longer line is passed on in pieces of this size (bytes). */
#define OUTPUT_LINE_MAX	   4096

struct output;

/* The kept lines: "line\nline\n", oldest first, made valid UTF-8 without
 * control characters; buf is
 * NULL until the first line and grows up to OUTPUT_TAIL_BYTES.  cause is
 * the newest line naming an error, or NULL.  Pure, so tests drive it. */
struct output_tail {
	char	*buf;
	size_t	 len, cap;
	char	*cause;
	unsigned since_cause; /* lines after it */
};
/* Keep line (len bytes, no newline; control bytes kept as they are),
 * dropping the oldest lines to stay within OUTPUT_TAIL_BYTES; a line
 * longer than a quarter of that keeps its end. */
void	    output_tail_add(struct output_tail *, const char *line, size_t len);
json_t	   *output_tail_to_json(const struct output_tail *);
/* The line that says why the program failed: the newest whose first word
 * names an error ("ValueError:", "Error [ERR_X]:", "panic:", "fatal:") if
 * at most OUTPUT_CAUSE_LINES followed it, else the newest that is not
 * blank; NULL if none.  Cut to fit buf. */
const char *output_tail_cause(const struct output_tail *, char *buf,
    size_t len);
void	    output_tail_free(struct output_tail *);

/* Start reading fd (non-blocking; the output owns and closes it) for
 * worker id, pid.  to_log: lines go to gwd's log, else to its stderr. */
struct output *output_start(struct event_base *, int fd, int id, pid_t pid,
    int to_log);
/* Read what the pipe holds now, without waiting: called when the worker
 * is reaped, so that its last words are in the tail before its exit is
 * reported.  Reads at most 64 KiB. */
void	       output_drain(struct output *);
/* The worker's record is going: keep passing lines on until EOF, then
 * free.  NULL is ignored. */
void	       output_detach(struct output *);
/* The kept lines, oldest first: a new JSON array, or NULL if none. */
json_t	      *output_tail_json(const struct output *);
/* output_tail_cause() of its tail; NULL for a NULL output. */
const char    *output_cause(const struct output *, char *buf, size_t len);
/* In-place upgrade: the pipe's fd (-1 after EOF), and putting back the
 * kept lines (a JSON array of strings, borrowed) in the new image. */
int	       output_fd(const struct output *);
void	       output_restore_tail(struct output *, const json_t *lines);
/* Free every output, detached or not (at exit). */
void	       output_free_all(void);

#endif
