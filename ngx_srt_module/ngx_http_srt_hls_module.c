/*
 * Serves the HLS output's files from any worker:
 *
 *     location /hls/ { srt_hls; }
 *
 * GET /hls/ROUTE/index.m3u8, /hls/ROUTE/master.m3u8 and /hls/ROUTE/N.ts,
 * read from hls_path/ROUTE/ (written by the route's owner, see
 * ngx_srt_hls.c) the way nginx's static module sends files: sendfile,
 * ranges, ETag and Last-Modified (conditional requests answered by the
 * not-modified filter), open_file_cache when configured.  Playlists are
 * cacheable for half a segment, segments (never rewritten: their names
 * are unique) for a day, so a CDN in front takes the load.  A name that is
 * not a route's HLS file, or a segment deleted after its grace period, is
 * 404.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_srt_module.h"


typedef enum {
    NGX_HTTP_SRT_HLS_MEDIA = 1,
    NGX_HTTP_SRT_HLS_MASTER,
    NGX_HTTP_SRT_HLS_SEGMENT
} ngx_http_srt_hls_file_e;


static ngx_int_t ngx_http_srt_hls_handler(ngx_http_request_t *r);
static ngx_srt_output_t *ngx_http_srt_hls_output(ngx_str_t *name);
static ngx_int_t ngx_http_srt_hls_etag(ngx_http_request_t *r,
    ngx_open_file_info_t *of);
static ngx_int_t ngx_http_srt_hls_header(ngx_http_request_t *r,
    const char *key, u_char *value, size_t len);
static char *ngx_http_srt_hls(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_http_srt_hls_commands[] = {

    { ngx_string("srt_hls"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_srt_hls,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_srt_hls_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_srt_hls_module = {
    NGX_MODULE_V1,
    &ngx_http_srt_hls_module_ctx,          /* module context */
    ngx_http_srt_hls_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_srt_hls_handler(ngx_http_request_t *r)
{
    u_char                    *p, *last, *file, cc[64];
    size_t                     len;
    ngx_int_t                  rc;
    ngx_str_t                  route, path;
    ngx_buf_t                 *b;
    ngx_uint_t                 kind, age;
    ngx_chain_t                out;
    ngx_srt_output_t          *o;
    ngx_open_file_info_t       of;
    ngx_srt_main_conf_t       *mcf;
    ngx_http_core_loc_conf_t  *clcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (r->uri.data[r->uri.len - 1] == '/') {
        return NGX_HTTP_NOT_FOUND;
    }

    /* .../ROUTE/FILE */

    last = r->uri.data + r->uri.len;

    for (file = last; file > r->uri.data && file[-1] != '/'; file--) {
        /* void */
    }

    if (file - 1 <= r->uri.data) {
        return NGX_HTTP_NOT_FOUND;
    }

    for (p = file - 1; p > r->uri.data && p[-1] != '/'; p--) { /* void */ }

    route.data = p;
    route.len = file - 1 - p;
    len = last - file;

    if (len == sizeof("index.m3u8") - 1
        && ngx_strncmp(file, "index.m3u8", len) == 0)
    {
        kind = NGX_HTTP_SRT_HLS_MEDIA;

    } else if (len == sizeof("master.m3u8") - 1
               && ngx_strncmp(file, "master.m3u8", len) == 0)
    {
        kind = NGX_HTTP_SRT_HLS_MASTER;

    } else if (len > 3 && len <= NGX_INT64_LEN + 3
               && ngx_strncmp(last - 3, ".ts", 3) == 0
               && ngx_atoi(file, len - 3) != NGX_ERROR)
    {
        kind = NGX_HTTP_SRT_HLS_SEGMENT;

    } else {
        return NGX_HTTP_NOT_FOUND;
    }

    if (route.len == 0 || route.data[0] == '.') {
        return NGX_HTTP_NOT_FOUND;
    }

    o = ngx_http_srt_hls_output(&route);
    if (o == NULL) {
        return NGX_HTTP_NOT_FOUND;
    }

    mcf = ngx_srt_get_main_conf(ngx_cycle);

    path.len = mcf->hls_path.len + 1 + route.len + 1 + len;
    path.data = ngx_pnalloc(r->pool, path.len + 1);
    if (path.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(path.data, mcf->hls_path.data, mcf->hls_path.len);
    *p++ = '/';
    p = ngx_cpymem(p, route.data, route.len);
    *p++ = '/';
    p = ngx_cpymem(p, file, len);
    *p = '\0';

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    ngx_memzero(&of, sizeof(ngx_open_file_info_t));

    of.read_ahead = clcf->read_ahead;
    of.directio = clcf->directio;
    of.valid = clcf->open_file_cache_valid;
    of.min_uses = clcf->open_file_cache_min_uses;
    of.errors = clcf->open_file_cache_errors;
    of.events = clcf->open_file_cache_events;

    /* a playlist is replaced (renamed over) every segment: never from
       open_file_cache, which would keep the old file's descriptor */
    if (ngx_open_cached_file(kind == NGX_HTTP_SRT_HLS_SEGMENT
                             ? clcf->open_file_cache : NULL,
                             &path, &of, r->pool)
        != NGX_OK)
    {
        if (of.err == NGX_ENOENT || of.err == NGX_ENOTDIR
            || of.err == NGX_ENAMETOOLONG)
        {
            /* not written yet, or deleted after its grace period */
            return NGX_HTTP_NOT_FOUND;
        }

        ngx_log_error(NGX_LOG_CRIT, r->connection->log, of.err,
                      "%s \"%s\" failed", of.failed, path.data);

        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!of.is_file) {
        return NGX_HTTP_NOT_FOUND;
    }

    r->root_tested = !r->error_page;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = of.size;

    /*
     * Two playlists written in the same second may have the same size: the
     * ETag has the file's inode too (every write is a new file), and a
     * playlist has no Last-Modified, whose 1 s resolution would answer
     * If-Modified-Since with 304 for a newer one.
     */
    if (kind == NGX_HTTP_SRT_HLS_SEGMENT) {
        r->headers_out.last_modified_time = of.mtime;
    }

    if (ngx_http_srt_hls_etag(r, &of) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (kind == NGX_HTTP_SRT_HLS_SEGMENT) {
        ngx_str_set(&r->headers_out.content_type, "video/mp2t");
        p = ngx_sprintf(cc, "public, max-age=86400");
        r->allow_ranges = 1;

    } else {
        /* half a segment: a player polling once a segment sees each
           playlist change, and a CDN collapses the polls of its players */
        ngx_str_set(&r->headers_out.content_type,
                    "application/vnd.apple.mpegurl");
        age = (ngx_uint_t) o->parsed.hls.segment_ms / 2000;
        p = ngx_sprintf(cc, "public, max-age=%ui", age ? age : 1);
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    if (ngx_http_srt_hls_header(r, "Cache-Control", cc, p - cc) != NGX_OK
        || ngx_http_srt_hls_header(r, "Access-Control-Allow-Origin",
                                   (u_char *) "*", 1)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method == NGX_HTTP_HEAD || of.size == 0) {
        r->header_only = 1;
        return ngx_http_send_header(r);
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->file = ngx_pcalloc(r->pool, sizeof(ngx_file_t));
    if (b->file == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->file_pos = 0;
    b->file_last = of.size;

    b->in_file = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    b->file->fd = of.fd;
    b->file->name = path;
    b->file->log = r->connection->log;
    b->file->directio = of.is_directio;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* the route's HLS output, in this worker's view of the routes */

static ngx_srt_output_t *
ngx_http_srt_hls_output(ngx_str_t *name)
{
    ngx_uint_t          i;
    ngx_srt_route_t    *rt;
    ngx_srt_output_t  **outp;

    rt = ngx_srt_find_route((ngx_cycle_t *) ngx_cycle, name);
    if (rt == NULL) {
        return NULL;
    }

    outp = rt->outputs.elts;

    for (i = 0; i < rt->outputs.nelts; i++) {
        if (outp[i]->hls) {
            return outp[i];
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_srt_hls_etag(ngx_http_request_t *r, ngx_open_file_info_t *of)
{
    ngx_table_elt_t  *etag;

    etag = ngx_list_push(&r->headers_out.headers);
    if (etag == NULL) {
        return NGX_ERROR;
    }

    etag->hash = 1;
    ngx_str_set(&etag->key, "ETag");

    etag->value.data = ngx_pnalloc(r->pool, 3 * NGX_OFF_T_LEN + 5);
    if (etag->value.data == NULL) {
        return NGX_ERROR;
    }

    etag->value.len = ngx_sprintf(etag->value.data, "\"%xT-%xO-%xL\"",
                                  of->mtime, of->size,
                                  (uint64_t) of->uniq)
                      - etag->value.data;

    r->headers_out.etag = etag;

    return NGX_OK;
}


static ngx_int_t
ngx_http_srt_hls_header(ngx_http_request_t *r, const char *key, u_char *value,
    size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);

    h->value.data = ngx_pnalloc(r->pool, len);
    if (h->value.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(h->value.data, value, len);
    h->value.len = len;

    return NGX_OK;
}


static char *
ngx_http_srt_hls(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_srt_hls_handler;

    return NGX_CONF_OK;
}
