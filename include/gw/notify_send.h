/*
 * notify_send.h: the client side of the sd_notify protocol.  Used by
 * gwd-http, gwctl notify and the test worker to talk to the master's notify
 * socket, and by gwd itself to talk to systemd.
 */
#ifndef GW_NOTIFY_SEND_H
#define GW_NOTIFY_SEND_H

/*
 * Send one datagram to the socket named by path ('@' for the abstract
 * namespace).  With path NULL, $NOTIFY_SOCKET is used; if that is unset the
 * call does nothing and returns 0.  Returns 0, or -1 with errno.
 */
int notify_send(const char *path, const char *msg);

/*
 * Like notify_send, with a copy of fd passed in SCM_RIGHTS (the caller
 * keeps fd open and owns it).  For FDSTORE=1 (sd_pid_notify_with_fds(3)).
 */
int notify_send_fd(const char *path, const char *msg, int fd);

/*
 * Like notify_send, then wait up to timeout_ms until the receiver has
 * processed the datagram (systemd's barrier: a pipe's write end travels
 * with the message and the receiver closes it when done).  For senders
 * that exit right after sending, such as `gwctl notify`: the receiver
 * identifies a sender through /proc, which needs it alive.  Returns 0, or
 * -1 with errno (ETIMEDOUT when nobody answered in time).
 */
int notify_send_barrier(const char *path, const char *msg, int timeout_ms);

#endif
