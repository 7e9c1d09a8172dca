/*
 * The SQLite store behind the writable route API: the desired state
 * (routes, inputs, outputs), the generation counter and the audit log.
 * Plain C99, libc and sqlite3 only.  Every statement is prepared once at
 * open and run with bound parameters; no SQL is ever built from values.
 */


#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "srt_store.h"


typedef enum {
    SRT_STORE_SQL_BEGIN = 0,
    SRT_STORE_SQL_BEGIN_READ,
    SRT_STORE_SQL_COMMIT,
    SRT_STORE_SQL_ROLLBACK,
    SRT_STORE_SQL_GEN_GET,
    SRT_STORE_SQL_GEN_BUMP,
    SRT_STORE_SQL_JSON_OBJECT,
    SRT_STORE_SQL_ROUTE_INSERT,
    SRT_STORE_SQL_ROUTE_UPSERT,
    SRT_STORE_SQL_ROUTE_DELETE,
    SRT_STORE_SQL_ROUTES,
    SRT_STORE_SQL_ROUTE,

    /* endpoint statements come in pairs, inputs then outputs, so that
       "statement + output" picks the table */
    SRT_STORE_SQL_EP_INSERT,
    SRT_STORE_SQL_EP_INSERT_OUT,
    SRT_STORE_SQL_EP_UPSERT,
    SRT_STORE_SQL_EP_UPSERT_OUT,
    SRT_STORE_SQL_EP_DELETE,
    SRT_STORE_SQL_EP_DELETE_OUT,
    SRT_STORE_SQL_EP_LIST,
    SRT_STORE_SQL_EP_LIST_OUT,

    SRT_STORE_SQL_OUTPUT_MOVE,
    SRT_STORE_SQL_AUDIT_INSERT,
    SRT_STORE_SQL_AUDIT_TRIM,
    SRT_STORE_SQL_AUDIT_BY_ROUTE,
    SRT_STORE_SQL_AUDIT_BY_ACTOR,
    SRT_STORE_SQL_AUDIT_BY_ACTION,
    SRT_STORE_SQL_AUDIT_BY_TIME,
    SRT_STORE_SQL_AUDIT_ALL,
    SRT_STORE_SQL_USER_VERSION,
    SRT_STORE_SQL_FOREIGN_KEYS,
    SRT_STORE_SQL_SYNCHRONOUS,
    SRT_STORE_SQL_JOURNAL_MODE,
    SRT_STORE_SQL_INTEGRITY,

    SRT_STORE_SQL_N
} srt_store_sql_e;


typedef struct {
    srt_store_endpoint_t   *elts;
    size_t                  nelts;
    size_t                  nalloc;
} srt_store_eps_t;


struct srt_store_s {
    sqlite3                *db;
    sqlite3_stmt           *stmt[SRT_STORE_SQL_N];

    /* the inputs and outputs of the route srt_store_routes() is at,
       reused from route to route */
    srt_store_eps_t         eps[2];

    int64_t                 generation;     /* valid when bumped */
    int                     migrated_from;

    unsigned                in_tx:1;
    unsigned                dirty:1;        /* the desired state changed */
    unsigned                bumped:1;       /* the generation moved */
};


/*
 * Forward migrations: srt_store_migrations[v] takes the schema from
 * version v to v + 1 and ends by setting PRAGMA user_version to v + 1
 * (a pragma takes no bound parameters, so the number is part of the
 * text).  Released steps are never edited: version 2 is a new array.
 */

static const char  *srt_store_schema_v1[] = {

    "CREATE TABLE routes ("
    " id TEXT PRIMARY KEY,"
    " name TEXT UNIQUE NOT NULL,"
    " enabled INTEGER NOT NULL DEFAULT 1,"
    " options TEXT NOT NULL DEFAULT '{}',"
    " created_ms INTEGER,"
    " updated_ms INTEGER)",

    "CREATE TABLE inputs ("
    " id TEXT NOT NULL,"
    " route_id TEXT NOT NULL REFERENCES routes(id) ON DELETE CASCADE,"
    " url TEXT NOT NULL,"
    " priority INTEGER NOT NULL DEFAULT 0,"
    " enabled INTEGER NOT NULL DEFAULT 1,"
    " options TEXT NOT NULL DEFAULT '{}',"
    " PRIMARY KEY (route_id, id))",

    "CREATE TABLE outputs ("
    " id TEXT NOT NULL,"
    " route_id TEXT NOT NULL REFERENCES routes(id) ON DELETE CASCADE,"
    " url TEXT NOT NULL,"
    " enabled INTEGER NOT NULL DEFAULT 1,"
    " options TEXT NOT NULL DEFAULT '{}',"
    " PRIMARY KEY (route_id, id))",

    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER)",

    "INSERT INTO meta (key, value) VALUES ('generation', 0)",

    /* AUTOINCREMENT: a seq is never reused after a trim, so a pagination
       cursor never points into rows written later */

    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " ts_ms INTEGER NOT NULL,"
    " actor TEXT,"
    " addr TEXT,"
    " action TEXT NOT NULL,"
    " resource TEXT NOT NULL,"
    " route TEXT,"
    " before TEXT,"
    " after TEXT,"
    " result INTEGER NOT NULL)",

    /* every index ends with the rowid (seq), so "route = ? AND seq < ?
       ORDER BY seq DESC LIMIT n" is one index range, no sort */

    "CREATE INDEX audit_ts_ms ON audit (ts_ms)",
    "CREATE INDEX audit_route ON audit (route)",
    "CREATE INDEX audit_action ON audit (action)",
    "CREATE INDEX audit_actor ON audit (actor)",

    "PRAGMA user_version = 1",

    NULL
};


/* SCTE-35: the cue log and the ad-marker schedule (srt_cue_store.c) */

static const char  *srt_store_schema_v2[] = {

    "CREATE TABLE cues ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " ts_ms INTEGER NOT NULL,"
    " route TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " hex TEXT NOT NULL,"
    " decoded TEXT,"
    " splice_pts INTEGER,"
    " result TEXT NOT NULL,"
    " error TEXT)",

    "CREATE INDEX cues_route ON cues (route)",
    "CREATE INDEX cues_ts_ms ON cues (ts_ms)",

    "CREATE TABLE schedule ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " route TEXT NOT NULL,"
    " start_ms INTEGER NOT NULL,"
    " cue TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " done_ms INTEGER,"
    " result TEXT)",

    "CREATE INDEX schedule_due ON schedule (state, start_ms)",
    "CREATE INDEX schedule_route ON schedule (route)",

    "PRAGMA user_version = 2",

    NULL
};


static const char **srt_store_migrations[] = {
    srt_store_schema_v1,
    srt_store_schema_v2
};


/* a compile error unless there is one migration per schema version */
typedef char srt_store_migrations_check[
    (sizeof(srt_store_migrations) / sizeof(srt_store_migrations[0])
     == SRT_STORE_SCHEMA_VERSION) ? 1 : -1];


/*
 * The audit listings.  Each variant leads with the one condition an index
 * serves (route, actor, action, time, or none: the rowid from the top);
 * the other filters are checked on the rows it yields.  A unary "+"
 * keeps the planner off an index where another one leads: for a time
 * range the ts_ms index, not a scan back through the rowids that may run
 * far past the range before the limit fills.  ?1 is the
 * cursor (INT64_MAX for the first page), ?2 and ?3 the time range, ?7
 * the limit plus one, which tells whether another page exists.
 */

#define SRT_STORE_AUDIT_SELECT                                                \
    "SELECT seq, ts_ms, actor, addr, action, resource, route, before,"       \
    " after, result FROM audit WHERE "

#define SRT_STORE_AUDIT_FILTER                                                \
    " AND (?4 IS NULL OR route = ?4)"                                         \
    " AND (?5 IS NULL OR action = ?5)"                                        \
    " AND (?6 IS NULL OR actor = ?6)"                                         \
    " ORDER BY seq DESC LIMIT ?7"


static const char  *srt_store_sql[SRT_STORE_SQL_N] = {

    [SRT_STORE_SQL_BEGIN] = "BEGIN IMMEDIATE",
    [SRT_STORE_SQL_BEGIN_READ] = "BEGIN",
    [SRT_STORE_SQL_COMMIT] = "COMMIT",
    [SRT_STORE_SQL_ROLLBACK] = "ROLLBACK",

    [SRT_STORE_SQL_GEN_GET] =
        "SELECT value FROM meta WHERE key = 'generation'",

    [SRT_STORE_SQL_GEN_BUMP] =
        "UPDATE meta SET value = value + 1 WHERE key = 'generation'",

    /* json_type() fails on malformed text, hence CASE, which is lazy */
    [SRT_STORE_SQL_JSON_OBJECT] =
        "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) = 'object'"
        " ELSE 0 END",

    [SRT_STORE_SQL_ROUTE_INSERT] =
        "INSERT INTO routes (id, name, enabled, options, created_ms,"
        " updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",

    /* not INSERT OR REPLACE: that deletes the old row first, and the
       delete cascades to the route's inputs and outputs */
    [SRT_STORE_SQL_ROUTE_UPSERT] =
        "INSERT INTO routes (id, name, enabled, options, created_ms,"
        " updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
        " enabled = excluded.enabled, options = excluded.options,"
        " updated_ms = excluded.updated_ms",

    [SRT_STORE_SQL_ROUTE_DELETE] = "DELETE FROM routes WHERE id = ?1",

    [SRT_STORE_SQL_ROUTES] =
        "SELECT id, name, enabled, options, created_ms, updated_ms"
        " FROM routes ORDER BY id",

    [SRT_STORE_SQL_ROUTE] =
        "SELECT id, name, enabled, options, created_ms, updated_ms"
        " FROM routes WHERE id = ?1",

    /* ?1 route, ?2 id, ?3 url, ?4 priority (inputs only), ?5 enabled,
       ?6 options */

    [SRT_STORE_SQL_EP_INSERT] =
        "INSERT INTO inputs (route_id, id, url, priority, enabled, options)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",

    [SRT_STORE_SQL_EP_INSERT_OUT] =
        "INSERT INTO outputs (route_id, id, url, enabled, options)"
        " VALUES (?1, ?2, ?3, ?5, ?6)",

    [SRT_STORE_SQL_EP_UPSERT] =
        "INSERT INTO inputs (route_id, id, url, priority, enabled, options)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (route_id, id) DO UPDATE SET url = excluded.url,"
        " priority = excluded.priority, enabled = excluded.enabled,"
        " options = excluded.options",

    [SRT_STORE_SQL_EP_UPSERT_OUT] =
        "INSERT INTO outputs (route_id, id, url, enabled, options)"
        " VALUES (?1, ?2, ?3, ?5, ?6)"
        " ON CONFLICT (route_id, id) DO UPDATE SET url = excluded.url,"
        " enabled = excluded.enabled, options = excluded.options",

    [SRT_STORE_SQL_EP_DELETE] =
        "DELETE FROM inputs WHERE route_id = ?1 AND id = ?2",

    [SRT_STORE_SQL_EP_DELETE_OUT] =
        "DELETE FROM outputs WHERE route_id = ?1 AND id = ?2",

    [SRT_STORE_SQL_EP_LIST] =
        "SELECT id, url, priority, enabled, options FROM inputs"
        " WHERE route_id = ?1 ORDER BY id",

    [SRT_STORE_SQL_EP_LIST_OUT] =
        "SELECT id, url, 0, enabled, options FROM outputs"
        " WHERE route_id = ?1 ORDER BY id",

    [SRT_STORE_SQL_OUTPUT_MOVE] =
        "UPDATE outputs SET route_id = ?3 WHERE route_id = ?1 AND id = ?2",

    [SRT_STORE_SQL_AUDIT_INSERT] =
        "INSERT INTO audit (ts_ms, actor, addr, action, resource, route,"
        " before, after, result)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",

    /* max(seq) is one b-tree lookup and the delete one rowid range from
       the start of the table: cheap at any size */
    [SRT_STORE_SQL_AUDIT_TRIM] =
        "DELETE FROM audit WHERE seq <= (SELECT max(seq) FROM audit) - ?1",

    [SRT_STORE_SQL_AUDIT_BY_ROUTE] =
        SRT_STORE_AUDIT_SELECT "route = ?4 AND seq < ?1"
        " AND +ts_ms BETWEEN ?2 AND ?3" SRT_STORE_AUDIT_FILTER,

    [SRT_STORE_SQL_AUDIT_BY_ACTOR] =
        SRT_STORE_AUDIT_SELECT "actor = ?6 AND seq < ?1"
        " AND +ts_ms BETWEEN ?2 AND ?3" SRT_STORE_AUDIT_FILTER,

    [SRT_STORE_SQL_AUDIT_BY_ACTION] =
        SRT_STORE_AUDIT_SELECT "action = ?5 AND seq < ?1"
        " AND +ts_ms BETWEEN ?2 AND ?3" SRT_STORE_AUDIT_FILTER,

    [SRT_STORE_SQL_AUDIT_BY_TIME] =
        SRT_STORE_AUDIT_SELECT "ts_ms BETWEEN ?2 AND ?3 AND +seq < ?1"
        SRT_STORE_AUDIT_FILTER,

    [SRT_STORE_SQL_AUDIT_ALL] =
        SRT_STORE_AUDIT_SELECT "seq < ?1 AND +ts_ms BETWEEN ?2 AND ?3"
        SRT_STORE_AUDIT_FILTER,

    [SRT_STORE_SQL_USER_VERSION] = "PRAGMA user_version",
    [SRT_STORE_SQL_FOREIGN_KEYS] = "PRAGMA foreign_keys",
    [SRT_STORE_SQL_SYNCHRONOUS] = "PRAGMA synchronous",
    [SRT_STORE_SQL_JOURNAL_MODE] = "PRAGMA journal_mode",
    [SRT_STORE_SQL_INTEGRITY] = "PRAGMA integrity_check"
};


static int srt_store_setup(srt_store_t *st, const char *path, int busy_ms,
    char *err);
static int srt_store_run(sqlite3 *db, const char *sql, int64_t *num,
    char *text, size_t size);
static int srt_store_migrate(srt_store_t *st, char *err);
static int srt_store_db_error(sqlite3 *db, int rc, char *err,
    const char *doing);
static int srt_store_done(srt_store_t *st, sqlite3_stmt *s, int rc,
    char *err, const char *doing);
static int srt_store_check_id(const char *what, const char *id, char *err);
static int srt_store_check_flag(const char *what, int v, char *err);
static int srt_store_check_url(const char *url, char *err);
static int srt_store_check_options(srt_store_t *st, const char **json,
    char *err);
static int srt_store_change_begin(srt_store_t *st, int *own, char *err);
static int srt_store_change_end(srt_store_t *st, int own, int rc,
    char *err);
static int srt_store_load_endpoints(srt_store_t *st, int output,
    const char *route_id, char *err);
static void srt_store_free_endpoints(srt_store_eps_t *eps);
static const char *srt_store_text(sqlite3_stmt *s, int col);
static int srt_store_pragma_int(srt_store_t *st, srt_store_sql_e which,
    int64_t *v, char *err);


srt_store_t *
srt_store_open(const char *path, int busy_ms, char err[SRT_STORE_ERR_LEN])
{
    srt_store_t  *st;
    char          dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (path == NULL || path[0] == '\0') {
        snprintf(err, SRT_STORE_ERR_LEN, "no database path");
        return NULL;
    }

    st = calloc(1, sizeof(srt_store_t));
    if (st == NULL) {
        snprintf(err, SRT_STORE_ERR_LEN, "out of memory");
        return NULL;
    }

    if (srt_store_setup(st, path, busy_ms, err) != SRT_STORE_OK) {
        srt_store_close(st);
        return NULL;
    }

    return st;
}


static int
srt_store_setup(srt_store_t *st, const char *path, int busy_ms, char *err)
{
    int      fd, rc, i;
    int64_t  v;
    char     mode[16];

    /*
     * SQLite would create the file 0644 and the -wal and -shm files with
     * the file's mode; endpoint URLs may carry SRT passphrases, so create
     * it 0600 first.  An existing file keeps the mode it was given.
     */

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd == -1) {
        snprintf(err, SRT_STORE_ERR_LEN, "cannot open database \"%s\": %s",
                 path, strerror(errno));
        return SRT_STORE_ERROR;
    }

    close(fd);

    rc = sqlite3_open_v2(path, &st->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, SRT_STORE_ERR_LEN, "cannot open database \"%s\": %s",
                 path, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        return SRT_STORE_ERROR;
    }

    /* tells a duplicate primary key from a duplicate name, and foreign
       key failures from both */
    sqlite3_extended_result_codes(st->db, 1);

    sqlite3_busy_timeout(st->db, busy_ms > 0 ? busy_ms : 0);

    /* WAL: readers (GET requests, the reconcilers) never wait for the
       writer and the writer never waits for them */

    rc = srt_store_run(st->db, "PRAGMA journal_mode = WAL", NULL, mode,
                       sizeof(mode));
    if (rc != SQLITE_OK) {
        return srt_store_db_error(st->db, rc, err, "setting the journal mode");
    }

    if (strcmp(mode, "wal") != 0) {
        snprintf(err, SRT_STORE_ERR_LEN,
                 "cannot use WAL journal mode for \"%s\" (got \"%s\")",
                 path, mode);
        return SRT_STORE_ERROR;
    }

    /* per connection, and a no-op inside a transaction: set it first */

    rc = srt_store_run(st->db, "PRAGMA foreign_keys = ON", NULL, NULL, 0);
    if (rc == SQLITE_OK) {
        rc = srt_store_run(st->db, "PRAGMA foreign_keys", &v, NULL, 0);
    }

    if (rc != SQLITE_OK) {
        return srt_store_db_error(st->db, rc, err, "enabling foreign keys");
    }

    if (v != 1) {
        snprintf(err, SRT_STORE_ERR_LEN,
                 "this SQLite library does not enforce foreign keys");
        return SRT_STORE_ERROR;
    }

    /* in WAL mode NORMAL loses at most the last commits on power loss,
       never consistency, and saves an fsync per commit */

    rc = srt_store_run(st->db, "PRAGMA synchronous = NORMAL", NULL, NULL, 0);
    if (rc != SQLITE_OK) {
        return srt_store_db_error(st->db, rc, err, "setting synchronous");
    }

    rc = srt_store_migrate(st, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    for (i = 0; i < SRT_STORE_SQL_N; i++) {
        rc = sqlite3_prepare_v2(st->db, srt_store_sql[i], -1, &st->stmt[i],
                                NULL);
        if (rc != SQLITE_OK) {
            snprintf(err, SRT_STORE_ERR_LEN,
                     "cannot prepare statement %d: %s", i,
                     sqlite3_errmsg(st->db));
            return SRT_STORE_ERROR;
        }
    }

    return SRT_STORE_OK;
}


/*
 * Runs a constant statement at open time, before the schema the prepared
 * statements need exists: the first column of the first row goes to num
 * and/or text.  Returns an SQLite result code.
 */

static int
srt_store_run(sqlite3 *db, const char *sql, int64_t *num, char *text,
    size_t size)
{
    int            rc;
    const char    *t;
    sqlite3_stmt  *s;

    if (text != NULL) {
        text[0] = '\0';
    }

    rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return rc;
    }

    rc = sqlite3_step(s);

    if (rc == SQLITE_ROW) {
        if (num != NULL) {
            *num = sqlite3_column_int64(s, 0);
        }

        if (text != NULL) {
            t = (const char *) sqlite3_column_text(s, 0);
            snprintf(text, size, "%s", t ? t : "");
        }

        while (rc == SQLITE_ROW) {
            rc = sqlite3_step(s);
        }
    }

    if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }

    /* keeps the step's error message for the caller */
    if (rc == SQLITE_OK) {
        sqlite3_finalize(s);

    } else {
        sqlite3_reset(s);
        sqlite3_finalize(s);
    }

    return rc;
}


static int
srt_store_migrate(srt_store_t *st, char *err)
{
    int           rc;
    int64_t       v, now;
    const char  **sql;

    rc = srt_store_run(st->db, "PRAGMA user_version", &v, NULL, 0);
    if (rc != SQLITE_OK) {
        return srt_store_db_error(st->db, rc, err,
                                  "reading the schema version");
    }

    st->migrated_from = (int) v;

    /* the common case, every worker start: no write lock taken */

    if (v == SRT_STORE_SCHEMA_VERSION) {
        return SRT_STORE_OK;
    }

    if (v < 0 || v > SRT_STORE_SCHEMA_VERSION) {
        snprintf(err, SRT_STORE_ERR_LEN,
                 "the database schema version %lld is not one this gateway "
                 "knows (1-%d): was it written by a newer version?",
                 (long long) v, SRT_STORE_SCHEMA_VERSION);
        return SRT_STORE_ERROR;
    }

    rc = srt_store_run(st->db, "BEGIN IMMEDIATE", NULL, NULL, 0);
    if (rc != SQLITE_OK) {
        return srt_store_db_error(st->db, rc, err, "migrating the schema");
    }

    /* another worker may have migrated while we waited for the lock */

    rc = srt_store_run(st->db, "PRAGMA user_version", &v, NULL, 0);

    if (rc == SQLITE_OK && v > SRT_STORE_SCHEMA_VERSION) {
        srt_store_run(st->db, "ROLLBACK", NULL, NULL, 0);
        snprintf(err, SRT_STORE_ERR_LEN,
                 "the database schema version %lld is newer than this "
                 "gateway's (%d)", (long long) v, SRT_STORE_SCHEMA_VERSION);
        return SRT_STORE_ERROR;
    }

    st->migrated_from = (int) v;

    while (rc == SQLITE_OK && v < SRT_STORE_SCHEMA_VERSION) {

        for (sql = srt_store_migrations[v]; *sql != NULL; sql++) {
            rc = srt_store_run(st->db, *sql, NULL, NULL, 0);
            if (rc != SQLITE_OK) {
                break;
            }
        }

        if (rc != SQLITE_OK) {
            break;
        }

        rc = srt_store_run(st->db, "PRAGMA user_version", &now, NULL, 0);

        if (rc == SQLITE_OK && now != v + 1) {
            srt_store_run(st->db, "ROLLBACK", NULL, NULL, 0);
            snprintf(err, SRT_STORE_ERR_LEN,
                     "schema migration %lld did not set user_version",
                     (long long) v + 1);
            return SRT_STORE_ERROR;
        }

        v = now;
    }

    if (rc == SQLITE_OK) {
        rc = srt_store_run(st->db, "COMMIT", NULL, NULL, 0);
    }

    if (rc != SQLITE_OK) {
        rc = srt_store_db_error(st->db, rc, err, "migrating the schema");
        srt_store_run(st->db, "ROLLBACK", NULL, NULL, 0);
        return rc;
    }

    return SRT_STORE_OK;
}


void
srt_store_close(srt_store_t *st)
{
    int  i;

    if (st == NULL) {
        return;
    }

    if (st->in_tx) {
        srt_store_rollback(st);
    }

    for (i = 0; i < SRT_STORE_SQL_N; i++) {
        sqlite3_finalize(st->stmt[i]);
    }

    for (i = 0; i < 2; i++) {
        srt_store_free_endpoints(&st->eps[i]);
        free(st->eps[i].elts);
    }

    /* the last connection to close checkpoints the WAL and removes it */
    sqlite3_close(st->db);

    free(st);
}


/*
 * Maps an SQLite result code to ours with a message.  Constraint failures
 * have better messages where they happen; this is the fallback.
 */

static int
srt_store_db_error(sqlite3 *db, int rc, char *err, const char *doing)
{
    switch (rc & 0xff) {

    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        snprintf(err, SRT_STORE_ERR_LEN, "the database is busy, try again");
        return SRT_STORE_BUSY;

    case SQLITE_FULL:
        snprintf(err, SRT_STORE_ERR_LEN, "the database disk is full");
        return SRT_STORE_FULL;

    case SQLITE_CONSTRAINT:
        snprintf(err, SRT_STORE_ERR_LEN, "conflict while %s: %s", doing,
                 sqlite3_errmsg(db));
        return SRT_STORE_CONFLICT;

    default:
        snprintf(err, SRT_STORE_ERR_LEN, "database error while %s: %s",
                 doing, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        return SRT_STORE_ERROR;
    }
}


/*
 * Ends one use of a prepared statement that sqlite3_step() returned rc
 * for.  Always resets it: a SELECT left unreset keeps its read
 * transaction, and its snapshot, open.
 */

static int
srt_store_done(srt_store_t *st, sqlite3_stmt *s, int rc, char *err,
    const char *doing)
{
    if (rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK) {
        rc = SRT_STORE_OK;

    } else {
        rc = srt_store_db_error(st->db, rc, err, doing);
    }

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);

    return rc;
}


static int
srt_store_check_id(const char *what, const char *id, char *err)
{
    size_t  i;

    if (id == NULL || id[0] == '\0') {
        snprintf(err, SRT_STORE_ERR_LEN, "%s is empty", what);
        return SRT_STORE_INVALID;
    }

    for (i = 0; id[i] != '\0'; i++) {

        if (i == SRT_STORE_ID_LEN) {
            snprintf(err, SRT_STORE_ERR_LEN,
                     "%s is longer than %d characters", what,
                     SRT_STORE_ID_LEN);
            return SRT_STORE_INVALID;
        }

        /* not isalnum(): the locale must not widen what is accepted */

        if (!((id[i] >= 'a' && id[i] <= 'z')
              || (id[i] >= 'A' && id[i] <= 'Z')
              || (id[i] >= '0' && id[i] <= '9')
              || id[i] == '_' || id[i] == '-' || id[i] == '.'))
        {
            /* the character itself is not quoted: it may be anything */
            snprintf(err, SRT_STORE_ERR_LEN,
                     "%s has an invalid character at position %u: use "
                     "letters, digits, \"_\", \"-\" and \".\"",
                     what, (unsigned) i + 1);
            return SRT_STORE_INVALID;
        }
    }

    return SRT_STORE_OK;
}


static int
srt_store_check_flag(const char *what, int v, char *err)
{
    if (v != 0 && v != 1) {
        snprintf(err, SRT_STORE_ERR_LEN, "%s must be 0 or 1", what);
        return SRT_STORE_INVALID;
    }

    return SRT_STORE_OK;
}


/* the URL itself is checked by srt_url_parse() in the API; this only
   keeps unprintable text out of the database */

static int
srt_store_check_url(const char *url, char *err)
{
    size_t  i;

    if (url == NULL || url[0] == '\0') {
        snprintf(err, SRT_STORE_ERR_LEN, "url is empty");
        return SRT_STORE_INVALID;
    }

    for (i = 0; url[i] != '\0'; i++) {

        if (i == SRT_STORE_URL_LEN) {
            snprintf(err, SRT_STORE_ERR_LEN,
                     "url is longer than %d characters", SRT_STORE_URL_LEN);
            return SRT_STORE_INVALID;
        }

        if ((unsigned char) url[i] <= 0x20 || (unsigned char) url[i] >= 0x7f)
        {
            snprintf(err, SRT_STORE_ERR_LEN,
                     "url has an invalid character at position %u",
                     (unsigned) i + 1);
            return SRT_STORE_INVALID;
        }
    }

    return SRT_STORE_OK;
}


/* options must be a JSON object: the reconcilers parse them blindly */

static int
srt_store_check_options(srt_store_t *st, const char **json, char *err)
{
    int            rc, ok;
    sqlite3_stmt  *s;

    if (*json == NULL) {
        *json = "{}";
        return SRT_STORE_OK;
    }

    if (strlen(*json) > SRT_STORE_OPTIONS_LEN) {
        snprintf(err, SRT_STORE_ERR_LEN,
                 "options are longer than %d bytes", SRT_STORE_OPTIONS_LEN);
        return SRT_STORE_INVALID;
    }

    s = st->stmt[SRT_STORE_SQL_JSON_OBJECT];

    rc = sqlite3_bind_text(s, 1, *json, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    ok = (rc == SQLITE_ROW && sqlite3_column_int(s, 0) == 1);

    rc = srt_store_done(st, s, rc, err, "checking options");
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    if (!ok) {
        snprintf(err, SRT_STORE_ERR_LEN, "options must be a JSON object");
        return SRT_STORE_INVALID;
    }

    return SRT_STORE_OK;
}


int
srt_store_begin(srt_store_t *st, char *err)
{
    int            rc;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (st->in_tx) {
        snprintf(err, SRT_STORE_ERR_LEN, "a transaction is already open");
        return SRT_STORE_INVALID;
    }

    s = st->stmt[SRT_STORE_SQL_BEGIN];

    rc = srt_store_done(st, s, sqlite3_step(s), err,
                        "starting a transaction");
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    st->in_tx = 1;
    st->dirty = 0;
    st->bumped = 0;

    return SRT_STORE_OK;
}


int
srt_store_commit(srt_store_t *st, char *err)
{
    int            rc;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (!st->in_tx) {
        snprintf(err, SRT_STORE_ERR_LEN, "no transaction is open");
        return SRT_STORE_INVALID;
    }

    /* SQLite rolls the whole transaction back by itself after some
       errors (a full disk, an I/O error): do not commit the rest */

    if (sqlite3_get_autocommit(st->db)) {
        st->in_tx = 0;
        snprintf(err, SRT_STORE_ERR_LEN,
                 "the transaction was rolled back after an error");
        return SRT_STORE_ERROR;
    }

    if (st->dirty && !st->bumped) {
        rc = srt_store_bump_generation(st, NULL, err);
        if (rc != SRT_STORE_OK) {
            srt_store_rollback(st);
            return rc;
        }
    }

    s = st->stmt[SRT_STORE_SQL_COMMIT];

    rc = srt_store_done(st, s, sqlite3_step(s), err, "committing");
    if (rc != SRT_STORE_OK) {
        /* a failed COMMIT leaves the transaction open: nothing half
           applied is the contract, so end it */
        srt_store_rollback(st);
        return rc;
    }

    st->in_tx = 0;

    return SRT_STORE_OK;
}


void
srt_store_rollback(srt_store_t *st)
{
    sqlite3_stmt  *s;

    if (!st->in_tx) {
        return;
    }

    st->in_tx = 0;

    if (sqlite3_get_autocommit(st->db)) {
        return;
    }

    s = st->stmt[SRT_STORE_SQL_ROLLBACK];

    sqlite3_step(s);
    sqlite3_reset(s);
}


/* a mutation outside a transaction gets one of its own */

static int
srt_store_change_begin(srt_store_t *st, int *own, char *err)
{
    *own = !st->in_tx;

    return *own ? srt_store_begin(st, err) : SRT_STORE_OK;
}


static int
srt_store_change_end(srt_store_t *st, int own, int rc, char *err)
{
    if (rc != SRT_STORE_OK) {
        if (own) {
            srt_store_rollback(st);
        }

        return rc;
    }

    st->dirty = 1;

    return own ? srt_store_commit(st, err) : SRT_STORE_OK;
}


int
srt_store_route_put(srt_store_t *st, const char *id, const char *name,
    int enabled, const char *options_json, int64_t now_ms, int create_only,
    char *err)
{
    int            rc, own;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (srt_store_check_id("route id", id, err) != SRT_STORE_OK
        || srt_store_check_id("route name", name, err) != SRT_STORE_OK
        || srt_store_check_flag("enabled", enabled, err) != SRT_STORE_OK)
    {
        return SRT_STORE_INVALID;
    }

    rc = srt_store_check_options(st, &options_json, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    rc = srt_store_change_begin(st, &own, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    s = st->stmt[create_only ? SRT_STORE_SQL_ROUTE_INSERT
                             : SRT_STORE_SQL_ROUTE_UPSERT];

    rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int(s, 3, enabled);
    rc |= sqlite3_bind_text(s, 4, options_json, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int64(s, 5, now_ms);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        snprintf(err, SRT_STORE_ERR_LEN, "route \"%s\" already exists", id);
        rc = SRT_STORE_CONFLICT;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);

    } else if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        snprintf(err, SRT_STORE_ERR_LEN,
                 "a route named \"%s\" already exists", name);
        rc = SRT_STORE_CONFLICT;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);

    } else {
        rc = srt_store_done(st, s, rc, err, "saving a route");
    }

    return srt_store_change_end(st, own, rc, err);
}


int
srt_store_route_delete(srt_store_t *st, const char *id, char *err)
{
    int            rc, own;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (srt_store_check_id("route id", id, err) != SRT_STORE_OK) {
        return SRT_STORE_INVALID;
    }

    rc = srt_store_change_begin(st, &own, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    s = st->stmt[SRT_STORE_SQL_ROUTE_DELETE];

    rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    rc = srt_store_done(st, s, rc, err, "deleting a route");

    /* the count leaves out the inputs and outputs the cascade removed */
    if (rc == SRT_STORE_OK && sqlite3_changes(st->db) == 0) {
        snprintf(err, SRT_STORE_ERR_LEN, "no route \"%s\"", id);
        rc = SRT_STORE_NOT_FOUND;
    }

    return srt_store_change_end(st, own, rc, err);
}


int
srt_store_endpoint_put(srt_store_t *st, int output, const char *route_id,
    const char *id, const char *url, int priority, int enabled,
    const char *options_json, int create_only, char *err)
{
    int            rc, own;
    const char    *kind;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (srt_store_check_flag("output", output, err) != SRT_STORE_OK) {
        return SRT_STORE_INVALID;
    }

    kind = output ? "output" : "input";

    if (srt_store_check_id("route id", route_id, err) != SRT_STORE_OK
        || srt_store_check_id(output ? "output id" : "input id", id, err)
           != SRT_STORE_OK
        || srt_store_check_url(url, err) != SRT_STORE_OK
        || srt_store_check_flag("enabled", enabled, err) != SRT_STORE_OK)
    {
        return SRT_STORE_INVALID;
    }

    rc = srt_store_check_options(st, &options_json, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    rc = srt_store_change_begin(st, &own, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    s = st->stmt[(create_only ? SRT_STORE_SQL_EP_INSERT
                              : SRT_STORE_SQL_EP_UPSERT) + output];

    rc = sqlite3_bind_text(s, 1, route_id, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 3, url, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int(s, 4, output ? 0 : priority);
    rc |= sqlite3_bind_int(s, 5, enabled);
    rc |= sqlite3_bind_text(s, 6, options_json, -1, SQLITE_STATIC);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        snprintf(err, SRT_STORE_ERR_LEN,
                 "%s \"%s\" already exists in route \"%s\"",
                 kind, id, route_id);
        rc = SRT_STORE_CONFLICT;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);

    } else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        snprintf(err, SRT_STORE_ERR_LEN, "no route \"%s\"", route_id);
        rc = SRT_STORE_NOT_FOUND;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);

    } else {
        rc = srt_store_done(st, s, rc, err,
                            output ? "saving an output" : "saving an input");
    }

    return srt_store_change_end(st, own, rc, err);
}


int
srt_store_endpoint_delete(srt_store_t *st, int output, const char *route_id,
    const char *id, char *err)
{
    int            rc, own;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (srt_store_check_flag("output", output, err) != SRT_STORE_OK
        || srt_store_check_id("route id", route_id, err) != SRT_STORE_OK
        || srt_store_check_id(output ? "output id" : "input id", id, err)
           != SRT_STORE_OK)
    {
        return SRT_STORE_INVALID;
    }

    rc = srt_store_change_begin(st, &own, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    s = st->stmt[SRT_STORE_SQL_EP_DELETE + output];

    rc = sqlite3_bind_text(s, 1, route_id, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    rc = srt_store_done(st, s, rc, err,
                        output ? "deleting an output" : "deleting an input");

    if (rc == SRT_STORE_OK && sqlite3_changes(st->db) == 0) {
        snprintf(err, SRT_STORE_ERR_LEN, "no %s \"%s\" in route \"%s\"",
                 output ? "output" : "input", id, route_id);
        rc = SRT_STORE_NOT_FOUND;
    }

    return srt_store_change_end(st, own, rc, err);
}


int
srt_store_endpoint_move(srt_store_t *st, const char *from_route,
    const char *id, const char *to_route, char *err)
{
    int            rc, own;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (srt_store_check_id("route id", from_route, err) != SRT_STORE_OK
        || srt_store_check_id("output id", id, err) != SRT_STORE_OK
        || srt_store_check_id("target route id", to_route, err)
           != SRT_STORE_OK)
    {
        return SRT_STORE_INVALID;
    }

    rc = srt_store_change_begin(st, &own, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    /* one UPDATE: the primary key catches an id taken in the target,
       the foreign key a target that does not exist */

    s = st->stmt[SRT_STORE_SQL_OUTPUT_MOVE];

    rc = sqlite3_bind_text(s, 1, from_route, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 3, to_route, -1, SQLITE_STATIC);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        snprintf(err, SRT_STORE_ERR_LEN,
                 "output \"%s\" already exists in route \"%s\"",
                 id, to_route);
        rc = SRT_STORE_CONFLICT;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);

    } else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        snprintf(err, SRT_STORE_ERR_LEN, "no route \"%s\"", to_route);
        rc = SRT_STORE_NOT_FOUND;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);

    } else {
        rc = srt_store_done(st, s, rc, err, "moving an output");

        if (rc == SRT_STORE_OK && sqlite3_changes(st->db) == 0) {
            snprintf(err, SRT_STORE_ERR_LEN,
                     "no output \"%s\" in route \"%s\"", id, from_route);
            rc = SRT_STORE_NOT_FOUND;
        }
    }

    return srt_store_change_end(st, own, rc, err);
}


int64_t
srt_store_generation(srt_store_t *st)
{
    int            rc;
    int64_t        gen;
    sqlite3_stmt  *s;

    s = st->stmt[SRT_STORE_SQL_GEN_GET];

    rc = sqlite3_step(s);
    gen = (rc == SQLITE_ROW) ? sqlite3_column_int64(s, 0) : -1;

    sqlite3_reset(s);

    return gen;
}


int
srt_store_bump_generation(srt_store_t *st, int64_t *gen, char *err)
{
    int            rc, own;
    int64_t        v;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (st->in_tx && st->bumped) {
        if (gen != NULL) {
            *gen = st->generation;
        }

        return SRT_STORE_OK;
    }

    /* the increment and the read back must see the same state */

    rc = srt_store_change_begin(st, &own, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    s = st->stmt[SRT_STORE_SQL_GEN_BUMP];

    rc = srt_store_done(st, s, sqlite3_step(s), err,
                        "updating the generation");

    if (rc == SRT_STORE_OK) {
        v = (sqlite3_changes(st->db) == 1) ? srt_store_generation(st) : -1;

        if (v < 0) {
            snprintf(err, SRT_STORE_ERR_LEN,
                     "the generation counter is missing from the database");
            rc = SRT_STORE_ERROR;

        } else {
            st->generation = v;
            st->bumped = 1;
        }
    }

    if (rc != SRT_STORE_OK) {
        if (own) {
            srt_store_rollback(st);
        }

        return rc;
    }

    if (own) {
        rc = srt_store_commit(st, err);
        if (rc != SRT_STORE_OK) {
            return rc;
        }
    }

    if (gen != NULL) {
        *gen = v;
    }

    return SRT_STORE_OK;
}


sqlite3 *
srt_store_handle(srt_store_t *st)
{
    return st->db;
}


int
srt_store_error(srt_store_t *st, int rc, char *err, const char *doing)
{
    return srt_store_db_error(st->db, rc, err, doing);
}


static const char *
srt_store_text(sqlite3_stmt *s, int col)
{
    const char  *t;

    t = (const char *) sqlite3_column_text(s, col);

    return t ? t : "";
}


int
srt_store_routes(srt_store_t *st, const char *only_id, srt_store_route_cb cb,
    void *data, char *err)
{
    int                 rc, rc2, own, found;
    sqlite3_stmt       *s;
    srt_store_route_t   r;
    char                dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (only_id != NULL
        && srt_store_check_id("route id", only_id, err) != SRT_STORE_OK)
    {
        return SRT_STORE_INVALID;
    }

    /* one snapshot for the routes and all their endpoints: a writer in
       another worker must not show up half way through */

    own = !st->in_tx;

    if (own) {
        s = st->stmt[SRT_STORE_SQL_BEGIN_READ];

        rc = srt_store_done(st, s, sqlite3_step(s), err,
                            "starting a read transaction");
        if (rc != SRT_STORE_OK) {
            return rc;
        }
    }

    if (only_id != NULL) {
        s = st->stmt[SRT_STORE_SQL_ROUTE];
        sqlite3_bind_text(s, 1, only_id, -1, SQLITE_STATIC);

    } else {
        s = st->stmt[SRT_STORE_SQL_ROUTES];
    }

    found = 0;
    rc2 = SRT_STORE_OK;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {

        found = 1;

        /* these stay valid while other statements step */
        r.id = srt_store_text(s, 0);
        r.name = srt_store_text(s, 1);
        r.enabled = sqlite3_column_int(s, 2);
        r.options = srt_store_text(s, 3);
        r.created_ms = sqlite3_column_int64(s, 4);
        r.updated_ms = sqlite3_column_int64(s, 5);

        rc2 = srt_store_load_endpoints(st, 0, r.id, err);
        if (rc2 == SRT_STORE_OK) {
            rc2 = srt_store_load_endpoints(st, 1, r.id, err);
        }

        if (rc2 == SRT_STORE_OK) {
            r.inputs = st->eps[0].elts;
            r.ninputs = st->eps[0].nelts;
            r.outputs = st->eps[1].elts;
            r.noutputs = st->eps[1].nelts;

            if (cb(data, &r) != 0) {
                rc = SQLITE_DONE;
            }
        }

        srt_store_free_endpoints(&st->eps[0]);
        srt_store_free_endpoints(&st->eps[1]);

        if (rc2 != SRT_STORE_OK || rc == SQLITE_DONE) {
            break;
        }
    }

    if (rc2 == SRT_STORE_OK) {
        rc2 = srt_store_done(st, s, rc, err, "reading routes");

    } else {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }

    if (own) {
        s = st->stmt[SRT_STORE_SQL_COMMIT];

        rc = sqlite3_step(s);
        sqlite3_reset(s);

        /* ending a read transaction fails only if a statement is still
           running, which would be a bug here */
        if (rc != SQLITE_DONE && rc2 == SRT_STORE_OK) {
            snprintf(err, SRT_STORE_ERR_LEN,
                     "cannot end the read transaction: %s",
                     sqlite3_errstr(rc));
            rc2 = SRT_STORE_ERROR;
        }
    }

    if (rc2 == SRT_STORE_OK && only_id != NULL && !found) {
        snprintf(err, SRT_STORE_ERR_LEN, "no route \"%s\"", only_id);
        rc2 = SRT_STORE_NOT_FOUND;
    }

    return rc2;
}


/*
 * Reads the inputs (output == 0) or outputs of a route into st->eps[].
 * Each row is copied, id, url and options in one allocation starting at
 * id, as stepping the statement again invalidates the row's text.
 */

static int
srt_store_load_endpoints(srt_store_t *st, int output, const char *route_id,
    char *err)
{
    int                    rc;
    char                  *p;
    size_t                 n, lid, lurl, lopt;
    const char            *id, *url, *opt;
    sqlite3_stmt          *s;
    srt_store_eps_t       *eps;
    srt_store_endpoint_t  *ep;

    eps = &st->eps[output];
    s = st->stmt[SRT_STORE_SQL_EP_LIST + output];

    rc = sqlite3_bind_text(s, 1, route_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    while (rc == SQLITE_ROW) {

        if (eps->nelts == eps->nalloc) {
            n = eps->nalloc ? eps->nalloc * 2 : 8;

            ep = realloc(eps->elts, n * sizeof(srt_store_endpoint_t));
            if (ep == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }

            eps->elts = ep;
            eps->nalloc = n;
        }

        id = srt_store_text(s, 0);
        url = srt_store_text(s, 1);
        opt = srt_store_text(s, 4);

        lid = strlen(id) + 1;
        lurl = strlen(url) + 1;
        lopt = strlen(opt) + 1;

        p = malloc(lid + lurl + lopt);
        if (p == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }

        ep = &eps->elts[eps->nelts++];

        ep->id = memcpy(p, id, lid);
        ep->url = memcpy(p + lid, url, lurl);
        ep->options = memcpy(p + lid + lurl, opt, lopt);
        ep->priority = sqlite3_column_int(s, 2);
        ep->enabled = sqlite3_column_int(s, 3);

        rc = sqlite3_step(s);
    }

    if (rc == SQLITE_NOMEM) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        snprintf(err, SRT_STORE_ERR_LEN, "out of memory");
        return SRT_STORE_ERROR;
    }

    return srt_store_done(st, s, rc, err,
                          output ? "reading outputs" : "reading inputs");
}


static void
srt_store_free_endpoints(srt_store_eps_t *eps)
{
    size_t  i;

    for (i = 0; i < eps->nelts; i++) {
        free((char *) eps->elts[i].id);
    }

    eps->nelts = 0;
}


int
srt_store_audit_append(srt_store_t *st, const srt_store_audit_t *a,
    char *err)
{
    int            rc;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (a == NULL || a->action == NULL || a->action[0] == '\0') {
        snprintf(err, SRT_STORE_ERR_LEN, "audit action is empty");
        return SRT_STORE_INVALID;
    }

    if (a->resource == NULL || a->resource[0] == '\0') {
        snprintf(err, SRT_STORE_ERR_LEN, "audit resource is empty");
        return SRT_STORE_INVALID;
    }

    /* a NULL pointer binds SQL NULL */

    s = st->stmt[SRT_STORE_SQL_AUDIT_INSERT];

    rc = sqlite3_bind_int64(s, 1, a->ts_ms);
    rc |= sqlite3_bind_text(s, 2, a->actor, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 3, a->addr, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 4, a->action, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 5, a->resource, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 6, a->route, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 7, a->before, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 8, a->after, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int(s, 9, a->result);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    return srt_store_done(st, s, rc, err, "writing the audit log");
}


int
srt_store_audit_trim(srt_store_t *st, int64_t keep, char *err)
{
    int            rc;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (keep < 0) {
        snprintf(err, SRT_STORE_ERR_LEN, "keep must not be negative");
        return SRT_STORE_INVALID;
    }

    s = st->stmt[SRT_STORE_SQL_AUDIT_TRIM];

    rc = sqlite3_bind_int64(s, 1, keep);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    return srt_store_done(st, s, rc, err, "trimming the audit log");
}


int
srt_store_audit_list(srt_store_t *st, const srt_store_audit_query_t *q,
    srt_store_audit_cb cb, void *data, int64_t *next_cursor, char *err)
{
    int                 rc, n, more;
    int64_t             last;
    sqlite3_stmt       *s;
    srt_store_sql_e     which;
    srt_store_audit_t   a;
    char                dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    if (next_cursor != NULL) {
        *next_cursor = 0;
    }

    if (q == NULL || q->limit <= 0) {
        snprintf(err, SRT_STORE_ERR_LEN, "limit must be positive");
        return SRT_STORE_INVALID;
    }

    if (q->from_ms < 0 || q->to_ms < 0) {
        snprintf(err, SRT_STORE_ERR_LEN, "times must not be negative");
        return SRT_STORE_INVALID;
    }

    if (q->after_seq < 0) {
        snprintf(err, SRT_STORE_ERR_LEN, "cursor must not be negative");
        return SRT_STORE_INVALID;
    }

    /* the most selective filter given leads */

    if (q->route != NULL) {
        which = SRT_STORE_SQL_AUDIT_BY_ROUTE;

    } else if (q->actor != NULL) {
        which = SRT_STORE_SQL_AUDIT_BY_ACTOR;

    } else if (q->action != NULL) {
        which = SRT_STORE_SQL_AUDIT_BY_ACTION;

    } else if (q->from_ms || q->to_ms) {
        which = SRT_STORE_SQL_AUDIT_BY_TIME;

    } else {
        which = SRT_STORE_SQL_AUDIT_ALL;
    }

    s = st->stmt[which];

    rc = sqlite3_bind_int64(s, 1, q->after_seq ? q->after_seq : INT64_MAX);
    rc |= sqlite3_bind_int64(s, 2, q->from_ms);
    rc |= sqlite3_bind_int64(s, 3, q->to_ms ? q->to_ms : INT64_MAX);
    rc |= sqlite3_bind_text(s, 4, q->route, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 5, q->action, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_text(s, 6, q->actor, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int64(s, 7, (int64_t) q->limit + 1);

    n = 0;
    more = 0;
    last = 0;

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }

    while (rc == SQLITE_ROW) {

        if (n == q->limit) {
            more = 1;
            break;
        }

        a.seq = sqlite3_column_int64(s, 0);
        a.ts_ms = sqlite3_column_int64(s, 1);
        a.actor = (const char *) sqlite3_column_text(s, 2);
        a.addr = (const char *) sqlite3_column_text(s, 3);
        a.action = srt_store_text(s, 4);
        a.resource = srt_store_text(s, 5);
        a.route = (const char *) sqlite3_column_text(s, 6);
        a.before = (const char *) sqlite3_column_text(s, 7);
        a.after = (const char *) sqlite3_column_text(s, 8);
        a.result = sqlite3_column_int(s, 9);

        n++;
        last = a.seq;

        if (cb(data, &a) != 0) {
            more = 1;
            break;
        }

        rc = sqlite3_step(s);
    }

    rc = srt_store_done(st, s, rc, err, "reading the audit log");
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    if (next_cursor != NULL && more) {
        *next_cursor = last;
    }

    return SRT_STORE_OK;
}


static int
srt_store_pragma_int(srt_store_t *st, srt_store_sql_e which, int64_t *v,
    char *err)
{
    int            rc;
    sqlite3_stmt  *s;

    s = st->stmt[which];

    rc = sqlite3_step(s);
    *v = (rc == SQLITE_ROW) ? sqlite3_column_int64(s, 0) : -1;

    return srt_store_done(st, s, rc, err, "reading a pragma");
}


int
srt_store_info(srt_store_t *st, srt_store_info_t *info, char *err)
{
    int            rc;
    int64_t        v;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    memset(info, 0, sizeof(srt_store_info_t));

    info->migrated_from = st->migrated_from;

    rc = srt_store_pragma_int(st, SRT_STORE_SQL_USER_VERSION, &v, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    info->schema_version = (int) v;

    rc = srt_store_pragma_int(st, SRT_STORE_SQL_FOREIGN_KEYS, &v, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    info->foreign_keys = (int) v;

    rc = srt_store_pragma_int(st, SRT_STORE_SQL_SYNCHRONOUS, &v, err);
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    info->synchronous = (int) v;

    s = st->stmt[SRT_STORE_SQL_JOURNAL_MODE];

    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(info->journal_mode, sizeof(info->journal_mode), "%s",
                 srt_store_text(s, 0));
    }

    rc = srt_store_done(st, s, rc, err, "reading the journal mode");
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    info->generation = srt_store_generation(st);

    return SRT_STORE_OK;
}


int
srt_store_integrity_check(srt_store_t *st, char *err)
{
    int            rc, ok;
    sqlite3_stmt  *s;
    char           dummy[SRT_STORE_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    s = st->stmt[SRT_STORE_SQL_INTEGRITY];

    rc = sqlite3_step(s);

    ok = 0;

    if (rc == SQLITE_ROW) {
        ok = (strcmp(srt_store_text(s, 0), "ok") == 0);

        if (!ok) {
            snprintf(err, SRT_STORE_ERR_LEN, "integrity check failed: %s",
                     srt_store_text(s, 0));
        }
    }

    rc = srt_store_done(st, s, rc, err, "checking integrity");
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    return ok ? SRT_STORE_OK : SRT_STORE_ERROR;
}
