/*
 * statsdb.c: the stats database file: schema and migrations, inserts,
 * retention, and the queries of the `stats` command (see statsdb.h).
 * Used by gwd's writer thread and by gwctl; never by gwd's main thread.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/parse.h"
#include "gw/statsdb.h"
#include "gw/util.h"

/*
 * Migration n takes a file from version n to n + 1.  Never edit one that
 * has shipped: add the next.  Version 1 is SPEC section 9 to the letter.
 */
static const char *statsdb_migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE events(id INTEGER PRIMARY KEY, ts REAL NOT NULL,"
	" master_pid INTEGER, generation INTEGER, worker_id INTEGER,"
	" pid INTEGER, event TEXT NOT NULL, reason TEXT,"
	" exit_status INTEGER, signal INTEGER, detail TEXT);"
	"CREATE TABLE samples(ts REAL NOT NULL, generation INTEGER,"
	" target INTEGER, ready INTEGER, booting INTEGER, draining INTEGER,"
	" master_rss_kb INTEGER, workers_rss_kb INTEGER,"
	" workers_cpu_s REAL, requests INTEGER);",
	/* 1 -> 2 */
	"CREATE TABLE worker_samples(ts REAL NOT NULL, worker_id INTEGER,"
	" pid INTEGER, generation INTEGER, state TEXT, rss_kb INTEGER,"
	" cpu_s REAL, requests INTEGER);"
	"CREATE INDEX events_ts ON events(ts);"
	"CREATE INDEX events_event_ts ON events(event, ts);"
	"CREATE INDEX events_pid ON events(pid);"
	"CREATE INDEX samples_ts ON samples(ts);"
	"CREATE INDEX worker_samples_ts ON worker_samples(ts);",
};

/* The writer waits this long for a lock; it is off the main thread. */
#define STATSDB_BUSY_RW_MS 100
/* gwctl may wait a little longer for gwd's checkpoint to finish. */
#define STATSDB_BUSY_RO_MS 2000

static char *
statsdb_errf(sqlite3 *db, const char *what)
{
	return xasprintf("%s: %s", what,
	    db ? sqlite3_errmsg(db) : "out of memory");
}

/*
 * A prepared statement for sql, reused across calls: the connection's own
 * list of statements is the cache, so no wrapper struct is needed.
 * statsdb_close() finalizes them.
 */
static sqlite3_stmt *
statsdb_stmt(sqlite3 *db, const char *sql, int *rc)
{
	sqlite3_stmt *st = NULL;

	while ((st = sqlite3_next_stmt(db, st)) != NULL)
		if (!sqlite3_stmt_busy(st) &&
		    strcmp(sqlite3_sql(st), sql) == 0) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			*rc = SQLITE_OK;
			return st;
		}
	*rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL);
	if (*rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Run a statement that returns one integer (a PRAGMA); -1 on error. */
static long long
statsdb_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long     v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
statsdb_version(sqlite3 *db)
{
	return (int)statsdb_int(db, "PRAGMA user_version");
}

static int
statsdb_has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int	      found = 0;

	if (sqlite3_prepare_v2(db,
		"SELECT 1 FROM sqlite_master WHERE "
		"type = 'table' AND name = ?1",
		-1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int
statsdb_migrate(sqlite3 *db, char **err)
{
	long long v, tables;
	size_t	  n;
	char	 *sql;
	int	  rc;

	/* Up to date: no write lock needed (the file may be busy). */
	if (statsdb_int(db, "PRAGMA user_version") == STATSDB_VERSION)
		return 0;
	/* IMMEDIATE: two gwd on one file must not both migrate. */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		*err = statsdb_errf(db, "cannot lock the database");
		return -1;
	}
	v = statsdb_int(db, "PRAGMA user_version");
	tables = statsdb_int(db, "SELECT count(*) FROM sqlite_master");
	if (v < 0 || tables < 0) {
		*err = statsdb_errf(db, "cannot read the schema");
		goto fail;
	}
	if (v == 0 && tables > 0) {
		*err = xstrdup("not a gwd stats database (it has tables but "
			       "no schema version)");
		goto fail;
	}
	if (v > STATSDB_VERSION) {
		*err = xasprintf("schema version %lld is newer than this "
				 "gwd's (%d)",
		    v, STATSDB_VERSION);
		goto fail;
	}
	for (n = (size_t)v; n < GW_ARRAY_LEN(statsdb_migrations); n++) {
		if (sqlite3_exec(db, statsdb_migrations[n], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			*err = xasprintf("migration to version %zu: %s", n + 1,
			    sqlite3_errmsg(db));
			goto fail;
		}
		sql = xasprintf("PRAGMA user_version = %zu", n + 1);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		free(sql);
		if (rc != SQLITE_OK) {
			*err = statsdb_errf(db,
			    "cannot set the schema version");
			goto fail;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		*err = statsdb_errf(db, "cannot commit the migration");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
statsdb_wal_cb(void *arg, int n, char **vals, char **cols)
{
	(void)cols;
	if (n > 0 && vals[0] != NULL)
		*(int *)arg = strcmp(vals[0], "wal") == 0;
	return 0;
}

/*
 * Whether nobody can be writing path: its directory is not writable, so no
 * writer could have created the -wal and -shm files that WAL readers need.
 */
static int
statsdb_frozen(const char *path)
{
	char *dir = xstrdup(path), *p;
	int   frozen;

	if ((p = strrchr(dir, '/')) == NULL)
		frozen = access(".", W_OK) == -1;
	else {
		p[p == dir] = '\0';
		frozen = access(dir, W_OK) == -1;
	}
	free(dir);
	return frozen || access(path, W_OK) == -1;
}

/*
 * Open a file that cannot change as immutable: SQLite then reads it with
 * no locks and no -shm, which is what a WAL file on a read-only mount
 * needs.  Only used when statsdb_frozen() says nobody writes it.
 */
static sqlite3 *
statsdb_open_immutable(const char *path)
{
	sqlite3 *db = NULL;
	char	*uri;
	size_t	 i, n = 0;

	uri = xmalloc(strlen(path) * 3 + 32);
	n = (size_t)sprintf(uri, "file:");
	for (i = 0; path[i] != '\0'; i++) {
		if (path[i] == '?' || path[i] == '#' || path[i] == '%')
			n += (size_t)sprintf(uri + n, "%%%02X",
			    (unsigned char)path[i]);
		else
			uri[n++] = path[i];
	}
	strcpy(uri + n, "?immutable=1");
	if (sqlite3_open_v2(uri, &db,
		SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		sqlite3_close(db);
		db = NULL;
	}
	free(uri);
	return db;
}

sqlite3 *
statsdb_open(const char *path, int readonly, char **err)
{
	sqlite3	   *db = NULL;
	struct stat sb;
	int	    flags, wal = 0;
	long long   v;

	*err = NULL;
	if (readonly && stat(path, &sb) == -1) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	flags = SQLITE_OPEN_NOMUTEX |
	    (readonly ? SQLITE_OPEN_READONLY :
			SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		*err = xasprintf("%s: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db, 0);
	sqlite3_busy_timeout(db,
	    readonly ? STATSDB_BUSY_RO_MS : STATSDB_BUSY_RW_MS);
	if (readonly) {
		v = statsdb_int(db, "PRAGMA user_version");
		if (v < 0 && sqlite3_errcode(db) == SQLITE_CANTOPEN &&
		    statsdb_frozen(path)) {
			/* A WAL file on a read-only file system. */
			statsdb_close(db);
			if ((db = statsdb_open_immutable(path)) != NULL)
				v = statsdb_int(db, "PRAGMA user_version");
		}
		if (v < 0) {
			*err = xasprintf("%s: %s", path,
			    db ? sqlite3_errmsg(db) : "cannot open");
			goto fail;
		}
		if (v < 1 || !statsdb_has_table(db, "events")) {
			*err = xasprintf("%s: not a gwd stats database", path);
			goto fail;
		}
		return db;
	}
	/* SQLite quietly opens a write-protected file read-only. */
	if (sqlite3_db_readonly(db, "main") == 1) {
		*err = xasprintf("%s: the file is read-only", path);
		goto fail;
	}
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", statsdb_wal_cb, &wal,
		NULL) != SQLITE_OK ||
	    !wal) {
		*err = xasprintf("%s: cannot use WAL mode: %s", path,
		    sqlite3_errmsg(db));
		goto fail;
	}
	if (sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		*err = statsdb_errf(db, path);
		goto fail;
	}
	if (statsdb_migrate(db, err) == -1) {
		char *e = *err;

		*err = xasprintf("%s: %s", path, e);
		free(e);
		goto fail;
	}
	return db;
fail:
	statsdb_close(db);
	return NULL;
}

void
statsdb_close(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (db == NULL)
		return;
	while ((st = sqlite3_next_stmt(db, NULL)) != NULL)
		sqlite3_finalize(st);
	sqlite3_close(db);
}

int
statsdb_begin(sqlite3 *db)
{
	return sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

int
statsdb_commit(sqlite3 *db)
{
	return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

void
statsdb_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static void
bind_long(sqlite3_stmt *st, int i, long long v, long long null)
{
	if (v == null)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

static void
bind_nneg(sqlite3_stmt *st, int i, long long v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

static void
bind_real(sqlite3_stmt *st, int i, double v)
{
	if (v < 0 || !isfinite(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static int
statsdb_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
statsdb_insert_event(sqlite3 *db, const struct statsdb_event *e)
{
	sqlite3_stmt *st;
	int	      rc;

	if (e->event == NULL)
		return SQLITE_MISUSE;
	st = statsdb_stmt(db,
	    "INSERT INTO events(ts, master_pid, "
	    "generation, worker_id, pid, event, reason, exit_status, signal, "
	    "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_double(st, 1, e->ts);
	bind_long(st, 2, e->master_pid, 0);
	bind_long(st, 3, e->generation, -1);
	bind_long(st, 4, e->worker_id, 0);
	bind_long(st, 5, e->pid, 0);
	bind_text(st, 6, e->event);
	bind_text(st, 7, e->reason);
	bind_nneg(st, 8, e->exit_status);
	bind_long(st, 9, e->signal, 0);
	bind_text(st, 10, e->detail);
	return statsdb_step_done(st);
}

int
statsdb_insert_sample(sqlite3 *db, const struct statsdb_sample *s)
{
	sqlite3_stmt *st;
	int	      rc;

	st = statsdb_stmt(db,
	    "INSERT INTO samples(ts, generation, target, "
	    "ready, booting, draining, master_rss_kb, workers_rss_kb, "
	    "workers_cpu_s, requests) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "?8, ?9, ?10)",
	    &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_double(st, 1, s->ts);
	bind_nneg(st, 2, s->generation);
	bind_nneg(st, 3, s->target);
	bind_nneg(st, 4, s->ready);
	bind_nneg(st, 5, s->booting);
	bind_nneg(st, 6, s->draining);
	bind_nneg(st, 7, s->master_rss_kb);
	bind_nneg(st, 8, s->workers_rss_kb);
	bind_real(st, 9, s->workers_cpu_s);
	bind_nneg(st, 10, s->requests);
	return statsdb_step_done(st);
}

int
statsdb_insert_worker_sample(sqlite3 *db, const struct statsdb_worker_sample *w)
{
	sqlite3_stmt *st;
	int	      rc;

	st = statsdb_stmt(db,
	    "INSERT INTO worker_samples(ts, worker_id, pid, "
	    "generation, state, rss_kb, cpu_s, requests) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8)",
	    &rc);
	if (st == NULL)
		return rc;
	sqlite3_bind_double(st, 1, w->ts);
	bind_long(st, 2, w->worker_id, 0);
	bind_long(st, 3, w->pid, 0);
	bind_nneg(st, 4, w->generation);
	bind_text(st, 5, w->state);
	bind_nneg(st, 6, w->rss_kb);
	bind_real(st, 7, w->cpu_s);
	bind_nneg(st, 8, w->requests);
	return statsdb_step_done(st);
}

long
statsdb_retention(sqlite3 *db, double before, int batch, int *rc)
{
	static const char *sql[] = {
		"DELETE FROM events WHERE id IN (SELECT id FROM events "
		"WHERE ts < ?1 LIMIT ?2)",
		"DELETE FROM samples WHERE rowid IN (SELECT rowid FROM samples "
		"WHERE ts < ?1 LIMIT ?2)",
		"DELETE FROM worker_samples WHERE rowid IN (SELECT rowid FROM "
		"worker_samples WHERE ts < ?1 LIMIT ?2)",
	};
	sqlite3_stmt *st;
	long	      n = 0;
	size_t	      i;

	if ((*rc = statsdb_begin(db)) != SQLITE_OK)
		return -1;
	for (i = 0; i < GW_ARRAY_LEN(sql); i++) {
		if ((st = statsdb_stmt(db, sql[i], rc)) == NULL)
			goto fail;
		sqlite3_bind_double(st, 1, before);
		sqlite3_bind_int(st, 2, batch);
		if ((*rc = statsdb_step_done(st)) != SQLITE_OK)
			goto fail;
		n += sqlite3_changes(db);
	}
	if ((*rc = statsdb_commit(db)) != SQLITE_OK)
		goto fail;
	return n;
fail:
	statsdb_rollback(db);
	return -1;
}

/* ---- queries ------------------------------------------------------------ */

struct statsdb_args {
	const char *kind;
	double	    since, until;
	long	    limit;
	const char *event;
	long	    worker;
};

/* A JSON string from database text; invalid UTF-8 becomes '?'. */
static json_t *
statsdb_json_text(const unsigned char *s, int len)
{
	json_t *j;
	char   *copy;
	int	i;

	if ((j = json_stringn((const char *)s, (size_t)len)) != NULL)
		return j;
	copy = xmalloc((size_t)len + 1);
	for (i = 0; i < len; i++)
		copy[i] = s[i] < 0x80 && s[i] != 0 ? (char)s[i] : '?';
	copy[len] = '\0';
	j = json_string(copy);
	free(copy);
	return j;
}

static json_t *
statsdb_column(sqlite3_stmt *st, int i)
{
	const char *name = sqlite3_column_name(st, i);
	json_t	   *j;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		/* detail holds JSON: give it back as JSON, not as a string. */
		if (strcmp(name, "detail") == 0 &&
		    (j = json_loadb((const char *)sqlite3_column_text(st, i),
			 (size_t)sqlite3_column_bytes(st, i), JSON_DECODE_ANY,
			 NULL)) != NULL)
			return j;
		return statsdb_json_text(sqlite3_column_text(st, i),
		    sqlite3_column_bytes(st, i));
	default:
		return json_null();
	}
}

static json_t *
statsdb_fail(const char **code, char **message, const char *c, char *m)
{
	*code = c;
	*message = m;
	return NULL;
}

static int
statsdb_time_arg(json_t *v, const char *name, double now, double *out,
    char **message)
{
	double d;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_number(v)) {
		*message = xasprintf("%s must be a number (unix seconds, or "
				     "negative: seconds ago)",
		    name);
		return -1;
	}
	d = json_number_value(v);
	if (!isfinite(d) || fabs(d) > 1e11) {
		*message = xasprintf("%s is out of range", name);
		return -1;
	}
	*out = d < 0 ? now + d : d;
	return 0;
}

static int
statsdb_parse_args(json_t *args, double now, struct statsdb_args *a,
    char **message)
{
	static const char *kinds[] = { "summary", "events", "samples",
		"worker_samples" };
	const char	  *key;
	json_t		  *v;
	size_t		   i;
	int		   has_since = 0;

	memset(a, 0, sizeof *a);
	a->kind = "summary";
	a->until = now;
	a->limit = STATSDB_LIMIT_DEFAULT;
	if (args == NULL || json_is_null(args))
		goto defaults;
	if (!json_is_object(args)) {
		*message = xstrdup("args must be an object");
		return -1;
	}
	json_object_foreach(args, key, v)
	{
		if (strcmp(key, "kind") == 0) {
			if (!json_is_string(v))
				goto badkind;
			for (i = 0; i < GW_ARRAY_LEN(kinds); i++)
				if (strcmp(json_string_value(v), kinds[i]) == 0)
					a->kind = kinds[i];
			if (strcmp(json_string_value(v), a->kind) != 0)
				goto badkind;
		} else if (strcmp(key, "since") == 0) {
			if (statsdb_time_arg(v, key, now, &a->since, message) ==
			    -1)
				return -1;
			has_since = !json_is_null(v);
		} else if (strcmp(key, "until") == 0) {
			if (statsdb_time_arg(v, key, now, &a->until, message) ==
			    -1)
				return -1;
		} else if (strcmp(key, "limit") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > STATSDB_LIMIT_MAX) {
				*message = xasprintf("limit must be an integer "
						     "1..%d",
				    STATSDB_LIMIT_MAX);
				return -1;
			}
			a->limit = (long)json_integer_value(v);
		} else if (strcmp(key, "event") == 0) {
			if (!json_is_string(v) || *json_string_value(v) == 0) {
				*message = xstrdup("event must be an event "
						   "name");
				return -1;
			}
			a->event = json_string_value(v);
		} else if (strcmp(key, "worker") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > 1000000) {
				*message = xstrdup("worker must be a worker id "
						   "(a positive integer)");
				return -1;
			}
			a->worker = (long)json_integer_value(v);
		} else {
			*message = xasprintf(
			    "unknown argument '%s' (stats "
			    "takes kind, since, until, limit, event, worker)",
			    key);
			return -1;
		}
	}
	/* Arguments that would be silently ignored are errors. */
	if (strcmp(a->kind, "summary") == 0 && json_object_get(args, "limit")) {
		*message = xstrdup("limit applies to events and samples, not "
				   "to the summary");
		return -1;
	}
	if (a->event != NULL && strcmp(a->kind, "events") != 0) {
		*message = xstrdup("event applies to kind events only");
		return -1;
	}
	if (a->worker != 0 && strcmp(a->kind, "events") != 0 &&
	    strcmp(a->kind, "worker_samples") != 0) {
		*message = xstrdup("worker applies to kinds events and "
				   "worker_samples only");
		return -1;
	}
defaults:
	if (!has_since)
		a->since = a->until - STATSDB_SINCE_DEFAULT;
	if (a->since > a->until) {
		*message = xstrdup("since is after until");
		return -1;
	}
	return 0;
badkind:
	*message = xstrdup("kind must be summary, events, samples or "
			   "worker_samples");
	return -1;
}

/* Rows of a prepared query as objects keyed by column name, oldest first. */
static json_t *
statsdb_rows(sqlite3 *db, sqlite3_stmt *st, const struct statsdb_args *a,
    const char **code, char **message)
{
	json_t *rows = json_array(), *row, *res;
	int	rc, i, n, more = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((long)json_array_size(rows) == a->limit) {
			more = 1;
			break;
		}
		row = json_object();
		n = sqlite3_column_count(st);
		for (i = 0; i < n; i++)
			json_object_set_new(row, sqlite3_column_name(st, i),
			    statsdb_column(st, i));
		/* Newest first from SQL; prepend to return oldest first. */
		json_array_insert_new(rows, 0, row);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(rows);
		return statsdb_fail(code, message, "internal",
		    statsdb_errf(db, "stats query"));
	}
	res = json_object();
	json_object_set_new(res, "kind", json_string(a->kind));
	json_object_set_new(res, "since", json_real(a->since));
	json_object_set_new(res, "until", json_real(a->until));
	json_object_set_new(res, "rows", rows);
	json_object_set_new(res, "more", json_boolean(more));
	return res;
}

static json_t *
statsdb_query_rows(sqlite3 *db, const struct statsdb_args *a, const char **code,
    char **message)
{
	sqlite3_stmt *st;
	json_t	     *res;
	const char   *sql;

	if (strcmp(a->kind, "events") == 0)
		sql = "SELECT id, ts, master_pid, generation, worker_id, pid, "
		      "event, reason, exit_status, signal, detail FROM events "
		      "WHERE ts >= ?1 AND ts <= ?2 "
		      "AND (?3 IS NULL OR event = ?3) "
		      "AND (?4 IS NULL OR worker_id = ?4) "
		      "ORDER BY ts DESC, id DESC LIMIT ?5";
	else if (strcmp(a->kind, "samples") == 0)
		sql = "SELECT ts, generation, target, ready, booting, "
		      "draining, master_rss_kb, workers_rss_kb, workers_cpu_s, "
		      "requests FROM samples WHERE ts >= ?1 AND ts <= ?2 "
		      "ORDER BY ts DESC LIMIT ?5";
	else {
		if (!statsdb_has_table(db, "worker_samples"))
			return statsdb_fail(code, message, "not_found",
			    xstrdup("this database has no worker_samples "
				    "(schema version 1)"));
		sql = "SELECT ts, worker_id, pid, generation, state, rss_kb, "
		      "cpu_s, requests FROM worker_samples WHERE ts >= ?1 AND "
		      "ts <= ?2 AND (?4 IS NULL OR worker_id = ?4) "
		      "ORDER BY ts DESC, worker_id DESC LIMIT ?5";
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return statsdb_fail(code, message, "internal",
		    statsdb_errf(db, "stats query"));
	sqlite3_bind_double(st, 1, a->since);
	sqlite3_bind_double(st, 2, a->until);
	if (sqlite3_bind_parameter_index(st, "?3") > 0)
		bind_text(st, 3, a->event);
	bind_long(st, 4, a->worker, 0);
	/* One more than asked, to tell whether there is more. */
	sqlite3_bind_int64(st, 5, a->limit + 1);
	res = statsdb_rows(db, st, a, code, message);
	sqlite3_finalize(st);
	return res;
}

/*
 * Run sql with ?1 = since and ?2 = until; put the single value of its one
 * row into o[key] (null if the row or value is missing).  -1 on error.
 */
static int
statsdb_scalar(sqlite3 *db, const struct statsdb_args *a, json_t *o,
    const char *key, const char *sql)
{
	sqlite3_stmt *st;
	int	      rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_double(st, 1, a->since);
	sqlite3_bind_double(st, 2, a->until);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		json_object_set_new(o, key, statsdb_column(st, 0));
	else
		json_object_set_new(o, key, json_null());
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* {NAME: count} from a query of (name, count) rows.  -1 on error. */
static int
statsdb_counts(sqlite3 *db, const struct statsdb_args *a, json_t *o,
    const char *key, const char *sql)
{
	sqlite3_stmt *st;
	json_t	     *m = json_object();
	int	      rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		json_decref(m);
		return -1;
	}
	sqlite3_bind_double(st, 1, a->since);
	sqlite3_bind_double(st, 2, a->until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(m, (const char *)sqlite3_column_text(st, 0),
		    json_integer(sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	json_object_set_new(o, key, m);
	return rc == SQLITE_DONE ? 0 : -1;
}

static json_int_t
statsdb_count_of(json_t *o, const char *key, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(o, key),
	    name));
}

/*
 * Exits after which the slot is refilled: everything but the planned
 * departures (scale down, reload, shutdown).  Keep in sync with
 * man/gwd-stats.5.
 */
#define STATSDB_RESTART_SQL                               \
	"event = 'exit' AND coalesce(reason, '') NOT IN " \
	"('scale', 'reload', 'shutdown')"

static json_t *
statsdb_summary(sqlite3 *db, const struct statsdb_args *a, const char **code,
    char **message)
{
	json_t	  *o = json_object(), *ev, *reloads, *last;
	double	   hours;
	json_int_t restarts;
	int	   bad = 0, ws;

	ws = statsdb_has_table(db, "worker_samples");
	json_object_set_new(o, "since", json_real(a->since));
	json_object_set_new(o, "until", json_real(a->until));
	bad |= statsdb_counts(db, a, o, "events",
	    "SELECT event, count(*) "
	    "FROM events WHERE ts >= ?1 AND ts <= ?2 GROUP BY event");
	bad |= statsdb_counts(db, a, o, "exits",
	    "SELECT coalesce(reason, "
	    "'unknown'), count(*) FROM events WHERE event = 'exit' AND "
	    "ts >= ?1 AND ts <= ?2 GROUP BY 1");
	bad |= statsdb_scalar(db, a, o, "restarts",
	    "SELECT count(*) FROM "
	    "events WHERE " STATSDB_RESTART_SQL " AND ts >= ?1 AND ts <= ?2");
	bad |= statsdb_scalar(db, a, o, "max_rss_kb",
	    ws ? "SELECT max(rss_kb) FROM worker_samples WHERE ts >= ?1 AND "
		 "ts <= ?2" :
		 "SELECT NULL");
	bad |= statsdb_scalar(db, a, o, "max_workers_rss_kb",
	    "SELECT "
	    "max(workers_rss_kb) FROM samples WHERE ts >= ?1 AND ts <= ?2");
	bad |= statsdb_scalar(db, a, o, "max_master_rss_kb",
	    "SELECT "
	    "max(master_rss_kb) FROM samples WHERE ts >= ?1 AND ts <= ?2");
	/* Pair each ready with the latest spawn of the same pid before it. */
	bad |= statsdb_scalar(db, a, o, "mean_time_to_ready_ms",
	    "SELECT "
	    "avg(r.ts - (SELECT max(s.ts) FROM events s WHERE "
	    "s.event = 'spawn' AND s.pid = r.pid AND s.ts <= r.ts)) * 1000 "
	    "FROM events r WHERE r.event = 'ready' AND r.pid IS NOT NULL "
	    "AND r.ts >= ?1 AND r.ts <= ?2");
	bad |= statsdb_scalar(db, a, o, "samples",
	    "SELECT count(*) FROM "
	    "samples WHERE ts >= ?1 AND ts <= ?2");
	if (bad) {
		json_decref(o);
		return statsdb_fail(code, message, "internal",
		    statsdb_errf(db, "stats summary"));
	}
	/* The latest sample: the pool as it was last seen. */
	last = NULL;
	{
		struct statsdb_args la = *a;
		json_t		   *r;

		la.kind = "samples";
		la.limit = 1;
		if ((r = statsdb_query_rows(db, &la, code, message)) == NULL) {
			json_decref(o);
			return NULL;
		}
		last = json_incref(json_array_get(json_object_get(r, "rows"),
		    0));
		json_decref(r);
	}
	json_object_set_new(o, "last_sample", last ? last : json_null());

	ev = json_object_get(o, "events");
	json_object_set_new(o, "spawns",
	    json_integer(statsdb_count_of(o, "events", "spawn")));
	reloads = json_object();
	json_object_set_new(reloads, "started",
	    json_integer(json_integer_value(json_object_get(ev,
		"reload_start"))));
	json_object_set_new(reloads, "ok",
	    json_integer(json_integer_value(json_object_get(ev,
		"reload_done"))));
	json_object_set_new(reloads, "failed",
	    json_integer(json_integer_value(json_object_get(ev,
		"reload_failed"))));
	json_object_set_new(o, "reloads", reloads);
	json_object_set_new(o, "backoffs",
	    json_integer(statsdb_count_of(o, "events", "backoff")));
	json_object_set_new(o, "control_commands",
	    json_integer(statsdb_count_of(o, "events", "control")));
	restarts = json_integer_value(json_object_get(o, "restarts"));
	hours = (a->until - a->since) / 3600.0;
	json_object_set_new(o, "restarts_per_hour",
	    json_real(hours > 0 ? restarts / hours : 0.0));
	return o;
}

json_t *
statsdb_query_at(sqlite3 *db, json_t *args, double now, const char **code,
    char **message)
{
	struct statsdb_args a;

	*code = NULL;
	*message = NULL;
	if (statsdb_parse_args(args, now, &a, message) == -1) {
		*code = "invalid_argument";
		return NULL;
	}
	if (strcmp(a.kind, "summary") == 0)
		return statsdb_summary(db, &a, code, message);
	return statsdb_query_rows(db, &a, code, message);
}

json_t *
statsdb_query(sqlite3 *db, json_t *args, const char **code, char **message)
{
	return statsdb_query_at(db, args, gw_wall_time(), code, message);
}

/* ---- gwctl --since ------------------------------------------------------ */

int
statsdb_parse_since(const char *s, double now, double *out, char **err)
{
	static const char *formats[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
		"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	struct tm	   tm;
	const char	  *end, *derr;
	char		  *ep;
	uint64_t	   ms;
	double		   d;
	size_t		   i;
	time_t		   t;

	*err = NULL;
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		goto bad;
	/* Plain numbers are unix seconds; negative ones, seconds ago. */
	if (isdigit((unsigned char)*s) || *s == '-') {
		errno = 0;
		d = strtod(s, &ep);
		if (errno == 0 && *ep == '\0' && isfinite(d) &&
		    fabs(d) < 1e11) {
			*out = d < 0 ? now + d : d;
			return 0;
		}
	}
	for (i = 0; i < GW_ARRAY_LEN(formats); i++) {
		memset(&tm, 0, sizeof tm);
		if ((end = strptime(s, formats[i], &tm)) == NULL)
			continue;
		if (*end == '\0') {
			tm.tm_isdst = -1;
			t = mktime(&tm);
		} else if (strcmp(end, "Z") == 0)
			t = timegm(&tm);
		else
			continue;
		if (t == (time_t)-1)
			goto bad;
		*out = (double)t;
		return 0;
	}
	if (parse_duration_ms(s, &ms, &derr) == 0) {
		*out = now - (double)ms / 1000.0;
		return 0;
	}
bad:
	*err = xasprintf("bad time '%s': use a duration (30m, 1h, 7d), a "
			 "date (2026-11-21T03:00) or unix seconds",
	    s ? s : "");
	return -1;
}
