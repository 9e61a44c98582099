/* notify_send.c: send one sd_notify datagram (client side of the protocol). */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/notify_send.h"

int
notify_send(const char *path, const char *msg)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	size_t			 plen;
	int			 fd, rc, saved;

	if (path == NULL && (path = getenv("NOTIFY_SOCKET")) == NULL)
		return 0;
	plen = strlen(path);
	if (plen == 0 || plen >= sizeof(sun.sun_path) ||
	    (path[0] != '/' && path[0] != '@')) {
		errno = EINVAL;
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '@' ? 0 : 1));

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	do {
		rc = (int)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
		    (struct sockaddr *)&sun, len);
	} while (rc == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	errno = saved;
	return rc == -1 ? -1 : 0;
}
