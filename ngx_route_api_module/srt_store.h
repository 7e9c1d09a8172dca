/*
 * The desired state of API-managed routes and the audit log, in SQLite.
 * Plain C, no nginx types; unit tested in t/unit/test_store.c.
 *
 * One srt_store_t is one SQLite connection: open it in each process (every
 * nginx worker, after fork) and use it from one thread at a time.  A store
 * is never shared across fork(): SQLite connections do not survive it.
 *
 * Every function taking "char *err" writes a human-readable message there
 * (SRT_STORE_ERR_LEN bytes, always NUL-terminated, "" on success) that the
 * API can return as JSON as is; err may be NULL.  Functions returning int
 * return an srt_store_rc_e.
 */

#ifndef _SRT_STORE_H_INCLUDED_
#define _SRT_STORE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/* the schema version this code creates and expects (PRAGMA user_version) */
#define SRT_STORE_SCHEMA_VERSION  2

#define SRT_STORE_ERR_LEN         256

/* route, input and output ids and route names: [A-Za-z0-9_.-]{1,64}, the
   rule nginx.conf applies to route names, as they appear in URLs */
#define SRT_STORE_ID_LEN          64

#define SRT_STORE_URL_LEN         4096
#define SRT_STORE_OPTIONS_LEN     65536


typedef struct srt_store_s  srt_store_t;


typedef enum {
    SRT_STORE_OK = 0,
    SRT_STORE_NOT_FOUND,         /* no such route, input or output */
    SRT_STORE_CONFLICT,          /* duplicate id or name */
    SRT_STORE_INVALID,           /* bad argument, the message names it */
    SRT_STORE_BUSY,              /* still locked after the busy timeout */
    SRT_STORE_FULL,              /* the disk is full */
    SRT_STORE_ERROR              /* anything else: I/O, corruption, bugs */
} srt_store_rc_e;


/*
 * Opens (creating if needed) the database at path: WAL journal mode,
 * foreign keys on, synchronous=NORMAL, busy timeout busy_ms, schema
 * migrated forward to SRT_STORE_SCHEMA_VERSION.  A new file is created
 * with mode 0600: endpoint URLs may carry SRT passphrases.  Returns NULL
 * with a message in err on failure, including a database written by a
 * newer version of this code.
 */
srt_store_t *srt_store_open(const char *path, int busy_ms,
    char err[SRT_STORE_ERR_LEN]);

/* rolls back an open transaction; NULL is allowed */
void srt_store_close(srt_store_t *st);

/* for the other tables' code (srt_cue_store.c): the connection, and an
   SQLite result code turned into SRT_STORE_* with a message */
struct sqlite3;
struct sqlite3 *srt_store_handle(srt_store_t *st);
int srt_store_error(srt_store_t *st, int rc, char *err, const char *doing);


/*
 * Transactions.  A mutation of the desired state runs as: begin (BEGIN
 * IMMEDIATE: takes the write lock now, so BUSY comes here and not half
 * way), the changes, srt_store_bump_generation(), srt_store_audit_append(),
 * commit.  On any error the caller calls srt_store_rollback(): nothing is
 * half applied.
 *
 * Commit bumps the generation itself when the transaction changed routes,
 * inputs or outputs and nobody bumped it yet, so it moves exactly once per
 * committed change.  A failed commit rolls back.
 *
 * The mutations also work outside a transaction: each then runs in a
 * transaction of its own, generation bump included.
 */
int srt_store_begin(srt_store_t *st, char *err);
int srt_store_commit(srt_store_t *st, char *err);
void srt_store_rollback(srt_store_t *st);


/*
 * Creates the route or, unless create_only, replaces its name, enabled
 * flag and options (keeping created_ms, its inputs and its outputs).
 * options_json is a JSON object as text; NULL means "{}".  CONFLICT if
 * create_only and the id exists, or if another route has the name.
 */
int srt_store_route_put(srt_store_t *st, const char *id, const char *name,
    int enabled, const char *options_json, int64_t now_ms, int create_only,
    char *err);

/* deletes the route with its inputs and outputs; NOT_FOUND if none */
int srt_store_route_delete(srt_store_t *st, const char *id, char *err);

/*
 * Creates or replaces input (output == 0) or output (output == 1) id of
 * route route_id.  Outputs have no priority: the argument is ignored.
 * NOT_FOUND if the route does not exist, CONFLICT if create_only and the
 * endpoint exists.
 */
int srt_store_endpoint_put(srt_store_t *st, int output, const char *route_id,
    const char *id, const char *url, int priority, int enabled,
    const char *options_json, int create_only, char *err);

int srt_store_endpoint_delete(srt_store_t *st, int output,
    const char *route_id, const char *id, char *err);

/*
 * Moves output id from route from_route to route to_route, keeping its id,
 * URL and options.  NOT_FOUND if the output or to_route does not exist,
 * CONFLICT if to_route already has an output with that id.
 */
int srt_store_endpoint_move(srt_store_t *st, const char *from_route,
    const char *id, const char *to_route, char *err);


/*
 * The generation counter: moves by one with every committed change of the
 * desired state.  srt_store_generation() reads it (the transaction's view
 * inside one), -1 on error.  srt_store_bump_generation() increments it
 * (once per transaction: a second call returns the same value) and stores
 * the new value in *gen (may be NULL).
 */
int64_t srt_store_generation(srt_store_t *st);
int srt_store_bump_generation(srt_store_t *st, int64_t *gen, char *err);


/* reading the desired state */

typedef struct {
    const char         *id;
    const char         *url;
    const char         *options;
    int                 priority;        /* 0 for outputs */
    int                 enabled;
} srt_store_endpoint_t;


typedef struct {
    const char         *id;
    const char         *name;
    const char         *options;
    int                 enabled;
    int64_t             created_ms;
    int64_t             updated_ms;

    srt_store_endpoint_t  *inputs;      /* in id order */
    size_t                 ninputs;
    srt_store_endpoint_t  *outputs;     /* in id order */
    size_t                 noutputs;
} srt_store_route_t;


/* a non-zero return stops the iteration (srt_store_routes() returns OK) */
typedef int (*srt_store_route_cb)(void *data, const srt_store_route_t *route);


/*
 * Calls cb for every route in id order, or only for route only_id
 * (NOT_FOUND if it does not exist).  All routes are read from one snapshot
 * (the open transaction, or a read transaction of its own), so
 * srt_store_generation() called from cb returns the generation of exactly
 * that state.  The pointers are valid during the call only; cb must not
 * call srt_store_routes() or start or end a transaction.
 */
int srt_store_routes(srt_store_t *st, const char *only_id,
    srt_store_route_cb cb, void *data, char *err);


/* the audit log */

typedef struct {
    int64_t             seq;            /* set by the store; ignored by
                                           srt_store_audit_append() */
    int64_t             ts_ms;
    const char         *actor;          /* may be NULL */
    const char         *addr;           /* may be NULL */
    const char         *action;         /* required */
    const char         *resource;       /* required */
    const char         *route;          /* may be NULL */
    const char         *before;         /* JSON text or NULL */
    const char         *after;          /* JSON text or NULL */
    int                 result;         /* e.g. the HTTP status */
} srt_store_audit_t;


/* appends a row, in the open transaction if there is one */
int srt_store_audit_append(srt_store_t *st, const srt_store_audit_t *a,
    char *err);

/* keeps the newest keep rows (keep >= 0); one index range delete */
int srt_store_audit_trim(srt_store_t *st, int64_t keep, char *err);


typedef struct {
    int64_t             from_ms;        /* ts_ms >= from_ms; 0 = open */
    int64_t             to_ms;          /* ts_ms <= to_ms; 0 = open */
    const char         *route;          /* exact match; NULL = any */
    const char         *action;
    const char         *actor;
    int64_t             after_seq;      /* cursor: rows with seq < after_seq;
                                           0 = from the newest */
    int                 limit;          /* > 0 */
} srt_store_audit_query_t;


/* a non-zero return stops the listing */
typedef int (*srt_store_audit_cb)(void *data, const srt_store_audit_t *a);


/*
 * Calls cb for up to q->limit matching rows, newest (highest seq) first.
 * *next_cursor (may be NULL) gets the seq of the last row passed to cb if
 * more rows match (or cb stopped the listing), 0 otherwise; pass it as
 * q->after_seq for the next page.  The pointers are valid during the call.
 */
int srt_store_audit_list(srt_store_t *st, const srt_store_audit_query_t *q,
    srt_store_audit_cb cb, void *data, int64_t *next_cursor, char *err);


/* diagnostics, for /api/health and the tests */

typedef struct {
    int                 schema_version;  /* PRAGMA user_version */
    int                 migrated_from;   /* the version found by
                                            srt_store_open(): 0 for a new
                                            file, schema_version when
                                            nothing was migrated */
    int                 foreign_keys;    /* 1 = enforced */
    int                 synchronous;     /* 0 off, 1 normal, 2 full, 3 extra */
    char                journal_mode[16];   /* "wal" */
    int64_t             generation;
} srt_store_info_t;


int srt_store_info(srt_store_t *st, srt_store_info_t *info, char *err);

/* PRAGMA integrity_check: OK, or ERROR with the first problem found */
int srt_store_integrity_check(srt_store_t *st, char *err);


#endif /* _SRT_STORE_H_INCLUDED_ */
