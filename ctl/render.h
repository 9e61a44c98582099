/*
 * render.h: gwctl's human output.  Each renderer takes a result object
 * exactly as the daemon sent it (borrowed) and prints aligned text with
 * units; null or missing values print as "-".  Pure: no I/O but the FILE.
 */
#ifndef GWCTL_RENDER_H
#define GWCTL_RENDER_H

#include <stdio.h>

#include <jansson.h>

void render_status(FILE *, json_t *result, double now);
void render_workers(FILE *, json_t *result);
void render_config(FILE *, json_t *result);
void render_event(FILE *, json_t *event);
void render_scale(FILE *, json_t *result);
void render_reload(FILE *, json_t *result);
void render_version(FILE *, json_t *result);

/* Seconds as "3m12s", "450ms"; "-" for null or not a number. */
void render_seconds(char *, size_t, json_t *);
/* Kilobytes as "14.2M"; "-" for null. */
void render_kb(char *, size_t, json_t *);
/* Unix time as "2026-11-22T10:00:00Z"; "-" for null. */
void render_time(char *, size_t, json_t *);
/* A scalar as text, control characters replaced; "-" for null. */
void render_scalar(char *, size_t, json_t *);

#endif
