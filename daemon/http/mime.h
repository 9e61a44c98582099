/* mime.h: Content-Type of a static file by its extension. */
#ifndef GWD_HTTP_MIME_H
#define GWD_HTTP_MIME_H

/* The type for a file name; application/octet-stream when unknown. */
const char *http_mime_type(const char *name);

#endif
