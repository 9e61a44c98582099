/*
 * parse.c: durations, sizes, integers, signal names, shell-like word
 * splitting and the human formats.  See gw/parse.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw/parse.h"
#include "gw/util.h"

/* Upper bound for any duration: 100 years, far from overflow. */
#define DURATION_MAX_MS (100ULL * 365 * 86400 * 1000)

int
parse_duration_ms(const char *s, uint64_t *out, const char **err)
{
	uint64_t    total = 0;
	const char *p = s;

	if (s == NULL || *s == '\0') {
		*err = "empty duration";
		return -1;
	}
	while (*p != '\0') {
		char  *end;
		double v, mult;

		if (!isdigit((unsigned char)*p) && *p != '.') {
			*err = "expected a number (like 250ms, 30s, 5m, 1h, 7d)";
			return -1;
		}
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno != 0 || v < 0) {
			*err = "bad number in duration";
			return -1;
		}
		p = end;
		if (strncmp(p, "ms", 2) == 0) {
			mult = 1;
			p += 2;
		} else if (*p == 's') {
			mult = 1000;
			p++;
		} else if (*p == 'm') {
			mult = 60000;
			p++;
		} else if (*p == 'h') {
			mult = 3600000;
			p++;
		} else if (*p == 'd') {
			mult = 86400000;
			p++;
		} else if (*p == '\0' && p != s && total == 0) {
			mult = 1000; /* a bare number is seconds */
		} else {
			*err = "unknown unit (use ms, s, m, h or d)";
			return -1;
		}
		if (v * mult > (double)DURATION_MAX_MS ||
		    total + (uint64_t)(v * mult) > DURATION_MAX_MS) {
			*err = "duration too large";
			return -1;
		}
		total += (uint64_t)(v * mult + 0.5);
	}
	*out = total;
	return 0;
}

int
parse_size(const char *s, uint64_t *out, const char **err)
{
	char	*end;
	double	 v;
	uint64_t mult = 1;

	if (s == NULL || *s == '\0' ||
	    !(isdigit((unsigned char)*s) || *s == '.')) {
		*err = "expected a size (like 4096, 512K, 64M, 1G)";
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0) {
		*err = "bad number in size";
		return -1;
	}
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'B':
		end++;
		break;
	case 'K':
		mult = 1ULL << 10;
		end++;
		break;
	case 'M':
		mult = 1ULL << 20;
		end++;
		break;
	case 'G':
		mult = 1ULL << 30;
		end++;
		break;
	case 'T':
		mult = 1ULL << 40;
		end++;
		break;
	default:
		*err = "unknown size unit (use K, M, G or T)";
		return -1;
	}
	if (mult > 1 &&
	    (strcasecmp(end, "B") == 0 || strcasecmp(end, "iB") == 0))
		end += strlen(end);
	if (*end != '\0') {
		*err = "unknown size unit (use K, M, G or T)";
		return -1;
	}
	if (v * (double)mult > 9.0e18) {
		*err = "size too large";
		return -1;
	}
	*out = (uint64_t)(v * (double)mult + 0.5);
	return 0;
}

int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    const char **err)
{
	char		  *end;
	unsigned long long v;

	if (s == NULL || !isdigit((unsigned char)*s)) {
		*err = "expected a non-negative integer";
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0') {
		*err = "expected a non-negative integer";
		return -1;
	}
	if (v < min || v > max) {
		*err = "out of range";
		return -1;
	}
	*out = v;
	return 0;
}

static const struct {
	const char *name;
	int	    sig;
} signals[] = {
	{ "HUP", SIGHUP },
	{ "INT", SIGINT },
	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },
	{ "TRAP", SIGTRAP },
	{ "ABRT", SIGABRT },
	{ "BUS", SIGBUS },
	{ "FPE", SIGFPE },
	{ "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },
	{ "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM },
	{ "TERM", SIGTERM },
	{ "CHLD", SIGCHLD },
	{ "CONT", SIGCONT },
	{ "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },
	{ "URG", SIGURG },
	{ "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },
	{ "IO", SIGIO },
	{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int
parse_signal(const char *s, int *out)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return -1;
	if (isdigit((unsigned char)*s)) {
		uint64_t    v;
		const char *err;

		if (parse_uint(s, 1, 64, &v, &err) == -1)
			return -1;
		*out = (int)v;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < GW_ARRAY_LEN(signals); i++) {
		if (strcasecmp(s, signals[i].name) == 0) {
			*out = signals[i].sig;
			return 0;
		}
	}
	return -1;
}

const char *
format_signal(int sig)
{
	static char buf[16];
	size_t	    i;

	for (i = 0; i < GW_ARRAY_LEN(signals); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	snprintf(buf, sizeof buf, "%d", sig);
	return buf;
}

int
parse_words(const char *s, char ***argvp, const char **err)
{
	char **argv = NULL, *word;
	size_t argc = 0, wlen;
	int    in_word;

	word = xmalloc(strlen(s) + 1);
	while (*s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (*s == '\0')
			break;
		wlen = 0;
		in_word = 1;
		while (in_word && *s != '\0') {
			switch (*s) {
			case ' ':
			case '\t':
			case '\n':
				in_word = 0;
				break;
			case '\'':
				s++;
				while (*s != '\'' && *s != '\0')
					word[wlen++] = *s++;
				if (*s == '\0') {
					*err = "unterminated single quote";
					goto fail;
				}
				s++;
				break;
			case '"':
				s++;
				while (*s != '"' && *s != '\0') {
					if (*s == '\\' &&
					    (s[1] == '"' || s[1] == '\\' ||
						s[1] == '$' || s[1] == '`'))
						s++;
					else if (*s == '\\' && s[1] == '\n') {
						s += 2;
						continue;
					}
					word[wlen++] = *s++;
				}
				if (*s == '\0') {
					*err = "unterminated double quote";
					goto fail;
				}
				s++;
				break;
			case '\\':
				s++;
				if (*s == '\0') {
					*err = "trailing backslash";
					goto fail;
				}
				if (*s != '\n')
					word[wlen++] = *s;
				s++;
				break;
			default:
				word[wlen++] = *s++;
				break;
			}
		}
		argv = xreallocarray(argv, argc + 2, sizeof *argv);
		argv[argc++] = xstrndup(word, wlen);
		argv[argc] = NULL;
	}
	free(word);
	if (argv == NULL) {
		argv = xcalloc(1, sizeof *argv);
	}
	*argvp = argv;
	return (int)argc;
fail:
	free(word);
	parse_words_free(argv);
	return -1;
}

void
parse_words_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

void
format_duration(char *buf, size_t len, uint64_t ms)
{
	uint64_t s = ms / 1000;

	if (ms == UINT64_MAX)
		snprintf(buf, len, "-");
	else if (ms < 1000)
		snprintf(buf, len, "%llums", (unsigned long long)ms);
	else if (s < 60)
		snprintf(buf, len, "%llu.%llus", (unsigned long long)s,
		    (unsigned long long)(ms % 1000) / 100);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)s / 60,
		    (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)s / 3600,
		    (unsigned long long)(s % 3600) / 60);
	else
		snprintf(buf, len, "%llud%02lluh",
		    (unsigned long long)s / 86400,
		    (unsigned long long)(s % 86400) / 3600);
}

void
format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "BKMGT";
	double		  v = (double)bytes;
	size_t		  u = 0;

	while (v >= 1024 && u < sizeof units - 2) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
	else if (v < 100)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}
