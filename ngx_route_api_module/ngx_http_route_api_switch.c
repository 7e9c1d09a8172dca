/*
 * POST /routes/{id}/switch: hot swap of a route's input, and its failover
 * mode.  Any worker takes the request; it leaves it in the route's
 * failover block in shared memory, and the route's selector owner acts on
 * it within one health check (at most 50 ms), cutting at the next
 * keyframe of the new input (at most switch_wait later).  Routes of
 * nginx.conf take it too: a switch is no change of configuration.
 *
 *   {"input": "in1"}                  switch, then stay (mode manual)
 *   {"input": "in1", "mode": "auto"}  switch; revert when the preferred
 *                                     input has been healthy revert_after
 *   {"mode": "auto" | "manual"}       only the mode
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_http_route_api.h"
#include "srt_store.h"


ngx_int_t
ngx_http_route_api_switch(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx)
{
    char                     id[SRT_STORE_ID_LEN + 1], err[SRT_STORE_ERR_LEN];
    char                    *resource;
    json_t                  *body, *v, *m, *before, *after;
    uint64_t                 now;
    ngx_str_t                want;
    ngx_uint_t               i, manual;
    ngx_srt_route_t         *rt;
    ngx_srt_input_t         *in, **inp;
    ngx_route_api_fail_t     fail;
    ngx_srt_shm_failover_t  *fo;

    fail.status = 0;

    if (ngx_route_api_ctx_id(&ctx->id[0], id, &fail, NGX_HTTP_NOT_FOUND)
        != NGX_OK)
    {
        return ngx_route_api_failed(r, &fail);
    }

    rt = ngx_srt_find_route((ngx_cycle_t *) ngx_cycle, &ctx->id[0]);

    if (rt == NULL) {
        return ngx_http_route_api_error(r, NGX_HTTP_NOT_FOUND,
                                        "no such route");
    }

    if (ngx_route_api_parse(ctx, &body, &fail) != NGX_OK) {
        return ngx_route_api_failed(r, &fail);
    }

    v = json_object_get(body, "input");
    m = json_object_get(body, "mode");
    in = NULL;
    ngx_str_set(&want, "(the same)");
    fo = rt->failover;
    manual = fo->manual;

    if ((v == NULL && m == NULL) || json_object_size(body)
                                    != (size_t) (v != NULL) + (m != NULL))
    {
        json_decref(body);
        return ngx_http_route_api_error(r, NGX_HTTP_BAD_REQUEST,
                                        "expected {\"input\": ID} and/or "
                                        "{\"mode\": \"auto\" | \"manual\"}");
    }

    if (m) {
        if (json_is_string(m) && ngx_strcmp(json_string_value(m), "auto") == 0)
        {
            manual = 0;

        } else if (json_is_string(m)
                   && ngx_strcmp(json_string_value(m), "manual") == 0)
        {
            manual = 1;

        } else {
            json_decref(body);
            return ngx_http_route_api_error_field(r, NGX_HTTP_BAD_REQUEST,
                       "\"mode\" must be \"auto\" or \"manual\"", "mode");
        }

    } else {
        manual = 1;
    }

    if (v) {
        if (!json_is_string(v)) {
            json_decref(body);
            return ngx_http_route_api_error_field(r, NGX_HTTP_BAD_REQUEST,
                       "\"input\" must be an input id", "input");
        }

        want.data = (u_char *) json_string_value(v);
        want.len = json_string_length(v);
        inp = rt->inputs.elts;

        for (i = 0; i < rt->inputs.nelts; i++) {
            if (inp[i]->id.len == want.len
                && ngx_strncmp(inp[i]->id.data, want.data, want.len) == 0)
            {
                in = inp[i];
                break;
            }
        }

        if (in == NULL) {
            json_decref(body);
            return ngx_http_route_api_error_field(r, NGX_HTTP_NOT_FOUND,
                       "the route has no such input", "input");
        }

        /* switching to silence would break every receiver */
        now = ngx_srt_unix_msec();

        if (in->stats->last_data == 0
            || now - in->stats->last_data >= rt->failover_timeout)
        {
            json_decref(body);
            return ngx_http_route_api_error_field(r, NGX_HTTP_CONFLICT,
                       "the input has no signal", "input");
        }
    }

    before = json_pack("{s:o, s:s}",
                       "active_input",
                       ngx_srt_active_input(rt)
                       ? ngx_http_route_api_str(&ngx_srt_active_input(rt)->id)
                       : json_null(),
                       "mode", fo->manual ? "manual" : "auto");

    fo->manual = manual;

    if (in) {
        fo->request = in->index + 1;
        (void) ngx_atomic_fetch_add(&fo->request_seq, 1);
    }

    after = json_pack("{s:o, s:s}",
                      "input", in ? ngx_http_route_api_str(&in->id)
                                  : json_null(),
                      "mode", manual ? "manual" : "auto");

    json_decref(body);

    /* the audit log borrows both */
    if (ngx_route_api_audit_write(r, ctx, "route.switch", id, before, after,
                                  NGX_HTTP_ACCEPTED, &resource, err)
        != SRT_STORE_OK)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "route api: audit of route.switch: %s", err);
    }

    json_decref(before);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "route api: switch of route \"%s\" to \"%V\", mode %s, "
                  "by \"%V\"", id, in ? &in->id : &want,
                  manual ? "manual" : "auto", &ctx->auth.actor);

    json_object_set_new(after, "route", json_string(id));

    return ngx_http_route_api_send(r, NGX_HTTP_ACCEPTED, after);
}


/*
 * A switch the gateway made by itself (failover, revert, off the slate),
 * in the audit log next to the operators' ones: actor "gateway", action
 * "route.auto_switch".  From the route's owner, at most a few times a
 * second per route.
 */

static void
ngx_route_api_switch_logged(ngx_srt_route_t *rt, ngx_srt_input_t *from,
    ngx_srt_input_t *to, ngx_uint_t reason)
{
    int                              rc;
    char                            *atext, err[SRT_STORE_ERR_LEN];
    u_char                           route[NGX_SRT_NAME_LEN + 1];
    u_char                           resource[NGX_SRT_NAME_LEN + 16];
    json_t                          *after;
    srt_store_t                     *st;
    srt_store_audit_t                a;
    ngx_http_route_api_main_conf_t  *amcf;

    st = ngx_http_route_api_db();
    if (st == NULL) {
        return;
    }

    after = json_pack("{s:o, s:o, s:s}",
                      "from", ngx_http_route_api_str(&from->id),
                      "input", ngx_http_route_api_str(&to->id),
                      "reason", ngx_srt_switch_reason(reason));
    if (after == NULL) {
        return;
    }

    atext = json_dumps(after, JSON_COMPACT);
    json_decref(after);

    if (atext == NULL) {
        return;
    }

    *ngx_slprintf(route, route + sizeof(route) - 1, "%V", &rt->name) = '\0';
    *ngx_slprintf(resource, resource + sizeof(resource) - 1, "/routes/%V",
                  &rt->name)
        = '\0';

    ngx_memzero(&a, sizeof(srt_store_audit_t));
    a.ts_ms = (int64_t) ngx_srt_unix_msec();
    a.actor = "gateway";
    a.addr = "";
    a.action = "route.auto_switch";
    a.resource = (char *) resource;
    a.route = (char *) route;
    a.after = atext;
    a.result = NGX_HTTP_OK;

    amcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_route_api_module);

    rc = srt_store_audit_append(st, &a, err);

    if (rc == SRT_STORE_OK && amcf) {
        rc = srt_store_audit_trim(st, amcf->retention, err);
    }

    if (rc != SRT_STORE_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "route api: audit of an automatic switch of route "
                      "\"%V\": %s", &rt->name, err);
    }

    free(atext);
}


void
ngx_http_route_api_switch_init(ngx_cycle_t *cycle)
{
    if (ngx_http_route_api_db() != NULL) {
        ngx_srt_switch_log = ngx_route_api_switch_logged;
    }
}


void
ngx_http_route_api_switch_exit(ngx_cycle_t *cycle)
{
    ngx_srt_switch_log = NULL;
}
