/*
 * Route API: configuration and authentication shared by the API files.
 */

#ifndef _NGX_HTTP_ROUTE_API_H_INCLUDED_
#define _NGX_HTTP_ROUTE_API_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


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
    ngx_pid_t                 pid;
    double                    cpu_seconds;
    int64_t                   rss_bytes;
} ngx_http_route_api_proc_t;


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
