/*
 * term.h: the terminal of `gwctl top`: keys one at a time, the alternate
 * screen, no cursor, no line wrap, and its size.  What term_enter changes
 * term_leave undoes; it may be called any number of times, from any exit
 * path (it is async-signal-safe).
 */
#ifndef GWCTL_TERM_H
#define GWCTL_TERM_H

#include <stddef.h>

/*
 * Keys unbuffered and unechoed on in (signals keep working: Ctrl-C is
 * still SIGINT), then the alternate screen on out.  0, or -1 with errno
 * and nothing changed.
 */
int  term_enter(int in, int out);
void term_leave(void);
/* The window of fd in columns and rows; 80x24 if it does not say. */
void term_size(int fd, size_t *cols, size_t *rows);

#endif
