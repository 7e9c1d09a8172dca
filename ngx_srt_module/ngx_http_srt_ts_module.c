/*
 * HTTP-TS output: GET /PREFIX/NAME.ts streams route NAME as endless
 * video/mp2t from whichever worker accepted the client.
 *
 * Headers go through the normal filter chain; the body is written by us
 * with c->send() straight from the ring.  If the socket takes only part of
 * a run, the unsent tail is copied into the request's own backlog buffer at
 * once, so nothing pending in nginx ever points into ring memory the writer
 * may reuse.  A client that falls behind is overrun in the ring and skips to
 * the newest keyframe; it never slows the writer or other clients.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_srt_module.h"


#define NGX_HTTP_SRT_TS_RUN      512     /* packets per send, ~94 KB */
#define NGX_HTTP_SRT_TS_BURST    (2 * 1024 * 1024)   /* bytes per event */
#define NGX_HTTP_SRT_TS_ALIVE    5000                 /* ms */


typedef struct {
    ngx_msec_t                wait_timeout;
    ngx_uint_t                max_overruns;
} ngx_http_srt_ts_loc_conf_t;


typedef struct {
    ngx_http_request_t       *request;
    ngx_srt_route_t          *route;
    ngx_srt_reader_t          reader;
    ngx_buf_t                *backlog;
    ngx_event_t               wait;          /* wait, then heartbeat */
    uint64_t                  alive_seq;     /* ring position at heartbeat */
    unsigned                  streaming:1;
    unsigned                  counted:1;
} ngx_http_srt_ts_ctx_t;


static ngx_int_t ngx_http_srt_ts_handler(ngx_http_request_t *r);
static void ngx_http_srt_ts_wake(ngx_srt_reader_t *reader);
static void ngx_http_srt_ts_gone(ngx_srt_reader_t *reader);
static void ngx_http_srt_ts_wait_timeout(ngx_event_t *ev);
static void ngx_http_srt_ts_alive(ngx_event_t *ev);
static void ngx_http_srt_ts_close(ngx_http_srt_ts_ctx_t *ctx, ngx_int_t rc);
static void ngx_http_srt_ts_start(ngx_http_srt_ts_ctx_t *ctx);
static void ngx_http_srt_ts_write_handler(ngx_http_request_t *r);
static void ngx_http_srt_ts_send(ngx_http_srt_ts_ctx_t *ctx);
static void ngx_http_srt_ts_cleanup(void *data);
static void *ngx_http_srt_ts_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_srt_ts_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_srt_ts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);


static ngx_command_t  ngx_http_srt_ts_commands[] = {

    { ngx_string("srt_ts"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_srt_ts,
      0,
      0,
      NULL },

    { ngx_string("srt_ts_wait_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_srt_ts_loc_conf_t, wait_timeout),
      NULL },

    { ngx_string("srt_ts_max_overruns"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_srt_ts_loc_conf_t, max_overruns),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_srt_ts_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_srt_ts_create_loc_conf,       /* create location configuration */
    ngx_http_srt_ts_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_srt_ts_module = {
    NGX_MODULE_V1,
    &ngx_http_srt_ts_module_ctx,           /* module context */
    ngx_http_srt_ts_commands,              /* module directives */
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
ngx_http_srt_ts_handler(ngx_http_request_t *r)
{
    u_char                      *p, *last;
    ngx_int_t                    rc;
    ngx_str_t                    name;
    ngx_srt_route_t             *rt;
    ngx_pool_cleanup_t          *cln;
    ngx_http_srt_ts_ctx_t       *ctx;
    ngx_http_srt_ts_loc_conf_t  *tlcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (r->http_version > NGX_HTTP_VERSION_11) {
        /* the body bypasses the filter chain: HTTP/1.x framing only */
        return NGX_HTTP_VERSION_NOT_SUPPORTED;
    }

    last = r->uri.data + r->uri.len;

    for (p = last; p > r->uri.data && p[-1] != '/'; p--) { /* void */ }

    name.data = p;
    name.len = last - p;

    if (name.len <= 3 || ngx_strncmp(last - 3, ".ts", 3) != 0) {
        return NGX_HTTP_NOT_FOUND;
    }

    name.len -= 3;

    rt = ngx_srt_find_route((ngx_cycle_t *) ngx_cycle, &name);
    if (rt == NULL) {
        return NGX_HTTP_NOT_FOUND;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = -1;
    r->allow_ranges = 0;
    ngx_str_set(&r->headers_out.content_type, "video/mp2t");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    if (r->method == NGX_HTTP_HEAD) {
        return ngx_http_send_header(r);
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_srt_ts_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    ctx->route = rt;
    ctx->reader.handler = ngx_http_srt_ts_wake;
    ctx->reader.gone = ngx_http_srt_ts_gone;
    ctx->reader.data = ctx;

    cln->handler = ngx_http_srt_ts_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_srt_ts_module);

    ngx_srt_ring_attach(&rt->ring, &ctx->reader);

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_srt_ts_write_handler;
    r->main->count++;

    if (srt_ring_reader_start(&rt->ring.shm->ring, &ctx->reader.rd)) {
        ngx_http_srt_ts_start(ctx);
        return NGX_DONE;
    }

    /* no data yet: hold the client until a keyframe arrives */

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_srt_ts_module);

    ctx->wait.handler = ngx_http_srt_ts_wait_timeout;
    ctx->wait.data = ctx;
    ctx->wait.log = r->connection->log;

    ngx_add_timer(&ctx->wait, tlcf->wait_timeout);

    return NGX_DONE;
}


/*
 * Called from the wake-up dispatch, outside ngx_http_request_handler():
 * a request finalized here is only posted, so run posted requests after,
 * and touch nothing of the request afterwards.
 */

static void
ngx_http_srt_ts_wake(ngx_srt_reader_t *reader)
{
    ngx_connection_t       *c;
    ngx_http_srt_ts_ctx_t  *ctx = reader->data;

    c = ctx->request->connection;

    if (ctx->streaming) {
        if (!c->write->ready) {
            return;     /* blocked: the write event will resume */
        }

        ngx_http_srt_ts_send(ctx);

    } else if (srt_ring_reader_start(&ctx->route->ring.shm->ring,
                                     &reader->rd))
    {
        if (ctx->wait.timer_set) {
            ngx_del_timer(&ctx->wait);
        }

        ngx_http_srt_ts_start(ctx);

    } else {
        return;
    }

    ngx_http_run_posted_requests(c);
}


/*
 * The route is removed (API): the client ends, and nothing may refer to
 * the route afterwards, since its memory goes.
 */

static void
ngx_http_srt_ts_gone(ngx_srt_reader_t *reader)
{
    ngx_connection_t       *c;
    ngx_http_srt_ts_ctx_t  *ctx = reader->data;

    ngx_log_error(NGX_LOG_INFO, ctx->request->connection->log, 0,
                  "srt route \"%V\" is removed, closing its client",
                  &ctx->route->name);

    if (ctx->wait.timer_set) {
        ngx_del_timer(&ctx->wait);
    }

    ngx_srt_ring_detach(&ctx->route->ring, &ctx->reader);

    if (ctx->counted) {
        ctx->route->http->clients[ngx_srt_worker_slot()]--;
        ctx->counted = 0;
    }

    ctx->route = NULL;
    ctx->streaming = 0;

    c = ctx->request->connection;
    ngx_http_finalize_request(ctx->request, NGX_ERROR);
    ngx_http_run_posted_requests(c);
}


/* stops reading the ring first, so a finalized client gets nothing more */

static void
ngx_http_srt_ts_close(ngx_http_srt_ts_ctx_t *ctx, ngx_int_t rc)
{
    ctx->streaming = 0;
    ngx_srt_ring_detach(&ctx->route->ring, &ctx->reader);

    ngx_http_finalize_request(ctx->request, rc);
}


static void
ngx_http_srt_ts_wait_timeout(ngx_event_t *ev)
{
    ngx_connection_t       *c;
    ngx_http_srt_ts_ctx_t  *ctx = ev->data;

    ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                  "srt route \"%V\" has no data, giving up",
                  &ctx->route->name);

    c = ctx->request->connection;

    ngx_http_srt_ts_close(ctx, NGX_HTTP_GATEWAY_TIME_OUT);
    ngx_http_run_posted_requests(c);
}


/*
 * An exiting worker (after a reload) keeps its clients while their ring is
 * written; a client whose ring stopped (route removed or resized by the
 * new configuration) is closed, so the old worker can leave.
 */

static void
ngx_http_srt_ts_alive(ngx_event_t *ev)
{
    uint64_t                seq;
    ngx_connection_t       *c;
    ngx_http_srt_ts_ctx_t  *ctx = ev->data;

    seq = srt_ring_published(&ctx->route->ring.shm->ring);

    if (ngx_exiting && seq == ctx->alive_seq) {
        ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                      "srt route \"%V\" is no longer fed, closing a client "
                      "of an exiting worker", &ctx->route->name);

        c = ctx->request->connection;
        ngx_http_srt_ts_close(ctx, NGX_ERROR);
        ngx_http_run_posted_requests(c);
        return;
    }

    ctx->alive_seq = seq;
    ngx_add_timer(ev, NGX_HTTP_SRT_TS_ALIVE);
}


static void
ngx_http_srt_ts_start(ngx_http_srt_ts_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_buf_t           *b;
    ngx_chain_t          out;
    ngx_http_request_t  *r;

    r = ctx->request;

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        /* a blocked write is retried from our backlog copy, not the ring */
        SSL_set_mode(r->connection->ssl->connection,
                     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    }
#endif

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK) {
        ngx_http_srt_ts_close(ctx, rc);
        return;
    }

    /* push the header out now rather than waiting for postpone_output */

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        ngx_http_srt_ts_close(ctx, NGX_ERROR);
        return;
    }

    b->flush = 1;
    out.buf = b;
    out.next = NULL;

    if (ngx_http_output_filter(r, &out) == NGX_ERROR) {
        ngx_http_srt_ts_close(ctx, NGX_ERROR);
        return;
    }

    /* a live stream: send each batch now, not when a segment fills up */
    if (ngx_tcp_nodelay(r->connection) != NGX_OK) {
        ngx_http_srt_ts_close(ctx, NGX_ERROR);
        return;
    }

    ctx->streaming = 1;
    ctx->counted = 1;

    ctx->route->http->clients[ngx_srt_worker_slot()]++;
    (void) ngx_atomic_fetch_add(&ctx->route->http->clients_total, 1);

    /*
     * A client that keeps up has no timer of its own, and a gracefully
     * exiting worker (reload) leaves as soon as only cancelable timers are
     * left.  This non-cancelable heartbeat keeps an old worker serving its
     * clients until they leave or worker_shutdown_timeout closes them.
     */

    ctx->wait.handler = ngx_http_srt_ts_alive;
    ctx->wait.data = ctx;
    ctx->wait.log = r->connection->log;
    ctx->wait.cancelable = 0;

    ctx->alive_seq = srt_ring_published(&ctx->route->ring.shm->ring);
    ngx_add_timer(&ctx->wait, NGX_HTTP_SRT_TS_ALIVE);

    ngx_http_srt_ts_send(ctx);
}


static void
ngx_http_srt_ts_write_handler(ngx_http_request_t *r)
{
    ngx_srt_route_t        *rt;
    ngx_http_srt_ts_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_srt_ts_module);

    if (ctx == NULL || !ctx->streaming) {
        return;
    }

    if (r->connection->write->timedout) {
        rt = ctx->route;
        (void) ngx_atomic_fetch_add(&rt->http->closed_slow, 1);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, NGX_ETIMEDOUT,
                      "srt route \"%V\": client timed out", &rt->name);

        r->connection->timedout = 1;
        ngx_http_srt_ts_close(ctx, NGX_ERROR);
        return;
    }

    ngx_http_srt_ts_send(ctx);
}


static void
ngx_http_srt_ts_send(ngx_http_srt_ts_ctx_t *ctx)
{
    size_t                       size;
    ssize_t                      n;
    uint64_t                     first, overruns, bytes;
    const uint8_t               *p;
    srt_ring_t                  *ring;
    ngx_buf_t                   *bl;
    ngx_srt_route_t             *rt;
    ngx_connection_t            *c;
    ngx_http_request_t          *r;
    ngx_http_core_loc_conf_t    *clcf;
    ngx_http_srt_ts_loc_conf_t  *tlcf;

    r = ctx->request;
    c = r->connection;
    rt = ctx->route;
    ring = &rt->ring.shm->ring;
    bytes = 0;
    overruns = ctx->reader.rd.overruns;

    if (r->out || c->buffered) {
        /* the response header is still pending, here or in the SSL buffer */
        if (ngx_http_output_filter(r, NULL) == NGX_ERROR) {
            ngx_http_srt_ts_close(ctx, NGX_ERROR);
            return;
        }

        if (r->out || c->buffered) {
            goto blocked;
        }
    }

    bl = ctx->backlog;

    for ( ;; ) {

        if (bl && bl->pos < bl->last) {
            n = c->send(c, bl->pos, bl->last - bl->pos);

            if (n == NGX_ERROR) {
                goto failed;
            }

            if (n > 0) {
                bl->pos += n;
                bytes += n;
            }

            if (bl->pos < bl->last) {
                goto blocked;
            }

            bl->pos = bl->start;
            bl->last = bl->start;
        }

        if (bytes >= NGX_HTTP_SRT_TS_BURST) {
            /* let other connections run; continue on the next loop turn */
            ngx_post_event(c->write, &ngx_posted_events);
            break;
        }

        n = srt_ring_peek(ring, &ctx->reader.rd, &p, NGX_HTTP_SRT_TS_RUN);

        if (n == 0) {
            break;
        }

        first = ctx->reader.rd.pos;
        size = n * SRT_RING_PKT;

        n = c->send(c, (u_char *) p, size);

        if (n == NGX_ERROR) {
            goto failed;
        }

        if (n == NGX_AGAIN) {
            n = 0;
        }

        bytes += n;

        if ((size_t) n < size) {
            if (bl == NULL) {
                bl = ngx_create_temp_buf(r->pool,
                                         NGX_HTTP_SRT_TS_RUN * SRT_RING_PKT);
                if (bl == NULL) {
                    goto failed;
                }

                ctx->backlog = bl;
            }

            bl->last = ngx_cpymem(bl->pos, p + n, size - n);
        }

        if (!srt_ring_still_valid(ring, first)) {
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "srt route \"%V\": client lapped while sending",
                          &rt->name);
            goto failed;
        }

        ctx->reader.rd.pos += size / SRT_RING_PKT;

        if ((size_t) n < size) {
            goto blocked;
        }
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    goto done;

blocked:

    if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
        goto failed;
    }

    if (!c->write->timer_set) {
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
        ngx_add_timer(c->write, clcf->send_timeout);
    }

done:

    (void) ngx_atomic_fetch_add(&rt->http->bytes, bytes);

    if (ctx->reader.rd.overruns != overruns) {
        (void) ngx_atomic_fetch_add(&rt->http->overruns,
                                    ctx->reader.rd.overruns - overruns);

        tlcf = ngx_http_get_module_loc_conf(r, ngx_http_srt_ts_module);

        if (tlcf->max_overruns
            && ctx->reader.rd.overruns >= tlcf->max_overruns)
        {
            (void) ngx_atomic_fetch_add(&rt->http->closed_slow, 1);
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "srt route \"%V\": closing a client that was "
                          "overrun %uL times", &rt->name,
                          ctx->reader.rd.overruns);
            ngx_http_srt_ts_close(ctx, NGX_ERROR);
        }
    }

    return;

failed:

    (void) ngx_atomic_fetch_add(&rt->http->bytes, bytes);
    c->error = 1;
    ngx_http_srt_ts_close(ctx, NGX_ERROR);
}


static void
ngx_http_srt_ts_cleanup(void *data)
{
    ngx_http_srt_ts_ctx_t  *ctx = data;

    if (ctx->wait.timer_set) {
        ngx_del_timer(&ctx->wait);
    }

    if (ctx->route == NULL) {
        return;     /* the route was removed: already let go */
    }

    ngx_srt_ring_detach(&ctx->route->ring, &ctx->reader);

    if (ctx->counted) {
        ctx->route->http->clients[ngx_srt_worker_slot()]--;
        ctx->counted = 0;
    }

    ctx->streaming = 0;
}


static void *
ngx_http_srt_ts_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_srt_ts_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_srt_ts_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->wait_timeout = NGX_CONF_UNSET_MSEC;
    conf->max_overruns = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_srt_ts_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_srt_ts_loc_conf_t  *prev = parent;
    ngx_http_srt_ts_loc_conf_t  *conf = child;

    ngx_conf_merge_msec_value(conf->wait_timeout, prev->wait_timeout, 10000);
    ngx_conf_merge_uint_value(conf->max_overruns, prev->max_overruns, 10);

    return NGX_CONF_OK;
}


static char *
ngx_http_srt_ts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    clcf->handler = ngx_http_srt_ts_handler;

    /* the body is written past the filters: never announce chunking */
    clcf->chunked_transfer_encoding = 0;

    return NGX_CONF_OK;
}
