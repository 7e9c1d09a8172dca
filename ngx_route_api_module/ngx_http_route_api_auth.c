/*
 * Route API authentication: a bearer JWT verified with libjwt, HS256 with
 * a shared secret (route_api_jwt_secret) or RS256/ES256 (and the 384/512
 * variants) with a public key file (route_api_jwt_key).  exp and nbf are
 * checked; the "role" claim grants viewer (read), operator (inputs and
 * outputs) or admin (everything).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jwt.h>

#include "ngx_http_route_api.h"


#define NGX_ROUTE_API_TOKEN_MAX   8192


static ngx_int_t ngx_http_route_api_alg_ok(ngx_http_route_api_loc_conf_t *alcf,
    jwt_alg_t alg);


static ngx_str_t  ngx_http_route_api_roles[] = {
    ngx_string("viewer"),
    ngx_string("operator"),
    ngx_string("admin"),
    ngx_null_string
};


/*
 * NGX_OK with the role and the actor (the "sub" claim, or "-") filled in,
 * or an HTTP status (401, 403) with a message for the JSON error.
 */

ngx_int_t
ngx_http_route_api_authenticate(ngx_http_request_t *r,
    ngx_http_route_api_loc_conf_t *alcf, ngx_http_route_api_auth_t *auth,
    const char **message)
{
    long              t;
    time_t            now;
    u_char           *token;
    ngx_str_t         value, role;
    ngx_uint_t        i;
    jwt_t            *jwt;
    const char       *s;
    ngx_table_elt_t  *h;

    auth->role = NGX_ROUTE_API_ADMIN;
    ngx_str_set(&auth->actor, "-");

    if (alcf->auth == NGX_ROUTE_API_AUTH_OFF) {
        return NGX_OK;
    }

    h = r->headers_in.authorization;

    if (h == NULL) {
        *message = "authorization required: send \"Authorization: Bearer "
                   "TOKEN\"";
        return NGX_HTTP_UNAUTHORIZED;
    }

    value = h->value;

    if (value.len <= 7 || ngx_strncasecmp(value.data, (u_char *) "Bearer ", 7)
                          != 0)
    {
        *message = "the Authorization header must be \"Bearer TOKEN\"";
        return NGX_HTTP_UNAUTHORIZED;
    }

    value.data += 7;
    value.len -= 7;

    while (value.len && value.data[0] == ' ') {
        value.data++;
        value.len--;
    }

    if (value.len == 0 || value.len > NGX_ROUTE_API_TOKEN_MAX) {
        *message = "invalid token";
        return NGX_HTTP_UNAUTHORIZED;
    }

    token = ngx_pnalloc(r->pool, value.len + 1);
    if (token == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_cpystrn(token, value.data, value.len + 1);

    jwt = NULL;

    if (jwt_decode(&jwt, (char *) token, alcf->key.data, (int) alcf->key.len)
        != 0 || jwt == NULL)
    {
        *message = "invalid token: bad signature or format";
        return NGX_HTTP_UNAUTHORIZED;
    }

    /*
     * libjwt verifies with the algorithm the token names: a token signed
     * HS256 with our public key as the secret would pass.  Only the
     * algorithms of the configured key are accepted.
     */
    if (!ngx_http_route_api_alg_ok(alcf, jwt_get_alg(jwt))) {
        jwt_free(jwt);
        *message = "invalid token: unexpected algorithm";
        return NGX_HTTP_UNAUTHORIZED;
    }

    now = ngx_time();

    errno = 0;
    t = jwt_get_grant_int(jwt, "exp");

    if (errno != ENOENT && t <= now) {
        jwt_free(jwt);
        *message = "token expired";
        return NGX_HTTP_UNAUTHORIZED;
    }

    errno = 0;
    t = jwt_get_grant_int(jwt, "nbf");

    if (errno != ENOENT && t > now) {
        jwt_free(jwt);
        *message = "token not valid yet";
        return NGX_HTTP_UNAUTHORIZED;
    }

    s = jwt_get_grant(jwt, "sub");

    if (s && *s) {
        auth->actor.len = ngx_strlen(s);
        auth->actor.data = ngx_pnalloc(r->pool, auth->actor.len);

        if (auth->actor.data == NULL) {
            jwt_free(jwt);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_memcpy(auth->actor.data, s, auth->actor.len);
    }

    s = jwt_get_grant(jwt, "role");
    role.data = (u_char *) s;
    role.len = s ? ngx_strlen(s) : 0;

    for (i = 0; ngx_http_route_api_roles[i].len; i++) {
        if (role.len == ngx_http_route_api_roles[i].len
            && ngx_strncmp(role.data, ngx_http_route_api_roles[i].data,
                           role.len) == 0)
        {
            break;
        }
    }

    jwt_free(jwt);

    if (ngx_http_route_api_roles[i].len == 0) {
        *message = "the token has no known role (viewer, operator, admin)";
        return NGX_HTTP_FORBIDDEN;
    }

    auth->role = i;

    return NGX_OK;
}


/* what a role may do: viewers read, operators change inputs and outputs */

ngx_int_t
ngx_http_route_api_permitted(ngx_http_route_api_auth_t *auth,
    ngx_uint_t method, ngx_uint_t endpoint_only)
{
    if (method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        return 1;
    }

    switch (auth->role) {

    case NGX_ROUTE_API_ADMIN:
        return 1;

    case NGX_ROUTE_API_OPERATOR:
        return endpoint_only;

    default:
        return 0;
    }
}


static ngx_int_t
ngx_http_route_api_alg_ok(ngx_http_route_api_loc_conf_t *alcf, jwt_alg_t alg)
{
    if (alcf->public_key) {
        return alg == JWT_ALG_RS256 || alg == JWT_ALG_RS384
               || alg == JWT_ALG_RS512 || alg == JWT_ALG_ES256
               || alg == JWT_ALG_ES384 || alg == JWT_ALG_ES512;
    }

    return alg == JWT_ALG_HS256;
}
