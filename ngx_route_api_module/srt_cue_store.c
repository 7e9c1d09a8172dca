/*
 * The SCTE-35 cue log and schedule tables: see srt_cue_store.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "srt_cue_store.h"


typedef enum {
    SRT_CUE_SQL_INSERT = 0,
    SRT_CUE_SQL_TRIM,
    SRT_CUE_SQL_LIST,
    SRT_CUE_SQL_SCHED_INSERT,
    SRT_CUE_SQL_SCHED_LIST,
    SRT_CUE_SQL_SCHED_GET,
    SRT_CUE_SQL_SCHED_DUE,
    SRT_CUE_SQL_SCHED_FINISH,
    SRT_CUE_SQL_SCHED_EXISTS,
    SRT_CUE_SQL_SCHED_SET,
    SRT_CUE_SQL_N
} srt_cue_sql_e;


struct srt_cue_store_s {
    srt_store_t            *st;
    sqlite3                *db;
    sqlite3_stmt           *stmt[SRT_CUE_SQL_N];
};


static const char  *srt_cue_sql[SRT_CUE_SQL_N] = {

    [SRT_CUE_SQL_INSERT] =
        "INSERT INTO cues (ts_ms, route, source, hex, decoded, splice_pts,"
        " result, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",

    /* like the audit log: one rowid range from the start, cheap */
    [SRT_CUE_SQL_TRIM] =
        "DELETE FROM cues WHERE seq <= (SELECT max(seq) FROM cues) - ?1",

    [SRT_CUE_SQL_LIST] =
        "SELECT seq, ts_ms, route, source, hex, decoded, splice_pts, result,"
        " error FROM cues WHERE seq < ?1 AND ts_ms BETWEEN ?2 AND ?3"
        " AND (?4 IS NULL OR route = ?4) AND (?5 IS NULL OR source = ?5)"
        " ORDER BY seq DESC LIMIT ?6",

    [SRT_CUE_SQL_SCHED_INSERT] =
        "INSERT INTO schedule (route, start_ms, cue, state, created_ms)"
        " VALUES (?1, ?2, ?3, 'pending', ?4)",

    [SRT_CUE_SQL_SCHED_LIST] =
        "SELECT id, route, start_ms, cue, state, created_ms, done_ms, result"
        " FROM schedule WHERE (?1 IS NULL OR route = ?1)"
        " AND (?2 IS NULL OR state = ?2) ORDER BY start_ms, id",

    [SRT_CUE_SQL_SCHED_GET] =
        "SELECT id, route, start_ms, cue, state, created_ms, done_ms, result"
        " FROM schedule WHERE id = ?1",

    [SRT_CUE_SQL_SCHED_DUE] =
        "SELECT id, route, start_ms, cue, state, created_ms, done_ms, result"
        " FROM schedule WHERE state = 'pending' AND start_ms <= ?1"
        " ORDER BY start_ms, id",

    /* the state test makes the transition happen once among workers */
    [SRT_CUE_SQL_SCHED_FINISH] =
        "UPDATE schedule SET state = ?2, done_ms = ?3, result = ?4"
        " WHERE id = ?1 AND state = 'pending'"
        " AND (?5 IS NULL OR route = ?5)",

    [SRT_CUE_SQL_SCHED_EXISTS] =
        "SELECT 1 FROM schedule WHERE id = ?1 AND (?2 IS NULL OR route = ?2)",

    [SRT_CUE_SQL_SCHED_SET] =
        "UPDATE schedule SET state = ?2, done_ms = ?3, result = ?4"
        " WHERE id = ?1"
};


static int srt_cue_done(srt_cue_store_t *cs, sqlite3_stmt *s, int rc,
    char *err, const char *doing);
static const char *srt_cue_text(sqlite3_stmt *s, int col);
static void srt_cue_bind_text(sqlite3_stmt *s, int i, const char *t);
static int srt_sched_rows(srt_cue_store_t *cs, sqlite3_stmt *s,
    srt_sched_cb cb, void *data, char *err);


srt_cue_store_t *
srt_cue_store_open(srt_store_t *st, char err[SRT_STORE_ERR_LEN])
{
    int               i, rc;
    srt_cue_store_t  *cs;

    cs = calloc(1, sizeof(srt_cue_store_t));
    if (cs == NULL) {
        snprintf(err, SRT_STORE_ERR_LEN, "out of memory");
        return NULL;
    }

    cs->st = st;
    cs->db = srt_store_handle(st);

    for (i = 0; i < SRT_CUE_SQL_N; i++) {
        rc = sqlite3_prepare_v2(cs->db, srt_cue_sql[i], -1, &cs->stmt[i],
                                NULL);
        if (rc != SQLITE_OK) {
            snprintf(err, SRT_STORE_ERR_LEN,
                     "cannot prepare cue statement %d: %s", i,
                     sqlite3_errmsg(cs->db));
            srt_cue_store_close(cs);
            return NULL;
        }
    }

    return cs;
}


void
srt_cue_store_close(srt_cue_store_t *cs)
{
    int  i;

    if (cs == NULL) {
        return;
    }

    for (i = 0; i < SRT_CUE_SQL_N; i++) {
        sqlite3_finalize(cs->stmt[i]);
    }

    free(cs);
}


int
srt_cue_append(srt_cue_store_t *cs, const srt_cue_t *cue, int64_t retention,
    int64_t *seq, char *err)
{
    int            rc;
    sqlite3_stmt  *s;

    s = cs->stmt[SRT_CUE_SQL_INSERT];

    sqlite3_bind_int64(s, 1, cue->ts_ms);
    srt_cue_bind_text(s, 2, cue->route);
    srt_cue_bind_text(s, 3, cue->source);
    srt_cue_bind_text(s, 4, cue->hex);
    srt_cue_bind_text(s, 5, cue->decoded);

    if (cue->splice_pts >= 0) {
        sqlite3_bind_int64(s, 6, cue->splice_pts);

    } else {
        sqlite3_bind_null(s, 6);
    }

    srt_cue_bind_text(s, 7, cue->result);
    srt_cue_bind_text(s, 8, cue->error);

    rc = srt_cue_done(cs, s, sqlite3_step(s), err, "logging a cue");
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    if (seq) {
        *seq = sqlite3_last_insert_rowid(cs->db);
    }

    s = cs->stmt[SRT_CUE_SQL_TRIM];
    sqlite3_bind_int64(s, 1, retention);

    return srt_cue_done(cs, s, sqlite3_step(s), err, "trimming the cue log");
}


int
srt_cue_list(srt_cue_store_t *cs, const char *route, const char *source,
    int64_t from_ms, int64_t to_ms, int64_t cursor, int limit,
    srt_cue_cb cb, void *data, int64_t *next, char *err)
{
    int            rc, n;
    srt_cue_t      c;
    sqlite3_stmt  *s;

    s = cs->stmt[SRT_CUE_SQL_LIST];

    sqlite3_bind_int64(s, 1, cursor);
    sqlite3_bind_int64(s, 2, from_ms);
    sqlite3_bind_int64(s, 3, to_ms);
    srt_cue_bind_text(s, 4, route);
    srt_cue_bind_text(s, 5, source);
    sqlite3_bind_int(s, 6, limit + 1);      /* one more: is there a page? */

    *next = 0;
    n = 0;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        c.seq = sqlite3_column_int64(s, 0);

        if (n == limit) {
            *next = c.seq + 1;
            break;
        }

        c.ts_ms = sqlite3_column_int64(s, 1);
        c.route = srt_cue_text(s, 2);
        c.source = srt_cue_text(s, 3);
        c.hex = srt_cue_text(s, 4);
        c.decoded = (const char *) sqlite3_column_text(s, 5);
        c.splice_pts = sqlite3_column_type(s, 6) == SQLITE_NULL
                       ? -1 : sqlite3_column_int64(s, 6);
        c.result = srt_cue_text(s, 7);
        c.error = (const char *) sqlite3_column_text(s, 8);

        n++;

        if (cb(data, &c) != 0) {
            break;
        }
    }

    if (rc == SQLITE_ROW) {
        rc = SQLITE_DONE;
    }

    return srt_cue_done(cs, s, rc, err, "reading the cue log");
}


int
srt_sched_add(srt_cue_store_t *cs, const char *route, int64_t start_ms,
    const char *cue, int64_t now_ms, int64_t *id, char *err)
{
    int            rc;
    sqlite3_stmt  *s;

    s = cs->stmt[SRT_CUE_SQL_SCHED_INSERT];

    srt_cue_bind_text(s, 1, route);
    sqlite3_bind_int64(s, 2, start_ms);
    srt_cue_bind_text(s, 3, cue);
    sqlite3_bind_int64(s, 4, now_ms);

    rc = srt_cue_done(cs, s, sqlite3_step(s), err, "scheduling a cue");

    if (rc == SRT_STORE_OK && id) {
        *id = sqlite3_last_insert_rowid(cs->db);
    }

    return rc;
}


int
srt_sched_list(srt_cue_store_t *cs, const char *route, const char *state,
    srt_sched_cb cb, void *data, char *err)
{
    sqlite3_stmt  *s;

    s = cs->stmt[SRT_CUE_SQL_SCHED_LIST];

    srt_cue_bind_text(s, 1, route);
    srt_cue_bind_text(s, 2, state);

    return srt_sched_rows(cs, s, cb, data, err);
}


int
srt_sched_get(srt_cue_store_t *cs, int64_t id, srt_sched_cb cb, void *data,
    char *err)
{
    sqlite3_stmt  *s;

    s = cs->stmt[SRT_CUE_SQL_SCHED_GET];
    sqlite3_bind_int64(s, 1, id);

    return srt_sched_rows(cs, s, cb, data, err);
}


int
srt_sched_due(srt_cue_store_t *cs, int64_t until_ms, srt_sched_cb cb,
    void *data, char *err)
{
    sqlite3_stmt  *s;

    s = cs->stmt[SRT_CUE_SQL_SCHED_DUE];
    sqlite3_bind_int64(s, 1, until_ms);

    return srt_sched_rows(cs, s, cb, data, err);
}


int
srt_sched_finish(srt_cue_store_t *cs, int64_t id, const char *route,
    const char *state, int64_t now_ms, const char *result, char *err)
{
    int            rc, changed, found;
    sqlite3_stmt  *s;

    s = cs->stmt[SRT_CUE_SQL_SCHED_FINISH];

    sqlite3_bind_int64(s, 1, id);
    srt_cue_bind_text(s, 2, state);
    sqlite3_bind_int64(s, 3, now_ms);
    srt_cue_bind_text(s, 4, result);
    srt_cue_bind_text(s, 5, route);

    rc = srt_cue_done(cs, s, sqlite3_step(s), err, "updating the schedule");
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    changed = sqlite3_changes(cs->db);

    if (changed) {
        return SRT_STORE_OK;
    }

    s = cs->stmt[SRT_CUE_SQL_SCHED_EXISTS];
    sqlite3_bind_int64(s, 1, id);
    srt_cue_bind_text(s, 2, route);

    rc = sqlite3_step(s);
    found = (rc == SQLITE_ROW);

    rc = srt_cue_done(cs, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, err,
                      "reading the schedule");
    if (rc != SRT_STORE_OK) {
        return rc;
    }

    if (!found) {
        snprintf(err, SRT_STORE_ERR_LEN, "no scheduled cue %lld",
                 (long long) id);
        return SRT_STORE_NOT_FOUND;
    }

    snprintf(err, SRT_STORE_ERR_LEN, "scheduled cue %lld is not pending",
             (long long) id);

    return SRT_STORE_CONFLICT;
}


int
srt_sched_set(srt_cue_store_t *cs, int64_t id, const char *state,
    int64_t now_ms, const char *result, char *err)
{
    sqlite3_stmt  *s;

    s = cs->stmt[SRT_CUE_SQL_SCHED_SET];

    sqlite3_bind_int64(s, 1, id);
    srt_cue_bind_text(s, 2, state);
    sqlite3_bind_int64(s, 3, now_ms);
    srt_cue_bind_text(s, 4, result);

    return srt_cue_done(cs, s, sqlite3_step(s), err, "updating the schedule");
}


static int
srt_sched_rows(srt_cue_store_t *cs, sqlite3_stmt *s, srt_sched_cb cb,
    void *data, char *err)
{
    int          rc;
    srt_sched_t  e;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        e.id = sqlite3_column_int64(s, 0);
        e.route = srt_cue_text(s, 1);
        e.start_ms = sqlite3_column_int64(s, 2);
        e.cue = srt_cue_text(s, 3);
        e.state = srt_cue_text(s, 4);
        e.created_ms = sqlite3_column_int64(s, 5);
        e.done_ms = sqlite3_column_int64(s, 6);
        e.result = (const char *) sqlite3_column_text(s, 7);

        if (cb(data, &e) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }

    return srt_cue_done(cs, s, rc, err, "reading the schedule");
}


/* always resets: an unreset SELECT keeps its read snapshot open */

static int
srt_cue_done(srt_cue_store_t *cs, sqlite3_stmt *s, int rc, char *err,
    const char *doing)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);

    if (rc == SQLITE_DONE || rc == SQLITE_OK) {
        return SRT_STORE_OK;
    }

    return srt_store_error(cs->st, rc, err, doing);
}


static const char *
srt_cue_text(sqlite3_stmt *s, int col)
{
    const char  *t;

    t = (const char *) sqlite3_column_text(s, col);

    return t ? t : "";
}


static void
srt_cue_bind_text(sqlite3_stmt *s, int i, const char *t)
{
    if (t) {
        sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);

    } else {
        sqlite3_bind_null(s, i);
    }
}
