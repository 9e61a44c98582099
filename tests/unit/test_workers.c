/*
 * test_workers.c: real child processes as worker records (test_workers.h).
 */
#include "config.h"

#include <sys/wait.h>

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/util.h"
#include "pool.h"
#include "test_workers.h"

void
test_workers_spawn(struct pool *p, size_t n)
{
	size_t	i;

	memset(p, 0, sizeof *p);
	p->w = xcalloc(n, sizeof *p->w);
	for (i = 0; i < n; i++) {
		struct worker	*w = xcalloc(1, sizeof *w);
		pid_t		 pid = fork();

		ck_assert_int_ne(pid, -1);
		if (pid == 0) {
			pause();
			_exit(0);
		}
		w->id = (int)i + 1;
		w->pid = pid;
		w->state = WS_READY;
		p->w[p->n++] = w;
	}
}

void
test_workers_reap(struct pool *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		kill(p->w[i]->pid, SIGKILL);
		waitpid(p->w[i]->pid, NULL, 0);
		free(p->w[i]);
	}
	free(p->w);
}
