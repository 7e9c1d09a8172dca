/*
 * nginx.conf's HLS directives in a route block:
 *
 *     hls on;
 *     hls_segment 4s;  hls_segment_max 12s;  hls_window 6;
 *     hls_grace 60s;   hls_cues both;
 *
 * made into the route's hls:// output, the same as the API's, so both
 * are checked by one parser (srt_url_hls.c).
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_srt_module.h"


#define NGX_SRT_HLS_ARGS_LEN  256


char *
ngx_srt_hls_route_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    u_char           *p, *last;
    ngx_str_t        *value, *name;
    ngx_msec_t        ms;
    ngx_srt_route_t  *rt;

    rt = mcf->current;
    value = cf->args->elts;
    name = &cmd->name;

    if (name->len == 3) {
        return ngx_srt_route_flag(cf, &rt->hls);
    }

    if (rt->hls_args.data == NULL) {
        rt->hls_args.data = ngx_pnalloc(cf->pool, NGX_SRT_HLS_ARGS_LEN);
        if (rt->hls_args.data == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    p = rt->hls_args.data + rt->hls_args.len;
    last = rt->hls_args.data + NGX_SRT_HLS_ARGS_LEN;

    if (value[1].len > 32 || ngx_strlchr(value[1].data,
                                         value[1].data + value[1].len, '&'))
    {
        goto invalid;
    }

    /* "hls_segment" -> "segment=" */
    p = ngx_slprintf(p, last, "&%*s=", name->len - 4, name->data + 4);

    if (ngx_strcmp(name->data, "hls_window") == 0
        || ngx_strcmp(name->data, "hls_cues") == 0)
    {
        p = ngx_slprintf(p, last, "%V", &value[1]);

    } else {
        ms = ngx_parse_time(&value[1], 0);

        if (ms == (ngx_msec_t) NGX_ERROR) {
            goto invalid;
        }

        p = ngx_slprintf(p, last, "%Mms", ms);
    }

    rt->hls_args.len = p - rt->hls_args.data;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid value \"%V\" in \"%V\"",
                       &value[1], name);

    return NGX_CONF_ERROR;
}


/* at the end of the route block: "hls on" becomes the hls:// output */

ngx_int_t
ngx_srt_hls_route_output(ngx_conf_t *cf, ngx_srt_route_t *rt)
{
    ngx_str_t             url;
    ngx_srt_main_conf_t  *mcf;

    if (rt->hls != 1) {
        if (rt->hls_args.len) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "hls_* directives of route \"%V\" in %s:%ui need "
                          "\"hls on\"", &rt->name, rt->conf_file,
                          rt->conf_line);
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    url.data = ngx_pnalloc(cf->pool, sizeof("hls://?") + rt->hls_args.len);
    if (url.data == NULL) {
        return NGX_ERROR;
    }

    /* the arguments start with '&': skip it after '?' */
    url.len = ngx_sprintf(url.data, "hls://?%*s",
                          rt->hls_args.len ? rt->hls_args.len - 1 : 0,
                          rt->hls_args.len ? rt->hls_args.data + 1
                                           : rt->hls_args.data)
              - url.data;

    mcf = ngx_srt_get_main_conf(cf->cycle);

    return ngx_srt_output_create(cf, mcf, rt, &url);
}
