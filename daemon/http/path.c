/*
 * path.c: request path to a confined file.  See path.h.  The textual check
 * alone would already keep "..", "%2e%2e" and "%2f" out; the kernel check
 * (RESOLVE_BENEATH) adds symlinks, which no amount of string work can see.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define PATH_HAVE_OPENAT2 1
#endif
#endif

#include "http/parser.h"
#include "http/path.h"

int
http_path_resolve(const char *p, size_t len, char *out, size_t outsz, int *dir)
{
	size_t i = 0, o = 0, seg = 0;
	int    hi, lo;

	*dir = 0;
	if (outsz == 0)
		return -414;
	if (len == 0 || p[0] != '/')
		return -400;
	while (i < len) {
		unsigned char c = (unsigned char)p[i];

		if (c == '/') {
			/* end of a segment: collapse empty ones */
			if (o > seg) {
				if (o + 1 >= outsz)
					return -414;
				out[o++] = '/';
				seg = o;
			}
			i++;
			continue;
		}
		if (c == '%') {
			if (len - i < 3)
				return -400;
			hi = http_hex_digit((unsigned char)p[i + 1]);
			lo = http_hex_digit((unsigned char)p[i + 2]);
			if (hi == -1 || lo == -1)
				return -400;
			c = (unsigned char)(hi * 16 + lo);
			if (c == '/' || c == '\0')
				return -404;
			i += 3;
		} else
			i++;
		if (c == '.' && o == seg)
			return -404; /* ".", "..", or a hidden name */
		if (o + 1 >= outsz)
			return -414;
		out[o++] = (char)c;
	}
	if (o > 0 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	*dir = p[len - 1] == '/';
	return 0;
}

/* Without openat2 (kernel < 5.6): resolve fully, then check the prefix. */
static int
path_open_fallback(int rootfd, const char *rel)
{
	char	root[PATH_MAX], full[PATH_MAX], real[PATH_MAX], proc[64];
	ssize_t n;
	size_t	rl;
	int	fd;

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", rootfd);
	if ((n = readlink(proc, root, sizeof root - 1)) == -1)
		return -1;
	root[n] = '\0';
	if ((size_t)snprintf(full, sizeof full, "%s/%s", root, rel) >=
	    sizeof full) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (realpath(full, real) == NULL)
		return -1;
	rl = strlen(root);
	if (strncmp(real, root, rl) != 0 ||
	    (real[rl] != '\0' && real[rl] != '/' && strcmp(root, "/") != 0)) {
		errno = EXDEV;
		return -1;
	}
	if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	return fd;
}

int
http_path_open(int rootfd, const char *rel)
{
	const char *r = *rel == '\0' ? "." : rel;
#if defined(SYS_openat2) && defined(PATH_HAVE_OPENAT2)
	struct open_how how;
	long		fd;

	memset(&how, 0, sizeof how);
	how.flags = O_RDONLY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, rootfd, r, &how, sizeof how);
	if (fd >= 0 || errno != ENOSYS)
		return (int)fd;
#endif
	return path_open_fallback(rootfd, r);
}
