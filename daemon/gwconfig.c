/*
 * gwconfig.c: a struct gw_config from the command line and the file.
 *
 * config_load() works in three steps so that it can be called again on
 * reload with the same argv and no global state: scan argv into a list of
 * (option, text) pairs, apply the defaults and then the file, then apply
 * the command line pairs over them.  Errors come back as text, never
 * printed, so a bad file on reload changes nothing.  The file syntax:
 *
 *	# comment
 *	key = value		'-' and '_' are the same in keys
 *	bind = web=:8000	bind and env repeat
 *	command = "python3 -m app"
 *
 * A value may be one quoted string ('...' literal, "..." with \" and \\);
 * '#' at the start of a line or after a blank, outside quotes, starts a
 * comment; a flag alone on its line means yes.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/parse.h"
#include "gw/paths.h"
#include "gw/util.h"
#include "gwconfig.h"
#include "options.h"

#define DEFAULT_BIND "127.0.0.1:8000"
#define SUN_PATH_MAX 107

struct cli_item {
	const struct option_def *o;
	const char		*value;
};

struct cli {
	struct cli_item	  *v;
	size_t		   n;
	const char	  *config;
	char		 **command; /* into argv, NULL-terminated */
	enum config_action action;
};

static void
config_add_item(struct cli *cli, const struct option_def *o, const char *value)
{
	cli->v = xreallocarray(cli->v, cli->n + 1, sizeof *cli->v);
	cli->v[cli->n].o = o;
	cli->v[cli->n].value = value;
	cli->n++;
}

static char *
config_unknown(const char *prefix, const char *key, size_t len,
    const char *what)
{
	const char *best = options_suggest(key, len);

	if (best != NULL)
		return xasprintf("%s%.*s: unknown %s; did you mean %s%s?",
		    prefix, (int)len, key, what, prefix, best);
	return xasprintf("%s%.*s: unknown %s", prefix, (int)len, key, what);
}

/* Record one option from argv; actions stop the scan. */
static int
config_cli_option(struct cli *cli, const struct option_def *o,
    const char *value, char **err)
{
	switch (o->type) {
	case OPT_ACTION:
		if (o->action == CONFIG_CHECK)
			cli->action = CONFIG_CHECK;
		else {
			cli->action = (enum config_action)o->action;
			return 1;
		}
		return 0;
	case OPT_CONFIG:
		if (value[0] == '\0') {
			*err = xstrdup("--config: missing value");
			return -1;
		}
		cli->config = value;
		return 0;
	default:
		config_add_item(cli, o, value);
		return 0;
	}
}

/*
 * Scan argv like getopt_long, without its global state: long options with
 * "=VALUE" or a separate argument, clustered short options, "--" or the
 * first non-option argument starts the worker command.
 */
static int
config_scan(int argc, char **argv, struct cli *cli, char **err)
{
	const struct option_def *o;
	const char		*a, *name, *eq, *value;
	size_t			 len;
	int			 i, rc;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (a[1] == '-') {
			name = a + 2;
			eq = strchr(name, '=');
			len = eq != NULL ? (size_t)(eq - name) : strlen(name);
			if ((o = options_find(name, len)) == NULL ||
			    memchr(name, '_', len) != NULL) {
				*err = config_unknown("--", name, len,
				    "option");
				return -1;
			}
			if (!options_takes_value(o)) {
				if (eq != NULL && o->type == OPT_ACTION) {
					*err = xasprintf("--%s: takes no "
							 "value",
					    o->name);
					return -1;
				}
				value = eq != NULL ? eq + 1 : "yes";
			} else if (eq != NULL)
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else {
				*err = xasprintf("--%s: missing value",
				    o->name);
				return -1;
			}
			if ((rc = config_cli_option(cli, o, value, err)) != 0)
				return rc;
			continue;
		}
		for (a++; *a != '\0'; a++) {
			if ((o = options_find_short((unsigned char)*a)) ==
			    NULL) {
				*err = xasprintf("-%c: unknown option", *a);
				return -1;
			}
			if (!options_takes_value(o))
				value = "yes";
			else if (a[1] != '\0')
				value = a + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else {
				*err = xasprintf("-%c: missing value", *a);
				return -1;
			}
			if ((rc = config_cli_option(cli, o, value, err)) != 0)
				return rc;
			if (options_takes_value(o))
				break;
		}
	}
	if (i < argc)
		cli->command = &argv[i];
	return 0;
}

static struct gw_config *
config_defaults(void)
{
	struct gw_config *cfg = xcalloc(1, sizeof *cfg);
	char		 *msg = NULL;
	size_t		  i;

	cfg->readiness = READINESS_DEFAULT;
	cfg->readiness_grace_ms = GRACE_DEFAULT;
	cfg->worker_reopen_signal = SIGNAL_DEFAULT;
	cfg->umask = -1;
	cfg->origin = xcalloc(options_count, sizeof *cfg->origin);
	for (i = 0; i < options_count; i++) {
		if (options_table[i].def == NULL ||
		    options_table[i].type == OPT_BIND)
			continue;
		if (options_set(cfg, &options_table[i], options_table[i].def,
			&msg) == -1) {
			/* The table is wrong: not an input error. */
			fprintf(stderr, "gwd: default of %s: %s\n",
			    options_table[i].name, msg);
			abort();
		}
	}
	return cfg;
}

/* Remember where o's value came from (takes where). */
static void
config_set_origin(struct gw_config *cfg, const struct option_def *o,
    char *where)
{
	size_t i = (size_t)(o - options_table);

	/* Each hook keeps its own place: validation names the one that
	 * cannot run. */
	if (o->type == OPT_HOOK && cfg->nhooks > 0 &&
	    cfg->hooks[cfg->nhooks - 1].origin == NULL)
		cfg->hooks[cfg->nhooks - 1].origin = xstrdup(where);
	free(cfg->origin[i]);
	cfg->origin[i] = where;
}

char *
config_origin(const struct gw_config *cfg, const char *key)
{
	const struct option_def *o = options_find(key, strlen(key));
	const char		*w;

	if (o == NULL || cfg->origin == NULL ||
	    (w = cfg->origin[o - options_table]) == NULL)
		return xstrdup(key);
	if (w[0] == '-')
		return xstrdup(w);
	return xasprintf("%s: %s", w, o->name);
}

/*
 * Cut a comment off a value and find its end: '#' at the start or after a
 * blank, outside quotes, as a shell reads it.
 */
static void
config_strip_comment(char *v)
{
	char *p, quote = 0;

	for (p = v; *p != '\0'; p++) {
		if (quote == '\'') {
			if (*p == '\'')
				quote = 0;
		} else if (quote == '"') {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				quote = 0;
		} else if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == '#' &&
		    (p == v || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	}
	for (p = v + strlen(v); p > v && isspace((unsigned char)p[-1]); p--)
		p[-1] = '\0';
}

/*
 * If v is one quoted string, store it unquoted in *out and return 1; 0 if
 * v does not start with a quote or something follows the closing quote;
 * -1 if the quote is not closed.
 */
static int
config_unquote(const char *v, char **out)
{
	const char *r;
	char	    quote = v[0], *w;

	*out = NULL;
	if (quote != '"' && quote != '\'')
		return 0;
	w = *out = xmalloc(strlen(v) + 1);
	for (r = v + 1; *r != '\0' && *r != quote; r++) {
		if (quote == '"' && *r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r;
	}
	*w = '\0';
	if (*r == '\0' || r[1] != '\0') {
		free(*out);
		*out = NULL;
		return *r == '\0' ? -1 : 0;
	}
	return 1;
}

/* One line of the file: 0 (applied or blank), -1 with *msg. */
static int
config_file_line(struct gw_config *cfg, char *line, char **key,
    const struct option_def **op, char **msg)
{
	const struct option_def *o;
	char			*p, *k, *v, *copy;
	size_t			 klen;
	int			 q, rc;

	*key = NULL;
	*op = NULL;
	for (p = line; isspace((unsigned char)*p); p++)
		;
	if (*p == '\0' || *p == '#')
		return 0;
	for (k = p; *p != '\0' && *p != '=' && !isspace((unsigned char)*p); p++)
		;
	klen = (size_t)(p - k);
	if (klen > 0)
		*key = xstrndup(k, klen);
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '=') {
		v = p + 1;
		while (isspace((unsigned char)*v))
			v++;
	} else if (*p == '\0' || *p == '#')
		v = NULL;
	else {
		*msg = xstrdup("expected 'key = value'");
		return -1;
	}
	if (klen == 0) {
		*msg = xstrdup("expected 'key = value'");
		return -1;
	}
	if ((o = options_find(k, klen)) == NULL) {
		free(*key);
		*key = NULL;
		*msg = config_unknown("", k, klen, "key");
		return -1;
	}
	*op = o;
	if (o->flags & OPT_CLI_ONLY) {
		*msg = xasprintf("only valid on the command line (--%s)",
		    o->name);
		return -1;
	}
	if (v == NULL) {
		if (o->type != OPT_FLAG) {
			*msg = xstrdup("expected 'key = value'");
			return -1;
		}
		return options_set(cfg, o, "yes", msg);
	}
	config_strip_comment(v);
	q = config_unquote(v, &copy);
	if (q == -1) {
		*msg = xstrdup("unterminated quote");
		rc = -1;
	} else if (q == 0 && (v[0] == '"' || v[0] == '\'') &&
	    o->type != OPT_COMMAND) {
		/* A command is words: parse_words reads the quotes. */
		*msg = xstrdup("text after the closing quote");
		rc = -1;
	} else
		rc = options_set(cfg, o, q == 1 ? copy : v, msg);
	free(copy);
	return rc;
}

static int
config_read_file(struct gw_config *cfg, const char *path, char **err)
{
	const struct option_def *o;
	FILE			*f;
	char			*line = NULL, *key, *msg = NULL;
	size_t			 cap = 0;
	unsigned		 lineno = 0;
	int			 rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		*err = xasprintf("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		/* Editors that write a UTF-8 byte order mark. */
		if (lineno == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
			memmove(line, line + 3, strlen(line + 3) + 1);
		if (config_file_line(cfg, line, &key, &o, &msg) == -1) {
			if (key != NULL)
				*err = xasprintf("%s:%u: %s: %s", path, lineno,
				    key, msg);
			else
				*err = xasprintf("%s:%u: %s", path, lineno,
				    msg);
			free(key);
			free(msg);
			rc = -1;
			break;
		}
		if (o != NULL)
			config_set_origin(cfg, o,
			    xasprintf("%s:%u", path, lineno));
		free(key);
	}
	if (rc == 0 && ferror(f)) {
		*err = xasprintf("cannot read %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

/* Derived values: default bind, readiness, the instance's paths. */
static int
config_finish(struct gw_config *cfg, char **err)
{
	char  *msg = NULL;
	size_t i;

	if (cfg->nbinds == 0) {
		if (options_set(cfg, options_find("bind", 4), DEFAULT_BIND,
			&msg) == -1)
			abort();
		cfg->binds_default = 1;
	}
	if (cfg->readiness == READINESS_DEFAULT)
		cfg->readiness = cfg->command == NULL ? READINESS_NOTIFY :
							READINESS_SPAWN;
	if (cfg->readiness_grace_ms == GRACE_DEFAULT)
		cfg->readiness_grace_ms = cfg->readiness == READINESS_SPAWN ?
		    GRACE_SPAWN_DEFAULT_MS :
		    0;
	/* Only gwd-http is known to reopen its logs on a signal; any other
	 * program may die of SIGUSR1 (uvicorn) or open a debugger (Node). */
	if (cfg->worker_reopen_signal == SIGNAL_DEFAULT)
		cfg->worker_reopen_signal = cfg->command == NULL ? SIGUSR1 : 0;
	free(cfg->runtime_dir);
	cfg->runtime_dir = gw_default_runtime_dir();
	free(cfg->notify_socket);
	cfg->notify_socket = gw_default_notify_socket(cfg->name);
	for (i = 0; i < options_count; i++) {
		const struct option_def *o = &options_table[i];
		char		       **p;

		if (o->derive == NULL)
			continue;
		p = (char **)(void *)((char *)cfg + o->off);
		if (*p == NULL)
			*p = o->derive(cfg->name);
	}
	if (strlen(cfg->notify_socket) > SUN_PATH_MAX) {
		*err = xasprintf("notify socket %s: path too long for a Unix "
				 "socket (at most 107 bytes): shorten the runtime "
				 "directory or --name",
		    cfg->notify_socket);
		return -1;
	}
	if (strlen(cfg->control_socket) > SUN_PATH_MAX) {
		*err = xasprintf(
		    "control socket %s: path too long for a "
		    "Unix socket (at most 107 bytes): set --control-socket",
		    cfg->control_socket);
		return -1;
	}
	return 0;
}

int
config_load(int argc, char **argv, struct gw_config **out,
    enum config_action *action, char **err)
{
	struct cli	  cli;
	struct gw_config *cfg;
	char		 *msg = NULL;
	size_t		  i, n;
	int		  cli_binds = 0, cli_hooks = 0, rc;

	*out = NULL;
	*err = NULL;
	memset(&cli, 0, sizeof cli);
	cli.action = CONFIG_RUN;
	if ((rc = config_scan(argc, argv, &cli, err)) == -1) {
		free(cli.v);
		return -1;
	}
	*action = cli.action;
	cfg = config_defaults();
	if (rc == 1) /* --help, --version: nothing else matters */
		goto done;
	if (cli.config != NULL) {
		cfg->config_file = xstrdup(cli.config);
		if (config_read_file(cfg, cli.config, err) == -1)
			goto fail;
	}
	for (i = 0; i < cli.n; i++) {
		const struct option_def *o = cli.v[i].o;

		/* The command line's binds replace the file's. */
		if (o->type == OPT_BIND && !cli_binds++)
			options_clear_binds(cfg);
		if (o->type == OPT_HOOK && !cli_hooks++)
			options_clear_hooks(cfg);
		if (options_set(cfg, o, cli.v[i].value, &msg) == -1) {
			*err = xasprintf("--%s: %s", o->name, msg);
			free(msg);
			goto fail;
		}
		config_set_origin(cfg, o, xasprintf("--%s", o->name));
	}
	if (cli.command != NULL) {
		/* A trailing COMMAND wins over --command. */
		for (n = 0; cli.command[n] != NULL; n++)
			;
		parse_words_free(cfg->command);
		cfg->command = xcalloc(n + 1, sizeof *cfg->command);
		for (i = 0; i < n; i++)
			cfg->command[i] = xstrdup(cli.command[i]);
		config_set_origin(cfg, options_find("command", 7),
		    xstrdup("--command"));
	}
done:
	if (config_finish(cfg, err) == -1)
		goto fail;
	free(cli.v);
	*out = cfg;
	return 0;
fail:
	free(cli.v);
	config_free(cfg);
	return -1;
}

void
config_free(struct gw_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	options_clear_binds(cfg);
	options_clear_hooks(cfg);
	if (cfg->origin != NULL)
		for (i = 0; i < options_count; i++)
			free(cfg->origin[i]);
	free(cfg->origin);
	for (i = 0; i < cfg->env.n; i++)
		free(cfg->env.v[i]);
	free(cfg->env.v);
	parse_words_free(cfg->command);
	free(cfg->config_file);
	free(cfg->name);
	free(cfg->runtime_dir);
	free(cfg->notify_socket);
	free(cfg->pid_file);
	free(cfg->user);
	free(cfg->group);
	free(cfg->chdir);
	free(cfg->log_file);
	free(cfg->control_socket);
	free(cfg->control_group);
	free(cfg->control_read_group);
	free(cfg->stats_db);
	free(cfg->metrics_bind);
	free(cfg->static_dir);
	free(cfg->access_log);
	free(cfg);
}

#define USAGE_COL   28 /* where help text starts */
#define USAGE_WIDTH 79

/* Print text from column USAGE_COL, wrapped at USAGE_WIDTH. */
static void
config_usage_wrap(FILE *f, int col, const char *text)
{
	const char *p = text;
	size_t	    wlen;
	int	    at;

	if (col + 2 > USAGE_COL) {
		fputc('\n', f);
		col = 0;
	}
	fprintf(f, "%*s", USAGE_COL - col, "");
	at = USAGE_COL;
	while (*p != '\0') {
		wlen = strcspn(p, " ");
		if (at > USAGE_COL && at + 1 + (int)wlen > USAGE_WIDTH) {
			fprintf(f, "\n%*s", USAGE_COL, "");
			at = USAGE_COL;
		} else if (at > USAGE_COL) {
			fputc(' ', f);
			at++;
		}
		fwrite(p, 1, wlen, f);
		at += (int)wlen;
		p += wlen;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

void
config_usage(FILE *f)
{
	const struct option_def *o;
	char			*text;
	const char		*def;
	size_t			 i;
	int			 col;

	fprintf(f,
	    "usage: gwd [OPTIONS] [--] [COMMAND [ARG...]]\n\n"
	    "Runs COMMAND (or gwd-http) as a pool of workers that inherit "
	    "the listening\nsockets.  Every option is also a key of the "
	    "file given with -c.\n\n");
	for (i = 0; i < options_count; i++) {
		o = &options_table[i];
		if (o->shortopt != 0)
			col = fprintf(f, "  -%c, --%s", o->shortopt, o->name);
		else
			col = fprintf(f, "      --%s", o->name);
		if (o->arg != NULL)
			col += fprintf(f, " %s", o->arg);
		def = o->def != NULL ? o->def : o->defhelp;
		text = def != NULL ? xasprintf("%s [%s]", o->help, def) :
				     xstrdup(o->help);
		config_usage_wrap(f, col, text);
		free(text);
	}
	fprintf(f,
	    "\nDurations: 250ms, 30, 30s, 5m, 1h, 7d.  "
	    "Sizes: 512K, 64M, 1G.\nSee gwd(8) and gwd.conf(5).\n");
}

/* Does a scalar need quotes to be read back as the same text? */
static int
config_needs_quotes(const char *s)
{
	size_t len = strlen(s);

	return len == 0 || isspace((unsigned char)s[0]) ||
	    isspace((unsigned char)s[len - 1]) || strpbrk(s, "#'\"\\") != NULL;
}

static void
config_print_value(FILE *f, const char *key, const char *v)
{
	const char *p;

	if (!config_needs_quotes(v)) {
		fprintf(f, "%s = %s\n", key, v);
		return;
	}
	fprintf(f, "%s = \"", key);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputs("\"\n", f);
}

/* One shell word that parse_words() reads back as w. */
static char *
config_shell_word(const char *w)
{
	size_t i, len = 2;
	char  *s, *p;

	if (*w != '\0' &&
	    strspn(w,
		"abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == strlen(w))
		return xstrdup(w);
	for (i = 0; w[i] != '\0'; i++)
		len += w[i] == '\'' ? 4 : 1;
	p = s = xmalloc(len + 1);
	*p++ = '\'';
	for (i = 0; w[i] != '\0'; i++) {
		if (w[i] == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = w[i];
	}
	*p++ = '\'';
	*p = '\0';
	return s;
}

static char *
config_command_text(char **argv)
{
	char  *s = xstrdup(""), *w, *t;
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		w = config_shell_word(argv[i]);
		t = xasprintf("%s%s%s", s, i > 0 ? " " : "", w);
		free(s);
		free(w);
		s = t;
	}
	return s;
}

/*
 * A path that is the default for this name is printed as a comment, so a
 * printed configuration given another name gets that name's paths.
 */
static int
config_is_derived(const struct gw_config *cfg, const struct option_def *o,
    const char *v)
{
	char *def;
	int   same;

	if (o->derive == NULL)
		return 0;
	def = o->derive(cfg->name);
	same = strcmp(def, v) == 0;
	free(def);
	return same;
}

void
config_print(FILE *f, const struct gw_config *cfg)
{
	const struct option_def *o;
	char			*v;
	size_t			 i, j;

	fprintf(f, "# gwd %s: effective configuration%s%s\n", PACKAGE_VERSION,
	    cfg->config_file != NULL ? " from " : "",
	    cfg->config_file != NULL ? cfg->config_file : "");
	for (i = 0; i < options_count; i++) {
		o = &options_table[i];
		if (o->flags & OPT_CLI_ONLY)
			continue;
		switch (o->type) {
		case OPT_BIND:
			for (j = 0; j < cfg->nbinds; j++) {
				v = cfg->binds[j].name != NULL ?
				    xasprintf("%s=%s", cfg->binds[j].name,
					cfg->binds[j].addr) :
				    xstrdup(cfg->binds[j].addr);
				config_print_value(f, o->name, v);
				free(v);
			}
			break;
		case OPT_ENV:
			for (j = 0; j < cfg->env.n; j++)
				config_print_value(f, o->name, cfg->env.v[j]);
			if (cfg->env.n == 0)
				fprintf(f, "# %s (not set)\n", o->name);
			break;
		case OPT_HOOK:
			for (j = 0; j < cfg->nhooks; j++) {
				char *cmd = config_command_text(cfg->hooks[j]
								    .argv);

				v = xasprintf("%s=%s", cfg->hooks[j].event,
				    cmd);
				config_print_value(f, o->name, v);
				free(cmd);
				free(v);
			}
			if (cfg->nhooks == 0)
				fprintf(f, "# %s (not set)\n", o->name);
			break;
		case OPT_COMMAND:
			if (cfg->command == NULL) {
				fprintf(f, "# %s (not set: gwd-http)\n",
				    o->name);
				break;
			}
			/*
			 * Always quoted: a value that is one quoted string
			 * is unquoted before it is split into words.
			 */
			v = config_command_text(cfg->command);
			fprintf(f, "%s = \"", o->name);
			for (j = 0; v[j] != '\0'; j++) {
				if (v[j] == '"' || v[j] == '\\')
					fputc('\\', f);
				fputc(v[j], f);
			}
			fputs("\"\n", f);
			free(v);
			break;
		default:
			if ((v = options_format(cfg, o)) == NULL) {
				fprintf(f, "# %s (not set)\n", o->name);
				break;
			}
			if (config_is_derived(cfg, o, v))
				fprintf(f, "# %s = %s (default)\n", o->name, v);
			else
				config_print_value(f, o->name, v);
			free(v);
			break;
		}
	}
}

json_t *
config_to_json(const struct gw_config *cfg)
{
	json_t *obj = json_object();
	size_t	i;

	for (i = 0; i < options_count; i++) {
		if (options_table[i].type == OPT_ACTION)
			continue;
		json_object_set_new(obj, options_table[i].name,
		    options_to_json(cfg, &options_table[i]));
	}
	return obj;
}
