/*
 * promtext.c: the Prometheus text exposition format, 0.0.4.  See
 * promtext.h.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "promtext.h"

/* HELP text: backslash and newline escaped (quotes are fine). */
static void
prom_help_escape(struct evbuffer *b, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\\')
			evbuffer_add(b, "\\\\", 2);
		else if (*p == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, p, 1);
	}
}

void
promtext_escape(struct evbuffer *b, const char *s)
{
	const char *p, *run = s;

	for (p = s; *p != '\0'; p++) {
		const char *rep;

		rep = *p == '\\' ? "\\\\" :
		    *p == '"'	 ? "\\\"" :
		    *p == '\n'	 ? "\\n" :
				   NULL;
		if (rep == NULL)
			continue;
		evbuffer_add(b, run, (size_t)(p - run));
		evbuffer_add(b, rep, 2);
		run = p + 1;
	}
	evbuffer_add(b, run, (size_t)(p - run));
}

void
promtext_number(struct evbuffer *b, double v)
{
	if (isnan(v))
		evbuffer_add(b, "NaN", 3);
	else if (isinf(v))
		evbuffer_add_printf(b, "%sInf", v > 0 ? "+" : "-");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		evbuffer_add_printf(b, "%.0f", v);
	else
		evbuffer_add_printf(b, "%.15g", v);
}

void
promtext_family(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s ", name);
	prom_help_escape(b, help);
	evbuffer_add_printf(b, "\n# TYPE %s %s\n", name, type);
}

void
promtext_sample(struct evbuffer *b, const char *name, double value, ...)
{
	va_list	    ap;
	const char *k, *v;
	int	    first = 1;

	evbuffer_add(b, name, strlen(name));
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		evbuffer_add_printf(b, "%s%s=\"", first ? "{" : ",", k);
		promtext_escape(b, v != NULL ? v : "");
		evbuffer_add(b, "\"", 1);
		first = 0;
	}
	va_end(ap);
	evbuffer_add(b, first ? " " : "} ", first ? 1 : 2);
	promtext_number(b, value);
	evbuffer_add(b, "\n", 1);
}
