/*
 * options.h: THE option table and the value syntax of each option type.
 *
 * One entry per option says everything about it: long and short name,
 * type, where it lives in struct gw_config, its default (as text, parsed
 * like any other value), the argument name and help for --help.  gwconfig.c
 * drives the command line, the file, --help, --check-config and the
 * `config` command from this table; nothing else knows an option's name.
 * Internal to gwd's configuration: use gwconfig.h from elsewhere.
 */
#ifndef GWD_OPTIONS_H
#define GWD_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gwconfig.h"

enum opt_type {
	OPT_STRING,   /* char *, non-empty */
	OPT_NAME,     /* char *, [A-Za-z0-9._-], for file names */
	OPT_UINT,     /* unsigned or uint64_t, within [min, max] */
	OPT_FLAG,     /* int 0/1: yes/no, true/false, on/off, 1/0 */
	OPT_DURATION, /* uint64_t ms, within [min, max] */
	OPT_SIZE,     /* uint64_t bytes */
	OPT_ENUM,     /* int, index into choices */
	OPT_SIGNAL,   /* int */
	OPT_MODE,     /* int or unsigned, octal 0..0777; int -1 = unset */
	OPT_BIND,     /* appends to binds: [NAME=]ADDR */
	OPT_ENV,      /* merges into env by KEY: KEY=VALUE */
	OPT_COMMAND,  /* char ** from parse_words */
	OPT_HOOK,     /* appends to hooks: EVENT=CMD */
	OPT_CONFIG,   /* -c: command line only */
	OPT_ACTION    /* --check-config, --help, --version */
};

#define OPT_CLI_ONLY 0x01 /* not a file key, not printed */
#define OPT_AUTO     0x02 /* OPT_UINT: "auto" = 2 x CPUs + 1 */
#define OPT_SOCKPATH 0x04 /* OPT_STRING: must fit sun_path */
#define OPT_NONE_OK  0x08 /* OPT_STRING, OPT_SIGNAL: "none" is a value */

struct option_def {
	const char	  *name;     /* long name and file key */
	int		   shortopt; /* 0 if none */
	int		   type;     /* enum opt_type */
	unsigned	   flags;    /* OPT_* */
	size_t		   off;	     /* into struct gw_config */
	size_t		   size;     /* of that field */
	const char	  *def;	     /* default as text, or NULL */
	const char	  *defhelp;  /* shown when def is NULL */
	const char	  *arg;	     /* argument name in --help */
	const char	  *help;
	uint64_t	   min, max;	   /* OPT_UINT, OPT_DURATION */
	const char *const *choices;	   /* OPT_ENUM, NULL-terminated */
	int		   action;	   /* OPT_ACTION: enum config_action */
	char *(*derive)(const char *name); /* default from
					   the instance name, or NULL */
};

extern const struct option_def options_table[];
extern const size_t	       options_count;

/* Look up by file key ('_' = '-') or long name, or by short letter. */
const struct option_def	      *options_find(const char *key, size_t len);
const struct option_def	      *options_find_short(int c);
/* The closest long name to an unknown key, or NULL if none is close. */
const char		      *options_suggest(const char *key, size_t len);

/* Does the option take a value?  Flags and actions do not. */
int			       options_takes_value(const struct option_def *);

/*
 * Parse value into cfg for option o.  Returns 0, or -1 with a new message
 * in *msg ("expected a non-negative integer") that the caller prefixes
 * with where the value came from.
 */
int	 options_set(struct gw_config *, const struct option_def *,
	 const char *value, char **msg);
/* Remove every bind (the command line's replace the file's). */
void	 options_clear_binds(struct gw_config *);
/* Remove every hook (likewise). */
void	 options_clear_hooks(struct gw_config *);

/*
 * The value of a scalar option as the file would say it (new string), or
 * NULL when unset.  Durations and sizes print exactly ("1m30s", "64M").
 */
char	*options_format(const struct gw_config *, const struct option_def *);
/* The value as JSON (new reference; null when unset). */
json_t	*options_to_json(const struct gw_config *, const struct option_def *);

/* Words as one line that parse_words() reads back the same (new
 * string): plain words as they are, others in single quotes. */
char	*options_words_text(char *const *argv);

/* Workers for "auto": 2 x usable CPUs + 1, at most 4096. */
unsigned options_auto_workers(void);

#endif
