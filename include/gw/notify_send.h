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
int	 notify_send(const char *path, const char *msg);

#endif
