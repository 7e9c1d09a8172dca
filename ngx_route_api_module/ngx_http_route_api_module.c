/*
 * Route API: dispatch, authentication (ngx_http_route_api_auth.c), JSON
 * views of routes with their live state from shared memory (so any worker
 * gives the same answer), and the gateway's own resources.  Routes made
 * through the API, their SQLite desired state and the audit log are in
 * ngx_http_route_api_store.c.  The resources are listed in
 * ngx_http_route_api_paths[] and described in docs/openapi.json (compiled
 * in, served at PREFIX/openapi.json).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>
#include <sys/statvfs.h>

#include "ngx_srt_module.h"
#include "ngx_http_route_api.h"
#include "ngx_http_route_api_openapi.h"


static ngx_int_t ngx_http_route_api_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_route_api_header(ngx_http_request_t *r, char *key,
    char *value);
static ngx_uint_t ngx_http_route_api_match(ngx_str_t *path,
    const char *pattern, ngx_str_t *id);
static void ngx_http_route_api_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_route_api_allow(ngx_http_request_t *r,
    ngx_uint_t methods);
static ngx_int_t ngx_http_route_api_get_health(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
static ngx_int_t ngx_http_route_api_get_openapi(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
static ngx_int_t ngx_http_route_api_get_srt(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
static ngx_int_t ngx_http_route_api_get_system(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
static json_t *ngx_http_route_api_srt(ngx_srt_route_t *rt, ngx_str_t *id,
    ngx_uint_t input,
    ngx_atomic_t *connects, ngx_atomic_t *rejected,
    ngx_atomic_t *bad_passphrase);
static json_t *ngx_http_route_api_srt_conn(ngx_srt_shm_conn_t *slot);
static json_t *ngx_http_route_api_srt_all(ngx_srt_main_conf_t *mcf);
static json_t *ngx_http_route_api_owner(ngx_srt_lease_t *lease);
static json_t *ngx_http_route_api_hls(ngx_srt_output_t *out);
static json_t *ngx_http_route_api_failover(ngx_srt_route_t *rt);
static const char *ngx_http_route_api_status(uint64_t last_data,
    uint64_t now);
static char *ngx_http_route_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_route_api_auth(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_route_api_jwt_secret(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_route_api_jwt_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_route_api_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_route_api_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_route_api_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_route_api_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_route_api_init_process(ngx_cycle_t *cycle);
static void ngx_http_route_api_exit_process(ngx_cycle_t *cycle);


static ngx_conf_num_bounds_t  ngx_http_route_api_retention_bounds = {
    ngx_conf_check_num_bounds, 1, 100000000
};


static ngx_command_t  ngx_http_route_api_commands[] = {

    { ngx_string("route_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_route_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("route_api_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_route_api_auth,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("route_api_jwt_secret"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_route_api_jwt_secret,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("route_api_jwt_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_route_api_jwt_key,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("route_api_db"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_route_api_main_conf_t, db),
      NULL },

    { ngx_string("route_api_audit_retention"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_route_api_main_conf_t, retention),
      &ngx_http_route_api_retention_bounds },

    { ngx_string("route_api_max_body"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_route_api_main_conf_t, max_body),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_route_api_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */
    ngx_http_route_api_create_main_conf,   /* create main configuration */
    ngx_http_route_api_init_main_conf,     /* init main configuration */
    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */
    ngx_http_route_api_create_loc_conf,    /* create location configuration */
    ngx_http_route_api_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_route_api_module = {
    NGX_MODULE_V1,
    &ngx_http_route_api_module_ctx,        /* module context */
    ngx_http_route_api_commands,           /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_route_api_init_process,       /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_route_api_exit_process,       /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/*
 * The API's resources, below the location prefix.  This table is the one
 * place that says what the handler accepts: t/19_openapi.t compares it
 * with docs/openapi.json.
 */

static ngx_http_route_api_path_t  ngx_http_route_api_paths[] = {
    { NGX_HTTP_GET|NGX_HTTP_HEAD, "/health", 1, 0,
      ngx_http_route_api_get_health },
    { NGX_HTTP_GET|NGX_HTTP_HEAD, "/openapi.json", 1, 0,
      ngx_http_route_api_get_openapi },
    { NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_POST, "/routes", 0, 0,
      ngx_http_route_api_routes },
    { NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_PUT|NGX_HTTP_PATCH|NGX_HTTP_DELETE,
      "/routes/{id}", 0, 0,
      ngx_http_route_api_route_item },
    { NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_POST, "/routes/{id}/inputs", 0, 1,
      ngx_http_route_api_endpoints },
    { NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_PUT|NGX_HTTP_PATCH|NGX_HTTP_DELETE,
      "/routes/{id}/inputs/{iid}", 0, 1,
      ngx_http_route_api_endpoint },
    { NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_POST, "/routes/{id}/outputs", 0, 1,
      ngx_http_route_api_endpoints },
    { NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_PUT|NGX_HTTP_PATCH|NGX_HTTP_DELETE,
      "/routes/{id}/outputs/{oid}", 0, 1,
      ngx_http_route_api_endpoint },
    { NGX_HTTP_POST, "/routes/{id}/outputs/{oid}/move", 0, 1,
      ngx_http_route_api_move },
    { NGX_HTTP_POST, "/routes/{id}/switch", 0, 1,
      ngx_http_route_api_switch },
    { NGX_HTTP_POST, "/routes/{id}/scte35", 0, 1,
      ngx_http_route_api_scte35 },
    { NGX_HTTP_GET|NGX_HTTP_HEAD, "/routes/{id}/scte35/log", 0, 1,
      ngx_http_route_api_scte35_log },
    { NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_POST, "/routes/{id}/scte35/schedule",
      0, 1, ngx_http_route_api_scte35_schedule },
    { NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_DELETE,
      "/routes/{id}/scte35/schedule/{sid}", 0, 1,
      ngx_http_route_api_scte35_entry },
    { NGX_HTTP_GET|NGX_HTTP_HEAD, "/audit", 0, 0,
      ngx_http_route_api_audit },
    { NGX_HTTP_GET|NGX_HTTP_HEAD, "/srt", 0, 0,
      ngx_http_route_api_get_srt },
    { NGX_HTTP_GET|NGX_HTTP_HEAD, "/system", 0, 0,
      ngx_http_route_api_get_system },
    { 0, NULL, 0, 0, NULL }
};


static ngx_int_t
ngx_http_route_api_handler(ngx_http_request_t *r)
{
    ngx_str_t                        path, id[NGX_ROUTE_API_IDS];
    ngx_int_t                        rc;
    const char                      *message;
    ngx_http_route_api_ctx_t        *ctx;
    ngx_http_route_api_path_t       *rp;
    ngx_http_core_loc_conf_t        *clcf;
    ngx_http_route_api_auth_t        auth;
    ngx_http_route_api_loc_conf_t   *alcf;
    ngx_http_route_api_main_conf_t  *amcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_route_api_module);
    amcf = ngx_http_get_module_main_conf(r, ngx_http_route_api_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* the path below the location prefix, with its leading slash */

    path = r->uri;

    if (clcf->name.len && path.len >= clcf->name.len) {
        path.data += clcf->name.len;
        path.len -= clcf->name.len;

        if (clcf->name.data[clcf->name.len - 1] == '/') {
            path.data--;
            path.len++;
        }
    }

    for (rp = ngx_http_route_api_paths; rp->pattern; rp++) {
        if (ngx_http_route_api_match(&path, rp->pattern, id)) {
            break;
        }
    }

    if (rp->pattern == NULL) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_route_api_error(r, NGX_HTTP_NOT_FOUND,
                                        "unknown API resource");
    }

    ngx_memzero(&auth, sizeof(ngx_http_route_api_auth_t));
    ngx_str_set(&auth.actor, "-");

    if (!rp->open) {
        rc = ngx_http_route_api_authenticate(r, alcf, &auth, &message);

        if (rc != NGX_OK) {
            if (ngx_http_discard_request_body(r) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (rc == NGX_HTTP_UNAUTHORIZED
                && ngx_http_route_api_header(r, "WWW-Authenticate",
                                             "Bearer realm=\"route_api\"")
                   != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_route_api_error(r, rc, message);
        }
    }

    if (!(r->method & rp->methods)) {
        if (ngx_http_discard_request_body(r) != NGX_OK
            || ngx_http_route_api_allow(r, rp->methods) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_route_api_error(r, NGX_HTTP_NOT_ALLOWED,
                                        "method not allowed on this "
                                        "resource");
    }

    if (!rp->open && !ngx_http_route_api_permitted(&auth, r->method,
                                                   rp->endpoint))
    {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_route_api_error(r, NGX_HTTP_FORBIDDEN,
                                        "the token's role may not do this");
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_route_api_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->path = rp;
    ctx->id[0] = id[0];
    ctx->id[1] = id[1];
    ctx->auth = auth;

    ngx_http_set_ctx(r, ctx, ngx_http_route_api_module);

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_DELETE)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return rp->handler(r, ctx);
    }

    if (r->headers_in.content_length_n > (off_t) amcf->max_body) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_route_api_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                        "the request body is too large "
                                        "(route_api_max_body)");
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_route_api_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/* the body is read: gather it (memory or temporary file) and dispatch */

static void
ngx_http_route_api_body(ngx_http_request_t *r)
{
    size_t                           len, size;
    ssize_t                          n;
    u_char                          *p;
    ngx_buf_t                       *b;
    ngx_int_t                        rc;
    ngx_chain_t                     *cl;
    ngx_http_route_api_ctx_t        *ctx;
    ngx_http_route_api_main_conf_t  *amcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_route_api_module);
    amcf = ngx_http_get_module_main_conf(r, ngx_http_route_api_module);

    len = 0;

    for (cl = r->request_body ? r->request_body->bufs : NULL; cl;
         cl = cl->next)
    {
        b = cl->buf;
        len += b->in_file ? (size_t) (b->file_last - b->file_pos)
                          : (size_t) (b->last - b->pos);
    }

    if (len > amcf->max_body) {
        ngx_http_finalize_request(r,
            ngx_http_route_api_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                     "the request body is too large "
                                     "(route_api_max_body)"));
        return;
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->body.data = p;

    for (cl = r->request_body ? r->request_body->bufs : NULL; cl;
         cl = cl->next)
    {
        b = cl->buf;

        if (b->in_file) {
            size = b->file_last - b->file_pos;
            n = ngx_read_file(b->file, p, size, b->file_pos);

            if (n != (ssize_t) size) {
                ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
                return;
            }

            p += size;

        } else {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
        }
    }

    *p = '\0';
    ctx->body.len = p - ctx->body.data;

    rc = ctx->path->handler(r, ctx);

    ngx_http_finalize_request(r, rc);
}


/* the Allow header of a 405: the methods of the resource */

static ngx_int_t
ngx_http_route_api_allow(ngx_http_request_t *r, ngx_uint_t methods)
{
    u_char  *p, *start;

    start = ngx_pnalloc(r->pool, sizeof("GET, HEAD, POST, PUT, PATCH, DELETE"));
    if (start == NULL) {
        return NGX_ERROR;
    }

    p = start;

    if (methods & NGX_HTTP_GET) {
        p = ngx_cpymem(p, "GET, ", 5);
    }

    if (methods & NGX_HTTP_HEAD) {
        p = ngx_cpymem(p, "HEAD, ", 6);
    }

    if (methods & NGX_HTTP_POST) {
        p = ngx_cpymem(p, "POST, ", 6);
    }

    if (methods & NGX_HTTP_PUT) {
        p = ngx_cpymem(p, "PUT, ", 5);
    }

    if (methods & NGX_HTTP_PATCH) {
        p = ngx_cpymem(p, "PATCH, ", 7);
    }

    if (methods & NGX_HTTP_DELETE) {
        p = ngx_cpymem(p, "DELETE, ", 8);
    }

    p -= 2;
    *p = '\0';

    return ngx_http_route_api_header(r, "Allow", (char *) start);
}


static ngx_int_t
ngx_http_route_api_header(ngx_http_request_t *r, char *key, char *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value.data = (u_char *) value;
    h->value.len = ngx_strlen(value);

    return NGX_OK;
}


/*
 * "/routes/{id}/outputs/{oid}": literal segments; each {name} matches one
 * non-empty segment, stored in id[] in order.
 */

static ngx_uint_t
ngx_http_route_api_match(ngx_str_t *path, const char *pattern, ngx_str_t *id)
{
    u_char      *p, *last;
    ngx_uint_t   n;
    const char  *q;

    p = path->data;
    last = p + path->len;
    q = pattern;
    n = 0;

    for (n = 0; n < NGX_ROUTE_API_IDS; n++) {
        id[n].len = 0;
        id[n].data = NULL;
    }

    n = 0;

    while (*q) {
        if (*q == '{') {
            if (n == NGX_ROUTE_API_IDS) {
                return 0;
            }

            id[n].data = p;

            while (p < last && *p != '/') {
                p++;
            }

            id[n].len = p - id[n].data;

            if (id[n].len == 0) {
                return 0;
            }

            n++;

            while (*q && *q != '}') {
                q++;
            }

            if (*q) {
                q++;
            }

            continue;
        }

        if (p == last || *p != (u_char) *q) {
            return 0;
        }

        p++;
        q++;
    }

    return p == last;
}


static ngx_int_t
ngx_http_route_api_get_health(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(ngx_cycle);

    return ngx_http_route_api_send(r, NGX_HTTP_OK,
               json_pack("{s:s, s:s, s:I, s:I}",
                         "status", "ok",
                         "version", NGX_SRT_VERSION,
                         "workers", (json_int_t) (mcf ? mcf->workers : 0),
                         "pid", (json_int_t) ngx_pid));
}


static ngx_int_t
ngx_http_route_api_get_openapi(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    json_t        *json;
    json_error_t   err;

    /* docs/openapi.json, compiled in (ngx_http_route_api_openapi.h) */
    json = json_loads(ngx_http_route_api_openapi, 0, &err);

    if (json == NULL) {
        return ngx_http_route_api_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                        "the OpenAPI document is broken");
    }

    return ngx_http_route_api_send(r, NGX_HTTP_OK, json);
}


static ngx_int_t
ngx_http_route_api_get_srt(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(ngx_cycle);

    if (mcf == NULL || mcf->conns == NULL) {
        return ngx_http_route_api_error(r, NGX_HTTP_NOT_FOUND,
                                        "no srt{} configuration");
    }

    return ngx_http_route_api_send(r, NGX_HTTP_OK,
                                   ngx_http_route_api_srt_all(mcf));
}


/* a route of nginx.conf with its live state */

json_t *
ngx_http_route_api_route(ngx_srt_route_t *rt)
{
    json_t            *route, *inputs, *outputs;
    ngx_uint_t         i;
    ngx_srt_input_t  **inp;
    ngx_srt_output_t **outp;

    inputs = json_array();
    inp = rt->inputs.elts;

    for (i = 0; i < rt->inputs.nelts; i++) {
        json_array_append_new(inputs, ngx_http_route_api_input(inp[i]));
    }

    outputs = json_array();
    outp = rt->outputs.elts;

    for (i = 0; i < rt->outputs.nelts; i++) {
        json_array_append_new(outputs, ngx_http_route_api_output(outp[i]));
    }

    route = json_pack("{s:o, s:o, s:b, s:s, s:o, s:o}",
                      "id", ngx_http_route_api_str(&rt->name),
                      "name", ngx_http_route_api_str(&rt->name),
                      "enabled", 1,
                      "source", rt->api ? "api" : "config",
                      "inputs", inputs,
                      "outputs", outputs);
    if (route == NULL) {
        return NULL;
    }

    ngx_http_route_api_route_state(route, rt);

    return route;
}


/* what any route has while it runs: owner, HTTP clients, rings */

void
ngx_http_route_api_route_state(json_t *route, ngx_srt_route_t *rt)
{
    srt_ring_t       *ring;
    ngx_srt_input_t  *active;

    ring = &rt->ring.shm->ring;
    active = ngx_srt_active_input(rt);

    json_object_set_new(route, "status",
                        json_string(active
                                    ? ngx_http_route_api_status(
                                          active->stats->last_data,
                                          ngx_srt_unix_msec())
                                    : "waiting"));
    json_object_set_new(route, "active_input",
                        active ? ngx_http_route_api_str(&active->id)
                               : json_null());
    json_object_set_new(route, "failover", ngx_http_route_api_failover(rt));
    json_object_set_new(route, "owner",
                        ngx_http_route_api_owner(&rt->ring.shm->lease));

    json_object_set_new(route, "http",
        json_pack("{s:I, s:I, s:I, s:I, s:I}",
                  "clients", (json_int_t) ngx_srt_http_clients(rt->http),
                  "clients_total", (json_int_t) rt->http->clients_total,
                  "bytes", (json_int_t) rt->http->bytes,
                  "overruns", (json_int_t) rt->http->overruns,
                  "closed_slow", (json_int_t) rt->http->closed_slow));

    json_object_set_new(route, "ring",
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
                  "capacity", (json_int_t) ring->capacity,
                  "write_seq", (json_int_t) srt_ring_published(ring),
                  "raps", (json_int_t) ring->rap_count,
                  "selector_packets", (json_int_t) rt->selector->packets,
                  "selector_overruns", (json_int_t) rt->selector->overruns,
                  "input_write_seq", (json_int_t)
                      (active
                       ? srt_ring_published(&active->ring.shm->ring)
                       : 0)));

    json_object_set_new(route, "scte35",
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                  "pid", (json_int_t) rt->scte35->pid,
                  "inserted", (json_int_t) rt->scte35->inserted,
                  "seen", (json_int_t) rt->scte35->seen,
                  "bad_crc", (json_int_t) rt->scte35->bad_crc,
                  "invalid", (json_int_t) rt->scte35->invalid,
                  "missed", (json_int_t) rt->scte35->missed,
                  "pmt_rewrites", (json_int_t) rt->scte35->pmt_rewrites));
}


/* the route's failover state: mode, switches, the last one */

static json_t *
ngx_http_route_api_failover(ngx_srt_route_t *rt)
{
    json_t                  *o, *last;
    ngx_srt_input_t        **inp;
    ngx_srt_shm_failover_t  *fo;

    fo = rt->failover;
    inp = rt->inputs.elts;
    last = json_null();

    if (fo->switches && fo->last_from < rt->inputs.nelts) {
        last = json_pack("{s:I, s:o, s:s, s:I}",
                         "at", (json_int_t) fo->last_msec,
                         "from", ngx_http_route_api_str(&inp[fo->last_from]->id),
                         "reason", ngx_srt_switch_reason(fo->last_reason),
                         "gap_ms", (json_int_t) fo->last_gap);
    }

    o = json_pack("{s:s, s:I, s:I, s:b, s:b, s:o, s:I, s:I, s:I, s:I, s:I,"
                  " s:I, s:I, s:I, s:I, s:I}",
                  "mode", fo->manual ? "manual" : "auto",
                  "timeout_ms", (json_int_t) rt->failover_timeout,
                  "revert_after_ms", (json_int_t) rt->revert_after,
                  "timestamps_continuous", (int) rt->timestamps_continuous,
                  "no_input", (int) fo->no_input,
                  "last_switch", last,
                  "switches", (json_int_t) fo->switches,
                  "timeouts", (json_int_t) fo->by_reason[NGX_SRT_SWITCH_TIMEOUT],
                  "errors", (json_int_t) fo->by_reason[NGX_SRT_SWITCH_ERRORS],
                  "reverts", (json_int_t) fo->by_reason[NGX_SRT_SWITCH_REVERT],
                  "manual", (json_int_t) fo->by_reason[NGX_SRT_SWITCH_MANUAL],
                  "restores",
                  (json_int_t) fo->by_reason[NGX_SRT_SWITCH_RESTORE],
                  "dropped", (json_int_t) fo->dropped,
                  "discontinuities", (json_int_t) fo->di_packets,
                  "psi_versions", (json_int_t) fo->psi_versions,
                  "min_bitrate", (json_int_t) rt->failover_min_bitrate);

    return o;
}


static const char *
ngx_http_route_api_status(uint64_t last_data, uint64_t now)
{
    return last_data == 0 ? "waiting"
           : (now - last_data < 1000 ? "live" : "idle");
}


json_t *
ngx_http_route_api_input(ngx_srt_input_t *in)
{
    char                  pid[8];
    json_t               *o, *cc;
    ngx_uint_t            i;
    ngx_srt_shm_input_t  *ist;

    ist = in->stats;

    cc = json_object();

    for (i = 0; i < NGX_SRT_CC_PIDS && ist->cc_by_pid[i].count; i++) {
        ngx_sprintf((u_char *) pid, "%uA%Z", ist->cc_by_pid[i].pid);
        json_object_set_new(cc, pid,
                            json_integer(ist->cc_by_pid[i].count));
    }

    o = json_pack("{s:o, s:o, s:i, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:I,"
                  " s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
                  "id", ngx_http_route_api_str(&in->id),
                  "url", ngx_http_route_api_str(&in->url),
                  "priority", (int) in->priority,
                  "enabled", 1,
                  "status", ngx_http_route_api_status(ist->last_data,
                                                      ngx_srt_unix_msec()),
                  "since", (json_int_t) ist->since,
                  "last_data", (json_int_t) ist->last_data,
                  "bytes", (json_int_t) ist->bytes,
                  "packets", (json_int_t) ist->packets,
                  "datagrams", (json_int_t) ist->datagrams,
                  "bitrate", (json_int_t) ist->bitrate,
                  "sync_losses", (json_int_t) ist->sync_losses,
                  "garbage_bytes", (json_int_t) ist->garbage_bytes,
                  "truncated", (json_int_t) ist->truncated,
                  "rtp_datagrams", (json_int_t) ist->rtp_datagrams,
                  "cc_errors", (json_int_t) ist->cc_errors,
                  "errors", (json_int_t) ist->errors,
                  "cc_errors_by_pid", cc,
                  "owner", ngx_http_route_api_owner(&in->ring.shm->lease));

    if (o) {
        json_object_set_new(o, "active",
                            json_boolean(ngx_srt_active_input(in->route)
                                         == in));
        json_object_set_new(o, "healthy",
                            json_boolean(in->route->failover->healthy
                                         & (1 << in->index)));

        if (ist->video_size) {
            json_object_set_new(o, "video",
                json_pack("{s:I, s:I}",
                          "width", (json_int_t) (ist->video_size >> 16),
                          "height",
                          (json_int_t) (ist->video_size & 0xffff)));
        }
    }

    if (o && in->srt) {
        json_object_set_new(o, "srt",
                            ngx_http_route_api_srt(in->route, &in->id, 1,
                                                   &ist->connects,
                                                   &ist->rejected,
                                                   &ist->bad_passphrase));
    }

    return o;
}


json_t *
ngx_http_route_api_output(ngx_srt_output_t *out)
{
    json_t                *o;
    ngx_srt_shm_output_t  *ost;

    ost = out->stats;

    o = json_pack("{s:o, s:o, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
                  " s:I, s:I, s:I, s:o}",
                  "id", ngx_http_route_api_str(&out->id),
                  "url", ngx_http_route_api_str(&out->url),
                  "enabled", 1,
                  "status", ngx_http_route_api_status(ost->last_data,
                                                      ngx_srt_unix_msec()),
                  "since", (json_int_t) ost->since,
                  "last_data", (json_int_t) ost->last_data,
                  "bytes", (json_int_t) ost->bytes,
                  "packets", (json_int_t) ost->packets,
                  "datagrams", (json_int_t) ost->datagrams,
                  "bitrate", (json_int_t) ost->bitrate,
                  "drops", (json_int_t) ost->drops,
                  "overruns", (json_int_t) ost->overruns,
                  "errors", (json_int_t) ost->errors,
                  "last_errno", (json_int_t) ost->last_errno,
                  "owner", ngx_http_route_api_owner(&ost->lease));

    if (o && out->srt) {
        /* served by the SRT thread of every worker (listener) or of its
           hash owner (caller): the connections say where */
        json_object_set_new(o, "owner", json_null());
        json_object_set_new(o, "srt",
                            ngx_http_route_api_srt(out->route, &out->id, 0,
                                                   &ost->connects,
                                                   &ost->rejected,
                                                   &ost->bad_passphrase));
    }

    if (o && out->hls && out->hls_shm) {
        json_object_set_new(o, "hls", ngx_http_route_api_hls(out));
    }

    return o;
}


/* an HLS output: its playlist, the window and what was measured */

static json_t *
ngx_http_route_api_hls(ngx_srt_output_t *out)
{
    u_char              *p, buf[NGX_SRT_NAME_LEN + 16];
    ngx_srt_shm_hls_t   *sh;

    sh = out->hls_shm;

    p = ngx_snprintf(buf, sizeof(buf) - 1, "%V/index.m3u8",
                     &out->route->name);

    return json_pack("{s:s#, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:I,"
                     " s:I, s:I, s:I, s:b}",
                     "playlist", buf, (int) (p - buf),
                     "segments", (json_int_t) sh->segments,
                     "window", (json_int_t) sh->nsegs,
                     "media_sequence",
                     (json_int_t) (sh->nsegs ? sh->seg[0].seq : 0),
                     "last_duration_ms", (json_int_t) sh->last_duration_ms,
                     "last_segment", (json_int_t) sh->last_msec,
                     "bandwidth", (json_int_t) sh->bandwidth,
                     "average_bandwidth",
                     (json_int_t) sh->average_bandwidth,
                     "codecs", sh->codecs,
                     "width", (json_int_t) sh->width,
                     "height", (json_int_t) sh->height,
                     "dropped", (json_int_t) sh->dropped,
                     "write_errors", (json_int_t) sh->write_errors,
                     "in_break", (int) (sh->in_break != 0));
}


/* the gateway, its workers and the host */

static ngx_int_t
ngx_http_route_api_get_system(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    u_char                     *path;
    double                      load[3];
    json_t                     *json, *procs;
    int64_t                     total, avail;
    uint64_t                    now, started;
    ngx_uint_t                  k, n;
    struct statvfs              fs;
    ngx_srt_main_conf_t        *mcf;
    ngx_http_route_api_proc_t   p[NGX_MAX_PROCESSES];

    mcf = ngx_srt_get_main_conf(ngx_cycle);
    now = ngx_srt_unix_msec();
    started = (mcf && mcf->global) ? mcf->global->started : now;

    procs = json_array();
    n = ngx_http_route_api_workers(p, NGX_MAX_PROCESSES);

    for (k = 0; k < n; k++) {
        json_array_append_new(procs,
            json_pack("{s:I, s:f, s:I}",
                      "pid", (json_int_t) p[k].pid,
                      "cpu_seconds", p[k].cpu_seconds,
                      "rss_bytes", (json_int_t) p[k].rss_bytes));
    }

    json = json_pack("{s:s, s:s, s:I, s:I, s:I,"
                     " s:{s:I, s:o}, s:{s:I}}",
                     "version", NGX_SRT_VERSION,
                     "nginx", NGINX_VERSION,
                     "started", (json_int_t) started,
                     "uptime_s", (json_int_t) ((now - started) / 1000),
                     "reloads", (json_int_t)
                         ((mcf && mcf->global) ? mcf->global->reloads : 0),
                     "workers",
                     "configured", (json_int_t) (mcf ? mcf->workers : 0),
                     "processes", procs,
                     "cpu",
                     "count", (json_int_t) sysconf(_SC_NPROCESSORS_ONLN));

    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_route_api_loadavg(load) == NGX_OK) {
        json_object_set_new(json_object_get(json, "cpu"), "load",
                            json_pack("[f, f, f]", load[0], load[1],
                                      load[2]));
    }

    if (ngx_http_route_api_meminfo(&total, &avail) == NGX_OK) {
        json_object_set_new(json, "memory",
                            json_pack("{s:I, s:I}",
                                      "total", (json_int_t) total,
                                      "available", (json_int_t) avail));
    }

    /* the disk of the prefix: logs, and the API's database later */

    path = ngx_pnalloc(r->pool, ngx_cycle->prefix.len + 1);
    if (path == NULL) {
        json_decref(json);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_cpystrn(path, ngx_cycle->prefix.data, ngx_cycle->prefix.len + 1);

    if (statvfs((char *) path, &fs) == 0) {
        json_object_set_new(json, "disk",
            json_pack("{s:s, s:I, s:I}",
                      "path", (char *) path,
                      "total", (json_int_t) fs.f_blocks * fs.f_frsize,
                      "available", (json_int_t) fs.f_bavail * fs.f_frsize));
    }

    return ngx_http_route_api_send(r, NGX_HTTP_OK, json);
}


/* an SRT endpoint: counters and its live connections from any worker */

static json_t *
ngx_http_route_api_srt(ngx_srt_route_t *rt, ngx_str_t *id, ngx_uint_t input,
    ngx_atomic_t *connects, ngx_atomic_t *rejected,
    ngx_atomic_t *bad_passphrase)
{
    json_t               *conns;
    ngx_uint_t            i, kind, is_input;
    ngx_atomic_uint_t     pid;
    ngx_srt_shm_conn_t   *slot;
    ngx_srt_main_conf_t  *mcf;

    conns = json_array();
    mcf = ngx_srt_get_main_conf(ngx_cycle);

    for (i = 0; mcf && mcf->conns && i < NGX_SRT_CONN_SLOTS; i++) {
        slot = &mcf->conns->slot[i];
        pid = slot->pid;
        kind = slot->kind;

        if (pid == 0
            || ngx_strncmp(slot->route, rt->name.data, rt->name.len) != 0
            || slot->route[rt->name.len] != '\0'
            || ngx_strncmp(slot->endpoint, id->data, id->len) != 0
            || slot->endpoint[id->len] != '\0')
        {
            continue;
        }

        is_input = (kind == NGX_SRT_CONN_PUBLISHER
                    || kind == NGX_SRT_CONN_PULL);

        if (is_input != input) {
            continue;
        }

        /* left behind by a killed worker, until its slot is reused */
        if (kill((ngx_pid_t) pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
            continue;
        }

        json_array_append_new(conns, ngx_http_route_api_srt_conn(slot));
    }

    return json_pack("{s:I, s:I, s:I, s:I, s:o}",
                     "connected", (json_int_t) json_array_size(conns),
                     "connects", (json_int_t) *connects,
                     "rejected", (json_int_t) *rejected,
                     "bad_passphrase", (json_int_t) *bad_passphrase,
                     "connections", conns);
}


static json_t *
ngx_http_route_api_srt_conn(ngx_srt_shm_conn_t *slot)
{
    static const char  *kinds[] = { "", "publisher", "pull", "player",
                                    "push" };

    json_t      *o;
    ngx_uint_t   kind;
    uint64_t     now;

    kind = slot->kind < 5 ? slot->kind : 0;
    now = ngx_srt_unix_msec();

    o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I,"
                  " s:f, s:f, s:f, s:f, s:I, s:I, s:I}",
                  "id", (json_int_t) slot->id,
                  "kind", kinds[kind],
                  "route", (char *) slot->route,
                  "endpoint", (char *) slot->endpoint,
                  "peer", (char *) slot->peer,
                  "streamid", (char *) slot->streamid,
                  "worker", (json_int_t) slot->worker,
                  "pid", (json_int_t) slot->pid,
                  "since", (json_int_t) slot->since,
                  "uptime_ms", (json_int_t) (now - slot->since),
                  "rtt_ms", (double) slot->rtt_us / 1000,
                  "bandwidth_mbps", (double) slot->bandwidth_kbps / 1000,
                  "send_rate_mbps", (double) slot->send_kbps / 1000,
                  "recv_rate_mbps", (double) slot->recv_kbps / 1000,
                  "flight_pkts", (json_int_t) slot->flight_pkts,
                  "send_buf_ms", (json_int_t) slot->send_buf_ms,
                  "recv_buf_ms", (json_int_t) slot->recv_buf_ms);

    json_object_set_new(o, "totals",
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                  "bytes_sent", (json_int_t) slot->bytes_sent,
                  "bytes_received", (json_int_t) slot->bytes_received,
                  "pkts_sent", (json_int_t) slot->pkts_sent,
                  "pkts_received", (json_int_t) slot->pkts_received,
                  "pkts_lost", (json_int_t) slot->pkts_lost,
                  "pkts_retransmitted",
                      (json_int_t) slot->pkts_retransmitted,
                  "pkts_dropped", (json_int_t) slot->pkts_dropped,
                  "pkts_undecrypted", (json_int_t) slot->pkts_undecrypted,
                  "send_drops", (json_int_t) slot->send_drops));

    json_object_set_new(o, "interval",
        json_pack("{s:I, s:I, s:I, s:I}",
                  "updated", (json_int_t) slot->updated,
                  "pkts_lost", (json_int_t) slot->interval_lost,
                  "pkts_retransmitted",
                      (json_int_t) slot->interval_retransmitted,
                  "pkts_dropped", (json_int_t) slot->interval_dropped));

    return o;
}


/* GET /api/srt: every SRT connection and the refusals by reason */

static json_t *
ngx_http_route_api_srt_all(ngx_srt_main_conf_t *mcf)
{
    json_t               *conns;
    ngx_uint_t            i;
    ngx_atomic_uint_t     pid;
    ngx_srt_shm_conns_t  *tab;

    tab = mcf->conns;
    conns = json_array();

    for (i = 0; i < NGX_SRT_CONN_SLOTS; i++) {
        pid = tab->slot[i].pid;

        if (pid == 0
            || (kill((ngx_pid_t) pid, 0) == -1 && ngx_errno == NGX_ESRCH))
        {
            continue;
        }

        json_array_append_new(conns,
                              ngx_http_route_api_srt_conn(&tab->slot[i]));
    }

    return json_pack("{s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o}",
                     "accepted", (json_int_t) tab->accepted,
                     "rejected",
                     "bad_request",
                     (json_int_t) tab->rejected[NGX_SRT_REJ_BAD_REQUEST],
                     "forbidden",
                     (json_int_t) tab->rejected[NGX_SRT_REJ_FORBIDDEN],
                     "not_found",
                     (json_int_t) tab->rejected[NGX_SRT_REJ_NOT_FOUND],
                     "conflict",
                     (json_int_t) tab->rejected[NGX_SRT_REJ_CONFLICT],
                     "bad_passphrase",
                     (json_int_t) tab->rejected[NGX_SRT_REJ_BAD_PASSPHRASE],
                     "overload",
                     (json_int_t) tab->rejected[NGX_SRT_REJ_OVERLOAD],
                     "connections", conns);
}


static json_t *
ngx_http_route_api_owner(ngx_srt_lease_t *lease)
{
    return json_pack("{s:I, s:I, s:I}",
                     "pid", (json_int_t) lease->owner,
                     "worker", (json_int_t) lease->worker,
                     "since", (json_int_t) lease->since);
}


json_t *
ngx_http_route_api_str(ngx_str_t *s)
{
    return json_stringn((const char *) s->data, s->len);
}


ngx_int_t
ngx_http_route_api_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *message)
{
    return ngx_http_route_api_error_field(r, status, message, NULL);
}


ngx_int_t
ngx_http_route_api_error_field(ngx_http_request_t *r, ngx_uint_t status,
    const char *message, const char *field)
{
    json_t  *json;

    json = json_pack("{s:{s:i, s:s}}", "error", "code", (int) status,
                     "message", message);

    if (json && field && field[0]) {
        json_object_set_new(json_object_get(json, "error"), "field",
                            json_string(field));
    }

    return ngx_http_route_api_send(r, status, json);
}


ngx_int_t
ngx_http_route_api_send(ngx_http_request_t *r, ngx_uint_t status,
    json_t *json)
{
    char         *text;
    size_t        len;
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    text = json_dumps(json, JSON_COMPACT);
    json_decref(json);

    if (text == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_strlen(text);

    b = ngx_create_temp_buf(r->pool, len + 1);
    if (b == NULL) {
        free(text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last, text, len);
    *b->last++ = '\n';
    free(text);

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static char *
ngx_http_route_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_route_api_loc_conf_t *alcf = conf;

    ngx_http_core_loc_conf_t        *clcf;
    ngx_http_route_api_main_conf_t  *amcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_route_api_handler;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_route_api_module);
    amcf->enabled = 1;

    alcf->enabled = 1;
    alcf->conf_file = cf->conf_file->file.name.data;
    alcf->conf_line = cf->conf_file->line;

    return NGX_CONF_OK;
}


static char *
ngx_http_route_api_auth(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_route_api_loc_conf_t *alcf = conf;

    ngx_str_t  *value;

    if (alcf->auth != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "jwt") == 0) {
        alcf->auth = NGX_ROUTE_API_AUTH_JWT;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->auth = NGX_ROUTE_API_AUTH_OFF;

    } else {
        return "must be \"jwt\" or \"off\"";
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_route_api_jwt_secret(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_route_api_loc_conf_t *alcf = conf;

    ngx_str_t  *value;

    if (alcf->key.data) {
        return "is duplicate, or a route_api_jwt_key is set too";
    }

    value = cf->args->elts;

    /* RFC 7518: an HS256 key at least as long as the hash */
    if (value[1].len < 32) {
        return "must be at least 32 characters";
    }

    alcf->key = value[1];
    alcf->public_key = 0;

    return NGX_CONF_OK;
}


static char *
ngx_http_route_api_jwt_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_route_api_loc_conf_t *alcf = conf;

    ssize_t           n;
    ngx_str_t        *value, name;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    if (alcf->key.data) {
        return "is duplicate, or a route_api_jwt_secret is set too";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = name;
    file.log = cf->log;

    file.fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &name);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) == 0 || ngx_file_size(&fi) > 64 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a PEM public key file", &name);
        (void) ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    alcf->key.len = ngx_file_size(&fi);
    alcf->key.data = ngx_pnalloc(cf->pool, alcf->key.len + 1);

    if (alcf->key.data == NULL) {
        (void) ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, alcf->key.data, alcf->key.len, 0);
    (void) ngx_close_file(file.fd);

    if (n != (ssize_t) alcf->key.len
        || ngx_strstrn(alcf->key.data, "-----BEGIN PUBLIC KEY-----",
                       sizeof("-----BEGIN PUBLIC KEY-----") - 2) == NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a PEM public key file "
                           "(\"-----BEGIN PUBLIC KEY-----\")", &name);
        return NGX_CONF_ERROR;
    }

    alcf->key.data[alcf->key.len] = '\0';
    alcf->public_key = 1;

    return NGX_CONF_OK;
}


static void *
ngx_http_route_api_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_route_api_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_route_api_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    amcf->retention = NGX_CONF_UNSET;
    amcf->max_body = NGX_CONF_UNSET_SIZE;

    return amcf;
}


static char *
ngx_http_route_api_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_route_api_main_conf_t  *amcf = conf;

    if (amcf->db.data == NULL) {
        ngx_str_set(&amcf->db, "route_api.db");
    }

    if (ngx_conf_full_name(cf->cycle, &amcf->db, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_conf_init_value(amcf->retention, 100000);
    ngx_conf_init_size_value(amcf->max_body, 64 * 1024);

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_route_api_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_route_api_store_init(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_route_api_switch_init(cycle);

    return ngx_http_route_api_scte35_init(cycle);
}


static void
ngx_http_route_api_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_route_api_switch_exit(cycle);
    ngx_http_route_api_scte35_exit(cycle);
    ngx_http_route_api_store_exit(cycle);
}


static void *
ngx_http_route_api_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_route_api_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_route_api_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->auth = NGX_CONF_UNSET;
    conf->public_key = NGX_CONF_UNSET;

    return conf;
}


/*
 * Authentication is never off by accident: a location with route_api needs
 * route_api_auth, here or inherited, and jwt needs a secret or a key.
 */

static char *
ngx_http_route_api_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_route_api_loc_conf_t *prev = parent;
    ngx_http_route_api_loc_conf_t *conf = child;

    ngx_conf_merge_value(conf->auth, prev->auth, NGX_CONF_UNSET);

    if (conf->key.data == NULL) {
        conf->key = prev->key;
        conf->public_key = prev->public_key;
    }

    if (!conf->enabled) {
        return NGX_CONF_OK;
    }

    if (conf->auth == NGX_CONF_UNSET) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "route_api in %s:%ui needs \"route_api_auth jwt;\" "
                      "(with route_api_jwt_secret or route_api_jwt_key) or, "
                      "explicitly, \"route_api_auth off;\"",
                      conf->conf_file, conf->conf_line);
        return NGX_CONF_ERROR;
    }

    if (conf->auth == NGX_ROUTE_API_AUTH_JWT && conf->key.data == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "route_api in %s:%ui: \"route_api_auth jwt\" needs "
                      "route_api_jwt_secret or route_api_jwt_key",
                      conf->conf_file, conf->conf_line);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
