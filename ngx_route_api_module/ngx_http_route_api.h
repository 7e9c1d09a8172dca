/*
 * Route API: configuration and authentication shared by the API files.
 */

#ifndef _NGX_HTTP_ROUTE_API_H_INCLUDED_
#define _NGX_HTTP_ROUTE_API_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_srt_module.h"


#define NGX_ROUTE_API_AUTH_OFF   0
#define NGX_ROUTE_API_AUTH_JWT   1

#define NGX_ROUTE_API_VIEWER     0
#define NGX_ROUTE_API_OPERATOR   1
#define NGX_ROUTE_API_ADMIN      2


typedef struct {
    ngx_flag_t                enabled;       /* route_api in this location */
    ngx_int_t                 auth;          /* NGX_ROUTE_API_AUTH_*, or
                                                NGX_CONF_UNSET */
    ngx_str_t                 key;           /* HMAC secret or PEM key */
    ngx_flag_t                public_key;    /* key is a PEM public key */
    u_char                   *conf_file;
    ngx_uint_t                conf_line;
} ngx_http_route_api_loc_conf_t;


typedef struct {
    ngx_uint_t                role;          /* NGX_ROUTE_API_VIEWER... */
    ngx_str_t                 actor;         /* "sub" of the token, or "-" */
} ngx_http_route_api_auth_t;


typedef struct {
    ngx_str_t                 db;            /* route_api_db, full path */
    ngx_int_t                 retention;     /* audit events kept */
    size_t                    max_body;      /* largest JSON body */
    ngx_flag_t                enabled;       /* a location has route_api */
} ngx_http_route_api_main_conf_t;


typedef struct ngx_http_route_api_ctx_s  ngx_http_route_api_ctx_t;

typedef ngx_int_t (*ngx_http_route_api_pt)(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);


/* a resource of the API: see ngx_http_route_api_paths[] */
typedef struct {
    ngx_uint_t                methods;
    const char               *pattern;
    ngx_uint_t                open;          /* no token needed */
    ngx_uint_t                endpoint;      /* operators may change it */
    ngx_http_route_api_pt     handler;
} ngx_http_route_api_path_t;


#define NGX_ROUTE_API_IDS        2           /* {id} and {iid} or {oid} */

struct ngx_http_route_api_ctx_s {
    ngx_http_route_api_path_t  *path;
    ngx_str_t                   id[NGX_ROUTE_API_IDS];
    ngx_http_route_api_auth_t   auth;
    ngx_str_t                   body;        /* the request body, if any */
};


typedef struct {
    ngx_pid_t                 pid;
    double                    cpu_seconds;
    int64_t                   rss_bytes;
} ngx_http_route_api_proc_t;


#define NGX_ROUTE_API_MSG_LEN    320
#define NGX_ROUTE_API_FIELD_LEN  96


/* why a request fails: status, message, the field at fault */
typedef struct {
    ngx_uint_t                status;
    char                      message[NGX_ROUTE_API_MSG_LEN];
    char                      field[NGX_ROUTE_API_FIELD_LEN];
} ngx_route_api_fail_t;


/* ngx_http_route_api_module.c */
ngx_int_t ngx_http_route_api_send(ngx_http_request_t *r, ngx_uint_t status,
    json_t *json);
ngx_int_t ngx_http_route_api_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *message);
ngx_int_t ngx_http_route_api_error_field(ngx_http_request_t *r,
    ngx_uint_t status, const char *message, const char *field);
json_t *ngx_http_route_api_route(ngx_srt_route_t *rt);
json_t *ngx_http_route_api_input(ngx_srt_input_t *in);
json_t *ngx_http_route_api_output(ngx_srt_output_t *out);
void ngx_http_route_api_route_state(json_t *route, ngx_srt_route_t *rt);
json_t *ngx_http_route_api_str(ngx_str_t *s);

/* ngx_http_route_api_store.c: the API's routes, SQLite, audit */
ngx_int_t ngx_http_route_api_store_init(ngx_cycle_t *cycle);
void ngx_http_route_api_store_exit(ngx_cycle_t *cycle);
ngx_int_t ngx_http_route_api_routes(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
ngx_int_t ngx_http_route_api_route_item(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
ngx_int_t ngx_http_route_api_endpoints(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
ngx_int_t ngx_http_route_api_endpoint(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
ngx_int_t ngx_http_route_api_move(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
ngx_int_t ngx_http_route_api_audit(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
struct srt_store_s *ngx_http_route_api_db(void);
int ngx_route_api_audit_write(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx, const char *action, const char *route,
    json_t *before, json_t *after, ngx_uint_t status, char **resource,
    char *err);
ngx_int_t ngx_route_api_parse(ngx_http_route_api_ctx_t *ctx, json_t **json,
    ngx_route_api_fail_t *fail);
ngx_int_t ngx_route_api_ctx_id(ngx_str_t *s, char *buf,
    ngx_route_api_fail_t *fail, ngx_uint_t status);
ngx_int_t ngx_route_api_store_fail(int rc, const char *err,
    ngx_route_api_fail_t *fail, const char *field);
void ngx_route_api_fail(ngx_route_api_fail_t *fail, ngx_uint_t status,
    const char *field, const char *fmt, ...);
ngx_int_t ngx_route_api_failed(ngx_http_request_t *r,
    ngx_route_api_fail_t *fail);
ngx_int_t ngx_route_api_arg_int(ngx_http_request_t *r, char *name,
    int64_t *value, int64_t min, int64_t max, ngx_route_api_fail_t *fail);
ngx_int_t ngx_route_api_arg_str(ngx_http_request_t *r, char *name,
    char **value);

/* ngx_http_route_api_switch.c: hot swap of a route's input */
ngx_int_t ngx_http_route_api_switch(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);

/* ngx_http_route_api_scte35.c: cues, their log and schedule */
ngx_int_t ngx_http_route_api_scte35(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
ngx_int_t ngx_http_route_api_scte35_log(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
ngx_int_t ngx_http_route_api_scte35_schedule(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
ngx_int_t ngx_http_route_api_scte35_entry(ngx_http_request_t *r,
    ngx_http_route_api_ctx_t *ctx);
ngx_int_t ngx_http_route_api_scte35_init(ngx_cycle_t *cycle);
void ngx_http_route_api_switch_init(ngx_cycle_t *cycle);
void ngx_http_route_api_switch_exit(ngx_cycle_t *cycle);
void ngx_http_route_api_scte35_exit(ngx_cycle_t *cycle);

/* ngx_http_route_api_sys.c */
ngx_uint_t ngx_http_route_api_workers(ngx_http_route_api_proc_t *procs,
    ngx_uint_t max);
ngx_int_t ngx_http_route_api_loadavg(double load[3]);
ngx_int_t ngx_http_route_api_meminfo(int64_t *total, int64_t *available);

/* ngx_http_route_api_auth.c */
ngx_int_t ngx_http_route_api_authenticate(ngx_http_request_t *r,
    ngx_http_route_api_loc_conf_t *alcf, ngx_http_route_api_auth_t *auth,
    const char **message);
ngx_int_t ngx_http_route_api_permitted(ngx_http_route_api_auth_t *auth,
    ngx_uint_t method, ngx_uint_t endpoint_only);


extern ngx_module_t  ngx_http_route_api_module;


#endif /* _NGX_HTTP_ROUTE_API_H_INCLUDED_ */
