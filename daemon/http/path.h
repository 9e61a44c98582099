/*
 * path.h: from a request path to a file under the --static root, with the
 * guarantee that nothing outside the root is ever opened.  Two layers: a
 * pure textual check (percent-decoding, no encoded slashes, no dot
 * segments, no hidden names) and an open that the kernel confines to the
 * root (openat2 RESOLVE_BENEATH, so symlinks leading out fail too).
 */
#ifndef GWD_HTTP_PATH_H
#define GWD_HTTP_PATH_H

#include <stddef.h>

/*
 * Decode the origin-form path p[0..len) into out (size outsz) as a path
 * relative to the root: "" for the root itself, "a/b.html" otherwise,
 * empty segments collapsed.  *dir is set when the path ends in '/'.
 * Returns 0, -400 for a malformed escape, -404 for anything that could
 * step outside the root or reach a hidden file: a segment starting with
 * '.' (so ".", "..", ".git"), an encoded '/' or NUL, before or after
 * decoding.  -414 if the result does not fit.
 */
int http_path_resolve(const char *p, size_t len, char *out, size_t outsz,
    int *dir);

/*
 * Open rel (from http_path_resolve) beneath the directory rootfd,
 * read-only, refusing any resolution that leaves the root.  Returns an fd
 * or -1 with errno (EXDEV/ELOOP for an escape).
 */
int http_path_open(int rootfd, const char *rel);

#endif
