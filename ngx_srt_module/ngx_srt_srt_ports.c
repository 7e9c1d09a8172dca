/*
 * The SRT listener port table of a worker: the ports of nginx.conf with
 * the routes they serve, plus the listener endpoints of API routes, either
 * on a port of nginx.conf (the streamid picks the route) or on a port of
 * their own.
 *
 * The event loop builds a new table when the API's listener endpoints
 * change and publishes it by pointer (ngx_srt_libsrt_commit()); the listen
 * callback and the SRT thread only read tables.  A port keeps its slot for
 * as long as it exists, so the SRT thread's listener of a port that is
 * still served is never closed by a rebuild.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_module.h"


/* a listener endpoint of an API route */
typedef struct {
    ngx_srt_route_t          *route;
    ngx_srt_input_t          *input;
    ngx_srt_output_t         *output;
    ngx_str_t                *url;
    srt_url_t                *parsed;
    ngx_addr_t               *addr;
    ngx_uint_t                done;
} ngx_srt_ports_ep_t;


static ngx_int_t ngx_srt_ports_endpoints(ngx_srt_main_conf_t *mcf,
    ngx_array_t *eps);
static ngx_uint_t ngx_srt_ports_slot(ngx_srt_table_t *t, ngx_srt_table_t *old,
    ngx_uint_t nconf);
static ngx_srt_srt_port_t *ngx_srt_ports_find(ngx_srt_table_t *t,
    ngx_srt_ports_ep_t *ep, ngx_log_t *log);
static ngx_srt_srt_port_t *ngx_srt_ports_create(ngx_srt_table_t *t,
    ngx_uint_t slot, ngx_srt_ports_ep_t *ep);
static ngx_int_t ngx_srt_ports_entry(ngx_srt_srt_port_t *port,
    ngx_srt_ports_ep_t *ep, ngx_log_t *log);


static ngx_uint_t  ngx_srt_ports_gen;
static ngx_uint_t  ngx_srt_ports_next;      /* where a new port's slot is
                                               looked for first */


/* what the API routes' listener endpoints are: a rebuild if it changes */

uint32_t
ngx_srt_ports_signature(ngx_srt_main_conf_t *mcf, ngx_uint_t *count)
{
    uint32_t             crc;
    ngx_uint_t           i, j, n;
    ngx_srt_route_t    **rtp;
    ngx_srt_input_t     *in, **inp;
    ngx_srt_output_t   **outp;

    ngx_crc32_init(crc);

    n = 0;
    rtp = mcf->api_routes.elts;

    for (i = 0; i < mcf->api_routes.nelts; i++) {
        inp = rtp[i]->inputs.elts;

        for (j = 0; j < rtp[i]->inputs.nelts; j++) {
            in = inp[j];

            /* the pointers and what they say: memory may be reused */

            if (in->srt && in->parsed.mode == SRT_URL_MODE_LISTENER) {
                ngx_crc32_update(&crc, (u_char *) &in, sizeof(void *));
                ngx_crc32_update(&crc, in->url.data, in->url.len);
                n++;
            }
        }

        outp = rtp[i]->outputs.elts;

        for (j = 0; j < rtp[i]->outputs.nelts; j++) {
            if (outp[j]->srt
                && outp[j]->parsed.mode == SRT_URL_MODE_LISTENER)
            {
                ngx_crc32_update(&crc, (u_char *) &outp[j], sizeof(void *));
                ngx_crc32_update(&crc, outp[j]->url.data, outp[j]->url.len);
                n++;
            }
        }
    }

    ngx_crc32_final(crc);

    if (count) {
        *count = n;
    }

    return crc;
}


ngx_srt_table_t *
ngx_srt_ports_build(ngx_srt_main_conf_t *mcf, ngx_srt_table_t *old,
    ngx_log_t *log)
{
    ngx_uint_t            i, j, nconf, slot;
    ngx_pool_t           *pool;
    ngx_array_t           eps;
    ngx_srt_table_t      *t;
    ngx_srt_srt_port_t   *port, *cfg;
    ngx_srt_ports_ep_t   *ep;
    ngx_srt_srt_entry_t  *e;

    pool = ngx_create_pool(4096, log);
    if (pool == NULL) {
        return NULL;
    }

    t = ngx_pcalloc(pool, sizeof(ngx_srt_table_t));
    if (t == NULL) {
        goto failed;
    }

    t->pool = pool;
    t->gen = ++ngx_srt_ports_gen;

    /* the ports of nginx.conf keep their slots: 0, 1, ... */

    cfg = mcf->srt_ports.elts;
    nconf = ngx_min(mcf->srt_ports.nelts, NGX_SRT_MAX_PORTS);

    for (i = 0; i < nconf; i++) {
        port = ngx_palloc(pool, sizeof(ngx_srt_srt_port_t));
        if (port == NULL) {
            goto failed;
        }

        *port = cfg[i];

        if (ngx_array_init(&port->entries, pool, cfg[i].entries.nelts + 2,
                           sizeof(ngx_srt_srt_entry_t))
            != NGX_OK)
        {
            goto failed;
        }

        e = ngx_array_push_n(&port->entries, cfg[i].entries.nelts);
        if (e == NULL) {
            goto failed;
        }

        ngx_memcpy(e, cfg[i].entries.elts,
                   cfg[i].entries.nelts * sizeof(ngx_srt_srt_entry_t));

        t->ports[i] = port;
    }

    t->nports = nconf;

    if (ngx_array_init(&eps, pool, 4, sizeof(ngx_srt_ports_ep_t)) != NGX_OK
        || ngx_srt_ports_endpoints(mcf, &eps) != NGX_OK)
    {
        goto failed;
    }

    ep = eps.elts;

    /*
     * First the endpoints on ports that exist, in nginx.conf or in the
     * last table (same slot), then the new ports in free slots: a new port
     * never takes the slot of one that goes on.
     */

    for (i = 0; i < eps.nelts; i++) {
        port = ngx_srt_ports_find(t, &ep[i], log);

        if (port == NULL && old) {
            for (j = nconf; j < old->nports; j++) {
                if (old->ports[j] && t->ports[j] == NULL
                    && ngx_cmp_sockaddr(old->ports[j]->addr.sockaddr,
                                        old->ports[j]->addr.socklen,
                                        ep[i].addr->sockaddr,
                                        ep[i].addr->socklen, 1)
                       == NGX_OK)
                {
                    port = ngx_srt_ports_create(t, j, &ep[i]);
                    if (port == NULL) {
                        goto failed;
                    }

                    break;
                }
            }
        }

        if (port) {
            ep[i].done = 1;

            if (port != (ngx_srt_srt_port_t *) -1
                && ngx_srt_ports_entry(port, &ep[i], log) != NGX_OK)
            {
                goto failed;
            }
        }
    }

    for (i = 0; i < eps.nelts; i++) {
        if (ep[i].done) {
            continue;
        }

        port = ngx_srt_ports_find(t, &ep[i], log);

        if (port == (ngx_srt_srt_port_t *) -1) {
            continue;
        }

        if (port == NULL) {
            /*
             * Slots go round: a slot freed now is taken again only after
             * all the others, long after the SRT thread closed its
             * listener (a listen callback finds ports by slot).
             */
            slot = ngx_srt_ports_slot(t, old, nconf);

            if (slot == NGX_SRT_MAX_PORTS) {
                ngx_log_error(NGX_LOG_ERR, log, 0,
                              "srt route \"%V\": \"%V\" is not served: more "
                              "than %d SRT listener ports",
                              &ep[i].route->name, ep[i].url,
                              NGX_SRT_MAX_PORTS);
                continue;
            }

            port = ngx_srt_ports_create(t, slot, &ep[i]);
            if (port == NULL) {
                goto failed;
            }
        }

        if (ngx_srt_ports_entry(port, &ep[i], log) != NGX_OK) {
            goto failed;
        }
    }

    t->signature = ngx_srt_ports_signature(mcf, NULL);

    return t;

failed:

    ngx_destroy_pool(pool);

    return NULL;
}


static ngx_uint_t
ngx_srt_ports_slot(ngx_srt_table_t *t, ngx_srt_table_t *old, ngx_uint_t nconf)
{
    ngx_uint_t  i, n, slot, pass;

    n = NGX_SRT_MAX_PORTS - nconf;

    if (n == 0) {
        return NGX_SRT_MAX_PORTS;
    }

    /* first a slot the last table did not use either, then any free one */

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < n; i++) {
            slot = nconf + (ngx_srt_ports_next + i) % n;

            if (t->ports[slot] == NULL
                && (pass == 1 || old == NULL || slot >= old->nports
                    || old->ports[slot] == NULL))
            {
                ngx_srt_ports_next = (slot - nconf + 1) % n;
                return slot;
            }
        }
    }

    return NGX_SRT_MAX_PORTS;
}


static ngx_int_t
ngx_srt_ports_endpoints(ngx_srt_main_conf_t *mcf, ngx_array_t *eps)
{
    ngx_uint_t           i, j;
    ngx_srt_route_t    **rtp;
    ngx_srt_input_t     *in, **inp;
    ngx_srt_output_t    *out, **outp;
    ngx_srt_ports_ep_t  *ep;

    rtp = mcf->api_routes.elts;

    for (i = 0; i < mcf->api_routes.nelts; i++) {
        inp = rtp[i]->inputs.elts;

        for (j = 0; j < rtp[i]->inputs.nelts; j++) {
            in = inp[j];

            if (!in->srt || in->parsed.mode != SRT_URL_MODE_LISTENER) {
                continue;
            }

            ep = ngx_array_push(eps);
            if (ep == NULL) {
                return NGX_ERROR;
            }

            ep->route = rtp[i];
            ep->input = in;
            ep->output = NULL;
            ep->url = &in->url;
            ep->parsed = &in->parsed;
            ep->addr = &in->addr;
            ep->done = 0;
        }

        outp = rtp[i]->outputs.elts;

        for (j = 0; j < rtp[i]->outputs.nelts; j++) {
            out = outp[j];

            if (!out->srt || out->parsed.mode != SRT_URL_MODE_LISTENER) {
                continue;
            }

            ep = ngx_array_push(eps);
            if (ep == NULL) {
                return NGX_ERROR;
            }

            ep->route = rtp[i];
            ep->input = NULL;
            ep->output = out;
            ep->url = &out->url;
            ep->parsed = &out->parsed;
            ep->addr = &out->peer;      /* a listener's: the bind address */
            ep->done = 0;
        }
    }

    return NGX_OK;
}


/*
 * The table's port with the endpoint's port number, NULL if none, or -1 if
 * it listens on another address (the API refuses such endpoints; this
 * guards against a database edited by hand).
 */

static ngx_srt_srt_port_t *
ngx_srt_ports_find(ngx_srt_table_t *t, ngx_srt_ports_ep_t *ep,
    ngx_log_t *log)
{
    ngx_uint_t           i;
    ngx_srt_srt_port_t  *port;

    for (i = 0; i < t->nports; i++) {
        port = t->ports[i];

        if (port == NULL
            || ngx_inet_get_port(port->addr.sockaddr) != ep->parsed->port)
        {
            continue;
        }

        if (ngx_cmp_sockaddr(port->addr.sockaddr, port->addr.socklen,
                             ep->addr->sockaddr, ep->addr->socklen, 0)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "srt route \"%V\": \"%V\" is not served: SRT port "
                          "%d listens on another address for \"%V\"",
                          &ep->route->name, ep->url, (int) ep->parsed->port,
                          &port->url);
            return (ngx_srt_srt_port_t *) -1;
        }

        return port;
    }

    return NULL;
}


/* a port of API routes only; its socket options are its first URL's */

static ngx_srt_srt_port_t *
ngx_srt_ports_create(ngx_srt_table_t *t, ngx_uint_t slot,
    ngx_srt_ports_ep_t *ep)
{
    ngx_srt_srt_port_t  *port;

    port = ngx_pcalloc(t->pool, sizeof(ngx_srt_srt_port_t));
    if (port == NULL) {
        return NULL;
    }

    /* the table outlives the endpoint's memory by a few seconds: copies */

    port->addr.sockaddr = ngx_palloc(t->pool, ep->addr->socklen);
    if (port->addr.sockaddr == NULL) {
        return NULL;
    }

    ngx_memcpy(port->addr.sockaddr, ep->addr->sockaddr, ep->addr->socklen);
    port->addr.socklen = ep->addr->socklen;

    port->url.data = ngx_pstrdup(t->pool, ep->url);
    if (port->url.data == NULL) {
        return NULL;
    }

    port->url.len = ep->url->len;
    port->parsed = *ep->parsed;
    port->conf_file = (u_char *) "the API";

    if (ngx_array_init(&port->entries, t->pool, 2,
                       sizeof(ngx_srt_srt_entry_t))
        != NGX_OK)
    {
        return NULL;
    }

    t->ports[slot] = port;
    t->nports = ngx_max(t->nports, slot + 1);
    t->api_ports++;

    return port;
}


static ngx_int_t
ngx_srt_ports_entry(ngx_srt_srt_port_t *port, ngx_srt_ports_ep_t *ep,
    ngx_log_t *log)
{
    ngx_uint_t            i;
    ngx_srt_srt_entry_t  *e;

    e = port->entries.elts;

    for (i = 0; i < port->entries.nelts; i++) {
        if (e[i].route == ep->route) {
            break;
        }
    }

    if (i == port->entries.nelts) {
        e = ngx_array_push(&port->entries);
        if (e == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(e, sizeof(ngx_srt_srt_entry_t));
        e->route = ep->route;

    } else {
        e = &e[i];
    }

    if ((ep->input && e->input) || (ep->output && e->output)) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "srt route \"%V\": \"%V\" is not served: the route "
                      "already has an SRT listener %s on port %d",
                      &ep->route->name, ep->url,
                      ep->input ? "input" : "output", (int) ep->parsed->port);
        return NGX_OK;
    }

    if (ep->input) {
        e->input = ep->input;

    } else {
        e->output = ep->output;
    }

    return NGX_OK;
}
