/*
 * fdutil.h: small helpers on file descriptors, shared by gwd, gwctl and
 * gwd-http.  Each returns 0, or -1 with errno set.
 */
#ifndef GW_FDUTIL_H
#define GW_FDUTIL_H

#include <stddef.h>

/* Write all len bytes of buf, retrying on EINTR and short writes. */
int gw_write_all(int fd, const void *buf, size_t len);

/* Set (on != 0) or clear O_NONBLOCK / FD_CLOEXEC on fd. */
int gw_set_nonblock(int fd, int on);
int gw_set_cloexec(int fd, int on);

#endif
