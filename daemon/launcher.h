/*
 * launcher.h: gwd -D returns only once the daemon serves, or has failed,
 * and its exit status says which (as nginx does).
 *
 * launcher_detach() forks twice (setsid between); the first process stays
 * behind as the launcher and reads a pipe that the daemon holds.  Once
 * the master has entered its loop (sockets bound, pid file written), the
 * daemon calls launcher_done(0, NULL); a failure before that calls it with
 * the exit status and the message.  The launcher prints the message as
 * "gwd: ..." on its stderr and exits with the status: 0 serving, 1 failed
 * to start, 2 configuration error.  A daemon that dies without a word
 * makes the launcher exit 1.
 */
#ifndef GWD_LAUNCHER_H
#define GWD_LAUNCHER_H

/*
 * Detach.  Returns 0 in the daemon, -1 with errno if it could not fork;
 * the launcher never returns.
 */
int  launcher_detach(void);
/* Tell the launcher how the start went (once; later calls do nothing,
 * and so do calls without --daemon). */
void launcher_done(int status, const char *msg);

#endif
