/*
 * term.c: raw keys and the alternate screen with termios and plain ANSI
 * (ECMA-48 and the common xterm private modes), which every terminal
 * emulator and tmux understand: no curses needed for one screen of text.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "gw/util.h"

#include "term.h"

/* Alternate screen on, cursor hidden, autowrap off, screen cleared. */
#define TERM_ON	 "\033[?1049h\033[?25l\033[?7l\033[H\033[2J"
/* The same undone, in reverse. */
#define TERM_OFF "\033[0m\033[?7h\033[?25h\033[?1049l"

static struct termios term_saved;
static int	      term_in = -1, term_out = -1;
static volatile int   term_active;

int
term_enter(int in, int out)
{
	struct termios raw;

	if (tcgetattr(in, &term_saved) == -1)
		return -1;
	raw = term_saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(in, TCSADRAIN, &raw) == -1)
		return -1;
	term_in = in;
	term_out = out;
	term_active = 1;
	if (gw_write_all(out, TERM_ON, sizeof TERM_ON - 1) == -1) {
		term_leave();
		return -1;
	}
	return 0;
}

void
term_leave(void)
{
	int saved_errno = errno;

	if (!term_active)
		return;
	term_active = 0;
	/* Best effort: a terminal that is gone cannot be restored. */
	(void)gw_write_all(term_out, TERM_OFF, sizeof TERM_OFF - 1);
	(void)tcsetattr(term_in, TCSADRAIN, &term_saved);
	errno = saved_errno;
}

void
term_size(int fd, size_t *cols, size_t *rows)
{
	struct winsize ws;

	memset(&ws, 0, sizeof ws);
	if (ioctl(fd, TIOCGWINSZ, &ws) == -1 || ws.ws_col == 0 ||
	    ws.ws_row == 0) {
		ws.ws_col = 80;
		ws.ws_row = 24;
	}
	*cols = ws.ws_col;
	*rows = ws.ws_row;
}
