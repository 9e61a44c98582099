/*
 * log.c: text and JSON log lines on stderr or a file, and reopening.
 * A line is built in a buffer and written with one write(2), so lines from
 * the master never interleave with each other.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

static struct {
	char *tag;
	char *file;
	int   fd;
	int   level;
	int   format;
} lg = { NULL, NULL, STDERR_FILENO, LOG_INFO, LOG_TEXT };

static const char *level_names[] = { "debug", "info", "warning", "error" };

int
log_level_parse(const char *s)
{
	size_t i;

	if (strcasecmp(s, "warn") == 0)
		return LOG_WARNING;
	for (i = 0; i < GW_ARRAY_LEN(level_names); i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
log_level_name(int level)
{
	if (level < 0 || level > LOG_ERROR)
		return "info";
	return level_names[level];
}

static int
open_file(const char *file)
{
	return open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

int
log_open(const char *tag, const char *file, int level, int format)
{
	int fd = STDERR_FILENO;

	if (file != NULL && (fd = open_file(file)) == -1)
		return -1;
	if (lg.fd != STDERR_FILENO)
		close(lg.fd);
	free(lg.tag);
	free(lg.file);
	lg.tag = xstrdup(tag != NULL ? tag : "gwd");
	lg.file = file != NULL ? xstrdup(file) : NULL;
	lg.fd = fd;
	lg.level = level;
	lg.format = format;
	return 0;
}

int
log_reopen(void)
{
	int fd;

	if (lg.file == NULL)
		return 0;
	if ((fd = open_file(lg.file)) == -1) {
		log_warn("cannot reopen log file %s: %s", lg.file,
		    strerror(errno));
		return -1;
	}
	close(lg.fd);
	lg.fd = fd;
	return 0;
}

void
log_close(void)
{
	if (lg.fd != STDERR_FILENO)
		close(lg.fd);
	lg.fd = STDERR_FILENO;
	free(lg.tag);
	free(lg.file);
	lg.tag = lg.file = NULL;
}

int
log_fd(void)
{
	return lg.fd;
}

static void
timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm	tm;
	size_t		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* The last error logged, for gwd -D's launcher (see launcher.h). */
static char last_error[2048];

const char *
log_last_error(void)
{
	return last_error[0] != '\0' ? last_error : NULL;
}

void
log_vmsg(int level, const char *fmt, va_list ap)
{
	char ts[40], msg[2048], line[4096];
	int  n, saved = errno;

	if (level < lg.level)
		return;
	timestamp(ts, sizeof ts);
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (level == LOG_ERROR)
		gw_strlcpy(last_error, msg, sizeof last_error);
	if (lg.format == LOG_JSON) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s}", "ts", ts,
		    "name", lg.tag ? lg.tag : "gwd", "pid",
		    (json_int_t)getpid(), "level", log_level_name(level), "msg",
		    msg);
		char   *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

		n = snprintf(line, sizeof line, "%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		n = snprintf(line, sizeof line, "%s %s[%ld] %s: %s\n", ts,
		    lg.tag ? lg.tag : "gwd", (long)getpid(),
		    log_level_name(level), msg);
	}
	if (n > (int)sizeof line - 1) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	(void)gw_write_all(lg.fd, line, (size_t)n);
	errno = saved;
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
