/*
 * log.h: gwd's log.  One line per event on stderr or --log-file, as text
 *   2026-11-22T10:00:00.123Z gwd[1234] info: message
 * or as one JSON object per line.  log_reopen() reopens the file (USR1).
 * Fields given with log_kv_* are added to JSON lines and ignored in text.
 */
#ifndef GWD_LOG_H
#define GWD_LOG_H

#include <stdarg.h>

#include "gw/util.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };
enum log_format { LOG_TEXT, LOG_JSON };

/* Parse "debug", "info", "warning" ("warn"), "error"; -1 if unknown. */
int	    log_level_parse(const char *);
const char *log_level_name(int);

/* tag is the instance name; file NULL means stderr. Returns 0 or -1 (errno). */
int	    log_open(const char *tag, const char *file, int level, int format);
int	    log_reopen(void);
void	    log_close(void);
/* The fd lines go to (for --capture-output relays and children). */
int	    log_fd(void);

void	    log_msg(int level, const char *fmt, ...) GW_PRINTF(2, 3);
void	    log_vmsg(int level, const char *fmt, va_list) GW_PRINTF(2, 0);
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* The text of the last error logged, or NULL (borrowed). */
const char *log_last_error(void);

/* Broken invariant at start-up: log and exit(1). */
void fatal(const char *fmt, ...) GW_PRINTF(1, 2) __attribute__((noreturn));

#endif
