/*
 * static.c: the --static decision: resolve, open confined, directories to
 * index.html (or a redirect to the slash form, so relative links work),
 * conditional requests and single byte ranges.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http/mime.h"
#include "http/path.h"
#include "http/static.h"

/* Map an open failure to a status: running out of fds is not a 404. */
static int
static_errno_status(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM ? 503 : 404;
}

void
static_serve(int rootfd, const struct http_request *req, struct static_reply *r)
{
	char	    rel[PATH_MAX], idx[PATH_MAX];
	const char *name = rel;
	struct stat st;
	time_t	    ims;
	int	    dir, rc, fd;
	char	    lm[HTTP_DATE_LEN + 1];

	memset(r, 0, sizeof *r);
	r->fd = -1;
	if (req->path.len == 0) {
		r->status = 400;
		return;
	}
	rc = http_path_resolve(req->path.p, req->path.len, rel, sizeof rel,
	    &dir);
	if (rc != 0) {
		r->status = -rc;
		return;
	}
	if ((fd = http_path_open(rootfd, rel)) == -1) {
		r->status = static_errno_status(errno);
		return;
	}
	if (fstat(fd, &st) == -1)
		goto notfound;
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		if (!dir && rel[0] != '\0') {
			r->status = 301;
			return;
		}
		if ((size_t)snprintf(idx, sizeof idx, "%s%sindex.html", rel,
			rel[0] != '\0' ? "/" : "") >= sizeof idx) {
			r->status = 414;
			return;
		}
		name = idx;
		if ((fd = http_path_open(rootfd, idx)) == -1) {
			r->status = static_errno_status(errno);
			return;
		}
		if (fstat(fd, &st) == -1)
			goto notfound;
	}
	if (!S_ISREG(st.st_mode))
		goto notfound;

	r->size = (uint64_t)st.st_size;
	r->mtime = st.st_mtime;
	r->type = http_mime_type(name);
	r->first = 0;
	r->last = r->size > 0 ? r->size - 1 : 0;

	if (req->if_modified_since.p != NULL &&
	    http_parse_date(req->if_modified_since.p,
		req->if_modified_since.len, &ims) == 0 &&
	    r->mtime <= ims) {
		close(fd);
		r->status = 304;
		return;
	}
	r->status = 200;
	if (req->range.p != NULL) {
		http_format_date(lm, r->mtime);
		/* If-Range with anything but our Last-Modified: send it all. */
		if (req->if_range.p == NULL ||
		    (req->if_range.len == HTTP_DATE_LEN &&
			memcmp(req->if_range.p, lm, HTTP_DATE_LEN) == 0)) {
			rc = http_parse_range(req->range.p, req->range.len,
			    r->size, &r->first, &r->last);
			if (rc == 1)
				r->status = 206;
			else if (rc == -1) {
				close(fd);
				r->status = 416;
				return;
			}
		}
	}
	r->fd = fd;
	return;

notfound:
	close(fd);
	r->status = 404;
}
