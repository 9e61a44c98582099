/*
 * promtext.h: writing the Prometheus text exposition format, version
 * 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/):
 * for each family one "# HELP" and one "# TYPE" line, then its samples
 * "name{label="value",...} number", each line ended by '\n'.  Label values
 * escape backslash, double quote and newline; HELP text escapes backslash
 * and newline.  Pure: it only appends to an evbuffer.
 */
#ifndef GWD_PROMTEXT_H
#define GWD_PROMTEXT_H

#include <event2/buffer.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The HELP and TYPE lines of a family (type: counter, gauge, ...). */
void promtext_family(struct evbuffer *, const char *name, const char *type,
    const char *help);
/*
 * One sample.  labels is NULL or pairs of name and value strings ended by
 * NULL: promtext_sample(b, "gwd_workers", 3.0, "state", "ready", NULL).
 * Values are escaped; names must be valid label names.
 */
void promtext_sample(struct evbuffer *, const char *name, double value, ...)
    __attribute__((sentinel));
/* Append value as the format writes numbers: integers exactly, NaN and
 * infinities as NaN, +Inf, -Inf. */
void promtext_number(struct evbuffer *, double value);
/* Append s escaped as a label value (without the quotes). */
void promtext_escape(struct evbuffer *, const char *s);

#endif
