/*
 * SCTE-35 through the API: cue insertion on a live route, the cue log and
 * the ad-marker schedule.
 *
 * A cue is anchored on the route's clock (the output's latest video PTS,
 * published in shared memory by the route's owner, ngx_srt_scte35.c),
 * encoded here and posted to the owner's mailbox as "repeat" copies spread
 * over the pre-roll; the owner's muxer sends each copy when the video
 * reaches its send time.  Any worker may take the request.
 *
 * Scheduled cues live in SQLite.  Every worker looks for due ones every
 * 100 ms; whichever moves one out of "pending" first (one UPDATE, so only
 * one does) sends it, or reports it missed when its time went by.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_srt_module.h"
#include "ngx_http_route_api.h"
#include "srt_store.h"
#include "srt_cue_store.h"
#include "scte35.h"
#include "scte35_cue.h"


#define NGX_ROUTE_API_CUE_RETENTION   100000
#define NGX_ROUTE_API_SCHED_MS        100
#define NGX_ROUTE_API_CLOCK_MAX_AGE   3000     /* ms: older = not live */
#define NGX_ROUTE_API_FRAME_MS        40       /* late by more: missed */


/* a cue anchored and posted: what the API answers */
typedef struct {
    uint64_t                  splice_pts;
    uint64_t                  send_pts;      /* of the first copy */
    uint64_t                  now_pts;
    ngx_uint_t                copies;        /* posted */
    int64_t                   seq;
    size_t                    len;
    u_char                    section[NGX_SRT_CUE_MAX];
} ngx_route_api_sent_t;


static ngx_int_t ngx_route_api_cue_route(ngx_http_route_api_ctx_t *ctx,
    ngx_srt_route_t **rtp, ngx_route_api_fail_t *fail);
static ngx_int_t ngx_route_api_cue_anchor(ngx_srt_route_t *rt,
    scte35_cue_t *cue, int64_t at_ms, ngx_route_api_sent_t *sent,
    ngx_route_api_fail_t *fail);
static ngx_int_t ngx_route_api_cue_post(ngx_srt_route_t *rt,
    scte35_cue_t *cue, const char *source, ngx_route_api_sent_t *sent,
    ngx_route_api_fail_t *fail);
static json_t *ngx_route_api_cue_json(ngx_srt_route_t *rt,
    scte35_cue_t *cue, ngx_route_api_sent_t *sent);
static void ngx_route_api_cue_log(ngx_str_t *route, const char *source,
    const u_char *section, size_t len, const char *result,
    const char *error);
static int64_t ngx_route_api_cue_log_row(const char *route,
    const char *source, const u_char *section, size_t len,
    int64_t splice_pts, const char *result, const char *error);
static int ngx_route_api_cue_row(void *data, const srt_cue_t *c);
static ngx_int_t ngx_route_api_cue_audit(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx, const char *action, const char *route,
    json_t *before, json_t *after, ngx_uint_t status);
static ngx_int_t ngx_route_api_schedule_add(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx, ngx_srt_route_t *rt);
static int ngx_route_api_sched_row(void *data, const srt_sched_t *e);
static json_t *ngx_route_api_sched_json(const srt_sched_t *e);
static void ngx_route_api_sched_tick(ngx_event_t *ev);
static int ngx_route_api_sched_due(void *data, const srt_sched_t *e);
static void ngx_route_api_sched_fire(int64_t id, const char *route,
    int64_t start_ms, const char *request);
static ngx_int_t ngx_route_api_cue_parse(json_t *req, ngx_srt_route_t *rt,
    scte35_cue_t *cue, ngx_route_api_fail_t *fail);
static void ngx_route_api_hex(const u_char *p, size_t len, char *hex);


static srt_cue_store_t  *ngx_route_api_cs;
static ngx_event_t       ngx_route_api_sched_ev;
static scte35_cue_t     *ngx_route_api_cue;         /* 56 KB: not on stack */
static scte35_section_t *ngx_route_api_sec;


ngx_int_t
ngx_http_route_api_scte35_init(ngx_cycle_t *cycle)
{
    char          err[SRT_STORE_ERR_LEN];
    srt_store_t  *st;

    st = ngx_http_route_api_db();

    if (st == NULL) {
        return NGX_OK;
    }

    ngx_route_api_cue = ngx_alloc(sizeof(scte35_cue_t), cycle->log);
    ngx_route_api_sec = ngx_alloc(sizeof(scte35_section_t), cycle->log);

    if (ngx_route_api_cue == NULL || ngx_route_api_sec == NULL) {
        return NGX_ERROR;
    }

    ngx_route_api_cs = srt_cue_store_open(st, err);

    if (ngx_route_api_cs == NULL) {
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                      "route api: the SCTE-35 tables: %s", err);
        return NGX_OK;
    }

    ngx_srt_scte35_log = ngx_route_api_cue_log;

    ngx_route_api_sched_ev.handler = ngx_route_api_sched_tick;
    ngx_route_api_sched_ev.log = cycle->log;
    ngx_route_api_sched_ev.cancelable = 1;
    ngx_add_timer(&ngx_route_api_sched_ev, NGX_ROUTE_API_SCHED_MS);

    return NGX_OK;
}


void
ngx_http_route_api_scte35_exit(ngx_cycle_t *cycle)
{
    ngx_srt_scte35_log = NULL;

    if (ngx_route_api_sched_ev.timer_set) {
        ngx_del_timer(&ngx_route_api_sched_ev);
    }

    srt_cue_store_close(ngx_route_api_cs);
    ngx_route_api_cs = NULL;
}


/* POST /routes/{id}/scte35: a cue now */

ngx_int_t
ngx_http_route_api_scte35(ngx_http_request_t *r, ngx_http_route_api_ctx_t *ctx)
{
    json_t                *body, *reply;
    ngx_int_t              rc;
    ngx_srt_route_t       *rt;
    ngx_route_api_sent_t   sent;
    ngx_route_api_fail_t   fail;

    fail.status = 0;

    if (ngx_route_api_cue_route(ctx, &rt, &fail) != NGX_OK
        || ngx_route_api_parse(ctx, &body, &fail) != NGX_OK)
    {
        return ngx_route_api_failed(r, &fail);
    }

    rc = ngx_route_api_cue_parse(body, rt, ngx_route_api_cue, &fail);
    json_decref(body);

    if (rc != NGX_OK
        || ngx_route_api_cue_anchor(rt, ngx_route_api_cue, -1, &sent, &fail)
           != NGX_OK
        || ngx_route_api_cue_post(rt, ngx_route_api_cue, "api", &sent, &fail)
           != NGX_OK)
    {
        return ngx_route_api_failed(r, &fail);
    }

    reply = ngx_route_api_cue_json(rt, ngx_route_api_cue, &sent);
    if (reply == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ngx_route_api_cue_audit(r, ctx, "scte35.insert",
                                   (char *) rt->name.data, NULL, reply,
                                   NGX_HTTP_CREATED);

    return ngx_http_route_api_send(r, NGX_HTTP_CREATED, reply);
}


static ngx_int_t
ngx_route_api_cue_route(ngx_http_route_api_ctx_t *ctx, ngx_srt_route_t **rtp,
    ngx_route_api_fail_t *fail)
{
    char  id[SRT_STORE_ID_LEN + 1];

    if (ngx_route_api_ctx_id(&ctx->id[0], id, fail, NGX_HTTP_NOT_FOUND)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* routes of nginx.conf take cues too: it is no change of config */

    *rtp = ngx_srt_find_route((ngx_cycle_t *) ngx_cycle, &ctx->id[0]);

    if (*rtp == NULL) {
        ngx_route_api_fail(fail, NGX_HTTP_NOT_FOUND, NULL,
                           "no such route \"%s\"", id);
        return NGX_ERROR;
    }

    if (ngx_route_api_cs == NULL) {
        ngx_route_api_fail(fail, NGX_HTTP_SERVICE_UNAVAILABLE, NULL,
                           "the API database is not open (see the error "
                           "log)");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_route_api_cue_parse(json_t *req, ngx_srt_route_t *rt, scte35_cue_t *cue,
    ngx_route_api_fail_t *fail)
{
    char                   err[256], field[SCTE35_CUE_FIELD_LEN];
    scte35_cue_defaults_t  d;

    d.preroll = (double) rt->scte35_preroll / 1000;
    d.repeat = (int) rt->scte35_repeat;
    d.event_id = (uint32_t) ngx_atomic_fetch_add(&rt->scte35->event_id, 8);

    if (scte35_cue_parse(req, &d, cue, err, sizeof(err), field) != 0) {
        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST,
                           field[0] ? field : NULL, "%s", err);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * Anchors the cue on the route's clock and encodes it.  at_ms >= 0: a
 * scheduled splice at that wall clock time.
 */

static ngx_int_t
ngx_route_api_cue_anchor(ngx_srt_route_t *rt, scte35_cue_t *cue,
    int64_t at_ms, ngx_route_api_sent_t *sent, ngx_route_api_fail_t *fail)
{
    char       err[160];
    uint64_t   clock_pts, clock_msec, now_ms, now_pts, splice, first, preroll;

    if (ngx_srt_scte35_clock(rt, &clock_pts, &clock_msec) != NGX_OK) {
        ngx_route_api_fail(fail, NGX_HTTP_CONFLICT, NULL,
                           "route \"%V\" has no video clock yet: a cue is "
                           "anchored on the PTS of a live input", &rt->name);
        return NGX_ERROR;
    }

    now_ms = ngx_srt_unix_msec();

    if (now_ms > rt->scte35->clock_last + NGX_ROUTE_API_CLOCK_MAX_AGE) {
        ngx_route_api_fail(fail, NGX_HTTP_CONFLICT, NULL,
                           "route \"%V\" is not live (no video for %uL ms): "
                           "a cue is anchored on the PTS of a live input",
                           &rt->name, now_ms - rt->scte35->clock_last);
        return NGX_ERROR;
    }

    /* the clock was read at clock_msec: where the video is now */
    now_pts = (clock_pts + (now_ms - clock_msec) * 90) & SCTE35_MAX_33;
    preroll = (uint64_t) (cue->preroll * 90000);

    if (at_ms >= 0) {
        cue->at = SCTE35_AT_WALLCLOCK;
        cue->at_ms = at_ms;
    }

    /* a PTS tells only 2^32 ticks (13 h) ahead from behind */

    if (cue->at == SCTE35_AT_WALLCLOCK
        && (cue->at_ms <= (int64_t) now_ms
            || cue->at_ms > (int64_t) now_ms + 12 * 3600 * 1000))
    {
        ngx_route_api_fail(fail, NGX_HTTP_CONFLICT, "at",
                           "\"at\" must be in the next 12 hours (the "
                           "schedule takes later ones)");
        return NGX_ERROR;
    }

    switch (cue->at) {

    case SCTE35_AT_PTS:
        splice = cue->pts;
        break;

    case SCTE35_AT_WALLCLOCK:
        splice = clock_pts + (uint64_t) (cue->at_ms - (int64_t) clock_msec)
                             * 90;
        break;

    case SCTE35_AT_IN:
        splice = now_pts + (uint64_t) (cue->in * 90000);
        break;

    case SCTE35_AT_IMMEDIATE:
        splice = now_pts;
        break;

    default:
        splice = now_pts + preroll;
    }

    splice &= SCTE35_MAX_33;

    if (cue->timed) {
        /* in the past: more than half the 33-bit range behind */
        if (((splice - now_pts) & SCTE35_MAX_33) > (SCTE35_MAX_33 >> 1)
            || splice == now_pts)
        {
            ngx_route_api_fail(fail, NGX_HTTP_CONFLICT, NULL,
                               "the splice point (PTS %uL) is not in the "
                               "future of the route's video (PTS %uL)",
                               splice, now_pts);
            return NGX_ERROR;
        }

        scte35_cue_set_pts(cue, splice);
    }

    if (scte35_encode(&cue->sec, sent->section, sizeof(sent->section),
                      &sent->len, err, sizeof(err))
        != SCTE35_OK)
    {
        ngx_route_api_fail(fail, NGX_HTTP_BAD_REQUEST, NULL,
                           "the cue does not encode: %s", err);
        return NGX_ERROR;
    }

    /* copies spread over the pre-roll; the first at once if it is late */

    first = (splice - preroll) & SCTE35_MAX_33;

    if (!cue->timed
        || ((first - now_pts) & SCTE35_MAX_33) > (SCTE35_MAX_33 >> 1))
    {
        first = now_pts;
    }

    sent->splice_pts = splice;
    sent->send_pts = first;
    sent->now_pts = now_pts;
    sent->copies = 0;

    return NGX_OK;
}


/* the anchored cue's copies into the owner's mailbox, and the cue log */

static ngx_int_t
ngx_route_api_cue_post(ngx_srt_route_t *rt, scte35_cue_t *cue,
    const char *source, ngx_route_api_sent_t *sent,
    ngx_route_api_fail_t *fail)
{
    int        k;
    uint64_t   span, send;
    ngx_int_t  rc;

    span = (sent->splice_pts - sent->send_pts) & SCTE35_MAX_33;

    for (k = 0; k < cue->repeat; k++) {
        send = (sent->send_pts + span * k / cue->repeat) & SCTE35_MAX_33;

        rc = ngx_srt_scte35_post(rt, sent->section, sent->len,
                                 sent->splice_pts, send,
                                 k == 0 && sent->send_pts == sent->now_pts);

        if (rc != NGX_OK) {
            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "srt route \"%V\": %d of %d cue copies queued: "
                          "its owner is not running or far behind",
                          &rt->name, k, cue->repeat);

            if (k == 0) {
                ngx_route_api_fail(fail, NGX_HTTP_SERVICE_UNAVAILABLE, NULL,
                                   "route \"%V\" takes no more cues now: "
                                   "its owner is not running or far behind",
                                   &rt->name);
                return NGX_ERROR;
            }

            break;
        }

        sent->copies++;
    }

    sent->seq = ngx_route_api_cue_log_row((char *) rt->name.data, source,
                                          sent->section, sent->len,
                                          cue->timed
                                          ? (int64_t) sent->splice_pts : -1,
                                          "queued", NULL);

    return NGX_OK;
}


static json_t *
ngx_route_api_cue_json(ngx_srt_route_t *rt, scte35_cue_t *cue,
    ngx_route_api_sent_t *sent)
{
    char       hex[2 * NGX_SRT_CUE_MAX + 1];
    u_char     b64[NGX_SRT_CUE_MAX * 2];
    json_t    *o, *decoded;
    ngx_str_t  src, dst;

    ngx_route_api_hex(sent->section, sent->len, hex);

    src.data = sent->section;
    src.len = sent->len;
    dst.data = b64;
    ngx_encode_base64(&dst, &src);

    /* the struct that was encoded: no need to decode the bytes again */
    decoded = scte35_to_json(&cue->sec);

    o = json_pack("{s:I, s:s%, s:s, s:s%, s:I, s:I, s:i, s:f, s:I, s:o?}",
                  "id", (json_int_t) sent->seq,
                  "route", (char *) rt->name.data, rt->name.len,
                  "hex", hex,
                  "base64", (char *) dst.data, dst.len,
                  "splice_pts", (json_int_t) sent->splice_pts,
                  "sent_at_pts", (json_int_t) sent->send_pts,
                  "copies", (int) sent->copies,
                  "preroll", cue->preroll,
                  "event_id", (json_int_t) cue->event_id,
                  "decoded", decoded);

    if (o && !cue->timed) {
        json_object_set_new(o, "immediate", json_true());
    }

    return o;
}


/* the owner's muxer saw or missed a cue (ngx_srt_scte35.c) */

static void
ngx_route_api_cue_log(ngx_str_t *route, const char *source,
    const u_char *section, size_t len, const char *result, const char *error)
{
    u_char  name[NGX_SRT_NAME_LEN + 1];

    ngx_cpystrn(name, route->data, ngx_min(route->len + 1, sizeof(name)));

    (void) ngx_route_api_cue_log_row((char *) name, source, section, len, -1,
                                     result, error);
}


static int64_t
ngx_route_api_cue_log_row(const char *route, const char *source,
    const u_char *section, size_t len, int64_t splice_pts,
    const char *result, const char *error)
{
    int        rc;
    char       err[SRT_STORE_ERR_LEN], *hex, *text;
    int64_t    seq;
    json_t    *j;
    srt_cue_t  c;

    if (ngx_route_api_cs == NULL) {
        return 0;
    }

    hex = ngx_alloc(2 * len + 1, ngx_cycle->log);
    if (hex == NULL) {
        return 0;
    }

    ngx_route_api_hex(section, len, hex);

    text = NULL;

    if (scte35_decode(section, len, ngx_route_api_sec, NULL, 0)
        != SCTE35_ERROR)
    {
        j = scte35_to_json(ngx_route_api_sec);

        if (j) {
            text = json_dumps(j, JSON_COMPACT);
            json_decref(j);
        }
    }

    ngx_memzero(&c, sizeof(srt_cue_t));
    c.ts_ms = (int64_t) ngx_srt_unix_msec();
    c.route = route;
    c.source = source;
    c.hex = hex;
    c.decoded = text;
    c.splice_pts = splice_pts;
    c.result = result;
    c.error = error;

    seq = 0;

    rc = srt_cue_append(ngx_route_api_cs, &c, NGX_ROUTE_API_CUE_RETENTION,
                        &seq, err);

    if (rc != SRT_STORE_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "srt route \"%s\": the cue log: %s", route, err);
    }

    free(text);
    ngx_free(hex);

    return seq;
}


/* GET /routes/{id}/scte35/log */

ngx_int_t
ngx_http_route_api_scte35_log(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    int                    rc;
    char                   err[SRT_STORE_ERR_LEN], *source;
    json_t                *list, *reply;
    int64_t                from, to, cursor, limit, next;
    ngx_srt_route_t       *rt;
    ngx_route_api_fail_t   fail;

    fail.status = 0;

    if (ngx_route_api_cue_route(ctx, &rt, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    from = 0;
    to = NGX_MAX_INT_T_VALUE;
    cursor = NGX_MAX_INT_T_VALUE;
    limit = 100;

    if (ngx_route_api_arg_int(r, "from", &from, 0, NGX_MAX_INT_T_VALUE, &fail)
        != NGX_OK
        || ngx_route_api_arg_int(r, "to", &to, 0, NGX_MAX_INT_T_VALUE, &fail)
           != NGX_OK
        || ngx_route_api_arg_int(r, "cursor", &cursor, 1,
                                 NGX_MAX_INT_T_VALUE, &fail)
           != NGX_OK
        || ngx_route_api_arg_int(r, "limit", &limit, 1, 1000, &fail)
           != NGX_OK)
    {
        return ngx_route_api_failed(r, &fail);
    }

    if (ngx_route_api_arg_str(r, "source", &source) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    list = json_array();
    if (list == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = srt_cue_list(ngx_route_api_cs, (char *) rt->name.data, source, from,
                      to, cursor, (int) limit, ngx_route_api_cue_row, list,
                      &next, err);

    if (rc != SRT_STORE_OK) {
        json_decref(list);
        (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
        return ngx_route_api_failed(r, &fail);
    }

    reply = json_pack("{s:o, s:o}", "cues", list, "next_cursor",
                      next ? json_integer(next) : json_null());

    return ngx_http_route_api_send(r, NGX_HTTP_OK, reply);
}


static int
ngx_route_api_cue_row(void *data, const srt_cue_t *c)
{
    json_t *list = data;

    json_t  *o, *decoded;

    decoded = c->decoded ? json_loads(c->decoded, 0, NULL) : NULL;

    o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o?, s:s, s:s?}",
                  "id", (json_int_t) c->seq,
                  "time_ms", (json_int_t) c->ts_ms,
                  "route", c->route,
                  "source", c->source,
                  "hex", c->hex,
                  "decoded", decoded,
                  "result", c->result,
                  "error", c->error);

    if (o == NULL) {
        return 1;
    }

    json_object_set_new(o, "splice_pts", c->splice_pts >= 0
                                         ? json_integer(c->splice_pts)
                                         : json_null());

    json_array_append_new(list, o);

    return 0;
}


/* an audit event of its own: a cue changes no desired state (no new
   generation, nothing to reconcile) */

static ngx_int_t
ngx_route_api_cue_audit(ngx_http_request_t *r, ngx_http_route_api_ctx_t *ctx,
    const char *action, const char *route, json_t *before, json_t *after,
    ngx_uint_t status)
{
    char  err[SRT_STORE_ERR_LEN], *resource;

    if (ngx_route_api_audit_write(r, ctx, action, route, before, after,
                                  status, &resource, err)
        != SRT_STORE_OK)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "route api: audit of %s: %s", action, err);
        return NGX_ERROR;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "route api: %s %s by \"%V\"", action, resource,
                  &ctx->auth.actor);

    return NGX_OK;
}


/*
 * /routes/{id}/scte35/schedule: GET lists, POST adds
 * {"start": RFC 3339 or unix ms | "in": seconds from now | "offset":
 * seconds from the stream's start, "cue": {...}}.
 */

ngx_int_t
ngx_http_route_api_scte35_schedule(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    int                    rc;
    char                  *state, err[SRT_STORE_ERR_LEN];
    json_t                *list;
    ngx_srt_route_t       *rt;
    ngx_route_api_fail_t   fail;

    fail.status = 0;

    if (ngx_route_api_cue_route(ctx, &rt, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    if (r->method == NGX_HTTP_POST) {
        return ngx_route_api_schedule_add(r, ctx, rt);
    }

    if (ngx_route_api_arg_str(r, "state", &state) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    list = json_array();
    if (list == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = srt_sched_list(ngx_route_api_cs, (char *) rt->name.data, state,
                        ngx_route_api_sched_row, list, err);

    if (rc != SRT_STORE_OK) {
        json_decref(list);
        (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
        return ngx_route_api_failed(r, &fail);
    }

    return ngx_http_route_api_send(r, NGX_HTTP_OK, list);
}


static ngx_int_t
ngx_route_api_schedule_add(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx, ngx_srt_route_t *rt)
{
    int                    rc;
    char                   err[SRT_STORE_ERR_LEN], *text;
    json_t                *body, *v, *cue, *reply;
    int64_t                start, now, id;
    const char            *key;
    ngx_route_api_fail_t   fail;
    ngx_srt_input_t       *in;

    fail.status = 0;

    if (ngx_route_api_parse(ctx, &body, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    now = (int64_t) ngx_srt_unix_msec();
    start = -1;
    cue = NULL;

    json_object_foreach(body, key, v) {
        if (ngx_strcmp(key, "start") == 0) {
            if (json_is_integer(v) && json_integer_value(v) > 0) {
                start = json_integer_value(v);

            } else if (json_is_string(v)) {
                start = scte35_parse_time(json_string_value(v));
            }

            if (start < 0) {
                ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, "start",
                                   "\"start\" must be a wall clock time: "
                                   "unix milliseconds or RFC 3339 text");
                goto failed;
            }

        } else if (ngx_strcmp(key, "in") == 0) {
            if (!json_is_number(v) || json_number_value(v) <= 0
                || json_number_value(v) > 31 * 86400)
            {
                ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, "in",
                                   "\"in\" must be seconds from now, up to "
                                   "31 days");
                goto failed;
            }

            start = now + (int64_t) (json_number_value(v) * 1000);

        } else if (ngx_strcmp(key, "offset") == 0) {
            /* from the start of the route's stream: when its input went
               live (the input's "since") */
            in = ngx_srt_active_input(rt);

            if (!json_is_number(v) || json_number_value(v) < 0
                || in == NULL || in->stats->last_data == 0)
            {
                ngx_route_api_fail(&fail, in ? NGX_HTTP_BAD_REQUEST
                                             : NGX_HTTP_CONFLICT,
                                   "offset", "\"offset\" must be seconds "
                                   "from the start of a live stream");
                goto failed;
            }

            start = (int64_t) in->stats->since
                    + (int64_t) (json_number_value(v) * 1000);

        } else if (ngx_strcmp(key, "cue") == 0) {
            cue = v;

        } else {
            ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, key,
                               "unknown field \"%s\"", key);
            goto failed;
        }
    }

    if (start < 0 || cue == NULL) {
        ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST,
                           cue ? "start" : "cue", "a scheduled cue needs "
                           "\"start\" (or \"in\" or \"offset\") and "
                           "\"cue\"");
        goto failed;
    }

    if (start <= now) {
        ngx_route_api_fail(&fail, NGX_HTTP_CONFLICT, "start",
                           "\"start\" is in the past");
        goto failed;
    }

    /* the cue as it will be sent; its time is the schedule's */

    if (!json_is_object(cue) || json_object_get(cue, "immediate")
        || json_object_get(cue, "pts") || json_object_get(cue, "at")
        || json_object_get(cue, "in"))
    {
        ngx_route_api_fail(&fail, NGX_HTTP_BAD_REQUEST, "cue",
                           "\"cue\" must be a cue object without a time of "
                           "its own (\"start\" gives it)");
        goto failed;
    }

    if (ngx_route_api_cue_parse(cue, rt, ngx_route_api_cue, &fail) != NGX_OK)
    {
        ngx_snprintf((u_char *) err, sizeof(err), "cue.%s%Z", fail.field);
        ngx_cpystrn((u_char *) fail.field, (u_char *) err,
                    sizeof(fail.field));
        goto failed;
    }

    text = json_dumps(cue, JSON_COMPACT);
    if (text == NULL) {
        json_decref(body);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = srt_sched_add(ngx_route_api_cs, (char *) rt->name.data, start, text,
                       now, &id, err);
    free(text);

    if (rc != SRT_STORE_OK) {
        (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
        goto failed;
    }

    json_decref(body);

    reply = NULL;
    rc = srt_sched_get(ngx_route_api_cs, id, ngx_route_api_sched_row, &reply,
                       err);

    if (rc != SRT_STORE_OK || reply == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ngx_route_api_cue_audit(r, ctx, "scte35.schedule",
                                   (char *) rt->name.data, NULL, reply,
                                   NGX_HTTP_CREATED);

    return ngx_http_route_api_send(r, NGX_HTTP_CREATED, reply);

failed:

    json_decref(body);

    return ngx_route_api_failed(r, &fail);
}


/* GET or DELETE (cancel) /routes/{id}/scte35/schedule/{sid} */

ngx_int_t
ngx_http_route_api_scte35_entry(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    int                    rc;
    char                   err[SRT_STORE_ERR_LEN];
    json_t                *reply, *before;
    ngx_int_t              id;
    ngx_srt_route_t       *rt;
    ngx_route_api_fail_t   fail;

    fail.status = 0;

    if (ngx_route_api_cue_route(ctx, &rt, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    id = ngx_atoi(ctx->id[1].data, ctx->id[1].len);

    reply = NULL;

    if (id > 0) {
        rc = srt_sched_get(ngx_route_api_cs, id, ngx_route_api_sched_row,
                           &reply, err);
        if (rc != SRT_STORE_OK) {
            (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
            return ngx_route_api_failed(r, &fail);
        }
    }

    if (reply == NULL
        || ngx_strcmp(json_string_value(json_object_get(reply, "route")),
                      rt->name.data) != 0)
    {
        json_decref(reply);
        ngx_route_api_fail(&fail, NGX_HTTP_NOT_FOUND, NULL,
                           "route \"%V\" has no scheduled cue \"%V\"",
                           &rt->name, &ctx->id[1]);
        return ngx_route_api_failed(r, &fail);
    }

    if (r->method != NGX_HTTP_DELETE) {
        return ngx_http_route_api_send(r, NGX_HTTP_OK, reply);
    }

    before = reply;

    rc = srt_sched_finish(ngx_route_api_cs, id, (char *) rt->name.data,
                          "cancelled", (int64_t) ngx_srt_unix_msec(),
                          "cancelled through the API", err);

    if (rc != SRT_STORE_OK) {
        json_decref(before);
        (void) ngx_route_api_store_fail(rc, err, &fail, NULL);
        return ngx_route_api_failed(r, &fail);
    }

    reply = NULL;
    (void) srt_sched_get(ngx_route_api_cs, id, ngx_route_api_sched_row,
                         &reply, err);

    (void) ngx_route_api_cue_audit(r, ctx, "scte35.cancel",
                                   (char *) rt->name.data, before, reply,
                                   NGX_HTTP_OK);

    json_decref(before);

    if (reply == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_route_api_send(r, NGX_HTTP_OK, reply);
}


/* a list (array) or a single entry (json_t **, empty) */

static int
ngx_route_api_sched_row(void *data, const srt_sched_t *e)
{
    json_t  *o, **one;

    o = ngx_route_api_sched_json(e);
    if (o == NULL) {
        return 1;
    }

    if (json_is_array((json_t *) data)) {
        json_array_append_new(data, o);
        return 0;
    }

    one = data;
    *one = o;

    return 1;
}


static json_t *
ngx_route_api_sched_json(const srt_sched_t *e)
{
    json_t  *o;

    o = json_pack("{s:I, s:s, s:I, s:o?, s:s, s:I, s:s?}",
                  "id", (json_int_t) e->id,
                  "route", e->route,
                  "start_ms", (json_int_t) e->start_ms,
                  "cue", json_loads(e->cue, 0, NULL),
                  "state", e->state,
                  "created_ms", (json_int_t) e->created_ms,
                  "result", e->result);

    if (o) {
        json_object_set_new(o, "done_ms", e->done_ms
                                          ? json_integer(e->done_ms)
                                          : json_null());
    }

    return o;
}


/* every worker, every 100 ms: the schedule's due cues */

typedef struct {
    int64_t                   id;
    int64_t                   start_ms;
    char                     *route;
    char                     *cue;
} ngx_route_api_due_t;


static void
ngx_route_api_sched_tick(ngx_event_t *ev)
{
    char                  err[SRT_STORE_ERR_LEN];
    ngx_uint_t            i;
    ngx_pool_t           *pool;
    ngx_array_t          *due;
    ngx_route_api_due_t  *d;

    if (ngx_exiting || ngx_terminate || ngx_route_api_cs == NULL) {
        return;
    }

    ngx_add_timer(ev, NGX_ROUTE_API_SCHED_MS);

    pool = ngx_create_pool(1024, ev->log);
    if (pool == NULL) {
        return;
    }

    due = ngx_array_create(pool, 2, sizeof(ngx_route_api_due_t));
    if (due == NULL) {
        ngx_destroy_pool(pool);
        return;
    }

    /*
     * Entries up to a pre-roll (at most 60 s) ahead; each says if it is
     * due.  They are fired after the listing: firing writes.
     */

    if (srt_sched_due(ngx_route_api_cs,
                      (int64_t) ngx_srt_unix_msec() + 60000,
                      ngx_route_api_sched_due, due, err)
        != SRT_STORE_OK)
    {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                       "route api: schedule: %s", err);
    }

    d = due->elts;

    for (i = 0; i < due->nelts; i++) {
        ngx_route_api_sched_fire(d[i].id, d[i].route, d[i].start_ms,
                                 d[i].cue);
    }

    ngx_destroy_pool(pool);
}


static int
ngx_route_api_sched_due(void *data, const srt_sched_t *e)
{
    ngx_array_t *due = data;

    ngx_str_t             s;
    ngx_route_api_due_t  *d;
    json_t           *cue;
    double            preroll;
    int64_t           now;
    ngx_str_t         name;
    ngx_srt_route_t  *rt;

    now = (int64_t) ngx_srt_unix_msec();

    name.data = (u_char *) e->route;
    name.len = ngx_strlen(e->route);

    rt = ngx_srt_find_route((ngx_cycle_t *) ngx_cycle, &name);

    preroll = rt ? (double) rt->scte35_preroll : 4000;

    cue = json_loads(e->cue, 0, NULL);

    if (cue && json_is_number(json_object_get(cue, "preroll"))) {
        preroll = json_number_value(json_object_get(cue, "preroll")) * 1000;
    }

    json_decref(cue);

    /* a pre-roll of 0 still needs the cue ahead of its splice point:
       at least two polls */
    if (e->start_ms - (int64_t) ngx_max(preroll, 250) > now) {
        return 0;                   /* not yet */
    }

    d = ngx_array_push(due);
    if (d == NULL) {
        return 1;
    }

    d->id = e->id;
    d->start_ms = e->start_ms;

    s.data = (u_char *) e->route;
    s.len = ngx_strlen(e->route) + 1;
    d->route = (char *) ngx_pstrdup(due->pool, &s);

    s.data = (u_char *) e->cue;
    s.len = ngx_strlen(e->cue) + 1;
    d->cue = (char *) ngx_pstrdup(due->pool, &s);

    if (d->route == NULL || d->cue == NULL) {
        due->nelts--;
        return 1;
    }

    return 0;
}


static void
ngx_route_api_sched_fire(int64_t id, const char *route, int64_t start_ms,
    const char *request)
{
    int                    rc;
    char                   err[SRT_STORE_ERR_LEN], result[400];
    json_t                *cue;
    int64_t                now;
    uint64_t               clock_pts, clock_msec;
    ngx_str_t              name;
    ngx_srt_route_t       *rt;
    ngx_route_api_sent_t   sent;
    ngx_route_api_fail_t   fail;

    now = (int64_t) ngx_srt_unix_msec();

    name.data = (u_char *) route;
    name.len = ngx_strlen(route);
    rt = ngx_srt_find_route((ngx_cycle_t *) ngx_cycle, &name);

    fail.status = 0;

    if (rt == NULL) {
        ngx_snprintf((u_char *) result, sizeof(result),
                     "the route does not exist%Z");

    } else if (ngx_srt_scte35_clock(rt, &clock_pts, &clock_msec) != NGX_OK
               || (uint64_t) now
                  > rt->scte35->clock_last + NGX_ROUTE_API_CLOCK_MAX_AGE)
    {
        ngx_snprintf((u_char *) result, sizeof(result),
                     "the route is not live: no video clock to anchor the "
                     "cue on%Z");

    } else if (now > start_ms + NGX_ROUTE_API_FRAME_MS) {
        ngx_snprintf((u_char *) result, sizeof(result),
                     "its time went by %L ms ago (the gateway was down or "
                     "busy)%Z", now - start_ms);

    } else {
        cue = json_loads(request, 0, NULL);

        if (cue
            && ngx_route_api_cue_parse(cue, rt, ngx_route_api_cue, &fail)
               == NGX_OK)
        {
            json_decref(cue);

            /*
             * Anchored and encoded first, then claimed (of all workers
             * only one sends it), then posted; what fails after the claim
             * turns the entry to missed.
             */

            if (ngx_route_api_cue_anchor(rt, ngx_route_api_cue, start_ms,
                                         &sent, &fail)
                != NGX_OK)
            {
                ngx_snprintf((u_char *) result, sizeof(result), "%s%Z",
                             fail.message);
                goto missed;
            }

            rc = srt_sched_finish(ngx_route_api_cs, id, NULL, "fired", now,
                                  NULL, err);

            if (rc != SRT_STORE_OK) {
                return;             /* another worker has it */
            }

            if (ngx_route_api_cue_post(rt, ngx_route_api_cue, "schedule",
                                       &sent, &fail)
                == NGX_OK)
            {
                ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                              "srt route \"%s\": scheduled cue %L sent, "
                              "splice at PTS %uL", route, id,
                              sent.splice_pts);
                return;
            }

            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "srt route \"%s\": scheduled cue %L not sent: %s",
                          route, id, fail.message);

            (void) srt_sched_set(ngx_route_api_cs, id, "missed", now,
                                 fail.message, err);
            (void) ngx_route_api_cue_log_row(route, "schedule",
                                             sent.section, sent.len, -1,
                                             "missed", fail.message);
            return;
        }

        json_decref(cue);
        ngx_snprintf((u_char *) result, sizeof(result), "invalid cue: %s%Z",
                     fail.message);
    }

missed:

    rc = srt_sched_finish(ngx_route_api_cs, id, NULL, "missed", now, result,
                          err);

    if (rc == SRT_STORE_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "srt route \"%s\": scheduled cue %L missed: %s",
                      route, id, result);
        (void) ngx_route_api_cue_log_row(route, "schedule", (u_char *) "", 0,
                                         -1, "missed", result);
    }
}


static void
ngx_route_api_hex(const u_char *p, size_t len, char *hex)
{
    *ngx_hex_dump((u_char *) hex, (u_char *) p, len) = '\0';
}
