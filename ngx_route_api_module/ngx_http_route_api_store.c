/*
 * Routes made through the API: their desired state in SQLite (srt_store.c,
 * one connection per worker), the calls that change it, the audit log, and
 * the reconciler that hands the desired state to the srt module.
 *
 * A mutating request validates its body, then in one transaction: reads
 * the state before, writes, reads the state after, appends the audit event,
 * trims the audit log, bumps the generation, commits.  On any error it rolls
 * back: nothing is half applied.  After the commit every worker is woken
 * (ngx_srt_desired_changed) and reconciles.
 *
 * SQLite runs on the event loop: statements are prepared, transactions are
 * short and the WAL journal lets readers go on during a write.  A write that
 * cannot get the lock within the busy timeout is answered 503.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_route_api.h"
#include "srt_store.h"


#define NGX_ROUTE_API_BUSY_MS    500


/* an input or output from a request body */
typedef struct {
    char                      id[SRT_STORE_ID_LEN + 1];
    ngx_str_t                 url;
    ngx_int_t                 priority;
    ngx_uint_t                enabled;
    ngx_addr_t                addr;
    ngx_srt_bind_e            bind;          /* what it binds here */
    ngx_uint_t                has_url;       /* 2: kept from before */
    unsigned                  has_id:1;
    unsigned                  has_priority:1;
    unsigned                  has_enabled:1;
} ngx_route_api_ep_t;


typedef struct {
    ngx_pool_t               *pool;
    ngx_array_t              *desired;       /* ngx_srt_route_desc_t */
    int64_t                   generation;
} ngx_route_api_reconcile_t;


typedef struct {
    json_t                   *json;          /* array, or the one route */
    ngx_uint_t                state;         /* add the live state */
} ngx_route_api_load_t;


typedef struct {
    ngx_pool_t               *pool;
    ngx_addr_t               *addr;
    ngx_srt_bind_e            bind;
    ngx_uint_t                output;
    const char               *route;         /* skip this route's ... */
    const char               *id;            /* ... endpoint of this id */
    ngx_route_api_fail_t     *fail;
    const char               *field;
} ngx_route_api_ports_t;


/* an output as stored: its URL with the secret */
typedef struct {
    const char               *id;
    ngx_pool_t               *pool;
    ngx_str_t                 url;
} ngx_route_api_find_t;


static int64_t ngx_route_api_reconcile(ngx_cycle_t *cycle);
static int ngx_route_api_reconcile_route(void *data,
    const srt_store_route_t *route);
static ngx_int_t ngx_route_api_copy(ngx_pool_t *pool, ngx_str_t *dst,
    const char *src);
static int ngx_route_api_load_route(void *data,
    const srt_store_route_t *route);
static json_t *ngx_route_api_route_json(const srt_store_route_t *route,
    ngx_uint_t state);
static json_t *ngx_route_api_ep_json(const srt_store_endpoint_t *e,
    ngx_uint_t output);
static void ngx_route_api_ep_state(json_t *o, ngx_srt_route_t *rt,
    ngx_uint_t output, ngx_uint_t route_enabled);
static json_t *ngx_route_api_redacted(const char *url);
static ngx_int_t ngx_route_api_load(const char *id, ngx_uint_t state,
    json_t **route, ngx_route_api_fail_t *fail);
static json_t *ngx_route_api_find_ep(json_t *route, ngx_uint_t output,
    const char *id);
static ngx_int_t ngx_route_api_parse_ep(ngx_pool_t *pool, json_t *o,
    ngx_uint_t output, const char *prefix, ngx_uint_t partial,
    ngx_route_api_ep_t *ep, ngx_route_api_fail_t *fail);
static ngx_int_t ngx_route_api_check_id(const char *id, const char *field,
    ngx_route_api_fail_t *fail);
static ngx_int_t ngx_route_api_config_route(ngx_str_t *name,
    ngx_route_api_fail_t *fail);
static ngx_int_t ngx_route_api_get(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
static ngx_int_t ngx_route_api_writable(ngx_str_t *name, char *id,
    ngx_route_api_fail_t *fail);
static ngx_int_t ngx_route_api_check_ports(ngx_pool_t *pool,
    ngx_route_api_ep_t *ep, const char *route, ngx_uint_t output,
    const char *field, ngx_route_api_fail_t *fail);
static int ngx_route_api_ports_check(ngx_route_api_ports_t *pc,
    const srt_store_route_t *route, const srt_store_endpoint_t *e,
    ngx_uint_t output);
static ngx_int_t ngx_route_api_check_moved(ngx_pool_t *pool,
    const char *route, const char *id, ngx_route_api_fail_t *fail);
static int ngx_route_api_find_output(void *data,
    const srt_store_route_t *route);
static int ngx_route_api_ports_route(void *data,
    const srt_store_route_t *route);
static void ngx_route_api_next_id(json_t *route, ngx_uint_t output,
    ngx_array_t *taken, char *id);
static ngx_int_t ngx_route_api_put_ep(ngx_pool_t *pool, const char *route,
    ngx_uint_t output, ngx_route_api_ep_t *ep, ngx_uint_t create_only,
    const char *field, ngx_route_api_fail_t *fail);
static ngx_int_t ngx_route_api_begin(ngx_route_api_fail_t *fail);
static ngx_int_t ngx_route_api_finish(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx, const char *action, const char *route,
    json_t *before, json_t *after, ngx_uint_t status,
    ngx_route_api_fail_t *fail);
static ngx_int_t ngx_route_api_created(ngx_http_request_t *r, json_t *json,
    const char *id);
static int ngx_route_api_audit_event(void *data, const srt_store_audit_t *a);


/* this worker's connection, opened after fork */
static srt_store_t  *ngx_route_api_st;


srt_store_t *
ngx_http_route_api_db(void)
{
    return ngx_route_api_st;
}


ngx_int_t
ngx_http_route_api_store_init(ngx_cycle_t *cycle)
{
    char                             err[SRT_STORE_ERR_LEN];
    ngx_uint_t                       tries;
    ngx_http_route_api_main_conf_t  *amcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_route_api_module);

    if (amcf == NULL || !amcf->enabled) {
        return NGX_OK;
    }

    /*
     * Workers start together: while one creates or migrates a new file,
     * the others may find it locked beyond the busy timeout (switching to
     * WAL does not wait).  They try again for a few seconds.
     */

    for (tries = 0; tries < 40; tries++) {
        ngx_route_api_st = srt_store_open((char *) amcf->db.data,
                                          NGX_ROUTE_API_BUSY_MS, err);

        if (ngx_route_api_st || ngx_strstr(err, "busy") == NULL) {
            break;
        }

        ngx_msleep(50 + ngx_random() % 50);
    }

    if (ngx_route_api_st == NULL) {
        /* routes of nginx.conf go on; the API answers 503 for its own */
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                      "route_api_db \"%V\": %s", &amcf->db, err);
        return NGX_OK;
    }

    ngx_srt_reconcile = ngx_route_api_reconcile;

    /* a new or respawned worker: take up the desired state now */
    ngx_srt_runtime_check(cycle, 1);

    return NGX_OK;
}


void
ngx_http_route_api_store_exit(ngx_cycle_t *cycle)
{
    ngx_srt_reconcile = NULL;

    if (ngx_route_api_st) {
        srt_store_close(ngx_route_api_st);
        ngx_route_api_st = NULL;
    }
}


/* the reconciler: the desired state of all API routes, from one snapshot */

static int64_t
ngx_route_api_reconcile(ngx_cycle_t *cycle)
{
    int                         rc;
    char                        err[SRT_STORE_ERR_LEN];
    int64_t                     before;
    ngx_route_api_reconcile_t   rec;

    /* read first: if the snapshot below is newer, we only do more work */
    before = srt_store_generation(ngx_route_api_st);

    rec.pool = ngx_create_pool(16384, cycle->log);
    if (rec.pool == NULL) {
        return -1;
    }

    rec.generation = -1;
    rec.desired = ngx_array_create(rec.pool, 16,
                                   sizeof(ngx_srt_route_desc_t));
    if (rec.desired == NULL) {
        ngx_destroy_pool(rec.pool);
        return -1;
    }

    rc = srt_store_routes(ngx_route_api_st, NULL,
                          ngx_route_api_reconcile_route, &rec, err);

    if (rc != SRT_STORE_OK || before < 0) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "route api: cannot read the desired state, will "
                      "retry: %s", err);
        ngx_destroy_pool(rec.pool);
        return -1;
    }

    (void) ngx_srt_runtime_apply(cycle, rec.desired);

    ngx_destroy_pool(rec.pool);

    return rec.generation >= 0 ? rec.generation : before;
}


static int
ngx_route_api_reconcile_route(void *data, const srt_store_route_t *route)
{
    ngx_route_api_reconcile_t *rec = data;

    size_t                     i, k;
    ngx_array_t               *a;
    ngx_srt_route_desc_t      *d;
    srt_store_endpoint_t      *src;
    ngx_srt_endpoint_desc_t   *e;

    rec->generation = srt_store_generation(ngx_route_api_st);

    d = ngx_array_push(rec->desired);
    if (d == NULL) {
        return 1;
    }

    ngx_memzero(d, sizeof(ngx_srt_route_desc_t));

    if (ngx_route_api_copy(rec->pool, &d->name, route->name) != NGX_OK
        || ngx_array_init(&d->inputs, rec->pool, route->ninputs + 1,
                          sizeof(ngx_srt_endpoint_desc_t)) != NGX_OK
        || ngx_array_init(&d->outputs, rec->pool, route->noutputs + 1,
                          sizeof(ngx_srt_endpoint_desc_t)) != NGX_OK)
    {
        return 1;
    }

    d->enabled = route->enabled;

    for (k = 0; k < 2; k++) {
        a = k ? &d->outputs : &d->inputs;
        src = k ? route->outputs : route->inputs;

        for (i = 0; i < (k ? route->noutputs : route->ninputs); i++) {
            e = ngx_array_push(a);
            if (e == NULL
                || ngx_route_api_copy(rec->pool, &e->id, src[i].id) != NGX_OK
                || ngx_route_api_copy(rec->pool, &e->url, src[i].url)
                   != NGX_OK)
            {
                return 1;
            }

            e->priority = src[i].priority;
            e->enabled = src[i].enabled;
        }
    }

    return 0;
}


static ngx_int_t
ngx_route_api_copy(ngx_pool_t *pool, ngx_str_t *dst, const char *src)
{
    dst->len = ngx_strlen(src);
    dst->data = ngx_pnalloc(pool, dst->len + 1);

    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(dst->data, src, dst->len + 1);

    return NGX_OK;
}


/* JSON views of the desired state, with the live state when asked */

static int
ngx_route_api_load_route(void *data, const srt_store_route_t *route)
{
    ngx_route_api_load_t *ld = data;

    json_t  *j;

    j = ngx_route_api_route_json(route, ld->state);
    if (j == NULL) {
        return 1;
    }

    if (json_is_array(ld->json)) {
        json_array_append_new(ld->json, j);

    } else {
        ld->json = j;
    }

    return 0;
}


static json_t *
ngx_route_api_route_json(const srt_store_route_t *route, ngx_uint_t state)
{
    json_t           *j, *inputs, *outputs, *o;
    size_t            i;
    ngx_str_t         name;
    ngx_srt_route_t  *rt;

    inputs = json_array();
    outputs = json_array();

    for (i = 0; i < route->ninputs; i++) {
        json_array_append_new(inputs,
                              ngx_route_api_ep_json(&route->inputs[i], 0));
    }

    for (i = 0; i < route->noutputs; i++) {
        json_array_append_new(outputs,
                              ngx_route_api_ep_json(&route->outputs[i], 1));
    }

    j = json_pack("{s:s, s:s, s:b, s:s, s:I, s:I, s:o, s:o}",
                  "id", route->id,
                  "name", route->name,
                  "enabled", route->enabled,
                  "source", "api",
                  "created", (json_int_t) route->created_ms,
                  "updated", (json_int_t) route->updated_ms,
                  "inputs", inputs,
                  "outputs", outputs);

    if (j == NULL || !state) {
        return j;
    }

    name.data = (u_char *) route->name;
    name.len = ngx_strlen(route->name);

    rt = route->enabled ? ngx_srt_find_route((ngx_cycle_t *) ngx_cycle, &name)
                        : NULL;

    if (rt && rt->api) {
        ngx_http_route_api_route_state(j, rt);

    } else {
        json_object_set_new(j, "status",
                            json_string(route->enabled ? "starting"
                                                       : "disabled"));
        rt = NULL;
    }

    for (i = 0; i < json_array_size(inputs); i++) {
        o = json_array_get(inputs, i);
        ngx_route_api_ep_state(o, rt, 0, route->enabled);
    }

    for (i = 0; i < json_array_size(outputs); i++) {
        o = json_array_get(outputs, i);
        ngx_route_api_ep_state(o, rt, 1, route->enabled);
    }

    return j;
}


static json_t *
ngx_route_api_ep_json(const srt_store_endpoint_t *e, ngx_uint_t output)
{
    json_t  *j;

    j = json_pack("{s:s, s:o, s:b}",
                  "id", e->id,
                  "url", ngx_route_api_redacted(e->url),
                  "enabled", e->enabled);

    if (j && !output) {
        json_object_set_new(j, "priority", json_integer(e->priority));
    }

    return j;
}


/* the live counters of the endpoint o describes, from this worker's view */

static void
ngx_route_api_ep_state(json_t *o, ngx_srt_route_t *rt, ngx_uint_t output,
    ngx_uint_t route_enabled)
{
    json_t             *live;
    ngx_str_t           id;
    ngx_uint_t          i;
    const char         *status;
    ngx_srt_input_t   **inp;
    ngx_srt_output_t  **outp;

    id.data = (u_char *) json_string_value(json_object_get(o, "id"));
    id.len = ngx_strlen(id.data);

    live = NULL;

    if (rt && !output) {
        inp = rt->inputs.elts;

        for (i = 0; i < rt->inputs.nelts; i++) {
            if (inp[i]->id.len == id.len
                && ngx_strncmp(inp[i]->id.data, id.data, id.len) == 0)
            {
                live = ngx_http_route_api_input(inp[i]);
                break;
            }
        }
    }

    if (rt && output) {
        outp = rt->outputs.elts;

        for (i = 0; i < rt->outputs.nelts; i++) {
            if (outp[i]->id.len == id.len
                && ngx_strncmp(outp[i]->id.data, id.data, id.len) == 0)
            {
                live = ngx_http_route_api_output(outp[i]);
                break;
            }
        }
    }

    if (live) {
        /* the desired fields win: url, enabled, priority */
        json_object_update_missing(o, live);
        json_decref(live);
        return;
    }

    if (!route_enabled || !json_is_true(json_object_get(o, "enabled"))) {
        status = "disabled";

    } else if (!output && rt) {
        status = "standby";     /* not run: over 8 inputs, or failed */

    } else {
        status = "starting";    /* not yet applied by this worker */
    }

    json_object_set_new(o, "status", json_string(status));
}


static json_t *
ngx_route_api_redacted(const char *url)
{
    char    buf[SRT_STORE_URL_LEN + 64];
    size_t  n;

    n = srt_url_redact(url, ngx_strlen(url), buf, sizeof(buf));

    return json_stringn(buf, n);
}


static ngx_int_t
ngx_route_api_load(const char *id, ngx_uint_t state, json_t **route,
    ngx_route_api_fail_t *fail)
{
    int                    rc;
    char                   err[SRT_STORE_ERR_LEN];
    ngx_route_api_load_t   ld;

    if (ngx_route_api_st == NULL) {
        ngx_route_api_fail(fail, NGX_HTTP_SERVICE_UNAVAILABLE, NULL,
                           "the API database is not open (see the error "
                           "log)");
        return NGX_ERROR;
    }

    ld.json = NULL;
    ld.state = state;

    rc = srt_store_routes(ngx_route_api_st, id, ngx_route_api_load_route,
                          &ld, err);

    if (rc != SRT_STORE_OK || ld.json == NULL) {
        if (rc == SRT_STORE_NOT_FOUND) {
            ngx_route_api_fail(fail, NGX_HTTP_NOT_FOUND, NULL,
                               "no such route \"%s\"", id);
            return NGX_DECLINED;
        }

        return ngx_route_api_store_fail(rc == SRT_STORE_OK ? SRT_STORE_ERROR
                                                           : rc,
                                        err, fail, NULL);
    }

    *route = ld.json;

    return NGX_OK;
}


static json_t *
ngx_route_api_find_ep(json_t *route, ngx_uint_t output, const char *id)
{
    json_t  *a, *e;
    size_t   i;

    a = json_object_get(route, output ? "outputs" : "inputs");

    json_array_foreach(a, i, e) {
        if (ngx_strcmp(json_string_value(json_object_get(e, "id")), id)
            == 0)
        {
            return e;
        }
    }

    return NULL;
}


/*
 * GET of a route, of its inputs or outputs, or of one of them: a route of
 * nginx.conf from shared memory, an API route from its desired state with
 * the live state.
 */

static ngx_int_t
ngx_route_api_get(ngx_http_request_t *r, ngx_http_route_api_ctx_t *ctx)
{
    char                   id[SRT_STORE_ID_LEN + 1];
    char                   eid[SRT_STORE_ID_LEN + 1];
    json_t                *route, *e;
    ngx_uint_t             output;
    ngx_srt_route_t       *rt;
    ngx_route_api_fail_t   fail;

    fail.status = 0;

    rt = ngx_srt_find_route((ngx_cycle_t *) ngx_cycle, &ctx->id[0]);

    if (rt && !rt->api) {
        route = ngx_http_route_api_route(rt);

    } else if (ngx_route_api_ctx_id(&ctx->id[0], id, &fail,
                                    NGX_HTTP_NOT_FOUND) != NGX_OK
               || ngx_route_api_load(id, 1, &route, &fail) != NGX_OK)
    {
        return ngx_route_api_failed(r, &fail);
    }

    if (ngx_strcmp(ctx->path->pattern, "/routes/{id}") == 0) {
        return ngx_http_route_api_send(r, NGX_HTTP_OK, route);
    }

    output = ngx_strstr(ctx->path->pattern, "/outputs") != NULL;

    if (ctx->id[1].len == 0) {
        e = json_object_get(route, output ? "outputs" : "inputs");

    } else if (ngx_route_api_ctx_id(&ctx->id[1], eid, &fail,
                                    NGX_HTTP_NOT_FOUND) == NGX_OK)
    {
        e = ngx_route_api_find_ep(route, output, eid);

    } else {
        e = NULL;
    }

    e = json_incref(e);
    json_decref(route);

    if (e == NULL) {
        return ngx_http_route_api_error(r, NGX_HTTP_NOT_FOUND,
                                        output ? "no such output"
                                               : "no such input");
    }

    return ngx_http_route_api_send(r, NGX_HTTP_OK, e);
}


/* a change of route {id}: not one of nginx.conf, and a valid id */

static ngx_int_t
ngx_route_api_writable(ngx_str_t *name, char *id, ngx_route_api_fail_t *fail)
{
    if (ngx_route_api_config_route(name, fail) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_route_api_ctx_id(name, id, fail, NGX_HTTP_NOT_FOUND);
}


/* GET /routes: nginx.conf's then the API's; POST /routes */

ngx_int_t
ngx_http_route_api_routes(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    int                    rc;
    char                   err[SRT_STORE_ERR_LEN], idbuf[SRT_STORE_ID_LEN + 1];
    char                   name[SRT_STORE_ID_LEN + 1];
    char                   field[NGX_ROUTE_API_FIELD_LEN];
    json_t                *json, *body, *v, *list, *after;
    size_t                 i;
    ngx_str_t              s;
    ngx_uint_t             k, output;
    const char            *key;
    ngx_array_t           *eps[2], *taken;
    ngx_srt_route_t      **rtp;
    ngx_route_api_ep_t    *ep;
    ngx_srt_main_conf_t   *mcf;
    ngx_route_api_load_t   ld;
    ngx_route_api_fail_t   fail;

    fail.status = 0;
    json = NULL;

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        json = json_array();
        mcf = ngx_srt_get_main_conf(ngx_cycle);

        if (mcf && mcf->enabled) {
            rtp = mcf->routes.elts;
            for (i = 0; i < mcf->routes.nelts; i++) {
                json_array_append_new(json, ngx_http_route_api_route(rtp[i]));
            }
        }

        if (ngx_route_api_st) {
            ld.json = json;
            ld.state = 1;

            rc = srt_store_routes(ngx_route_api_st, NULL,
                                  ngx_route_api_load_route, &ld, err);
            if (rc != SRT_STORE_OK) {
                json_decref(json);
                (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
                return ngx_route_api_failed(r, &fail);
            }
        }

        return ngx_http_route_api_send(r, NGX_HTTP_OK, json);
    }

    /* POST: a whole route */

    if (ngx_route_api_parse(ctx, &body, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    idbuf[0] = '\0';
    name[0] = '\0';

    json_object_foreach(body, key, v) {
        if (ngx_strcmp(key, "id") == 0 || ngx_strcmp(key, "name") == 0) {
            if (!json_is_string(v)
                || json_string_length(v) > SRT_STORE_ID_LEN)
            {
                ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, key,
                                   "\"%s\" must be a string of 1-%d "
                                   "letters, digits, \"_\", \"-\", \".\"",
                                   key, SRT_STORE_ID_LEN);
                goto failed;
            }

            ngx_cpystrn((u_char *) (key[0] == 'i' ? idbuf : name),
                        (u_char *) json_string_value(v),
                        SRT_STORE_ID_LEN + 1);

            if (ngx_route_api_check_id(json_string_value(v), key, &fail)
                != NGX_OK)
            {
                goto failed;
            }

        } else if (ngx_strcmp(key, "enabled") == 0) {
            if (!json_is_boolean(v)) {
                ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, key,
                                   "\"enabled\" must be true or false");
                goto failed;
            }

        } else if (ngx_strcmp(key, "inputs") == 0
                   || ngx_strcmp(key, "outputs") == 0)
        {
            if (!json_is_array(v)) {
                ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, key,
                                   "\"%s\" must be an array", key);
                goto failed;
            }

        } else {
            ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, key,
                               "unknown field \"%s\"", key);
            goto failed;
        }
    }

    if (ctx->id[0].len) {
        /* PUT /routes/{id}: the path names it */
        if (ngx_route_api_ctx_id(&ctx->id[0], field, &fail,
                                 NGX_HTTP_NOT_FOUND)
            != NGX_OK)
        {
            goto failed;
        }

        if (idbuf[0] && ngx_strcmp(idbuf, field) != 0) {
            ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, "id",
                               "the body's id \"%s\" is not the path's "
                               "\"%s\"", idbuf, field);
            goto failed;
        }

        ngx_cpystrn((u_char *) idbuf, (u_char *) field,
                    SRT_STORE_ID_LEN + 1);
    }

    if (idbuf[0] == '\0' && name[0] == '\0') {
        ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, "name",
                           "a route needs a \"name\" or an \"id\"");
        goto failed;
    }

    if (idbuf[0] == '\0') {
        ngx_cpystrn((u_char *) idbuf, (u_char *) name, SRT_STORE_ID_LEN + 1);
    }

    if (name[0] == '\0') {
        ngx_cpystrn((u_char *) name, (u_char *) idbuf, SRT_STORE_ID_LEN + 1);
    }

    s.data = (u_char *) name;
    s.len = ngx_strlen(name);

    if (ngx_route_api_config_route(&s, &fail) != NGX_OK) {
        goto failed;
    }

    s.data = (u_char *) idbuf;
    s.len = ngx_strlen(idbuf);

    if (ngx_route_api_config_route(&s, &fail) != NGX_OK) {
        goto failed;
    }

    /* the endpoints, checked before the transaction */

    taken = ngx_array_create(r->pool, 4, sizeof(char *));
    if (taken == NULL) {
        goto internal;
    }

    for (output = 0; output < 2; output++) {
        list = json_object_get(body, output ? "outputs" : "inputs");

        eps[output] = ngx_array_create(r->pool, json_array_size(list) + 1,
                                       sizeof(ngx_route_api_ep_t));
        if (eps[output] == NULL) {
            goto internal;
        }

        json_array_foreach(list, i, v) {
            ngx_snprintf((u_char *) field, sizeof(field), "%s[%uz]%Z",
                         output ? "outputs" : "inputs", i);

            ep = ngx_array_push(eps[output]);
            if (ep == NULL) {
                goto internal;
            }

            if (ngx_route_api_parse_ep(r->pool, v, output, field, 0, ep,
                                       &fail)
                != NGX_OK)
            {
                goto failed;
            }
        }

        /* ids: given ones must be unique, the others are the first free */

        taken->nelts = 0;
        ep = eps[output]->elts;

        for (k = 0; k < eps[output]->nelts; k++) {
            if (!ep[k].has_id) {
                continue;
            }

            for (i = 0; i < taken->nelts; i++) {
                if (ngx_strcmp(((char **) taken->elts)[i], ep[k].id) == 0) {
                    ngx_snprintf((u_char *) field, sizeof(field),
                                 "%s[%ui].id%Z",
                                 output ? "outputs" : "inputs", k);
                    ngx_route_api_fail(&fail, NGX_HTTP_CONFLICT, field,
                                       "duplicate id \"%s\"", ep[k].id);
                    goto failed;
                }
            }

            *(char **) ngx_array_push(taken) = ep[k].id;
        }

        for (k = 0; k < eps[output]->nelts; k++) {
            if (!ep[k].has_id) {
                ngx_route_api_next_id(NULL, output, taken, ep[k].id);
                *(char **) ngx_array_push(taken) = ep[k].id;
            }
        }
    }

    v = json_object_get(body, "enabled");

    if (ngx_route_api_begin(&fail) != NGX_OK) {
        goto failed;
    }

    json = NULL;

    if (ctx->id[0].len) {
        rc = ngx_route_api_load(idbuf, 0, &json, &fail);

        if (rc == NGX_ERROR) {
            goto rollback;
        }

        fail.status = 0;    /* not found: PUT creates it */
    }

    /* PUT replaces: endpoints not in the body go */

    if (json) {
        for (output = 0; output < 2; output++) {
            list = json_object_get(json, output ? "outputs" : "inputs");

            json_array_foreach(list, i, after) {
                key = json_string_value(json_object_get(after, "id"));
                ep = eps[output]->elts;

                for (k = 0; k < eps[output]->nelts; k++) {
                    if (ngx_strcmp(ep[k].id, key) == 0) {
                        break;
                    }
                }

                if (k < eps[output]->nelts) {
                    continue;
                }

                rc = srt_store_endpoint_delete(ngx_route_api_st, output,
                                               idbuf, key, err);
                if (rc != SRT_STORE_OK) {
                    (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
                    goto rollback;
                }
            }
        }
    }

    rc = srt_store_route_put(ngx_route_api_st, idbuf, name,
                             v ? json_is_true(v) : 1, NULL,
                             (int64_t) ngx_srt_unix_msec(), json == NULL,
                             err);
    if (rc != SRT_STORE_OK) {
        if (rc == SRT_STORE_CONFLICT) {
            ngx_route_api_fail(&fail, NGX_HTTP_CONFLICT, "name", "%s", err);

        } else {
            (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
        }

        goto rollback;
    }

    for (output = 0; output < 2; output++) {
        ep = eps[output]->elts;

        for (k = 0; k < eps[output]->nelts; k++) {
            ngx_snprintf((u_char *) field, sizeof(field), "%s[%ui]%Z",
                         output ? "outputs" : "inputs", k);

            if (ngx_route_api_put_ep(r->pool, idbuf, output, &ep[k], 0,
                                     field, &fail)
                != NGX_OK)
            {
                goto rollback;
            }
        }
    }

    if (ngx_route_api_load(idbuf, 0, &after, &fail) != NGX_OK) {
        goto rollback;
    }

    json_decref(body);

    k = json ? NGX_HTTP_OK : NGX_HTTP_CREATED;

    return ngx_route_api_finish(r, ctx,
                                json ? "route.replace" : "route.create",
                                idbuf, json, after, k, &fail);

rollback:

    srt_store_rollback(ngx_route_api_st);

    if (json) {
        json_decref(json);
    }

failed:

    json_decref(body);

    return ngx_route_api_failed(r, &fail);

internal:

    json_decref(body);

    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}


/* GET, PUT, PATCH, DELETE /routes/{id} */

ngx_int_t
ngx_http_route_api_route_item(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    int                    rc;
    char                   id[SRT_STORE_ID_LEN + 1], err[SRT_STORE_ERR_LEN];
    char                   name[SRT_STORE_ID_LEN + 1];
    json_t                *body, *before, *after, *v;
    ngx_int_t              enabled;
    const char            *key;
    ngx_route_api_fail_t   fail;

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        return ngx_route_api_get(r, ctx);
    }

    fail.status = 0;

    if (ngx_route_api_writable(&ctx->id[0], id, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    if (r->method == NGX_HTTP_PUT) {
        return ngx_http_route_api_routes(r, ctx);
    }

    body = NULL;
    enabled = -1;
    name[0] = '\0';

    if (r->method == NGX_HTTP_PATCH) {
        if (ngx_route_api_parse(ctx, &body, &fail) != NGX_OK) {
            return ngx_route_api_failed(r, &fail);
        }

        json_object_foreach(body, key, v) {
            if (ngx_strcmp(key, "enabled") == 0 && json_is_boolean(v)) {
                enabled = json_is_true(v);

            } else if (ngx_strcmp(key, "name") == 0 && json_is_string(v)
                       && json_string_length(v) <= SRT_STORE_ID_LEN)
            {
                ngx_cpystrn((u_char *) name, (u_char *) json_string_value(v),
                            SRT_STORE_ID_LEN + 1);

                if (ngx_route_api_check_id(name, "name", &fail) != NGX_OK) {
                    goto failed;
                }

            } else {
                ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, key,
                                   ngx_strcmp(key, "enabled") == 0
                                   ? "\"enabled\" must be true or false"
                                   : ngx_strcmp(key, "name") == 0
                                     ? "\"name\" must be a valid name"
                                     : "unknown field (PATCH takes \"name\" "
                                       "and \"enabled\")");
                goto failed;
            }
        }

        if (name[0]) {
            ngx_str_t  s = { ngx_strlen(name), (u_char *) name };

            if (ngx_route_api_config_route(&s, &fail) != NGX_OK) {
                goto failed;
            }
        }
    }

    if (ngx_route_api_begin(&fail) != NGX_OK) {
        goto failed;
    }

    if (ngx_route_api_load(id, 0, &before, &fail) != NGX_OK) {
        goto rollback;
    }

    if (r->method == NGX_HTTP_DELETE) {
        rc = srt_store_route_delete(ngx_route_api_st, id, err);
        after = NULL;

    } else {
        rc = srt_store_route_put(ngx_route_api_st, id,
                 name[0] ? name
                         : json_string_value(json_object_get(before, "name")),
                 enabled >= 0 ? (int) enabled
                              : json_is_true(json_object_get(before,
                                                             "enabled")),
                 NULL, (int64_t) ngx_srt_unix_msec(), 0, err);
    }

    if (rc != SRT_STORE_OK) {
        json_decref(before);
        (void) ngx_route_api_store_fail(rc, err, &fail, "name");
        goto rollback;
    }

    if (r->method != NGX_HTTP_DELETE
        && ngx_route_api_load(id, 0, &after, &fail) != NGX_OK)
    {
        json_decref(before);
        goto rollback;
    }

    if (body) {
        json_decref(body);
    }

    return ngx_route_api_finish(r, ctx,
                                r->method == NGX_HTTP_DELETE
                                ? "route.delete" : "route.update",
                                id, before, after,
                                r->method == NGX_HTTP_DELETE
                                ? NGX_HTTP_NO_CONTENT : NGX_HTTP_OK, &fail);

rollback:

    srt_store_rollback(ngx_route_api_st);

failed:

    if (body) {
        json_decref(body);
    }

    return ngx_route_api_failed(r, &fail);
}


/* GET, POST /routes/{id}/inputs and /routes/{id}/outputs */

ngx_int_t
ngx_http_route_api_endpoints(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    char                   id[SRT_STORE_ID_LEN + 1];
    json_t                *body, *route, *e, *after;
    ngx_uint_t             output;
    ngx_route_api_ep_t     ep;
    ngx_route_api_fail_t   fail;

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        return ngx_route_api_get(r, ctx);
    }

    /* POST */

    fail.status = 0;
    output = ngx_strstr(ctx->path->pattern, "/outputs") != NULL;

    if (ngx_route_api_writable(&ctx->id[0], id, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    if (ngx_route_api_parse(ctx, &body, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    if (ngx_route_api_parse_ep(r->pool, body, output, "", 0, &ep, &fail)
        != NGX_OK)
    {
        json_decref(body);
        return ngx_route_api_failed(r, &fail);
    }

    json_decref(body);

    if (ngx_route_api_begin(&fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    if (ngx_route_api_load(id, 0, &route, &fail) != NGX_OK) {
        goto rollback;
    }

    if (!ep.has_id) {
        ngx_route_api_next_id(route, output, NULL, ep.id);
    }

    e = ngx_route_api_find_ep(route, output, ep.id);
    json_decref(route);

    if (e) {
        ngx_route_api_fail(&fail, NGX_HTTP_CONFLICT, "id",
                           "route \"%s\" already has an %s \"%s\"", id,
                           output ? "output" : "input", ep.id);
        goto rollback;
    }

    if (ngx_route_api_put_ep(r->pool, id, output, &ep, 1, "", &fail)
        != NGX_OK)
    {
        goto rollback;
    }

    if (ngx_route_api_load(id, 0, &route, &fail) != NGX_OK) {
        goto rollback;
    }

    after = json_incref(ngx_route_api_find_ep(route, output, ep.id));
    json_decref(route);

    return ngx_route_api_finish(r, ctx,
                                output ? "output.create" : "input.create",
                                id, NULL, after, NGX_HTTP_CREATED, &fail);

rollback:

    srt_store_rollback(ngx_route_api_st);

    return ngx_route_api_failed(r, &fail);
}


/* GET, PUT, PATCH, DELETE /routes/{id}/inputs/{iid}, .../outputs/{oid} */

ngx_int_t
ngx_http_route_api_endpoint(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    int                    rc;
    char                   id[SRT_STORE_ID_LEN + 1], eid[SRT_STORE_ID_LEN + 1];
    char                   err[SRT_STORE_ERR_LEN];
    json_t                *body, *route, *before, *after;
    ngx_uint_t             output, status;
    const char            *action;
    ngx_route_api_ep_t     ep;
    ngx_route_api_fail_t   fail;

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        return ngx_route_api_get(r, ctx);
    }

    fail.status = 0;
    output = ngx_strstr(ctx->path->pattern, "/outputs") != NULL;

    if (ngx_route_api_writable(&ctx->id[0], id, &fail) != NGX_OK
        || ngx_route_api_ctx_id(&ctx->id[1], eid, &fail, NGX_HTTP_NOT_FOUND)
           != NGX_OK)
    {
        return ngx_route_api_failed(r, &fail);
    }

    ngx_memzero(&ep, sizeof(ngx_route_api_ep_t));

    if (r->method != NGX_HTTP_DELETE) {
        if (ngx_route_api_parse(ctx, &body, &fail) != NGX_OK) {
            return ngx_route_api_failed(r, &fail);
        }

        rc = ngx_route_api_parse_ep(r->pool, body, output, "",
                                    r->method == NGX_HTTP_PATCH, &ep, &fail);
        json_decref(body);

        if (rc != NGX_OK) {
            return ngx_route_api_failed(r, &fail);
        }

        if (ep.has_id && ngx_strcmp(ep.id, eid) != 0) {
            ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, "id",
                               "the body's id \"%s\" is not the path's "
                               "\"%s\"", ep.id, eid);
            return ngx_route_api_failed(r, &fail);
        }
    }

    ngx_cpystrn((u_char *) ep.id, (u_char *) eid, sizeof(ep.id));

    if (ngx_route_api_begin(&fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    if (ngx_route_api_load(id, 0, &route, &fail) != NGX_OK) {
        goto rollback;
    }

    before = json_incref(ngx_route_api_find_ep(route, output, eid));
    json_decref(route);

    if (before == NULL && r->method != NGX_HTTP_PUT) {
        ngx_route_api_fail(&fail, NGX_HTTP_NOT_FOUND, NULL,
                           "route \"%s\" has no %s \"%s\"", id,
                           output ? "output" : "input", eid);
        goto rollback;
    }

    if (r->method == NGX_HTTP_DELETE) {
        rc = srt_store_endpoint_delete(ngx_route_api_st, output, id, eid,
                                       err);
        if (rc != SRT_STORE_OK) {
            json_decref(before);
            (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
            goto rollback;
        }

        after = NULL;
        action = output ? "output.delete" : "input.delete";
        status = NGX_HTTP_NO_CONTENT;

    } else {
        if (r->method == NGX_HTTP_PATCH) {
            /* what the body leaves out stays as it is */
            if (!ep.has_url) {
                ep.url.data = (u_char *) json_string_value(
                                  json_object_get(before, "url"));
                ep.url.len = ngx_strlen(ep.url.data);

                /* the stored URL, not the redacted one */
                ep.has_url = 2;
            }

            if (!ep.has_enabled) {
                ep.enabled = json_is_true(json_object_get(before,
                                                          "enabled"));
            }

            if (!ep.has_priority) {
                ep.priority = json_integer_value(
                                  json_object_get(before, "priority"));
            }
        }

        if (ngx_route_api_put_ep(r->pool, id, output, &ep, 0, "", &fail)
            != NGX_OK)
        {
            if (before) {
                json_decref(before);
            }

            goto rollback;
        }

        if (ngx_route_api_load(id, 0, &route, &fail) != NGX_OK) {
            if (before) {
                json_decref(before);
            }

            goto rollback;
        }

        after = json_incref(ngx_route_api_find_ep(route, output, eid));
        json_decref(route);

        status = before ? NGX_HTTP_OK : NGX_HTTP_CREATED;
        action = r->method == NGX_HTTP_PATCH
                 ? (output ? "output.update" : "input.update")
                 : before ? (output ? "output.replace" : "input.replace")
                          : (output ? "output.create" : "input.create");
    }

    return ngx_route_api_finish(r, ctx, action, id, before, after, status,
                                &fail);

rollback:

    srt_store_rollback(ngx_route_api_st);

    return ngx_route_api_failed(r, &fail);
}


/* POST /routes/{id}/outputs/{oid}/move {"route": "..."} */

ngx_int_t
ngx_http_route_api_move(ngx_http_request_t *r, ngx_http_route_api_ctx_t *ctx)
{
    int                    rc;
    char                   id[SRT_STORE_ID_LEN + 1], eid[SRT_STORE_ID_LEN + 1];
    char                   to[SRT_STORE_ID_LEN + 1], err[SRT_STORE_ERR_LEN];
    json_t                *body, *v, *route, *before, *after;
    ngx_str_t              s;
    const char            *key;
    ngx_route_api_fail_t   fail;

    fail.status = 0;

    if (ngx_route_api_writable(&ctx->id[0], id, &fail) != NGX_OK
        || ngx_route_api_ctx_id(&ctx->id[1], eid, &fail, NGX_HTTP_NOT_FOUND)
           != NGX_OK)
    {
        return ngx_route_api_failed(r, &fail);
    }

    if (ngx_route_api_parse(ctx, &body, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    to[0] = '\0';

    json_object_foreach(body, key, v) {
        if (ngx_strcmp(key, "route") != 0) {
            ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, key,
                               "unknown field \"%s\"", key);
            json_decref(body);
            return ngx_route_api_failed(r, &fail);
        }

        if (!json_is_string(v) || json_string_length(v) > SRT_STORE_ID_LEN
            || ngx_route_api_check_id(json_string_value(v), "route", &fail)
               != NGX_OK)
        {
            ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, "route",
                               "\"route\" must be a route id");
            json_decref(body);
            return ngx_route_api_failed(r, &fail);
        }

        ngx_cpystrn((u_char *) to, (u_char *) json_string_value(v),
                    sizeof(to));
    }

    json_decref(body);

    if (to[0] == '\0') {
        ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, "route",
                           "\"route\" is missing: the route to move to");
        return ngx_route_api_failed(r, &fail);
    }

    s.data = (u_char *) to;
    s.len = ngx_strlen(to);

    if (ngx_route_api_config_route(&s, &fail) != NGX_OK) {
        ngx_cpystrn((u_char *) fail.field, (u_char *) "route",
                    sizeof(fail.field));
        return ngx_route_api_failed(r, &fail);
    }

    if (ngx_route_api_begin(&fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    if (ngx_route_api_load(id, 0, &route, &fail) != NGX_OK) {
        goto rollback;
    }

    before = json_incref(ngx_route_api_find_ep(route, 1, eid));
    json_decref(route);

    if (before == NULL) {
        ngx_route_api_fail(&fail, NGX_HTTP_NOT_FOUND, NULL,
                           "route \"%s\" has no output \"%s\"", id, eid);
        goto rollback;
    }

    rc = srt_store_endpoint_move(ngx_route_api_st, id, eid, to, err);

    if (rc != SRT_STORE_OK) {
        json_decref(before);
        (void) ngx_route_api_store_fail(rc, err, &fail, "route");
        goto rollback;
    }

    if (ngx_route_api_check_moved(r->pool, to, eid, &fail) != NGX_OK) {
        json_decref(before);
        goto rollback;
    }

    if (ngx_route_api_load(to, 0, &route, &fail) != NGX_OK) {
        json_decref(before);
        goto rollback;
    }

    after = json_incref(ngx_route_api_find_ep(route, 1, eid));
    json_decref(route);

    if (after) {
        json_object_set_new(after, "route", json_string(to));
    }

    json_object_set_new(before, "route", json_string(id));

    return ngx_route_api_finish(r, ctx, "output.move", id, before, after,
                                NGX_HTTP_OK, &fail);

rollback:

    srt_store_rollback(ngx_route_api_st);

    return ngx_route_api_failed(r, &fail);
}


/* GET /audit?from=&to=&route=&action=&actor=&limit=&cursor= */

ngx_int_t
ngx_http_route_api_audit(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    int                      rc;
    char                     err[SRT_STORE_ERR_LEN], *s;
    json_t                  *events;
    int64_t                  v, next;
    srt_store_audit_query_t  q;
    ngx_route_api_fail_t     fail;

    fail.status = 0;

    if (ngx_route_api_st == NULL) {
        return ngx_http_route_api_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                        "the API database is not open "
                                        "(see the error log)");
    }

    ngx_memzero(&q, sizeof(srt_store_audit_query_t));
    q.limit = 100;

    if (ngx_route_api_arg_int(r, "from", &q.from_ms, 0, NGX_MAX_INT_T_VALUE,
                              &fail) != NGX_OK
        || ngx_route_api_arg_int(r, "to", &q.to_ms, 0, NGX_MAX_INT_T_VALUE,
                                 &fail) != NGX_OK
        || ngx_route_api_arg_int(r, "cursor", &q.after_seq, 0,
                                 NGX_MAX_INT_T_VALUE, &fail) != NGX_OK)
    {
        return ngx_route_api_failed(r, &fail);
    }

    v = q.limit;

    if (ngx_route_api_arg_int(r, "limit", &v, 1, 1000, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    q.limit = (int) v;

    if (ngx_route_api_arg_str(r, "route", &s) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    q.route = s;

    if (ngx_route_api_arg_str(r, "action", &s) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    q.action = s;

    if (ngx_route_api_arg_str(r, "actor", &s) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    q.actor = s;

    events = json_array();
    next = 0;

    rc = srt_store_audit_list(ngx_route_api_st, &q, ngx_route_api_audit_event,
                              events, &next, err);

    if (rc != SRT_STORE_OK) {
        json_decref(events);
        (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
        return ngx_route_api_failed(r, &fail);
    }

    return ngx_http_route_api_send(r, NGX_HTTP_OK,
               json_pack("{s:o, s:o}", "events", events,
                         "next_cursor", next ? json_integer(next)
                                             : json_null()));
}


static int
ngx_route_api_audit_event(void *data, const srt_store_audit_t *a)
{
    json_t *events = data;

    u_char      time[64];
    json_t     *e, *before, *after;
    ngx_tm_t    tm;

    ngx_gmtime((time_t) (a->ts_ms / 1000), &tm);
    ngx_sprintf(time, "%4d-%02d-%02dT%02d:%02d:%02d.%03dZ%Z",
                tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec,
                (int) (a->ts_ms % 1000));

    before = a->before ? json_loads(a->before, 0, NULL) : NULL;
    after = a->after ? json_loads(a->after, 0, NULL) : NULL;

    e = json_pack("{s:I, s:I, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:o?, s:o?,"
                  " s:i}",
                  "seq", (json_int_t) a->seq,
                  "ts_ms", (json_int_t) a->ts_ms,
                  "time", (char *) time,
                  "actor", a->actor,
                  "addr", a->addr,
                  "action", a->action,
                  "resource", a->resource,
                  "route", a->route,
                  "before", before ? before : json_null(),
                  "after", after ? after : json_null(),
                  "result", a->result);

    if (e == NULL) {
        return 1;
    }

    json_array_append_new(events, e);

    return 0;
}


ngx_int_t
ngx_route_api_arg_int(ngx_http_request_t *r, char *name, int64_t *value,
    int64_t min, int64_t max, ngx_route_api_fail_t *fail)
{
    ngx_str_t  arg;
    ngx_int_t  n;

    if (ngx_http_arg(r, (u_char *) name, ngx_strlen(name), &arg) != NGX_OK) {
        return NGX_OK;
    }

    n = ngx_atoi(arg.data, arg.len);

    if (n == NGX_ERROR || n < min || n > max) {
        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, name,
                           "\"%s\" must be an integer from %L to %L", name,
                           min, max);
        return NGX_ERROR;
    }

    *value = n;

    return NGX_OK;
}


ngx_int_t
ngx_route_api_arg_str(ngx_http_request_t *r, char *name, char **value)
{
    u_char     *dst, *src;
    ngx_str_t   arg;

    *value = NULL;

    if (ngx_http_arg(r, (u_char *) name, ngx_strlen(name), &arg) != NGX_OK) {
        return NGX_OK;
    }

    dst = ngx_pnalloc(r->pool, arg.len + 1);
    if (dst == NULL) {
        return NGX_ERROR;
    }

    *value = (char *) dst;
    src = arg.data;

    ngx_unescape_uri(&dst, &src, arg.len, NGX_UNESCAPE_URI);
    *dst = '\0';

    return NGX_OK;
}


/* request bodies */

ngx_int_t
ngx_route_api_parse(ngx_http_route_api_ctx_t *ctx, json_t **json,
    ngx_route_api_fail_t *fail)
{
    json_error_t  jerr;

    if (ngx_route_api_st == NULL) {
        ngx_route_api_fail(fail, NGX_HTTP_SERVICE_UNAVAILABLE, NULL,
                           "the API database is not open (see the error "
                           "log)");
        return NGX_ERROR;
    }

    *json = json_loadb((const char *) ctx->body.data, ctx->body.len,
                       JSON_REJECT_DUPLICATES, &jerr);

    if (*json == NULL) {
        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, NULL,
                           "malformed JSON: %s (line %d, column %d)",
                           jerr.text, jerr.line, jerr.column);
        return NGX_ERROR;
    }

    if (!json_is_object(*json)) {
        json_decref(*json);
        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, NULL,
                           "the body must be a JSON object");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * An input or output object.  prefix names it in errors ("outputs[2]", or
 * "" for a body that is the endpoint); partial: PATCH, the url may be left
 * out.  The URL is checked as the runtime will use it.
 */

static ngx_int_t
ngx_route_api_parse_ep(ngx_pool_t *pool, json_t *o, ngx_uint_t output,
    const char *prefix, ngx_uint_t partial, ngx_route_api_ep_t *ep,
    ngx_route_api_fail_t *fail)
{
    u_char       err[256];
    char         field[NGX_ROUTE_API_FIELD_LEN];
    json_t      *v;
    const char  *key, *dot;

    ngx_memzero(ep, sizeof(ngx_route_api_ep_t));
    ep->enabled = 1;

    dot = prefix[0] ? "." : "";

    if (!json_is_object(o)) {
        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, prefix,
                           "an %s must be a JSON object",
                           output ? "output" : "input");
        return NGX_ERROR;
    }

    json_object_foreach(o, key, v) {
        ngx_snprintf((u_char *) field, sizeof(field), "%s%s%s%Z", prefix,
                     dot, key);

        if (ngx_strcmp(key, "id") == 0) {
            if (!json_is_string(v)
                || json_string_length(v) > SRT_STORE_ID_LEN)
            {
                ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, field,
                                   "\"id\" must be a string of 1-%d "
                                   "letters, digits, \"_\", \"-\", \".\"",
                                   SRT_STORE_ID_LEN);
                return NGX_ERROR;
            }

            if (ngx_route_api_check_id(json_string_value(v), field, fail)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            ngx_cpystrn((u_char *) ep->id, (u_char *) json_string_value(v),
                        sizeof(ep->id));
            ep->has_id = 1;

        } else if (ngx_strcmp(key, "url") == 0) {
            if (!json_is_string(v) || json_string_length(v) == 0
                || json_string_length(v) > SRT_STORE_URL_LEN)
            {
                ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, field,
                                   "\"url\" must be a non-empty string");
                return NGX_ERROR;
            }

            ep->url.len = json_string_length(v);
            ep->url.data = ngx_pnalloc(pool, ep->url.len + 1);
            if (ep->url.data == NULL) {
                ngx_route_api_fail(fail, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                   NULL, "out of memory");
                return NGX_ERROR;
            }

            ngx_memcpy(ep->url.data, json_string_value(v), ep->url.len + 1);
            ep->has_url = 1;

        } else if (ngx_strcmp(key, "enabled") == 0) {
            if (!json_is_boolean(v)) {
                ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, field,
                                   "\"enabled\" must be true or false");
                return NGX_ERROR;
            }

            ep->enabled = json_is_true(v);
            ep->has_enabled = 1;

        } else if (!output && ngx_strcmp(key, "priority") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0
                || json_integer_value(v) > 1000)
            {
                ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, field,
                                   "\"priority\" must be an integer from 0 "
                                   "to 1000");
                return NGX_ERROR;
            }

            ep->priority = json_integer_value(v);
            ep->has_priority = 1;

        } else {
            ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, field,
                               "unknown field \"%s\"", key);
            return NGX_ERROR;
        }
    }

    ngx_snprintf((u_char *) field, sizeof(field), "%s%surl%Z", prefix, dot);

    if (!ep->has_url) {
        if (partial) {
            return NGX_OK;
        }

        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, field,
                           "\"url\" is missing");
        return NGX_ERROR;
    }

    if (ngx_srt_endpoint_check(pool, &ep->url, output, &ep->addr, &ep->bind,
                               err, sizeof(err))
        != NGX_OK)
    {
        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, field, "%s", err);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_route_api_check_id(const char *id, const char *field,
    ngx_route_api_fail_t *fail)
{
    const char  *p;

    for (p = id; *p; p++) {
        if (!(isalnum((u_char) *p) || *p == '_' || *p == '-' || *p == '.')) {
            break;
        }
    }

    if (p == id || *p || p - id > SRT_STORE_ID_LEN) {
        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, field,
                           "invalid %s \"%s\": use 1-%d letters, digits, "
                           "\"_\", \"-\" and \".\"", field, id,
                           SRT_STORE_ID_LEN);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* an id from the path: one that cannot exist is simply not found */

ngx_int_t
ngx_route_api_ctx_id(ngx_str_t *s, char *buf, ngx_route_api_fail_t *fail,
    ngx_uint_t status)
{
    ngx_uint_t  i;

    for (i = 0; i < s->len; i++) {
        if (!(isalnum(s->data[i]) || s->data[i] == '_' || s->data[i] == '-'
              || s->data[i] == '.'))
        {
            break;
        }
    }

    if (s->len == 0 || i < s->len || s->len > SRT_STORE_ID_LEN) {
        ngx_route_api_fail(fail, status, NULL, "no such resource \"%*s\"",
                           (size_t) ngx_min(s->len, 64), s->data);
        return NGX_ERROR;
    }

    ngx_memcpy(buf, s->data, s->len);
    buf[s->len] = '\0';

    return NGX_OK;
}


static ngx_int_t
ngx_route_api_config_route(ngx_str_t *name, ngx_route_api_fail_t *fail)
{
    ngx_srt_route_t  *rt;

    rt = ngx_srt_find_route((ngx_cycle_t *) ngx_cycle, name);

    if (rt && !rt->api) {
        ngx_route_api_fail(fail, NGX_HTTP_CONFLICT, NULL,
                           "route \"%*s\" is defined in nginx.conf and "
                           "read-only", name->len, name->data);
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * An input must not receive on a UDP port someone else receives on; an SRT
 * listener may share an SRT port on the same address with other routes
 * (the streamid picks the route), but a route has at most one listener
 * input and one listener output per port.
 */

static ngx_int_t
ngx_route_api_check_ports(ngx_pool_t *pool, ngx_route_api_ep_t *ep,
    const char *route, ngx_uint_t output, const char *field,
    ngx_route_api_fail_t *fail)
{
    u_char                 err[256];
    int                    rc;
    char                   serr[SRT_STORE_ERR_LEN];
    ngx_route_api_ports_t  pc;

    if (ngx_srt_config_conflict((ngx_cycle_t *) ngx_cycle, &ep->addr,
                                ep->bind == NGX_SRT_BIND_SRT, err,
                                sizeof(err)))
    {
        ngx_route_api_fail(fail, NGX_HTTP_CONFLICT, field, "%s", err);
        return NGX_ERROR;
    }

    pc.pool = pool;
    pc.addr = &ep->addr;
    pc.bind = ep->bind;
    pc.output = output;
    pc.route = route;
    pc.id = ep->id;
    pc.fail = fail;
    pc.field = field;

    rc = srt_store_routes(ngx_route_api_st, NULL, ngx_route_api_ports_route,
                          &pc, serr);

    if (rc != SRT_STORE_OK) {
        return ngx_route_api_store_fail(rc, serr, fail, NULL);
    }

    return fail->status ? NGX_ERROR : NGX_OK;
}


static int
ngx_route_api_ports_route(void *data, const srt_store_route_t *route)
{
    ngx_route_api_ports_t *pc = data;

    size_t  i;

    for (i = 0; i < route->ninputs; i++) {
        if (ngx_route_api_ports_check(pc, route, &route->inputs[i], 0)) {
            return 1;
        }
    }

    for (i = 0; i < route->noutputs; i++) {
        if (ngx_route_api_ports_check(pc, route, &route->outputs[i], 1)) {
            return 1;
        }
    }

    return 0;
}


static int
ngx_route_api_ports_check(ngx_route_api_ports_t *pc,
    const srt_store_route_t *route, const srt_store_endpoint_t *e,
    ngx_uint_t output)
{
    u_char          err[256];
    ngx_str_t       url;
    ngx_addr_t      addr;
    ngx_uint_t      same_route;
    const char     *what;
    ngx_srt_bind_e  bind;

    same_route = (ngx_strcmp(route->id, pc->route) == 0);

    if (same_route && output == pc->output
        && ngx_strcmp(e->id, pc->id) == 0)
    {
        return 0;       /* the endpoint being replaced */
    }

    url.data = (u_char *) e->url;
    url.len = ngx_strlen(url.data);

    if (ngx_srt_endpoint_check(pc->pool, &url, output, &addr, &bind, err,
                               sizeof(err))
        != NGX_OK
        || bind == NGX_SRT_BIND_NONE
        || ngx_inet_get_port(addr.sockaddr)
           != ngx_inet_get_port(pc->addr->sockaddr))
    {
        return 0;
    }

    what = output ? "output" : "input";

    if (bind == NGX_SRT_BIND_UDP || pc->bind == NGX_SRT_BIND_UDP) {
        if (!ngx_srt_addr_conflict(&addr, pc->addr)) {
            return 0;
        }

        ngx_route_api_fail(pc->fail, NGX_HTTP_CONFLICT, pc->field,
                           "UDP port %d is used by the %s%s \"%s\" of route "
                           "\"%s\"", (int) ngx_inet_get_port(addr.sockaddr),
                           bind == NGX_SRT_BIND_SRT ? "SRT listener " : "",
                           what, e->id, route->id);
        return 1;
    }

    if (ngx_cmp_sockaddr(addr.sockaddr, addr.socklen, pc->addr->sockaddr,
                         pc->addr->socklen, 1)
        != NGX_OK)
    {
        ngx_route_api_fail(pc->fail, NGX_HTTP_CONFLICT, pc->field,
                           "SRT port %d listens on another address for the "
                           "%s \"%s\" of route \"%s\"",
                           (int) ngx_inet_get_port(addr.sockaddr), what,
                           e->id, route->id);
        return 1;
    }

    if (same_route && output == pc->output) {
        ngx_route_api_fail(pc->fail, NGX_HTTP_CONFLICT, pc->field,
                           "route \"%s\" already has the SRT listener %s "
                           "\"%s\" on port %d: the streamid could not tell "
                           "them apart", route->id, what, e->id,
                           (int) ngx_inet_get_port(addr.sockaddr));
        return 1;
    }

    return 0;
}


/* an output moved to route: it must not clash with the route's own */

static ngx_int_t
ngx_route_api_check_moved(ngx_pool_t *pool, const char *route,
    const char *id, ngx_route_api_fail_t *fail)
{
    int                   rc;
    char                  err[SRT_STORE_ERR_LEN];
    u_char                cerr[256];
    ngx_route_api_ep_t    ep;
    ngx_route_api_find_t  find;

    find.id = id;
    find.pool = pool;
    ngx_str_null(&find.url);

    rc = srt_store_routes(ngx_route_api_st, route, ngx_route_api_find_output,
                          &find, err);

    if (rc != SRT_STORE_OK) {
        return ngx_route_api_store_fail(rc, err, fail, NULL);
    }

    if (find.url.data == NULL) {
        return NGX_OK;
    }

    ngx_memzero(&ep, sizeof(ngx_route_api_ep_t));
    ngx_cpystrn((u_char *) ep.id, (u_char *) id, sizeof(ep.id));
    ep.url = find.url;

    if (ngx_srt_endpoint_check(pool, &ep.url, 1, &ep.addr, &ep.bind, cerr,
                               sizeof(cerr))
        != NGX_OK
        || ep.bind == NGX_SRT_BIND_NONE)
    {
        return NGX_OK;
    }

    return ngx_route_api_check_ports(pool, &ep, route, 1, "route", fail);
}


static int
ngx_route_api_find_output(void *data, const srt_store_route_t *route)
{
    ngx_route_api_find_t *find = data;

    size_t     i;
    ngx_str_t  url;

    for (i = 0; i < route->noutputs; i++) {
        if (ngx_strcmp(route->outputs[i].id, find->id) == 0) {
            url.data = (u_char *) route->outputs[i].url;
            url.len = ngx_strlen(url.data);

            find->url.data = ngx_pstrdup(find->pool, &url);
            find->url.len = find->url.data ? url.len : 0;

            return 1;
        }
    }

    return 0;
}


/* "in0", "in1", ... or "out0", ...: the first not in route nor taken */

static void
ngx_route_api_next_id(json_t *route, ngx_uint_t output, ngx_array_t *taken,
    char *id)
{
    ngx_uint_t  n, i, used;

    for (n = 0; /* void */; n++) {
        ngx_sprintf((u_char *) id, "%s%ui%Z", output ? "out" : "in", n);

        used = route && ngx_route_api_find_ep(route, output, id);

        for (i = 0; !used && taken && i < taken->nelts; i++) {
            used = ngx_strcmp(((char **) taken->elts)[i], id) == 0;
        }

        if (!used) {
            return;
        }
    }
}


static ngx_int_t
ngx_route_api_put_ep(ngx_pool_t *pool, const char *route, ngx_uint_t output,
    ngx_route_api_ep_t *ep, ngx_uint_t create_only, const char *field,
    ngx_route_api_fail_t *fail)
{
    int    rc;
    char   err[SRT_STORE_ERR_LEN], f[NGX_ROUTE_API_FIELD_LEN];

    ngx_snprintf((u_char *) f, sizeof(f), "%s%surl%Z", field,
                 field[0] ? "." : "");

    if (ep->has_url != 2 && ep->bind != NGX_SRT_BIND_NONE
        && ngx_route_api_check_ports(pool, ep, route, output, f, fail)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    rc = srt_store_endpoint_put(ngx_route_api_st, output, route, ep->id,
                                (char *) ep->url.data, (int) ep->priority,
                                (int) ep->enabled, NULL, create_only, err);

    if (rc != SRT_STORE_OK) {
        return ngx_route_api_store_fail(rc, err, fail, field[0] ? field
                                                                : NULL);
    }

    return NGX_OK;
}


/* transactions */

static ngx_int_t
ngx_route_api_begin(ngx_route_api_fail_t *fail)
{
    int   rc;
    char  err[SRT_STORE_ERR_LEN];

    if (ngx_route_api_st == NULL) {
        ngx_route_api_fail(fail, NGX_HTTP_SERVICE_UNAVAILABLE, NULL,
                           "the API database is not open (see the error "
                           "log)");
        return NGX_ERROR;
    }

    rc = srt_store_begin(ngx_route_api_st, err);

    if (rc != SRT_STORE_OK) {
        return ngx_route_api_store_fail(rc, err, fail, NULL);
    }

    return NGX_OK;
}


/*
 * An audit event of request r (actor, address, the resource below the
 * API's location, before/after JSON, status), and the trim to the
 * retention; in the caller's transaction, or one of its own.  *resource
 * gets the resource path (request pool).
 */

int
ngx_route_api_audit_write(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx, const char *action, const char *route,
    json_t *before, json_t *after, ngx_uint_t status, char **resource,
    char *err)
{
    int                              rc;
    char                            *btext, *atext, *actor, *addr;
    u_char                          *p;
    size_t                           skip;
    const char                      *created;
    ngx_http_core_loc_conf_t        *clcf;
    srt_store_audit_t                a;
    ngx_http_route_api_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_route_api_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* a POST creates below the path: the audit names the new thing */
    created = NULL;

    if (r->method == NGX_HTTP_POST && status == NGX_HTTP_CREATED && after) {
        created = json_string_value(json_object_get(after, "id"));
    }

    *resource = ngx_pnalloc(r->pool, r->uri.len + 2
                                     + (created ? ngx_strlen(created) : 0));
    actor = ngx_pnalloc(r->pool, ctx->auth.actor.len + 1);
    addr = ngx_pnalloc(r->pool, r->connection->addr_text.len + 1);

    if (*resource == NULL || actor == NULL || addr == NULL) {
        ngx_cpystrn((u_char *) err, (u_char *) "out of memory",
                    SRT_STORE_ERR_LEN);
        return SRT_STORE_ERROR;
    }

    /* the path below the API's location, as in the OpenAPI document */
    skip = clcf->name.len;

    if (skip && clcf->name.data[skip - 1] == '/') {
        skip--;
    }

    if (skip > r->uri.len) {
        skip = 0;
    }

    p = ngx_cpymem((u_char *) *resource, r->uri.data + skip,
                   r->uri.len - skip);

    if (created) {
        *p++ = '/';
        p = ngx_cpymem(p, created, ngx_strlen(created));
    }

    *p = '\0';
    ngx_cpystrn((u_char *) actor, ctx->auth.actor.data,
                ctx->auth.actor.len + 1);
    ngx_cpystrn((u_char *) addr, r->connection->addr_text.data,
                r->connection->addr_text.len + 1);

    btext = before ? json_dumps(before, JSON_COMPACT) : NULL;
    atext = after ? json_dumps(after, JSON_COMPACT) : NULL;

    ngx_memzero(&a, sizeof(srt_store_audit_t));
    a.ts_ms = (int64_t) ngx_srt_unix_msec();
    a.actor = actor;
    a.addr = addr;
    a.action = action;
    a.resource = *resource;
    a.route = route;
    a.before = btext;
    a.after = atext;
    a.result = (int) status;

    rc = srt_store_audit_append(ngx_route_api_st, &a, err);

    if (rc == SRT_STORE_OK) {
        rc = srt_store_audit_trim(ngx_route_api_st, amcf->retention, err);
    }

    free(btext);
    free(atext);

    return rc;
}


/*
 * The end of every successful mutation: the audit event and the trim in
 * the same transaction, the commit, then every worker is told.  Takes
 * over before and after.
 */

static ngx_int_t
ngx_route_api_finish(ngx_http_request_t *r, ngx_http_route_api_ctx_t *ctx,
    const char *action, const char *route, json_t *before, json_t *after,
    ngx_uint_t status, ngx_route_api_fail_t *fail)
{
    int        rc;
    char       err[SRT_STORE_ERR_LEN], *resource;
    int64_t    gen;
    json_t    *reply;

    rc = ngx_route_api_audit_write(r, ctx, action, route, before, after,
                                   status, &resource, err);

    if (rc == SRT_STORE_OK) {
        rc = srt_store_bump_generation(ngx_route_api_st, &gen, err);
    }

    if (rc == SRT_STORE_OK) {
        rc = srt_store_commit(ngx_route_api_st, err);
    }

    if (rc != SRT_STORE_OK) {
        srt_store_rollback(ngx_route_api_st);

        if (before) {
            json_decref(before);
        }

        if (after) {
            json_decref(after);
        }

        (void) ngx_route_api_store_fail(rc, err, fail, NULL);
        return ngx_route_api_failed(r, fail);
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "route api: %s %s by \"%V\" (generation %L)", action,
                  resource, &ctx->auth.actor, gen);

    /* this worker at once, the others through their wake-ups */
    ngx_srt_desired_changed((ngx_cycle_t *) ngx_cycle, gen);
    ngx_srt_runtime_check((ngx_cycle_t *) ngx_cycle, 0);

    if (before) {
        json_decref(before);
    }

    if (status == NGX_HTTP_NO_CONTENT) {
        if (after) {
            json_decref(after);
        }

        r->header_only = 1;
        r->headers_out.status = NGX_HTTP_NO_CONTENT;
        r->headers_out.content_length_n = 0;

        return ngx_http_send_header(r);
    }

    /* the answer shows the new state with whatever already runs here */

    reply = after;

    if (ngx_strncmp(action, "route.", 6) == 0 && after) {
        json_decref(after);

        if (ngx_route_api_load(route, 1, &reply, fail) != NGX_OK) {
            return ngx_route_api_failed(r, fail);
        }
    }

    if (status == NGX_HTTP_CREATED) {
        return ngx_route_api_created(r, reply,
                   json_string_value(json_object_get(reply, "id")));
    }

    return ngx_http_route_api_send(r, status, reply);
}


static ngx_int_t
ngx_route_api_created(ngx_http_request_t *r, json_t *json, const char *id)
{
    size_t            len;
    u_char           *p;
    ngx_table_elt_t  *h;

    len = r->uri.len + 1 + (id ? ngx_strlen(id) : 0);

    p = ngx_pnalloc(r->pool, len + 1);
    h = ngx_list_push(&r->headers_out.headers);

    if (p == NULL || h == NULL) {
        json_decref(json);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* POST .../outputs: the new one below; PUT .../outputs/x: the path */
    if (r->method == NGX_HTTP_POST && id) {
        h->value.len = ngx_sprintf(p, "%V/%s", &r->uri, id) - p;

    } else {
        h->value.len = ngx_sprintf(p, "%V", &r->uri) - p;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Location");
    h->value.data = p;

    return ngx_http_route_api_send(r, NGX_HTTP_CREATED, json);
}


/* errors */

ngx_int_t
ngx_route_api_store_fail(int rc, const char *err, ngx_route_api_fail_t *fail,
    const char *field)
{
    switch (rc) {

    case SRT_STORE_NOT_FOUND:
        ngx_route_api_fail(fail, NGX_HTTP_NOT_FOUND, NULL, "%s", err);
        break;

    case SRT_STORE_CONFLICT:
        ngx_route_api_fail(fail, NGX_HTTP_CONFLICT, field, "%s", err);
        break;

    case SRT_STORE_INVALID:
        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, field, "%s", err);
        break;

    case SRT_STORE_BUSY:
        ngx_route_api_fail(fail, NGX_HTTP_SERVICE_UNAVAILABLE, NULL,
                           "the API database is busy, try again: %s", err);
        break;

    case SRT_STORE_FULL:
        ngx_route_api_fail(fail, NGX_HTTP_SERVICE_UNAVAILABLE, NULL,
                           "the API database's disk is full: %s", err);
        break;

    default:
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "route api: database error: %s", err);
        ngx_route_api_fail(fail, NGX_HTTP_INTERNAL_SERVER_ERROR, NULL,
                           "database error: %s", err);
    }

    return NGX_ERROR;
}


void
ngx_route_api_fail(ngx_route_api_fail_t *fail, ngx_uint_t status,
    const char *field, const char *fmt, ...)
{
    u_char   *p;
    va_list   args;

    fail->status = status;

    va_start(args, fmt);
    p = ngx_vslprintf((u_char *) fail->message,
                      (u_char *) fail->message + sizeof(fail->message) - 1,
                      fmt, args);
    va_end(args);

    *p = '\0';

    ngx_cpystrn((u_char *) fail->field, (u_char *) (field ? field : ""),
                sizeof(fail->field));
}


ngx_int_t
ngx_route_api_failed(ngx_http_request_t *r, ngx_route_api_fail_t *fail)
{
    if (fail->status == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_route_api_error_field(r, fail->status, fail->message,
                                          fail->field);
}
