/*
 * The srt{} core module: configuration (routes, inputs, outputs, zone),
 * ownership of inputs, selectors and push outputs over the workers, and
 * the process lifecycle that starts and stops them.
 *
 * Directives inside srt{} and route{} are ordinary ngx_command_t entries of
 * this core module carrying private context bits (NGX_SRT_MAIN_CONF,
 * NGX_SRT_ROUTE_CONF) and NGX_DIRECT_CONF, so ngx_conf_parse() does the
 * argument checking and error reporting (with file and line) for us; a
 * route-level directive finds its route through mcf->current.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_thread_pool.h>

#include "ngx_srt_module.h"


static void *ngx_srt_create_conf(ngx_cycle_t *cycle);
static char *ngx_srt_init_conf(ngx_cycle_t *cycle, void *conf);
static char *ngx_srt_block(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_srt_route(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_srt_ring_size(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_srt_input(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_srt_output(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_srt_scte35_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_srt_publisher(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_srt_check_ports(ngx_conf_t *cf,
    ngx_srt_main_conf_t *mcf);
static void ngx_srt_inputs_sort(ngx_srt_route_t *rt);
static ngx_int_t ngx_srt_redact(ngx_conf_t *cf, ngx_str_t *url,
    ngx_str_t *safe);
static ngx_int_t ngx_srt_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_srt_init_process(ngx_cycle_t *cycle);
static void ngx_srt_exit_process(ngx_cycle_t *cycle);
static void ngx_srt_tick(ngx_event_t *ev);


static ngx_command_t  ngx_srt_commands[] = {

    { ngx_string("srt"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_BLOCK|NGX_CONF_NOARGS,
      ngx_srt_block,
      0,
      0,
      NULL },

    { ngx_string("shm_size"),
      NGX_SRT_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      0,
      offsetof(ngx_srt_main_conf_t, shm_size),
      NULL },

    { ngx_string("hls_path"),
      NGX_SRT_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      0,
      offsetof(ngx_srt_main_conf_t, hls_path),
      NULL },

    { ngx_string("ring_size"),
      NGX_SRT_MAIN_CONF|NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_ring_size,
      0,
      0,
      NULL },

    { ngx_string("route"),
      NGX_SRT_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_BLOCK|NGX_CONF_TAKE1,
      ngx_srt_route,
      0,
      0,
      NULL },

    { ngx_string("input"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE12,
      ngx_srt_input,
      0,
      0,
      NULL },

    { ngx_string("output"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_output,
      0,
      0,
      NULL },

    { ngx_string("publisher"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_publisher,
      0,
      0,
      NULL },

    { ngx_string("failover_timeout"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_failover_conf,
      0,
      0,
      NULL },

    { ngx_string("failover_error_rate"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_failover_conf,
      0,
      0,
      NULL },

    { ngx_string("failover_min_bitrate"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_failover_conf,
      0,
      0,
      NULL },

    { ngx_string("revert_after"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_failover_conf,
      0,
      0,
      NULL },

    { ngx_string("switch_wait"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_failover_conf,
      0,
      0,
      NULL },

    { ngx_string("timestamps"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_failover_conf,
      0,
      0,
      NULL },

    { ngx_string("slate"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_1MORE,
      ngx_srt_slate_conf,
      0,
      0,
      NULL },

    { ngx_string("scte35"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_scte35_conf,
      0,
      0,
      NULL },

    { ngx_string("scte35_pid"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_scte35_conf,
      0,
      0,
      NULL },

    { ngx_string("scte35_preroll"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_scte35_conf,
      0,
      0,
      NULL },

    { ngx_string("scte35_repeat"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_scte35_conf,
      0,
      0,
      NULL },

    { ngx_string("scte35_heartbeat"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_scte35_conf,
      0,
      0,
      NULL },

    { ngx_string("hls"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_hls_route_conf,
      0,
      0,
      NULL },

    { ngx_string("hls_segment"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_hls_route_conf,
      0,
      0,
      NULL },

    { ngx_string("hls_segment_max"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_hls_route_conf,
      0,
      0,
      NULL },

    { ngx_string("hls_window"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_hls_route_conf,
      0,
      0,
      NULL },

    { ngx_string("hls_grace"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_hls_route_conf,
      0,
      0,
      NULL },

    { ngx_string("hls_cues"),
      NGX_SRT_ROUTE_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_srt_hls_route_conf,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_core_module_t  ngx_srt_module_ctx = {
    ngx_string("srt"),
    ngx_srt_create_conf,
    ngx_srt_init_conf
};


ngx_module_t  ngx_srt_module = {
    NGX_MODULE_V1,
    &ngx_srt_module_ctx,                   /* module context */
    ngx_srt_commands,                      /* module directives */
    NGX_CORE_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_srt_init_module,                   /* init module */
    ngx_srt_init_process,                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_srt_exit_process,                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_event_t  ngx_srt_tick_event;
static ngx_msec_t   ngx_srt_tick_last;


static void *
ngx_srt_create_conf(ngx_cycle_t *cycle)
{
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cycle->pool, sizeof(ngx_srt_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    mcf->shm_size = NGX_CONF_UNSET_SIZE;
    mcf->ring_size = NGX_CONF_UNSET_SIZE;

    if (ngx_array_init(&mcf->routes, cycle->pool, 4, sizeof(ngx_srt_route_t *))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&mcf->srt_ports, cycle->pool, 2,
                       sizeof(ngx_srt_srt_port_t))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&mcf->api_routes, cycle->pool, 4,
                       sizeof(ngx_srt_route_t *))
        != NGX_OK)
    {
        return NULL;
    }

    return mcf;
}


/*
 * Runs after ngx_core_module's init_conf, so worker_processes is final here:
 * spread inputs, selectors and push outputs over the workers.
 */

static char *
ngx_srt_init_conf(ngx_cycle_t *cycle, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    ngx_uint_t           i, j;
    ngx_str_t            none = ngx_null_string;
    ngx_core_conf_t     *ccf;
    ngx_srt_route_t     *rt, **rtp;
    ngx_srt_input_t    **inp;
    ngx_srt_output_t   **outp;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    mcf->workers = (ccf->master && ccf->worker_processes > 0)
                   ? ccf->worker_processes : 1;

    if (mcf->enabled && mcf->workers > NGX_SRT_WAKE_SLOTS) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "srt supports at most %d worker processes",
                      (int) NGX_SRT_WAKE_SLOTS);
        return NGX_CONF_ERROR;
    }

    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        rt = rtp[i];

        rt->worker = ngx_srt_owner(&rt->name, "route", &none, mcf->workers);

        /*
         * A route's inputs live in the selector's worker: the selector then
         * runs from a posted event instead of an eventfd hop between workers
         * for every datagram, and sees all of them for failover.
         */
        inp = rt->inputs.elts;
        for (j = 0; j < rt->inputs.nelts; j++) {
            inp[j]->worker = rt->worker;
        }

        outp = rt->outputs.elts;
        for (j = 0; j < rt->outputs.nelts; j++) {
            /* the HLS segmenter runs beside the route's selector */
            outp[j]->worker = outp[j]->hls
                              ? rt->worker
                              : ngx_srt_owner(&rt->name, "output",
                                              &outp[j]->url, mcf->workers);
        }
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_srt_redact(ngx_conf_t *cf, ngx_str_t *url, ngx_str_t *safe)
{
    size_t  size;

    size = url->len + 64;

    safe->data = ngx_pnalloc(cf->pool, size);
    if (safe->data == NULL) {
        return NGX_ERROR;
    }

    safe->len = srt_url_redact((char *) url->data, url->len,
                               (char *) safe->data, size);

    return NGX_OK;
}


ngx_uint_t
ngx_srt_owner(ngx_str_t *a, const char *tag, ngx_str_t *b, ngx_uint_t workers)
{
    uint32_t  crc;

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, a->data, a->len);
    ngx_crc32_update(&crc, (u_char *) tag, ngx_strlen(tag));
    ngx_crc32_update(&crc, b->data, b->len);
    ngx_crc32_final(crc);

    return crc % workers;
}


static char *
ngx_srt_block(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    char                 *rv;
    size_t                need;
    ngx_str_t             name = ngx_string("srt");
    ngx_uint_t            i;
    ngx_conf_t            pcf;
    ngx_srt_route_t     **rtp;

    if (mcf->enabled) {
        return "is duplicate";
    }

    mcf->enabled = 1;

    pcf = *cf;
    cf->cmd_type = NGX_SRT_MAIN_CONF;

    rv = ngx_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    ngx_conf_init_size_value(mcf->shm_size, 128 * 1024 * 1024);
    ngx_conf_init_size_value(mcf->ring_size, 4 * 1024 * 1024);

    if (mcf->hls_path.data == NULL) {
        ngx_str_set(&mcf->hls_path, "hls");
    }

    if (ngx_conf_full_name(cf->cycle, &mcf->hls_path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* HLS writes go through nginx's thread pool, API routes' included */
    if (ngx_thread_pool_add(cf, NULL) == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_srt_srt_ports_fixup(mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    need = 1024 * 1024 + sizeof(ngx_srt_shm_conns_t);
    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        if (rtp[i]->ring_size == NGX_CONF_UNSET_SIZE) {
            rtp[i]->ring_size = mcf->ring_size;
        }

        if (srt_ring_capacity(rtp[i]->ring_size) == 0) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "ring_size of route \"%V\" in %s:%ui is too small",
                          &rtp[i]->name, rtp[i]->conf_file,
                          rtp[i]->conf_line);
            return NGX_CONF_ERROR;
        }

        /* the route ring, the input rings, statistics, SCTE-35 mailbox */
        need += (1 + rtp[i]->inputs.nelts)
                * (rtp[i]->ring_size + 2 * ngx_pagesize) + 4 * ngx_pagesize
                + ngx_align(sizeof(ngx_srt_shm_scte35_t), ngx_pagesize);
    }

    if (need > mcf->shm_size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "shm_size %uzk is too small for %ui routes, "
                           "at least %uzk is needed",
                           mcf->shm_size / 1024, mcf->routes.nelts,
                           need / 1024);
        return NGX_CONF_ERROR;
    }

    if (ngx_srt_check_ports(cf, mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    mcf->zone = ngx_shared_memory_add(cf, &name, mcf->shm_size,
                                      &ngx_srt_module);
    if (mcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (mcf->zone->data) {
        return "zone \"srt\" is already defined";
    }

    mcf->zone->init = ngx_srt_init_zone;
    mcf->zone->data = mcf;

    return NGX_CONF_OK;
}


static char *
ngx_srt_route(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    char                 *rv;
    u_char               *p;
    ngx_str_t            *value;
    ngx_uint_t            i;
    ngx_conf_t            pcf;
    ngx_srt_route_t      *rt, **rtp;

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].len > NGX_SRT_NAME_LEN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "route name \"%V\" must be 1-%d characters",
                           &value[1], NGX_SRT_NAME_LEN);
        return NGX_CONF_ERROR;
    }

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (!(isalnum(*p) || *p == '_' || *p == '-' || *p == '.')) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid route name \"%V\": use letters, "
                               "digits, \"_\", \"-\" and \".\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        if (rtp[i]->name.len == value[1].len
            && ngx_strncmp(rtp[i]->name.data, value[1].data, value[1].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate route \"%V\", first defined in "
                               "%s:%ui", &value[1], rtp[i]->conf_file,
                               rtp[i]->conf_line);
            return NGX_CONF_ERROR;
        }
    }

    rt = ngx_pcalloc(cf->pool, sizeof(ngx_srt_route_t));
    if (rt == NULL) {
        return NGX_CONF_ERROR;
    }

    rt->name = value[1];
    rt->ring_size = NGX_CONF_UNSET_SIZE;
    rt->scte35_insert = NGX_CONF_UNSET;
    rt->scte35_pid = NGX_CONF_UNSET_UINT;
    rt->scte35_preroll = NGX_CONF_UNSET_MSEC;
    rt->scte35_repeat = NGX_CONF_UNSET_UINT;
    rt->scte35_heartbeat = NGX_CONF_UNSET_MSEC;
    rt->conf_file = cf->conf_file->file.name.data;
    rt->conf_line = cf->conf_file->line;

    if (ngx_array_init(&rt->outputs, cf->pool, 4, sizeof(ngx_srt_output_t *))
        != NGX_OK
        || ngx_array_init(&rt->inputs, cf->pool, 2, sizeof(ngx_srt_input_t *))
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_srt_failover_unset(rt);
    rt->hls = NGX_CONF_UNSET;

    rtp = ngx_array_push(&mcf->routes);
    if (rtp == NULL) {
        return NGX_CONF_ERROR;
    }

    *rtp = rt;

    pcf = *cf;
    mcf->current = rt;
    cf->cmd_type = NGX_SRT_ROUTE_CONF;

    rv = ngx_conf_parse(cf, NULL);

    *cf = pcf;
    mcf->current = NULL;

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (rt->inputs.nelts == (ngx_uint_t) (rt->slate ? 1 : 0)) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "route \"%V\" in %s:%ui has no \"input\"",
                      &rt->name, rt->conf_file, rt->conf_line);
        return NGX_CONF_ERROR;
    }

    ngx_srt_inputs_sort(rt);
    ngx_srt_scte35_defaults(rt);
    ngx_srt_failover_defaults(rt);

    if (ngx_srt_hls_route_output(cf, rt) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * "on" or "off" of a route block's flag: route settings are not conf
 * structs reached by offset, so ngx_conf_set_flag_slot() does not apply
 */

char *
ngx_srt_route_flag(ngx_conf_t *cf, ngx_flag_t *flag)
{
    ngx_str_t  *value;

    value = cf->args->elts;

    if (*flag != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    if (ngx_strcmp(value[1].data, "on") == 0) {
        *flag = 1;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        *flag = 0;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\", expected "
                           "\"on\" or \"off\"", &value[1], &value[0]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* SCTE-35 of a route without directives (and of API routes) */

void
ngx_srt_scte35_defaults(ngx_srt_route_t *rt)
{
    ngx_conf_init_value(rt->scte35_insert, 0);
    ngx_conf_init_uint_value(rt->scte35_pid, 0);
    ngx_conf_init_msec_value(rt->scte35_preroll, 4000);
    ngx_conf_init_uint_value(rt->scte35_repeat, 3);
    ngx_conf_init_msec_value(rt->scte35_heartbeat, 0);
}


static char *
ngx_srt_scte35_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    ngx_int_t         n;
    ngx_str_t        *value, *name;
    ngx_msec_t        ms;
    ngx_srt_route_t  *rt;

    rt = mcf->current;
    value = cf->args->elts;
    name = &cmd->name;

    if (name->len == sizeof("scte35") - 1) {
        return ngx_srt_route_flag(cf, &rt->scte35_insert);
    }

    if (ngx_strcmp(name->data, "scte35_pid") == 0) {
        if (rt->scte35_pid != NGX_CONF_UNSET_UINT) {
            return "is duplicate";
        }

        n = ngx_atoi(value[1].data, value[1].len);

        if (n < 0x20 || n > 0x1ffe) {
            return "must be a PID from 32 to 8190";
        }

        rt->scte35_pid = n;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(name->data, "scte35_repeat") == 0) {
        if (rt->scte35_repeat != NGX_CONF_UNSET_UINT) {
            return "is duplicate";
        }

        n = ngx_atoi(value[1].data, value[1].len);

        if (n < 1 || n > 10) {
            return "must be from 1 to 10";
        }

        rt->scte35_repeat = n;
        return NGX_CONF_OK;
    }

    /* scte35_preroll, scte35_heartbeat: times */

    ms = ngx_parse_time(&value[1], 0);

    if (ms == (ngx_msec_t) NGX_ERROR) {
        return "is an invalid time";
    }

    if (ngx_strcmp(name->data, "scte35_preroll") == 0) {
        if (rt->scte35_preroll != NGX_CONF_UNSET_MSEC) {
            return "is duplicate";
        }

        if (ms > 60000) {
            return "must be at most 60s";
        }

        rt->scte35_preroll = ms;
        return NGX_CONF_OK;
    }

    if (rt->scte35_heartbeat != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    if (ms != 0 && ms < 1000) {
        return "must be 0 (off) or at least 1s";
    }

    rt->scte35_heartbeat = ms;

    return NGX_CONF_OK;
}


static char *
ngx_srt_ring_size(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    size_t     *sp, size;
    ngx_str_t  *value;

    sp = mcf->current ? &mcf->current->ring_size : &mcf->ring_size;

    if (*sp != NGX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;
    size = ngx_parse_size(&value[1]);

    if (size == (size_t) NGX_ERROR || srt_ring_capacity(size) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid ring_size \"%V\" (at least 1600k)",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    *sp = size;

    return NGX_CONF_OK;
}


static char *
ngx_srt_input(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    char              err[SRT_URL_ERR_LEN];
    ngx_int_t         priority;
    ngx_str_t        *value;
    ngx_uint_t        i;
    ngx_srt_route_t  *rt;
    ngx_srt_input_t  *in, **inp;

    rt = mcf->current;
    value = cf->args->elts;

    /* without priority=, inputs are preferred in the order they come */
    priority = rt->inputs.nelts;

    if (cf->args->nelts == 3) {
        if (value[2].len <= sizeof("priority=") - 1
            || ngx_strncmp(value[2].data, "priority=", sizeof("priority=") - 1)
               != 0
            || (priority = ngx_atoi(value[2].data + sizeof("priority=") - 1,
                                    value[2].len - sizeof("priority=") + 1))
               == NGX_ERROR
            || priority > 1000)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": expected "
                               "priority=N (0 to 1000, lower is preferred)",
                               &value[2]);
            return NGX_CONF_ERROR;
        }
    }

    in = ngx_srt_input_create(cf, rt, priority);
    if (in == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the URL is kept without its passphrase: it names the input in logs,
       shared memory and the API */
    if (ngx_srt_redact(cf, &value[1], &in->url) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    inp = rt->inputs.elts;

    for (i = 0; i < rt->inputs.nelts - 1; i++) {
        if (inp[i]->url.len == in->url.len
            && ngx_strncmp(inp[i]->url.data, in->url.data, in->url.len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "route \"%V\" has the input \"%V\" twice",
                               &rt->name, &in->url);
            return NGX_CONF_ERROR;
        }
    }

    if (srt_url_parse((char *) value[1].data, value[1].len, 0, &in->parsed,
                      err)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid input URL \"%V\": %s",
                           &in->url, err);
        return NGX_CONF_ERROR;
    }

    if (in->parsed.scheme == SRT_URL_SRT) {
        if (ngx_srt_srt_input_conf(cf, mcf, in) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

    } else if (in->parsed.scheme == SRT_URL_TESTSRC) {
        in->local = 1;

    } else if (ngx_srt_udp_input_conf(cf, in) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* a new input of the route being parsed, "inN" */

ngx_srt_input_t *
ngx_srt_input_create(ngx_conf_t *cf, ngx_srt_route_t *rt, ngx_int_t priority)
{
    ngx_srt_input_t  *in, **inp;

    if (rt->inputs.nelts == NGX_SRT_MAX_INPUTS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "route \"%V\" has more than %d inputs (the slate "
                           "counts as one)", &rt->name, NGX_SRT_MAX_INPUTS);
        return NULL;
    }

    in = ngx_pcalloc(cf->pool, sizeof(ngx_srt_input_t));
    if (in == NULL) {
        return NULL;
    }

    in->route = rt;
    in->priority = priority;

    in->id.data = ngx_pnalloc(cf->pool, sizeof("in8"));
    if (in->id.data == NULL) {
        return NULL;
    }

    in->id.len = ngx_sprintf(in->id.data, "in%ui%Z", rt->inputs.nelts)
                 - in->id.data - 1;
    in->conf_file = cf->conf_file->file.name.data;
    in->conf_line = cf->conf_file->line;

    inp = ngx_array_push(&rt->inputs);
    if (inp == NULL) {
        return NULL;
    }

    *inp = in;

    return in;
}


static char *
ngx_srt_output(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    ngx_str_t  *value;

    value = cf->args->elts;

    if (ngx_srt_output_create(cf, mcf, mcf->current, &value[1]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* an output of nginx.conf: "output URL", or "hls on" made into one */

ngx_int_t
ngx_srt_output_create(ngx_conf_t *cf, ngx_srt_main_conf_t *mcf,
    ngx_srt_route_t *rt, ngx_str_t *url)
{
    char               err[SRT_URL_ERR_LEN];
    ngx_str_t          safe;
    ngx_uint_t         i;
    ngx_srt_output_t  *out, **outp;

    if (ngx_srt_redact(cf, url, &safe) != NGX_OK) {
        return NGX_ERROR;
    }

    outp = rt->outputs.elts;
    for (i = 0; i < rt->outputs.nelts; i++) {
        if (outp[i]->url.len == safe.len
            && ngx_strncmp(outp[i]->url.data, safe.data, safe.len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate output \"%V\" in route \"%V\"",
                               &safe, &rt->name);
            return NGX_ERROR;
        }
    }

    out = ngx_pcalloc(cf->pool, sizeof(ngx_srt_output_t));
    if (out == NULL) {
        return NGX_ERROR;
    }

    out->id.data = ngx_pnalloc(cf->pool, sizeof("out") + NGX_INT_T_LEN);
    if (out->id.data == NULL) {
        return NGX_ERROR;
    }

    out->id.len = ngx_sprintf(out->id.data, "out%ui", rt->outputs.nelts)
                  - out->id.data;

    out->route = rt;
    out->url = safe;
    out->fd = (ngx_socket_t) -1;

    if (srt_url_parse((char *) url->data, url->len, 1, &out->parsed, err)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid output URL \"%V\": %s", &out->url, err);
        return NGX_ERROR;
    }

    if (out->parsed.scheme == SRT_URL_SRT) {
        if (ngx_srt_srt_output_conf(cf, mcf, out) != NGX_OK) {
            return NGX_ERROR;
        }

    } else if (out->parsed.scheme == SRT_URL_HLS) {
        for (i = 0; i < rt->outputs.nelts; i++) {
            if (outp[i]->hls) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "route \"%V\" has an HLS output "
                                   "already", &rt->name);
                return NGX_ERROR;
            }
        }

        if (rt->name.data[0] == '.') {
            /* "." or "..": the files would not be in a directory of the
               route's own */
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "route \"%V\": a name starting with \".\" "
                               "cannot have an HLS output", &rt->name);
            return NGX_ERROR;
        }

        /* written by the thread pool the srt block adds */
        ngx_str_set(&out->id, "hls");
        out->hls = 1;

    } else if (ngx_srt_udp_output_conf(cf, out) != NGX_OK) {
        return NGX_ERROR;
    }

    outp = ngx_array_push(&rt->outputs);
    if (outp == NULL) {
        return NGX_ERROR;
    }

    *outp = out;

    return NGX_OK;
}


static char *
ngx_srt_publisher(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    ngx_str_t  *value;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "exclusive") == 0) {
        mcf->current->publisher_replace = 0;

    } else if (ngx_strcmp(value[1].data, "replace") == 0) {
        mcf->current->publisher_replace = 1;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", it must be \"exclusive\" "
                           "or \"replace\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * Two inputs conflict when they would receive on the same UDP port: same
 * bind address, or one of them binds the wildcard address.  Multicast inputs
 * bind their group, so different groups may share a port.
 */

static ngx_int_t
ngx_srt_check_ports(ngx_conf_t *cf, ngx_srt_main_conf_t *mcf)
{
    ngx_uint_t           i, j, k, wi, wj, n;
    ngx_srt_input_t     *a, *b, **inp, *all[1024];
    ngx_srt_route_t    **rtp;
    ngx_srt_srt_port_t  *port;

    rtp = mcf->routes.elts;
    port = mcf->srt_ports.elts;
    n = 0;

    for (i = 0; i < mcf->routes.nelts; i++) {
        inp = rtp[i]->inputs.elts;

        for (j = 0; j < rtp[i]->inputs.nelts; j++) {
            if (inp[j]->srt || inp[j]->local) {
                continue;
            }

            if (n == sizeof(all) / sizeof(all[0])) {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "more than %ui UDP inputs", n);
                return NGX_ERROR;
            }

            all[n++] = inp[j];
        }
    }

    for (i = 0; i < n; i++) {
        a = all[i];

        /* SRT listeners are UDP sockets too */

        for (k = 0; k < mcf->srt_ports.nelts; k++) {
            if (ngx_inet_get_port(a->addr.sockaddr)
                == ngx_inet_get_port(port[k].addr.sockaddr))
            {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "input \"%V\" of route \"%V\" in %s:%ui "
                              "conflicts with SRT listener \"%V\" in %s:%ui: "
                              "both receive on UDP port %d",
                              &a->url, &a->route->name, a->conf_file,
                              a->conf_line, &port[k].url, port[k].conf_file,
                              port[k].conf_line,
                              (int) ngx_inet_get_port(a->addr.sockaddr));
                return NGX_ERROR;
            }
        }

        for (j = i + 1; j < n; j++) {
            b = all[j];

            if (ngx_inet_get_port(a->addr.sockaddr)
                != ngx_inet_get_port(b->addr.sockaddr))
            {
                continue;
            }

            wi = ngx_inet_wildcard(a->addr.sockaddr);
            wj = ngx_inet_wildcard(b->addr.sockaddr);

            if (!wi && !wj
                && ngx_cmp_sockaddr(a->addr.sockaddr, a->addr.socklen,
                                    b->addr.sockaddr, b->addr.socklen, 0)
                   != NGX_OK)
            {
                continue;
            }

            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "input \"%V\" of route \"%V\" in %s:%ui conflicts "
                          "with input \"%V\" of route \"%V\" in %s:%ui: "
                          "both receive on UDP port %d",
                          &b->url, &b->route->name, b->conf_file,
                          b->conf_line, &a->url, &a->route->name,
                          a->conf_file, a->conf_line,
                          (int) ngx_inet_get_port(a->addr.sockaddr));
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* the preferred input first; equal priorities keep their order */

static void
ngx_srt_inputs_sort(ngx_srt_route_t *rt)
{
    ngx_uint_t         i, j;
    ngx_srt_input_t  **inp, *t;

    inp = rt->inputs.elts;

    for (i = 1; i < rt->inputs.nelts; i++) {
        for (j = i; j > 0 && inp[j - 1]->priority > inp[j]->priority; j--) {
            t = inp[j];
            inp[j] = inp[j - 1];
            inp[j - 1] = t;
        }
    }

    for (i = 0; i < rt->inputs.nelts; i++) {
        inp[i]->index = i;
    }

    rt->input = inp[0];
}


ngx_srt_route_t *
ngx_srt_find_route(ngx_cycle_t *cycle, ngx_str_t *name)
{
    ngx_uint_t            i;
    ngx_srt_route_t      *rt;
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(cycle);
    if (mcf == NULL) {
        return NULL;
    }

    for (i = 0; (rt = ngx_srt_route_at(mcf, i)); i++) {
        if (rt->name.len == name->len
            && ngx_strncmp(rt->name.data, name->data, name->len) == 0)
        {
            return rt;
        }
    }

    return NULL;
}


/*
 * The routes of this worker, by index: nginx.conf's, then the API's.  The
 * API's change at run time: the event loop only, not the SRT thread.
 */

ngx_srt_route_t *
ngx_srt_route_at(ngx_srt_main_conf_t *mcf, ngx_uint_t i)
{
    ngx_srt_route_t  **rtp;

    if (i < mcf->routes.nelts) {
        rtp = mcf->routes.elts;
        return rtp[i];
    }

    i -= mcf->routes.nelts;

    if (i < mcf->api_routes.nelts) {
        rtp = mcf->api_routes.elts;
        return rtp[i];
    }

    return NULL;
}


/*
 * Resolves the host and port of a parsed URL: "host:port", "[v6]:port", or
 * a bare port for a wildcard listen address.  Reports multicast groups.
 */

ngx_int_t
ngx_srt_resolve(ngx_conf_t *cf, ngx_str_t *url, srt_url_t *parsed,
    ngx_uint_t listen, ngx_addr_t *addr, ngx_uint_t *multicast)
{
    ngx_url_t  u;

    if (ngx_srt_parse_host(cf->pool, parsed, listen, 0, &u) != NGX_OK
        || u.naddrs == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid URL \"%V\": %s",
                           url, u.err ? u.err : "host not found");
        return NGX_ERROR;
    }

    *addr = u.addrs[0];
    *multicast = ngx_srt_multicast(addr->sockaddr);

    return NGX_OK;
}


/* host and port of a parsed URL through ngx_parse_url(): u->err says why
   not; no_resolve leaves host names unresolved (u->naddrs == 0) */

ngx_int_t
ngx_srt_parse_host(ngx_pool_t *pool, srt_url_t *parsed, ngx_uint_t listen,
    ngx_uint_t no_resolve, ngx_url_t *u)
{
    u_char  *p;

    ngx_memzero(u, sizeof(ngx_url_t));

    p = ngx_pnalloc(pool, ngx_strlen(parsed->host) + sizeof("[]:65535"));
    if (p == NULL) {
        u->err = "out of memory";
        return NGX_ERROR;
    }

    if (parsed->host[0] == '\0') {
        u->url.len = ngx_sprintf(p, "%d", (int) parsed->port) - p;

    } else if (ngx_strchr(parsed->host, ':')) {
        u->url.len = ngx_sprintf(p, "[%s]:%d", parsed->host,
                                 (int) parsed->port) - p;
    } else {
        u->url.len = ngx_sprintf(p, "%s:%d", parsed->host,
                                 (int) parsed->port) - p;
    }

    u->url.data = p;
    u->listen = listen;
    u->no_resolve = no_resolve;

    return ngx_parse_url(pool, u);
}


ngx_uint_t
ngx_srt_multicast(struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        return IN_MULTICAST(ntohl(
                   ((struct sockaddr_in *) sa)->sin_addr.s_addr));
    }

#if (NGX_HAVE_INET6)
    if (sa->sa_family == AF_INET6) {
        return IN6_IS_ADDR_MULTICAST(&((struct sockaddr_in6 *) sa)->sin6_addr);
    }
#endif

    return 0;
}


/*
 * A UDP socket the master opens and binds (and keeps across reloads), for
 * UDP inputs and SRT listener ports.  nginx never reads it: handler only
 * reports the unexpected, the owner swaps in its own reader.
 */

ngx_listening_t *
ngx_srt_dgram_listening(ngx_conf_t *cf, ngx_addr_t *addr,
    ngx_connection_handler_pt handler)
{
    ngx_listening_t  *ls;

    ls = ngx_create_listening(cf, addr->sockaddr, addr->socklen);
    if (ls == NULL) {
        return NULL;
    }

    ls->type = SOCK_DGRAM;
    ls->handler = handler;
    ls->pool_size = 256;
    ls->logp = &cf->cycle->new_log;    /* not cf->log: the old cycle's */
    ls->log.data = &ls->addr_text;
    ls->log.handler = ngx_accept_log_error;

    return ls;
}


/*
 * The input's listening socket.  Looked up by index once configuration is
 * complete: later listen directives, and the event module's cloning of
 * reuseport sockets (which in a static build runs after our init_conf),
 * may reallocate cycle->listening.
 */

ngx_listening_t *
ngx_srt_input_listening(ngx_cycle_t *cycle, ngx_srt_input_t *in)
{
    return (ngx_listening_t *) cycle->listening.elts + in->listening_index;
}


/* bit/s over the last tick, from a byte counter only its owner writes */

void
ngx_srt_bitrate(ngx_atomic_t *bytes, uint64_t *last, ngx_atomic_t *bitrate,
    ngx_msec_t elapsed)
{
    uint64_t  now;

    now = *bytes;
    *bitrate = (now - *last) * 8 * 1000 / elapsed;
    *last = now;
}


/* the wall clock, also from the SRT thread (nginx's cached time is the
   event loop's and may be stale there) */

uint64_t
ngx_srt_unix_msec(void)
{
    struct timeval  tv;

    ngx_gettimeofday(&tv);

    return (uint64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;
}


/* master process, after the zone and the listening sockets exist */

static ngx_int_t
ngx_srt_init_module(ngx_cycle_t *cycle)
{
    ngx_uint_t            i, j;
    ngx_srt_route_t     **rtp;
    ngx_srt_input_t     **inp;
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(cycle);

    if (mcf == NULL || !mcf->enabled || ngx_test_config) {
        return NGX_OK;
    }

    /*
     * Nothing here may fail the cycle: during a reload an init_module error
     * makes the master exit.  A worker without a wake-up slot fails loudly
     * at its own start instead.
     */

    /* the monotonic clock orders configurations: newer ones win leases */
    ngx_time_update();
    mcf->generation = ngx_current_msec;

    (void) ngx_srt_wake_init_master(cycle, mcf);

    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        inp = rtp[i]->inputs.elts;

        for (j = 0; j < rtp[i]->inputs.nelts; j++) {
            if (inp[j]->srt || inp[j]->local) {
                continue;
            }

            inp[j]->listening = ngx_srt_input_listening(cycle, inp[j]);
            (void) ngx_srt_udp_input_init_master(cycle, inp[j]);
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_srt_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t            i, j;
    ngx_srt_route_t      *rt, **rtp;
    ngx_srt_input_t      *in, **inp;
    ngx_srt_output_t    **outp;
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(cycle);

    if (mcf == NULL || !mcf->enabled
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    if (ngx_srt_wake_init_worker(cycle, mcf) != NGX_OK) {
        return NGX_ERROR;
    }

    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        rt = rtp[i];

        ngx_queue_init(&rt->srt_players);

        inp = rt->inputs.elts;

        for (j = 0; j < rt->inputs.nelts; j++) {
            in = inp[j];

            if (in->srt) {
                /* the SRT thread of whichever worker has the publisher */
                in->srt_analyzer = ngx_alloc(sizeof(srt_ts_analyzer_t),
                                             cycle->log);
                if (in->srt_analyzer == NULL) {
                    return NGX_ERROR;
                }

                srt_ts_analyzer_init(in->srt_analyzer);

                /* the rate is computed by the hash owner from shared
                   counters */
                in->last_bytes = in->stats->bytes;

            } else if (in->local) {
                if (in->worker == ngx_worker
                    && ngx_srt_source_open(cycle, in) != NGX_OK)
                {
                    return NGX_ERROR;
                }

            } else if (in->worker == ngx_worker) {
                if (ngx_srt_udp_input_start(cycle, in) != NGX_OK) {
                    return NGX_ERROR;
                }

            } else {
                ngx_srt_udp_input_release(in);
            }
        }

        if (rt->worker == ngx_worker
            && ngx_srt_selector_start(cycle, rt) != NGX_OK)
        {
            return NGX_ERROR;
        }

        outp = rt->outputs.elts;
        for (j = 0; j < rt->outputs.nelts; j++) {
            outp[j]->last_bytes = outp[j]->stats->bytes;

            if (outp[j]->srt || outp[j]->worker != ngx_worker) {
                continue;
            }

            if (outp[j]->hls) {
                if (ngx_srt_hls_start(cycle, outp[j]) != NGX_OK) {
                    return NGX_ERROR;
                }

            } else if (ngx_srt_udp_output_start(cycle, outp[j]) != NGX_OK) {
                return NGX_ERROR;
            }
        }
    }

    if (ngx_srt_libsrt_start(cycle, mcf, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_srt_tick_event.handler = ngx_srt_tick;
    ngx_srt_tick_event.log = cycle->log;
    ngx_srt_tick_event.data = mcf;
    ngx_srt_tick_event.cancelable = 1;
    ngx_srt_tick_last = ngx_current_msec;

    ngx_add_timer(&ngx_srt_tick_event, 1000);

    return NGX_OK;
}


/* once a second: bitrates of what this worker owns */

static void
ngx_srt_tick(ngx_event_t *ev)
{
    ngx_srt_main_conf_t  *mcf = ev->data;

    ngx_uint_t          i, j;
    ngx_msec_t          elapsed;
    ngx_srt_input_t    *in, **inp;
    ngx_srt_route_t    *rt;
    ngx_srt_output_t  **outp;

    elapsed = ngx_current_msec - ngx_srt_tick_last;
    ngx_srt_tick_last = ngx_current_msec;

    /* a missed wake-up must not leave this worker behind for long */
    ngx_srt_runtime_check((ngx_cycle_t *) ngx_cycle, 0);

    /* memory of API endpoints the SRT thread has let go of */
    ngx_srt_libsrt_sweep(0);

    for (i = 0; elapsed && (rt = ngx_srt_route_at(mcf, i)); i++) {
        inp = rt->inputs.elts;

        for (j = 0; j < rt->inputs.nelts; j++) {
            in = inp[j];

            /* SRT endpoints may be written by any worker: the hash owner
               computes their rates */

            if (in->owned || (in->srt && in->worker == ngx_worker)) {
                ngx_srt_bitrate(&in->stats->bytes, &in->last_bytes,
                                &in->stats->bitrate, elapsed);
            }
        }

        outp = rt->outputs.elts;
        for (j = 0; j < rt->outputs.nelts; j++) {
            if (outp[j]->owned
                || (outp[j]->srt && outp[j]->worker == ngx_worker))
            {
                ngx_srt_bitrate(&outp[j]->stats->bytes, &outp[j]->last_bytes,
                                &outp[j]->stats->bitrate, elapsed);
            }
        }
    }

    if (!ngx_exiting) {
        ngx_add_timer(ev, 1000);
    }
}


static void
ngx_srt_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t            i, j;
    ngx_srt_route_t     **rtp;
    ngx_srt_input_t     **inp;
    ngx_srt_output_t    **outp;
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(cycle);

    if (mcf == NULL || !mcf->enabled) {
        return;
    }

    ngx_srt_libsrt_stop(cycle);

    ngx_srt_runtime_exit(cycle);

    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        inp = rtp[i]->inputs.elts;
        for (j = 0; j < rtp[i]->inputs.nelts; j++) {
            if (inp[j]->source) {
                ngx_srt_source_stop(inp[j], 1);
            }
        }

        outp = rtp[i]->outputs.elts;
        for (j = 0; j < rtp[i]->outputs.nelts; j++) {
            if (outp[j]->hls) {
                ngx_srt_hls_stop(outp[j]);

            } else if (!outp[j]->srt) {
                ngx_srt_udp_output_stop(outp[j]);
            }
        }
    }

    ngx_srt_wake_exit_worker();
}
