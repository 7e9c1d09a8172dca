/*
 * Unit tests for srt_store.c, against real SQLite files in a temporary
 * directory (removed at the end).  Each test uses a database of its own
 * and ends with PRAGMA integrity_check.  A second, raw connection checks
 * what the store wrote, as the other workers will see it.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "srt_store.h"
#include "srt_cue_store.h"


#define BUSY_MS  100


static char  tmpdir[] = "/tmp/test_store_XXXXXX";


static int
group_setup(void **state)
{
    (void) state;

    return mkdtemp(tmpdir) ? 0 : -1;
}


static int
group_teardown(void **state)
{
    char            path[512];
    DIR            *d;
    struct dirent  *de;

    (void) state;

    d = opendir(tmpdir);
    if (d == NULL) {
        return -1;
    }

    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
            unlink(path);
        }
    }

    closedir(d);

    return rmdir(tmpdir);
}


static const char *
db_path(const char *name)
{
    static char  path[512];

    snprintf(path, sizeof(path), "%s/%s.db", tmpdir, name);

    return path;
}


static srt_store_t *
open_store(const char *name)
{
    srt_store_t  *st;
    char          err[SRT_STORE_ERR_LEN];

    st = srt_store_open(db_path(name), BUSY_MS, err);
    if (st == NULL) {
        fail_msg("open %s: %s", name, err);
    }

    return st;
}


static void
check_and_close(srt_store_t *st)
{
    char  err[SRT_STORE_ERR_LEN];

    if (srt_store_integrity_check(st, err) != SRT_STORE_OK) {
        fail_msg("integrity: %s", err);
    }

    srt_store_close(st);
}


/* one integer from a separate connection: what another worker sees */

static int64_t
raw_int(const char *name, const char *sql)
{
    int64_t        v;
    sqlite3       *db;
    sqlite3_stmt  *s;

    assert_int_equal(sqlite3_open(db_path(name), &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);

    v = sqlite3_column_int64(s, 0);

    sqlite3_finalize(s);
    sqlite3_close(db);

    return v;
}


static void
raw_exec(const char *name, const char *sql)
{
    sqlite3  *db;

    assert_int_equal(sqlite3_open(db_path(name), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}


static void
put_route(srt_store_t *st, const char *id, const char *name)
{
    char  err[SRT_STORE_ERR_LEN];

    if (srt_store_route_put(st, id, name, 1, NULL, 1000, 1, err)
        != SRT_STORE_OK)
    {
        fail_msg("route %s: %s", id, err);
    }
}


static void
put_ep(srt_store_t *st, int output, const char *route, const char *id,
    int priority)
{
    char  err[SRT_STORE_ERR_LEN];

    if (srt_store_endpoint_put(st, output, route, id, "udp://127.0.0.1:5000",
                               priority, 1, NULL, 1, err)
        != SRT_STORE_OK)
    {
        fail_msg("endpoint %s/%s: %s", route, id, err);
    }
}


/* srt_store_routes() into a flat text, e.g. "a[i1,i2|o1] b[|]" */

typedef struct {
    char                text[1024];
    int                 stop_after;
    int                 calls;
    int64_t             gen_seen;
    srt_store_t        *st;
    srt_store_route_t   last;           /* scalar fields only */
    char                last_options[128];
    char                last_name[80];
    char                ep_url[128];
    char                ep_options[128];
    int                 ep_priority;
    int                 ep_enabled;
} dump_t;


static int
dump_cb(void *data, const srt_store_route_t *r)
{
    size_t   i, n;
    dump_t  *d;

    d = data;
    n = strlen(d->text);

    n += snprintf(d->text + n, sizeof(d->text) - n, "%s%s[",
                  d->calls ? " " : "", r->id);

    for (i = 0; i < r->ninputs; i++) {
        n += snprintf(d->text + n, sizeof(d->text) - n, "%s%s",
                      i ? "," : "", r->inputs[i].id);
    }

    n += snprintf(d->text + n, sizeof(d->text) - n, "|");

    for (i = 0; i < r->noutputs; i++) {
        n += snprintf(d->text + n, sizeof(d->text) - n, "%s%s",
                      i ? "," : "", r->outputs[i].id);
    }

    snprintf(d->text + n, sizeof(d->text) - n, "]");

    d->last = *r;
    snprintf(d->last_options, sizeof(d->last_options), "%s", r->options);
    snprintf(d->last_name, sizeof(d->last_name), "%s", r->name);

    if (r->ninputs) {
        snprintf(d->ep_url, sizeof(d->ep_url), "%s", r->inputs[0].url);
        snprintf(d->ep_options, sizeof(d->ep_options), "%s",
                 r->inputs[0].options);
        d->ep_priority = r->inputs[0].priority;
        d->ep_enabled = r->inputs[0].enabled;

    } else if (r->noutputs) {
        snprintf(d->ep_url, sizeof(d->ep_url), "%s", r->outputs[0].url);
        snprintf(d->ep_options, sizeof(d->ep_options), "%s",
                 r->outputs[0].options);
        d->ep_priority = r->outputs[0].priority;
        d->ep_enabled = r->outputs[0].enabled;
    }

    if (d->st) {
        d->gen_seen = srt_store_generation(d->st);
    }

    d->calls++;

    return d->stop_after && d->calls >= d->stop_after;
}


static int
dump(srt_store_t *st, const char *only_id, dump_t *d)
{
    char  err[SRT_STORE_ERR_LEN];
    int   rc;

    memset(d, 0, sizeof(dump_t));

    rc = srt_store_routes(st, only_id, dump_cb, d, err);
    assert_non_null(memchr(err, '\0', sizeof(err)));

    return rc;
}


static void
expect_dump(srt_store_t *st, const char *text)
{
    dump_t  d;

    assert_int_equal(dump(st, NULL, &d), SRT_STORE_OK);
    assert_string_equal(d.text, text);
}


static void
test_open_schema(void **state)
{
    srt_store_t       *st;
    srt_store_info_t   info;
    struct stat        sb;
    char               err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("schema");

    assert_int_equal(srt_store_info(st, &info, err), SRT_STORE_OK);
    assert_int_equal(info.schema_version, SRT_STORE_SCHEMA_VERSION);
    assert_int_equal(info.schema_version, 2);
    assert_int_equal(info.migrated_from, 0);
    assert_string_equal(info.journal_mode, "wal");
    assert_int_equal(info.foreign_keys, 1);
    assert_int_equal(info.synchronous, 1);
    assert_int_equal(info.generation, 0);

    /* passphrases may be in there */
    assert_int_equal(stat(db_path("schema"), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    put_route(st, "r1", "one");
    put_ep(st, 0, "r1", "in", 0);
    assert_int_equal(srt_store_generation(st), 2);

    srt_store_close(st);

    /* persistent settings, seen by another connection */
    assert_int_equal(raw_int("schema", "PRAGMA user_version"),
                     SRT_STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int("schema",
                         "SELECT count(*) FROM sqlite_master WHERE type = "
                         "'index' AND name LIKE 'audit_%'"), 4);

    /* reopen: data kept, no migration */

    st = open_store("schema");

    assert_int_equal(srt_store_info(st, &info, err), SRT_STORE_OK);
    assert_int_equal(info.schema_version, 2);
    assert_int_equal(info.migrated_from, 2);
    assert_int_equal(info.generation, 2);
    assert_int_equal(raw_int("schema", "SELECT count(*) FROM meta"), 1);

    expect_dump(st, "r1[in|]");

    check_and_close(st);
}


static void
test_open_errors(void **state)
{
    srt_store_t  *st;
    char          err[SRT_STORE_ERR_LEN];
    char          path[600];

    (void) state;

    snprintf(path, sizeof(path), "%s/no/such/dir.db", tmpdir);
    assert_null(srt_store_open(path, BUSY_MS, err));
    assert_non_null(strstr(err, "cannot open database"));

    assert_null(srt_store_open("", BUSY_MS, err));
    assert_string_equal(err, "no database path");

    assert_null(srt_store_open(NULL, BUSY_MS, NULL));

    /* written by a newer version: refused, not "migrated" */
    raw_exec("future", "PRAGMA user_version = 7");
    assert_null(srt_store_open(db_path("future"), BUSY_MS, err));
    assert_non_null(strstr(err, "schema version 7"));

    /* the store survives a failed open next to it */
    st = open_store("future_ok");
    check_and_close(st);
}


static void
test_route_crud(void **state)
{
    srt_store_t  *st;
    dump_t        d;
    char          err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("crud");

    assert_int_equal(srt_store_route_put(st, "r1", "one", 1,
                         "{\"latency\": 200, \"tags\": [\"a\", \"b\"]}",
                         1000, 1, err), SRT_STORE_OK);
    assert_string_equal(err, "");

    put_ep(st, 0, "r1", "in", 0);

    assert_int_equal(dump(st, "r1", &d), SRT_STORE_OK);
    assert_int_equal(d.calls, 1);
    assert_string_equal(d.last_name, "one");
    assert_int_equal(d.last.enabled, 1);
    assert_string_equal(d.last_options,
                        "{\"latency\": 200, \"tags\": [\"a\", \"b\"]}");
    assert_int_equal(d.last.created_ms, 1000);
    assert_int_equal(d.last.updated_ms, 1000);

    /* replace by id: new fields, created_ms and the endpoints kept */

    assert_int_equal(srt_store_route_put(st, "r1", "uno", 0, NULL, 2000, 0,
                                         err), SRT_STORE_OK);

    assert_int_equal(dump(st, "r1", &d), SRT_STORE_OK);
    assert_string_equal(d.text, "r1[in|]");
    assert_string_equal(d.last_name, "uno");
    assert_int_equal(d.last.enabled, 0);
    assert_string_equal(d.last_options, "{}");
    assert_int_equal(d.last.created_ms, 1000);
    assert_int_equal(d.last.updated_ms, 2000);

    /* upsert of a new id creates */
    assert_int_equal(srt_store_route_put(st, "r2", "two", 1, "{}", 3000, 0,
                                         err), SRT_STORE_OK);
    expect_dump(st, "r1[in|] r2[|]");

    assert_int_equal(srt_store_route_delete(st, "r1", err), SRT_STORE_OK);
    expect_dump(st, "r2[|]");

    assert_int_equal(srt_store_route_delete(st, "r1", err),
                     SRT_STORE_NOT_FOUND);
    assert_string_equal(err, "no route \"r1\"");

    assert_int_equal(dump(st, "r1", &d), SRT_STORE_NOT_FOUND);
    assert_int_equal(d.calls, 0);

    assert_int_equal(srt_store_routes(st, "r1", dump_cb, &d, err),
                     SRT_STORE_NOT_FOUND);
    assert_string_equal(err, "no route \"r1\"");

    check_and_close(st);
}


static void
test_route_conflicts(void **state)
{
    int64_t       gen;
    srt_store_t  *st;
    dump_t        d;
    char          err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("conflicts");

    put_route(st, "r1", "one");
    gen = srt_store_generation(st);

    assert_int_equal(srt_store_route_put(st, "r1", "other", 1, NULL, 1, 1,
                                         err), SRT_STORE_CONFLICT);
    assert_string_equal(err, "route \"r1\" already exists");

    assert_int_equal(srt_store_route_put(st, "r2", "one", 1, NULL, 1, 1,
                                         err), SRT_STORE_CONFLICT);
    assert_string_equal(err, "a route named \"one\" already exists");

    /* also when replacing: r2 may not take r1's name */
    put_route(st, "r2", "two");
    gen++;

    assert_int_equal(srt_store_route_put(st, "r2", "one", 1, NULL, 1, 0,
                                         err), SRT_STORE_CONFLICT);
    assert_string_equal(err, "a route named \"one\" already exists");

    /* failures changed nothing, generation included */
    assert_int_equal(srt_store_generation(st), gen);

    assert_int_equal(dump(st, "r2", &d), SRT_STORE_OK);
    assert_string_equal(d.last_name, "two");

    assert_int_equal(dump(st, "r1", &d), SRT_STORE_OK);
    assert_string_equal(d.last_name, "one");

    check_and_close(st);
}


static void
test_delete_cascades(void **state)
{
    srt_store_t  *st;
    char          err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("cascade");

    put_route(st, "r1", "one");
    put_route(st, "r2", "two");
    put_ep(st, 0, "r1", "a", 0);
    put_ep(st, 0, "r1", "b", 1);
    put_ep(st, 1, "r1", "x", 0);
    put_ep(st, 1, "r1", "y", 0);
    put_ep(st, 1, "r2", "x", 0);

    assert_int_equal(srt_store_route_delete(st, "r1", err), SRT_STORE_OK);

    assert_int_equal(raw_int("cascade", "SELECT count(*) FROM inputs"), 0);
    assert_int_equal(raw_int("cascade", "SELECT count(*) FROM outputs"), 1);

    /* a new route with the old id starts empty */
    put_route(st, "r1", "one");
    expect_dump(st, "r1[|] r2[|x]");

    check_and_close(st);
}


static void
test_endpoints(void **state)
{
    int64_t       gen;
    srt_store_t  *st;
    dump_t        d;
    char          err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("endpoints");

    put_route(st, "r1", "one");
    put_route(st, "r2", "two");

    assert_int_equal(srt_store_endpoint_put(st, 0, "r1", "in",
                         "srt://:9000?mode=listener", 5, 1,
                         "{\"failover\": true}", 1, err), SRT_STORE_OK);

    assert_int_equal(dump(st, "r1", &d), SRT_STORE_OK);
    assert_string_equal(d.ep_url, "srt://:9000?mode=listener");
    assert_string_equal(d.ep_options, "{\"failover\": true}");
    assert_int_equal(d.ep_priority, 5);
    assert_int_equal(d.ep_enabled, 1);

    /* create_only clash, then a replace */

    assert_int_equal(srt_store_endpoint_put(st, 0, "r1", "in", "udp://:1",
                         0, 1, NULL, 1, err), SRT_STORE_CONFLICT);
    assert_string_equal(err, "input \"in\" already exists in route \"r1\"");

    assert_int_equal(srt_store_endpoint_put(st, 0, "r1", "in", "udp://:1",
                         2, 0, NULL, 0, err), SRT_STORE_OK);

    assert_int_equal(dump(st, "r1", &d), SRT_STORE_OK);
    assert_string_equal(d.text, "r1[in|]");
    assert_string_equal(d.ep_url, "udp://:1");
    assert_string_equal(d.ep_options, "{}");
    assert_int_equal(d.ep_priority, 2);
    assert_int_equal(d.ep_enabled, 0);

    /* outputs: the priority is ignored */

    assert_int_equal(srt_store_endpoint_put(st, 1, "r1", "o1",
                         "udp://239.0.0.1:5000", 9, 1, NULL, 1, err),
                     SRT_STORE_OK);

    assert_int_equal(dump(st, "r1", &d), SRT_STORE_OK);
    assert_string_equal(d.text, "r1[in|o1]");
    assert_int_equal(raw_int("endpoints",
                             "SELECT count(*) FROM outputs WHERE id = 'o1'"),
                     1);

    assert_int_equal(srt_store_endpoint_put(st, 1, "r1", "o1", "udp://:2",
                         0, 1, NULL, 1, err), SRT_STORE_CONFLICT);
    assert_string_equal(err, "output \"o1\" already exists in route \"r1\"");

    /* the same id in another route is another endpoint */
    put_ep(st, 1, "r2", "o1", 0);
    put_ep(st, 1, "r2", "o2", 0);

    /* unknown route */

    gen = srt_store_generation(st);

    assert_int_equal(srt_store_endpoint_put(st, 0, "nope", "in", "udp://:1",
                         0, 1, NULL, 0, err), SRT_STORE_NOT_FOUND);
    assert_string_equal(err, "no route \"nope\"");

    assert_int_equal(srt_store_endpoint_put(st, 1, "nope", "o", "udp://:1",
                         0, 1, NULL, 1, err), SRT_STORE_NOT_FOUND);
    assert_string_equal(err, "no route \"nope\"");

    assert_int_equal(srt_store_generation(st), gen);

    /* move */

    assert_int_equal(srt_store_endpoint_move(st, "r1", "o1", "nope", err),
                     SRT_STORE_NOT_FOUND);
    assert_string_equal(err, "no route \"nope\"");

    assert_int_equal(srt_store_endpoint_move(st, "r1", "o1", "r2", err),
                     SRT_STORE_CONFLICT);
    assert_string_equal(err, "output \"o1\" already exists in route \"r2\"");

    assert_int_equal(srt_store_endpoint_move(st, "r1", "zz", "r2", err),
                     SRT_STORE_NOT_FOUND);
    assert_string_equal(err, "no output \"zz\" in route \"r1\"");

    assert_int_equal(srt_store_generation(st), gen);
    expect_dump(st, "r1[in|o1] r2[|o1,o2]");

    assert_int_equal(srt_store_endpoint_move(st, "r2", "o2", "r1", err),
                     SRT_STORE_OK);
    expect_dump(st, "r1[in|o1,o2] r2[|o1]");
    assert_int_equal(srt_store_generation(st), gen + 1);

    /* delete */

    assert_int_equal(srt_store_endpoint_delete(st, 1, "r1", "o1", err),
                     SRT_STORE_OK);
    assert_int_equal(srt_store_endpoint_delete(st, 1, "r1", "o1", err),
                     SRT_STORE_NOT_FOUND);
    assert_string_equal(err, "no output \"o1\" in route \"r1\"");

    assert_int_equal(srt_store_endpoint_delete(st, 0, "r1", "in", err),
                     SRT_STORE_OK);
    assert_int_equal(srt_store_endpoint_delete(st, 0, "r1", "in", err),
                     SRT_STORE_NOT_FOUND);
    assert_string_equal(err, "no input \"in\" in route \"r1\"");

    expect_dump(st, "r1[|o2] r2[|o1]");

    check_and_close(st);
}


static void
expect_invalid(int rc, const char *err, const char *text)
{
    assert_int_equal(rc, SRT_STORE_INVALID);

    if (strstr(err, text) == NULL) {
        fail_msg("\"%s\" not in \"%s\"", text, err);
    }
}


static void
test_invalid(void **state)
{
    int                       i;
    srt_store_t              *st;
    srt_store_audit_t         a;
    srt_store_audit_query_t   q;
    char                      id[80];
    char                      err[SRT_STORE_ERR_LEN];

    static const char        *bad_ids[] = {
        "", "a b", "a/b", "a\"b", "caf\xc3\xa9", "r1;DROP TABLE routes",
        "x\n", NULL
    };

    (void) state;

    st = open_store("invalid");

    put_route(st, "r1", "one");

    for (i = 0; bad_ids[i] != NULL; i++) {
        expect_invalid(srt_store_route_put(st, bad_ids[i], "n", 1, NULL, 1,
                                           0, err), err, "route id");
        expect_invalid(srt_store_route_put(st, "r9", bad_ids[i], 1, NULL, 1,
                                           0, err), err, "route name");
        expect_invalid(srt_store_endpoint_put(st, 0, "r1", bad_ids[i],
                           "udp://:1", 0, 1, NULL, 0, err), err, "input id");
        expect_invalid(srt_store_endpoint_put(st, 1, bad_ids[i], "o",
                           "udp://:1", 0, 1, NULL, 0, err), err, "route id");
        expect_invalid(srt_store_endpoint_move(st, "r1", "o", bad_ids[i],
                                               err), err, "target route id");
    }

    expect_invalid(srt_store_route_put(st, NULL, "n", 1, NULL, 1, 0, err),
                   err, "route id is empty");
    expect_invalid(srt_store_route_delete(st, "a b", err), err,
                   "route id has an invalid character at position 2");
    expect_invalid(srt_store_endpoint_delete(st, 1, "r1", "", err), err,
                   "output id is empty");

    /* 64 characters are fine, 65 are not */

    memset(id, 'a', 65);
    id[65] = '\0';
    expect_invalid(srt_store_route_put(st, id, "n", 1, NULL, 1, 0, err),
                   err, "route id is longer than 64 characters");

    id[64] = '\0';
    assert_int_equal(srt_store_route_put(st, id, "A-Z_a-z.0-9", 1, NULL, 1,
                                         0, err), SRT_STORE_OK);

    expect_invalid(srt_store_route_put(st, "r2", "n", 2, NULL, 1, 0, err),
                   err, "enabled must be 0 or 1");
    expect_invalid(srt_store_endpoint_put(st, 0, "r1", "i", "udp://:1", 0,
                                          -1, NULL, 0, err), err, "enabled");
    expect_invalid(srt_store_endpoint_put(st, 2, "r1", "i", "udp://:1", 0,
                                          1, NULL, 0, err), err,
                   "output must be 0 or 1");

    expect_invalid(srt_store_endpoint_put(st, 0, "r1", "i", "", 0, 1, NULL,
                                          0, err), err, "url is empty");
    expect_invalid(srt_store_endpoint_put(st, 0, "r1", "i", NULL, 0, 1, NULL,
                                          0, err), err, "url is empty");
    expect_invalid(srt_store_endpoint_put(st, 0, "r1", "i", "udp:// :1", 0,
                                          1, NULL, 0, err), err,
                   "url has an invalid character at position 7");

    expect_invalid(srt_store_route_put(st, "r2", "n", 1, "[1]", 1, 0, err),
                   err, "options must be a JSON object");
    expect_invalid(srt_store_route_put(st, "r2", "n", 1, "{\"a\":", 1, 0,
                                       err), err, "options");
    expect_invalid(srt_store_route_put(st, "r2", "n", 1, "", 1, 0, err),
                   err, "options");
    expect_invalid(srt_store_endpoint_put(st, 1, "r1", "o", "udp://:1", 0,
                                          1, "\"x\"", 0, err), err,
                   "options must be a JSON object");

    /* audit */

    memset(&a, 0, sizeof(a));
    a.resource = "route";
    expect_invalid(srt_store_audit_append(st, &a, err), err,
                   "audit action is empty");

    a.action = "create";
    a.resource = "";
    expect_invalid(srt_store_audit_append(st, &a, err), err,
                   "audit resource is empty");

    expect_invalid(srt_store_audit_trim(st, -1, err), err, "keep");

    memset(&q, 0, sizeof(q));
    expect_invalid(srt_store_audit_list(st, &q, NULL, NULL, NULL, err), err,
                   "limit must be positive");

    q.limit = 1;
    q.after_seq = -5;
    expect_invalid(srt_store_audit_list(st, &q, NULL, NULL, NULL, err), err,
                   "cursor");

    expect_invalid(srt_store_routes(st, "a b", dump_cb, NULL, err), err,
                   "route id");

    /* nothing but the two good routes got in */
    snprintf(id + 64, sizeof(id) - 64, "[|] r1[|]");
    expect_dump(st, id);
    assert_int_equal(srt_store_generation(st), 2);
    assert_int_equal(raw_int("invalid", "SELECT count(*) FROM audit"), 0);

    check_and_close(st);
}


static void
test_rollback(void **state)
{
    int64_t            gen;
    srt_store_t       *st;
    srt_store_audit_t  a;
    char               err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("rollback");

    put_route(st, "keep", "keep");
    gen = srt_store_generation(st);

    memset(&a, 0, sizeof(a));
    a.ts_ms = 1;
    a.action = "create";
    a.resource = "route";
    a.result = 201;

    assert_int_equal(srt_store_begin(st, err), SRT_STORE_OK);
    assert_int_equal(srt_store_begin(st, err), SRT_STORE_INVALID);
    assert_string_equal(err, "a transaction is already open");

    put_route(st, "r1", "one");
    put_ep(st, 0, "r1", "in", 0);
    put_ep(st, 1, "r1", "out", 0);
    assert_int_equal(srt_store_route_delete(st, "keep", err), SRT_STORE_OK);
    assert_int_equal(srt_store_bump_generation(st, NULL, err), SRT_STORE_OK);
    assert_int_equal(srt_store_audit_append(st, &a, err), SRT_STORE_OK);

    /* inside: the changes are visible, and the new generation */
    expect_dump(st, "r1[in|out]");
    assert_int_equal(srt_store_generation(st), gen + 1);

    /* a failed step keeps the transaction open for the caller to end */
    assert_int_equal(srt_store_endpoint_put(st, 0, "nope", "in", "udp://:1",
                         0, 1, NULL, 0, err), SRT_STORE_NOT_FOUND);

    srt_store_rollback(st);

    expect_dump(st, "keep[|]");
    assert_int_equal(srt_store_generation(st), gen);
    assert_int_equal(raw_int("rollback", "SELECT count(*) FROM audit"), 0);
    assert_int_equal(raw_int("rollback", "SELECT count(*) FROM inputs"), 0);

    /* no transaction: commit refuses, rollback does nothing */
    assert_int_equal(srt_store_commit(st, err), SRT_STORE_INVALID);
    assert_string_equal(err, "no transaction is open");
    srt_store_rollback(st);

    /* closing with a transaction open rolls it back */
    assert_int_equal(srt_store_begin(st, err), SRT_STORE_OK);
    put_route(st, "gone", "gone");
    srt_store_close(st);

    st = open_store("rollback");
    expect_dump(st, "keep[|]");
    assert_int_equal(srt_store_generation(st), gen);

    check_and_close(st);
}


static void
test_generation(void **state)
{
    int64_t            gen, g1, g2;
    srt_store_t       *st;
    srt_store_audit_t  a;
    char               err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("generation");

    memset(&a, 0, sizeof(a));
    a.ts_ms = 1;
    a.action = "create";
    a.resource = "route";
    a.result = 201;

    gen = srt_store_generation(st);
    assert_int_equal(gen, 0);

    /* several changes, no explicit bump: commit bumps once */

    assert_int_equal(srt_store_begin(st, err), SRT_STORE_OK);
    put_route(st, "r1", "one");
    put_ep(st, 0, "r1", "a", 0);
    put_ep(st, 0, "r1", "b", 0);
    put_ep(st, 1, "r1", "c", 0);
    assert_int_equal(srt_store_audit_append(st, &a, err), SRT_STORE_OK);
    assert_int_equal(srt_store_generation(st), gen);
    assert_int_equal(srt_store_commit(st, err), SRT_STORE_OK);

    assert_int_equal(srt_store_generation(st), gen + 1);
    assert_int_equal(raw_int("generation",
                         "SELECT value FROM meta WHERE key = 'generation'"),
                     gen + 1);

    /* explicit bumps: once per transaction */

    assert_int_equal(srt_store_begin(st, err), SRT_STORE_OK);
    put_route(st, "r2", "two");
    assert_int_equal(srt_store_bump_generation(st, &g1, err), SRT_STORE_OK);
    assert_int_equal(g1, gen + 2);
    assert_int_equal(srt_store_bump_generation(st, &g2, err), SRT_STORE_OK);
    assert_int_equal(g2, g1);
    assert_int_equal(srt_store_audit_append(st, &a, err), SRT_STORE_OK);
    assert_int_equal(srt_store_commit(st, err), SRT_STORE_OK);
    assert_int_equal(srt_store_generation(st), gen + 2);

    /* the audit log alone is not a change of the desired state */

    assert_int_equal(srt_store_begin(st, err), SRT_STORE_OK);
    assert_int_equal(srt_store_audit_append(st, &a, err), SRT_STORE_OK);
    assert_int_equal(srt_store_commit(st, err), SRT_STORE_OK);
    assert_int_equal(srt_store_audit_append(st, &a, err), SRT_STORE_OK);
    assert_int_equal(srt_store_generation(st), gen + 2);

    /* outside a transaction: each change bumps, a failed one does not */

    put_route(st, "r3", "three");
    assert_int_equal(srt_store_generation(st), gen + 3);

    assert_int_equal(srt_store_route_put(st, "r3", "x", 1, NULL, 1, 1, err),
                     SRT_STORE_CONFLICT);
    assert_int_equal(srt_store_route_delete(st, "r9", err),
                     SRT_STORE_NOT_FOUND);
    assert_int_equal(srt_store_generation(st), gen + 3);

    assert_int_equal(srt_store_bump_generation(st, &g1, err), SRT_STORE_OK);
    assert_int_equal(g1, gen + 4);
    assert_int_equal(srt_store_bump_generation(st, NULL, err), SRT_STORE_OK);
    assert_int_equal(srt_store_generation(st), gen + 5);

    assert_int_equal(raw_int("generation", "SELECT count(*) FROM audit"), 4);

    check_and_close(st);
}


static void
test_routes_order(void **state)
{
    srt_store_t  *st;
    dump_t        d;
    char          err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("order");

    put_route(st, "c", "c-name");
    put_route(st, "a", "z-name");
    put_route(st, "b", "b-name");

    put_ep(st, 0, "b", "z", 0);
    put_ep(st, 0, "b", "m", 9);
    put_ep(st, 0, "b", "a", 5);
    put_ep(st, 1, "b", "o2", 0);
    put_ep(st, 1, "b", "o10", 0);
    put_ep(st, 1, "a", "x", 0);
    put_ep(st, 0, "c", "in", 0);

    expect_dump(st, "a[|x] b[a,m,z|o10,o2] c[in|]");

    assert_int_equal(dump(st, "b", &d), SRT_STORE_OK);
    assert_string_equal(d.text, "b[a,m,z|o10,o2]");
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.ep_priority, 5);

    /* a non-zero return stops, and is not an error */
    memset(&d, 0, sizeof(d));
    d.stop_after = 2;
    assert_int_equal(srt_store_routes(st, NULL, dump_cb, &d, err),
                     SRT_STORE_OK);
    assert_string_equal(d.text, "a[|x] b[a,m,z|o10,o2]");

    /* the generation read inside belongs to the snapshot */
    memset(&d, 0, sizeof(d));
    d.st = st;
    assert_int_equal(srt_store_routes(st, NULL, dump_cb, &d, err),
                     SRT_STORE_OK);
    assert_int_equal(d.gen_seen, srt_store_generation(st));

    /* the read transaction is over: a writer can start */
    assert_int_equal(srt_store_begin(st, err), SRT_STORE_OK);
    assert_int_equal(srt_store_commit(st, err), SRT_STORE_OK);

    /* and inside a write transaction it reads its own changes */
    assert_int_equal(srt_store_begin(st, err), SRT_STORE_OK);
    put_route(st, "0", "zero");
    expect_dump(st, "0[|] a[|x] b[a,m,z|o10,o2] c[in|]");
    srt_store_rollback(st);

    check_and_close(st);
}


/* audit rows are generated from their index, so the test can compute the
   expected result of any query */

#define NAUDIT  30

static const char  *routes_of[] = { "r1", "r2", NULL };
static const char  *actions_of[] = { "create", "update", "delete", "move" };
static const char  *actors_of[] = { "alice", "bob", NULL, "carol", "bob" };


static void
audit_row(int i, srt_store_audit_t *a, char *before, char *after)
{
    memset(a, 0, sizeof(srt_store_audit_t));

    sprintf(before, "{\"n\": %d}", i);
    sprintf(after, "{\"n\": %d}", i + 1);

    a->ts_ms = 1000 + i * 10;
    a->route = routes_of[i % 3];
    a->action = actions_of[i % 4];
    a->actor = actors_of[i % 5];
    a->addr = (i % 2) ? "192.0.2.1" : NULL;
    a->resource = a->route ? "route" : "config";
    a->before = (i % 3 == 1) ? before : NULL;
    a->after = after;
    a->result = (i % 7 == 0) ? 409 : 200;
}


static int
str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }

    return strcmp(a, b) == 0;
}


static int
audit_match(int i, const srt_store_audit_query_t *q)
{
    srt_store_audit_t  a;
    char               before[32], after[32];

    audit_row(i, &a, before, after);

    return (q->from_ms == 0 || a.ts_ms >= q->from_ms)
           && (q->to_ms == 0 || a.ts_ms <= q->to_ms)
           && (q->route == NULL || str_eq(q->route, a.route))
           && (q->action == NULL || str_eq(q->action, a.action))
           && (q->actor == NULL || str_eq(q->actor, a.actor));
}


typedef struct {
    int64_t             seqs[NAUDIT + 1];
    int                 n;
    int                 bad;
} audit_got_t;


/* checks every row against the one it was written from: seq i + 1 */

static int
audit_cb(void *data, const srt_store_audit_t *a)
{
    int                 i;
    audit_got_t        *got;
    srt_store_audit_t   e;
    char                before[32], after[32];

    got = data;
    i = (int) a->seq - 1;

    audit_row(i, &e, before, after);

    if (i < 0 || i >= NAUDIT || got->n == NAUDIT
        || a->ts_ms != e.ts_ms || !str_eq(a->actor, e.actor)
        || !str_eq(a->addr, e.addr) || !str_eq(a->action, e.action)
        || !str_eq(a->resource, e.resource) || !str_eq(a->route, e.route)
        || !str_eq(a->before, e.before) || !str_eq(a->after, e.after)
        || a->result != e.result)
    {
        got->bad++;
        return 1;
    }

    got->seqs[got->n++] = a->seq;

    return 0;
}


/* all pages of a query, compared with the rows computed from q; rows
   0 to nrows - 1 are in the log */

static void
audit_check(srt_store_t *st, srt_store_audit_query_t *q, int limit,
    int nrows)
{
    int           i, n, pages, rows;
    int64_t       cursor, expect[NAUDIT];
    audit_got_t   got;
    char          err[SRT_STORE_ERR_LEN];

    n = 0;

    for (i = nrows - 1; i >= 0; i--) {
        if (audit_match(i, q)) {
            expect[n++] = i + 1;
        }
    }

    memset(&got, 0, sizeof(got));

    q->limit = limit;
    q->after_seq = 0;
    pages = 0;

    for ( ;; ) {
        rows = got.n;

        assert_int_equal(srt_store_audit_list(st, q, audit_cb, &got, &cursor,
                                              err), SRT_STORE_OK);
        assert_int_equal(got.bad, 0);

        pages++;

        /* full pages except the last one, which is never empty unless
           nothing matches at all */
        if (cursor != 0) {
            assert_int_equal(got.n - rows, limit);
            assert_int_equal(cursor, got.seqs[got.n - 1]);

        } else if (n != 0) {
            assert_true(got.n - rows > 0);
        }

        if (cursor == 0) {
            break;
        }

        assert_true(pages <= NAUDIT);

        q->after_seq = cursor;
    }

    assert_int_equal(got.n, n);

    for (i = 0; i < n; i++) {
        assert_int_equal(got.seqs[i], expect[i]);
    }

    if (n != 0) {
        assert_int_equal(pages, (n + limit - 1) / limit);
    }
}


static void
test_audit_list(void **state)
{
    int                       i, limit;
    int64_t                   cursor;
    srt_store_t              *st;
    audit_got_t               got;
    srt_store_audit_t         a;
    srt_store_audit_query_t   q;
    char                      before[32], after[32];
    char                      err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("audit");

    /* an empty log */
    memset(&q, 0, sizeof(q));
    audit_check(st, &q, 10, 0);

    for (i = 0; i < NAUDIT; i++) {
        audit_row(i, &a, before, after);
        assert_int_equal(srt_store_audit_append(st, &a, err), SRT_STORE_OK);
    }

    for (limit = 1; limit <= NAUDIT + 1; limit += 3) {

        memset(&q, 0, sizeof(q));
        audit_check(st, &q, limit, NAUDIT);

        memset(&q, 0, sizeof(q));
        q.route = "r2";
        audit_check(st, &q, limit, NAUDIT);

        memset(&q, 0, sizeof(q));
        q.action = "delete";
        audit_check(st, &q, limit, NAUDIT);

        memset(&q, 0, sizeof(q));
        q.actor = "bob";
        audit_check(st, &q, limit, NAUDIT);

        memset(&q, 0, sizeof(q));
        q.from_ms = 1105;
        audit_check(st, &q, limit, NAUDIT);

        memset(&q, 0, sizeof(q));
        q.to_ms = 1100;
        audit_check(st, &q, limit, NAUDIT);

        memset(&q, 0, sizeof(q));
        q.from_ms = 1050;
        q.to_ms = 1200;
        audit_check(st, &q, limit, NAUDIT);

        memset(&q, 0, sizeof(q));
        q.route = "r1";
        q.actor = "bob";
        q.from_ms = 1010;
        audit_check(st, &q, limit, NAUDIT);

        memset(&q, 0, sizeof(q));
        q.action = "create";
        q.actor = "alice";
        q.to_ms = 1250;
        audit_check(st, &q, limit, NAUDIT);

        memset(&q, 0, sizeof(q));
        q.action = "update";
        q.route = "r2";
        audit_check(st, &q, limit, NAUDIT);
    }

    /* no match */

    memset(&q, 0, sizeof(q));
    q.route = "nope";
    audit_check(st, &q, 5, NAUDIT);

    memset(&q, 0, sizeof(q));
    q.from_ms = 5000;
    audit_check(st, &q, 5, NAUDIT);

    /* a callback that stops gets a cursor to resume from */

    memset(&q, 0, sizeof(q));
    memset(&got, 0, sizeof(got));
    got.n = NAUDIT;                     /* audit_cb stops at once */
    q.limit = 10;
    assert_int_equal(srt_store_audit_list(st, &q, audit_cb, &got, &cursor,
                                          err), SRT_STORE_OK);
    assert_int_equal(got.bad, 1);
    assert_int_equal(cursor, NAUDIT);

    check_and_close(st);
}


static void
test_audit_trim(void **state)
{
    int                i;
    srt_store_t       *st;
    srt_store_audit_t  a;
    char               err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("trim");

    memset(&a, 0, sizeof(a));
    a.action = "update";
    a.resource = "route";
    a.result = 200;

    /* an empty log */
    assert_int_equal(srt_store_audit_trim(st, 5, err), SRT_STORE_OK);

    for (i = 1; i <= 12; i++) {
        a.ts_ms = i;
        assert_int_equal(srt_store_audit_append(st, &a, err), SRT_STORE_OK);
    }

    assert_int_equal(srt_store_audit_trim(st, 5, err), SRT_STORE_OK);

    assert_int_equal(raw_int("trim", "SELECT count(*) FROM audit"), 5);
    assert_int_equal(raw_int("trim", "SELECT min(seq) FROM audit"), 8);
    assert_int_equal(raw_int("trim", "SELECT max(seq) FROM audit"), 12);
    assert_int_equal(raw_int("trim", "SELECT min(ts_ms) FROM audit"), 8);

    /* idempotent, and more than there is keeps everything */
    assert_int_equal(srt_store_audit_trim(st, 5, err), SRT_STORE_OK);
    assert_int_equal(srt_store_audit_trim(st, 100, err), SRT_STORE_OK);
    assert_int_equal(raw_int("trim", "SELECT count(*) FROM audit"), 5);

    /* seqs are not reused: old cursors stay meaningful */
    assert_int_equal(srt_store_audit_trim(st, 0, err), SRT_STORE_OK);
    assert_int_equal(raw_int("trim", "SELECT count(*) FROM audit"), 0);

    assert_int_equal(srt_store_audit_append(st, &a, err), SRT_STORE_OK);
    assert_int_equal(raw_int("trim", "SELECT max(seq) FROM audit"), 13);

    check_and_close(st);
}


static int64_t
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void
test_busy(void **state)
{
    int64_t       t, gen;
    srt_store_t  *st1, *st2;
    dump_t        d;
    char          err[SRT_STORE_ERR_LEN];

    (void) state;

    st1 = open_store("busy");
    st2 = open_store("busy");

    put_route(st1, "r1", "one");
    gen = srt_store_generation(st1);

    /* another worker holds the write lock */
    assert_int_equal(srt_store_begin(st2, err), SRT_STORE_OK);
    put_route(st2, "r2", "two");

    t = now_ms();
    assert_int_equal(srt_store_begin(st1, err), SRT_STORE_BUSY);
    t = now_ms() - t;

    assert_string_equal(err, "the database is busy, try again");
    assert_true(t >= BUSY_MS - 10);
    assert_true(t < 5000);

    /* a change outside a transaction is refused the same way */
    assert_int_equal(srt_store_route_put(st1, "r3", "three", 1, NULL, 1, 1,
                                         err), SRT_STORE_BUSY);
    assert_int_equal(srt_store_audit_trim(st1, 0, err), SRT_STORE_BUSY);

    /* WAL: readers go on, and see the last committed state */
    assert_int_equal(dump(st1, NULL, &d), SRT_STORE_OK);
    assert_string_equal(d.text, "r1[|]");
    assert_int_equal(srt_store_generation(st1), gen);

    assert_int_equal(srt_store_commit(st2, err), SRT_STORE_OK);

    assert_int_equal(srt_store_begin(st1, err), SRT_STORE_OK);
    put_route(st1, "r3", "three");
    assert_int_equal(srt_store_commit(st1, err), SRT_STORE_OK);

    expect_dump(st1, "r1[|] r2[|] r3[|]");
    expect_dump(st2, "r1[|] r2[|] r3[|]");
    assert_int_equal(srt_store_generation(st2), gen + 2);

    check_and_close(st2);
    check_and_close(st1);
}


/* a database of schema version 1 gets the SCTE-35 tables, routes kept */
static void
test_migrate_v1(void **state)
{
    srt_store_t       *st;
    srt_store_info_t   info;
    char               err[SRT_STORE_ERR_LEN];

    (void) state;

    st = open_store("v1");
    put_route(st, "r1", "one");
    srt_store_close(st);

    raw_exec("v1", "DROP TABLE cues");
    raw_exec("v1", "DROP TABLE schedule");
    raw_exec("v1", "PRAGMA user_version = 1");

    st = open_store("v1");
    assert_int_equal(srt_store_info(st, &info, err), SRT_STORE_OK);
    assert_int_equal(info.migrated_from, 1);
    assert_int_equal(info.schema_version, 2);
    assert_int_equal(raw_int("v1", "SELECT count(*) FROM routes"), 1);
    assert_int_equal(raw_int("v1", "SELECT count(*) FROM cues"), 0);
    srt_store_close(st);
}


static int
cue_collect(void *data, const srt_cue_t *c)
{
    char  *out = data;

    sprintf(out + strlen(out), "%lld:%s:%s:%s:%lld;", (long long) c->seq,
            c->route, c->source, c->result, (long long) c->splice_pts);
    return 0;
}


static void
test_cue_log(void **state)
{
    int               i;
    char              err[SRT_STORE_ERR_LEN], out[2048];
    int64_t           seq, next;
    srt_cue_t         c;
    srt_store_t      *st;
    srt_cue_store_t  *cs;

    (void) state;

    st = open_store("cues");
    cs = srt_cue_store_open(st, err);
    assert_non_null(cs);

    memset(&c, 0, sizeof(srt_cue_t));

    for (i = 1; i <= 6; i++) {
        c.ts_ms = 1000 * i;
        c.route = (i % 2) ? "a" : "b";
        c.source = (i == 3) ? "input" : "api";
        c.hex = "fc30";
        c.decoded = "{\"command\":\"splice_null\"}";
        c.splice_pts = (i == 2) ? -1 : i * 100;
        c.result = "queued";
        assert_int_equal(srt_cue_append(cs, &c, 5, &seq, err), SRT_STORE_OK);
        assert_int_equal(seq, i);
    }

    /* retention 5: the first is gone */
    assert_int_equal(raw_int("cues", "SELECT count(*) FROM cues"), 5);

    out[0] = '\0';
    assert_int_equal(srt_cue_list(cs, "a", NULL, 0, INT64_MAX, INT64_MAX, 10,
                                  cue_collect, out, &next, err),
                     SRT_STORE_OK);
    assert_string_equal(out, "5:a:api:queued:500;3:a:input:queued:300;");
    assert_int_equal(next, 0);

    out[0] = '\0';
    assert_int_equal(srt_cue_list(cs, NULL, "api", 0, INT64_MAX, INT64_MAX, 2,
                                  cue_collect, out, &next, err),
                     SRT_STORE_OK);
    assert_string_equal(out, "6:b:api:queued:600;5:a:api:queued:500;");
    assert_int_equal(next, 5);

    out[0] = '\0';
    assert_int_equal(srt_cue_list(cs, NULL, NULL, 2000, 4000, next, 10,
                                  cue_collect, out, &next, err),
                     SRT_STORE_OK);
    assert_string_equal(out, "4:b:api:queued:400;3:a:input:queued:300;"
                             "2:b:api:queued:-1;");

    srt_cue_store_close(cs);
    srt_store_close(st);
}


static int
sched_collect(void *data, const srt_sched_t *e)
{
    char  *out = data;

    sprintf(out + strlen(out), "%lld:%s:%lld:%s;", (long long) e->id,
            e->route, (long long) e->start_ms, e->state);
    return 0;
}


static void
test_schedule(void **state)
{
    char              err[SRT_STORE_ERR_LEN], out[2048];
    int64_t           id;
    srt_store_t      *st;
    srt_cue_store_t  *cs;

    (void) state;

    st = open_store("sched");
    cs = srt_cue_store_open(st, err);
    assert_non_null(cs);

    assert_int_equal(srt_sched_add(cs, "a", 5000, "{}", 1, &id, err),
                     SRT_STORE_OK);
    assert_int_equal(id, 1);
    assert_int_equal(srt_sched_add(cs, "b", 3000, "{}", 1, &id, err),
                     SRT_STORE_OK);
    assert_int_equal(srt_sched_add(cs, "a", 9000, "{}", 1, &id, err),
                     SRT_STORE_OK);

    out[0] = '\0';
    assert_int_equal(srt_sched_due(cs, 5000, sched_collect, out, err),
                     SRT_STORE_OK);
    assert_string_equal(out, "2:b:3000:pending;1:a:5000:pending;");

    /* one worker takes it, the next one finds it gone */
    assert_int_equal(srt_sched_finish(cs, 2, NULL, "fired", 3001, NULL, err),
                     SRT_STORE_OK);
    assert_int_equal(srt_sched_finish(cs, 2, NULL, "fired", 3002, NULL, err),
                     SRT_STORE_CONFLICT);
    assert_int_equal(srt_sched_finish(cs, 1, "b", "cancelled", 3003, NULL,
                                      err),
                     SRT_STORE_NOT_FOUND);
    assert_int_equal(srt_sched_finish(cs, 99, NULL, "missed", 1, "x", err),
                     SRT_STORE_NOT_FOUND);

    out[0] = '\0';
    assert_int_equal(srt_sched_list(cs, "a", NULL, sched_collect, out, err),
                     SRT_STORE_OK);
    assert_string_equal(out, "1:a:5000:pending;3:a:9000:pending;");

    out[0] = '\0';
    assert_int_equal(srt_sched_list(cs, NULL, "fired", sched_collect, out,
                                    err),
                     SRT_STORE_OK);
    assert_string_equal(out, "2:b:3000:fired;");

    srt_cue_store_close(cs);
    srt_store_close(st);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_open_schema),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_route_crud),
        cmocka_unit_test(test_route_conflicts),
        cmocka_unit_test(test_delete_cascades),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_generation),
        cmocka_unit_test(test_routes_order),
        cmocka_unit_test(test_audit_list),
        cmocka_unit_test(test_audit_trim),
        cmocka_unit_test(test_busy),
        cmocka_unit_test(test_migrate_v1),
        cmocka_unit_test(test_cue_log),
        cmocka_unit_test(test_schedule),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
