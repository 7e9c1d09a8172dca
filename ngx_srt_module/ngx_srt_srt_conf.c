/*
 * Configuration of srt:// inputs and outputs.
 *
 * A listener input or output does not get a socket here: every worker that
 * has SRT endpoints opens its own SO_REUSEPORT socket per listener port in
 * its SRT thread, so players spread over the workers.  Here the endpoints
 * are grouped by port: one port may serve several routes (the streamid
 * picks the route) and, per route, a publisher and players.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_module.h"


static ngx_srt_srt_entry_t *ngx_srt_srt_port_entry(ngx_conf_t *cf,
    ngx_srt_main_conf_t *mcf, ngx_str_t *url, srt_url_t *parsed,
    ngx_addr_t *addr, ngx_srt_route_t *rt, ngx_srt_srt_port_t **portp);
static ngx_int_t ngx_srt_srt_port_listening(ngx_conf_t *cf,
    ngx_srt_srt_port_t *port);


ngx_int_t
ngx_srt_srt_input_conf(ngx_conf_t *cf, ngx_srt_main_conf_t *mcf,
    ngx_srt_input_t *in)
{
    ngx_srt_srt_entry_t  *e;

    in->srt = 1;
    in->parsed.rtp = 0;
    in->ep.sock = -1;

    if (in->parsed.mode == SRT_URL_MODE_CALLER) {
        /* we pull from a remote listener */
        return ngx_srt_resolve(cf, &in->url, &in->parsed, 0, &in->addr,
                               &in->multicast);
    }

    if (ngx_srt_resolve(cf, &in->url, &in->parsed, 1, &in->addr,
                        &in->multicast)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    e = ngx_srt_srt_port_entry(cf, mcf, &in->url, &in->parsed, &in->addr,
                               in->route, &in->port);
    if (e == NULL) {
        return NGX_ERROR;
    }

    if (e->input) {
        /* the streamid names the route, not which of its inputs */
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "route \"%V\" already has an SRT listener input "
                           "on port %d", &in->route->name,
                           (int) in->parsed.port);
        return NGX_ERROR;
    }

    e->input = in;

    return NGX_OK;
}


ngx_int_t
ngx_srt_srt_output_conf(ngx_conf_t *cf, ngx_srt_main_conf_t *mcf,
    ngx_srt_output_t *out)
{
    ngx_addr_t            addr;
    ngx_uint_t            multicast;
    ngx_srt_srt_entry_t  *e;

    out->srt = 1;
    out->ep.sock = -1;
    out->route->srt_outputs = 1;

    if (out->parsed.mode == SRT_URL_MODE_CALLER) {
        /* we push to a remote listener */
        return ngx_srt_resolve(cf, &out->url, &out->parsed, 0, &out->peer,
                               &multicast);
    }

    if (ngx_srt_resolve(cf, &out->url, &out->parsed, 1, &addr, &multicast)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    e = ngx_srt_srt_port_entry(cf, mcf, &out->url, &out->parsed, &addr,
                               out->route, &out->port);
    if (e == NULL) {
        return NGX_ERROR;
    }

    if (e->output) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "route \"%V\" already has an SRT listener output "
                           "on port %d", &out->route->name,
                           (int) out->parsed.port);
        return NGX_ERROR;
    }

    e->output = out;

    return NGX_OK;
}


/* the route's entry on a listener port, creating the port and the entry */

static ngx_srt_srt_entry_t *
ngx_srt_srt_port_entry(ngx_conf_t *cf, ngx_srt_main_conf_t *mcf,
    ngx_str_t *url, srt_url_t *parsed, ngx_addr_t *addr, ngx_srt_route_t *rt,
    ngx_srt_srt_port_t **portp)
{
    ngx_uint_t            i;
    ngx_srt_srt_port_t   *port;
    ngx_srt_srt_entry_t  *e;

    port = mcf->srt_ports.elts;

    for (i = 0; i < mcf->srt_ports.nelts; i++) {
        if (ngx_inet_get_port(port[i].addr.sockaddr) != parsed->port) {
            continue;
        }

        if (ngx_cmp_sockaddr(port[i].addr.sockaddr, port[i].addr.socklen,
                             addr->sockaddr, addr->socklen, 0)
            != NGX_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" binds SRT port %d to another address "
                               "than \"%V\" in %s:%ui", url,
                               (int) parsed->port, &port[i].url,
                               port[i].conf_file, port[i].conf_line);
            return NULL;
        }

        port = &port[i];
        goto found;
    }

    if (mcf->srt_ports.nelts == NGX_SRT_MAX_PORTS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": more than %d SRT listener ports", url,
                           NGX_SRT_MAX_PORTS);
        return NULL;
    }

    port = ngx_array_push(&mcf->srt_ports);
    if (port == NULL) {
        return NULL;
    }

    ngx_memzero(port, sizeof(ngx_srt_srt_port_t));

    port->addr = *addr;
    port->url = *url;
    port->parsed = *parsed;
    port->conf_file = cf->conf_file->file.name.data;
    port->conf_line = cf->conf_file->line;

    if (ngx_array_init(&port->entries, cf->pool, 2,
                       sizeof(ngx_srt_srt_entry_t))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_srt_srt_port_listening(cf, port) != NGX_OK) {
        return NULL;
    }

found:

    /*
     * The array of ports may still grow and move: keep the index until the
     * configuration is complete (ngx_srt_srt_ports_fixup() in init_conf).
     */
    *portp = (ngx_srt_srt_port_t *) (uintptr_t) (port - (ngx_srt_srt_port_t *)
                                                 mcf->srt_ports.elts + 1);

    e = port->entries.elts;

    for (i = 0; i < port->entries.nelts; i++) {
        if (e[i].route == rt) {
            return &e[i];
        }
    }

    e = ngx_array_push(&port->entries);
    if (e == NULL) {
        return NULL;
    }

    ngx_memzero(e, sizeof(ngx_srt_srt_entry_t));
    e->route = rt;

    return e;
}


/*
 * The port's UDP sockets are nginx listening sockets marked reuseport: the
 * event module clones one per worker and the master opens and binds them
 * all, and keeps them across worker crashes and reloads.  So the
 * SO_REUSEPORT group of the port never changes while nginx runs, and the
 * kernel keeps sending each peer to the same worker's socket: when one
 * worker dies, the SRT sessions of the others go on.  Each worker hands its
 * own clone to libsrt (ngx_srt_libsrt_start()).
 */

static ngx_int_t
ngx_srt_srt_port_listening(ngx_conf_t *cf, ngx_srt_srt_port_t *port)
{
    ngx_listening_t  *ls;

    ls = ngx_srt_dgram_listening(cf, &port->addr,
                                 ngx_srt_srt_listen_unexpected);
    if (ls == NULL) {
        return NGX_ERROR;
    }

#if (NGX_HAVE_REUSEPORT)
    ls->reuseport = 1;
#endif

    if (port->parsed.rcvbuf > 0) {
        ls->rcvbuf = port->parsed.rcvbuf;
    }

    return NGX_OK;
}


/* nginx reads none of these sockets: the worker gives its own to libsrt */

void
ngx_srt_srt_listen_unexpected(ngx_connection_t *c)
{
    ngx_log_error(NGX_LOG_ALERT, c->log, 0, "unexpected srt listener handler");
}


/*
 * This worker's clone of a port's socket, detached from nginx's event loop
 * and duplicated for libsrt (which closes what it adopts; nginx closes its
 * own descriptor at exit).  -1 if there is none (no reuseport support).
 */

ngx_socket_t
ngx_srt_srt_port_adopt(ngx_cycle_t *cycle, ngx_srt_srt_port_t *port)
{
    ngx_uint_t         i;
    ngx_socket_t       fd;
    ngx_listening_t   *ls;
    ngx_connection_t  *c;

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].handler != ngx_srt_srt_listen_unexpected
            || ls[i].fd == (ngx_socket_t) -1
#if (NGX_HAVE_REUSEPORT)
            || ls[i].worker != ngx_worker
#endif
            || ngx_cmp_sockaddr(ls[i].sockaddr, ls[i].socklen,
                                port->addr.sockaddr, port->addr.socklen, 1)
               != NGX_OK)
        {
            continue;
        }

        c = ls[i].connection;

        if (c) {
            if (c->read->active) {
                (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
            }

            /* nginx closes the listening fd itself at exit */
            ngx_free_connection(c);
            c->fd = (ngx_socket_t) -1;
            ls[i].connection = NULL;
        }

        fd = dup(ls[i].fd);

        if (fd == -1) {
            ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_errno,
                          "srt listener \"%V\": dup() failed", &port->url);
            return fd;
        }

        /*
         * nginx made the socket non-blocking; libsrt's receiving thread
         * waits in recvmsg() with SO_RCVTIMEO and would spin on EAGAIN.
         * The flag belongs to the socket, shared with the master's copy,
         * which nobody reads.
         */
        if (ngx_blocking(fd) == -1) {
            ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                          "srt listener \"%V\": " ngx_blocking_n " failed",
                          &port->url);
            (void) close(fd);
            return (ngx_socket_t) -1;
        }

        return fd;
    }

    return (ngx_socket_t) -1;
}


/*
 * Once every port is known: turn the indexes kept by inputs and outputs
 * into pointers, and point the entries at their inputs and outputs again
 * (entries were copied when a port's array grew, which is fine: they hold
 * pointers to the pool-allocated inputs and outputs).
 */

ngx_int_t
ngx_srt_srt_ports_fixup(ngx_srt_main_conf_t *mcf)
{
    ngx_uint_t            i, j, k;
    ngx_srt_route_t     **rtp;
    ngx_srt_input_t     **inp;
    ngx_srt_output_t     *out, **outp;
    ngx_srt_srt_port_t   *port;
    ngx_srt_srt_entry_t  *e;

    port = mcf->srt_ports.elts;
    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        inp = rtp[i]->inputs.elts;

        for (j = 0; j < rtp[i]->inputs.nelts; j++) {
            if (inp[j]->srt && inp[j]->port) {
                inp[j]->port = &port[(uintptr_t) inp[j]->port - 1];
            }
        }

        outp = rtp[i]->outputs.elts;

        for (j = 0; j < rtp[i]->outputs.nelts; j++) {
            out = outp[j];

            if (!out->srt || out->port == NULL) {
                continue;
            }

            out->port = &port[(uintptr_t) out->port - 1];

            e = out->port->entries.elts;

            for (k = 0; k < out->port->entries.nelts; k++) {
                if (e[k].route == rtp[i]) {
                    e[k].output = out;
                }
            }
        }
    }

    return NGX_OK;
}
