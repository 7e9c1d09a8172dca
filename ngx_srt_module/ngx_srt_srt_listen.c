/*
 * SRT listener ports: the SO_REUSEPORT socket each worker hands to libsrt,
 * the routing decision from the streamid (in the libsrt listen callback,
 * and again at accept), refusals with their reason codes, and the libsrt
 * log hook that attributes wrong-passphrase rejections to their route.
 *
 * Threads: ngx_srt_listener_open() and ngx_srt_listener_accept() run in
 * the SRT thread; the listen callback and the log hook run on libsrt
 * threads and read only the immutable port table, the configuration and
 * shared memory; the pending table and the refusal log limiter are shared
 * under a mutex that is never held across a libsrt call.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <pthread.h>
#include <srt/access_control.h>

#include "ngx_srt_libsrt.h"
#include "srt_streamid.h"


#define NGX_SRT_PENDING         256


/* where a caller goes, or why it may not */
typedef struct {
    ngx_srt_srt_entry_t      *entry;
    ngx_uint_t                publish;
    ngx_srt_reject_e          reason;
    int                       code;
    const char               *why;
} ngx_srt_decision_t;


/* a decision of the listen callback, picked up again at accept */
typedef struct {
    SRTSOCKET                 ns;
    ngx_uint_t                gen;           /* the entry's table */
    void                     *endpoint;      /* its input or output: only
                                                compared, never read */
    ngx_srt_srt_entry_t      *entry;
    ngx_uint_t                publish;
    u_char                    peer[NGX_SRT_PEER_LEN];
    u_char                    streamid[NGX_SRT_SID_LEN];
} ngx_srt_pending_t;


static ngx_int_t ngx_srt_decide(ngx_srt_srt_port_t *port,
    const char *streamid, ngx_srt_decision_t *d);
static ngx_uint_t ngx_srt_decide_config_routes(ngx_srt_srt_port_t *port);
static int ngx_srt_listen_callback(void *opaque, SRTSOCKET ns, int hsversion,
    const struct sockaddr *peer, const char *streamid);
static ngx_int_t ngx_srt_claim_publisher(ngx_srt_input_t *in,
    ngx_uint_t replace);
static void ngx_srt_listener_failed(ngx_srt_listener_t *l, ngx_uint_t level,
    ngx_err_t err, const char *what);
static void ngx_srt_peer_text(const struct sockaddr *sa, u_char *text);
static void ngx_srt_printable(u_char *dst, const char *src, size_t size);


static ngx_srt_table_t      *ngx_srt_table;

static pthread_mutex_t       ngx_srt_mutex = PTHREAD_MUTEX_INITIALIZER;
static ngx_srt_pending_t     ngx_srt_pending[NGX_SRT_PENDING];
static ngx_uint_t            ngx_srt_pending_next;
static ngx_msec_t            ngx_srt_logged[NGX_SRT_REJ_LAST];
static ngx_uint_t            ngx_srt_quiet[NGX_SRT_REJ_LAST];


/*
 * The current port table.  The event loop publishes a new one (API
 * routes); old ones stay readable for seconds (ngx_srt_libsrt_sweep()), so
 * a callback that loaded one just before still reads valid memory.
 */

ngx_srt_table_t *
ngx_srt_listen_table(void)
{
    return __atomic_load_n(&ngx_srt_table, __ATOMIC_ACQUIRE);
}


void
ngx_srt_listen_table_set(ngx_srt_table_t *table)
{
    __atomic_store_n(&ngx_srt_table, table, __ATOMIC_RELEASE);
}


void
ngx_srt_listener_open(ngx_srt_listener_t *l, ngx_uint_t index)
{
    int                  one, events;
    SRTSOCKET            s;
    ngx_socket_t         fd;
    struct sockaddr     *sa;
    ngx_srt_srt_port_t  *port;

    port = l->port;
    sa = port->addr.sockaddr;
    l->retry = ngx_srt_thread_msec() + 1000;

    if (l->fd != (ngx_socket_t) -1) {
        /* the master's socket (ngx_srt_srt_port_adopt()): used once */
        fd = l->fd;
        l->fd = (ngx_socket_t) -1;
        goto bound;
    }

    /*
     * No master socket (it was adopted and lost, or no reuseport): a
     * socket of our own in the port's reuseport group.
     */

    fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        ngx_srt_listener_failed(l, NGX_LOG_ALERT, ngx_socket_errno,
                                "socket()");
        return;
    }

    one = 1;

    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(int)) == -1
        || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(int)) == -1
        || bind(fd, sa, port->addr.socklen) == -1)
    {
        ngx_srt_listener_failed(l, NGX_LOG_EMERG, ngx_socket_errno,
                                "bind()");
        (void) close(fd);
        return;
    }

bound:

    s = srt_create_socket();

    if (s == SRT_INVALID_SOCK) {
        ngx_srt_listener_failed(l, NGX_LOG_ALERT, 0, "srt_create_socket()");
        (void) close(fd);
        return;
    }

    if (ngx_srt_sock_options(s, &port->parsed, 0, &port->url) != NGX_OK) {
        (void) srt_close(s);
        (void) close(fd);
        l->failed++;
        return;
    }

    /*
     * libsrt adopts the socket and closes it with the listener, and also
     * when the adoption itself fails: the fd is not ours any more either
     * way (a second close could hit a descriptor reused meanwhile).
     */
    if (srt_bind_acquire(s, fd) == SRT_ERROR) {
        ngx_srt_listener_failed(l, NGX_LOG_ALERT, 0, "srt_bind_acquire()");
        (void) srt_close(s);
        return;
    }

    events = SRT_EPOLL_IN | SRT_EPOLL_ERR;

    if (srt_listen_callback(s, ngx_srt_listen_callback,
                            (void *) (uintptr_t) index)
        == SRT_ERROR
        || srt_listen(s, 256) == SRT_ERROR
        || srt_epoll_add_usock(ngx_srt_eid, s, &events) == SRT_ERROR)
    {
        ngx_srt_listener_failed(l, NGX_LOG_ALERT, 0, "srt_listen()");
        (void) srt_close(s);
        return;
    }

    l->sock = s;

    if (l->failed) {
        ngx_log_error(NGX_LOG_NOTICE, ngx_srt_thread_log, 0,
                      "srt listener \"%V\" is listening now", &port->url);
        l->failed = 0;
    }
}


/* the first failure is logged; the SRT thread retries every second */

static void
ngx_srt_listener_failed(ngx_srt_listener_t *l, ngx_uint_t level,
    ngx_err_t err, const char *what)
{
    if (l->failed++) {
        return;
    }

    ngx_log_error(level, ngx_srt_thread_log, err,
                  "srt listener \"%V\": %s failed%s%s, retrying every second",
                  &l->port->url, what, err ? "" : ": ",
                  err ? "" : srt_getlasterror_str());
}


void
ngx_srt_listener_close(ngx_srt_listener_t *l)
{
    if (l->sock != SRT_INVALID_SOCK) {
        (void) srt_epoll_remove_usock(ngx_srt_eid, l->sock);
        (void) srt_close(l->sock);
        l->sock = SRT_INVALID_SOCK;
    }

    if (l->fd != (ngx_socket_t) -1) {
        (void) close(l->fd);        /* our duplicate, never adopted */
        l->fd = (ngx_socket_t) -1;
    }
}


/*
 * The route and the direction for a streamid on a port.  Pure: used by the
 * listen callback on a libsrt thread and again by the SRT thread at accept.
 */

static ngx_int_t
ngx_srt_decide(ngx_srt_srt_port_t *port, const char *streamid,
    ngx_srt_decision_t *d)
{
    char                  err[SRT_SID_ERR_LEN];
    size_t                len;
    ngx_uint_t            i;
    srt_streamid_t        sid;
    ngx_srt_srt_entry_t  *e;

    ngx_memzero(d, sizeof(ngx_srt_decision_t));

    if (srt_streamid_parse(streamid, ngx_strlen(streamid), &sid, err) != 0) {
        d->reason = NGX_SRT_REJ_BAD_REQUEST;
        d->code = SRT_REJX_BAD_REQUEST;
        d->why = "the streamid cannot be parsed";
        return NGX_DECLINED;
    }

    e = port->entries.elts;

    if (sid.resource[0] == '\0') {

        /*
         * The port's only route; or its only route of nginx.conf, which
         * API routes joining the port do not take away from callers that
         * name none.
         */

        if (port->entries.nelts != 1) {
            for (i = 0; i < port->entries.nelts; i++) {
                if (!e[i].route->api) {
                    break;
                }
            }

            if (i == port->entries.nelts
                || ngx_srt_decide_config_routes(port) != 1)
            {
                d->reason = NGX_SRT_REJ_BAD_REQUEST;
                d->code = SRT_REJX_BAD_REQUEST;
                d->why = "the port serves several routes: the streamid "
                         "must name one";
                return NGX_DECLINED;
            }

            e = &e[i];
        }

    } else {
        len = ngx_strlen(sid.resource);

        for (i = 0; i < port->entries.nelts; i++) {
            if (e[i].route->name.len == len
                && ngx_strncmp(e[i].route->name.data, sid.resource, len) == 0)
            {
                break;
            }
        }

        if (i == port->entries.nelts) {
            d->reason = NGX_SRT_REJ_NOT_FOUND;
            d->code = SRT_REJX_NOTFOUND;
            d->why = "no such route on this port";
            return NGX_DECLINED;
        }

        e = &e[i];
    }

    d->entry = e;

    switch (sid.mode) {

    case SRT_SID_MODE_PUBLISH:
        d->publish = 1;
        break;

    case SRT_SID_MODE_REQUEST:
        d->publish = 0;
        break;

    case SRT_SID_MODE_BIDIRECTIONAL:
        d->reason = NGX_SRT_REJ_FORBIDDEN;
        d->code = SRT_REJX_BAD_MODE;
        d->why = "bidirectional mode is not supported";
        return NGX_DECLINED;

    default:
        /* no mode: publish to a route that only takes publishers here */
        d->publish = (e->input != NULL && e->output == NULL);
        break;
    }

    if (d->publish && e->input == NULL) {
        d->reason = NGX_SRT_REJ_FORBIDDEN;
        d->code = SRT_REJX_FORBIDDEN;
        d->why = "the route takes no publisher on this port";
        return NGX_DECLINED;
    }

    if (!d->publish && e->output == NULL) {
        d->reason = NGX_SRT_REJ_FORBIDDEN;
        d->code = SRT_REJX_FORBIDDEN;
        d->why = "the route has no players on this port";
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_srt_decide_config_routes(ngx_srt_srt_port_t *port)
{
    ngx_uint_t            i, n;
    ngx_srt_srt_entry_t  *e;

    e = port->entries.elts;
    n = 0;

    for (i = 0; i < port->entries.nelts; i++) {
        n += !e[i].route->api;
    }

    return n;
}


/* a live process other than us holds the route's publisher flag */

static ngx_uint_t
ngx_srt_publisher_elsewhere(ngx_srt_input_t *in)
{
    ngx_atomic_uint_t  pid;

    pid = in->stats->publisher;

    return pid != 0 && pid != (ngx_atomic_uint_t) ngx_pid
           && kill((ngx_pid_t) pid, 0) == 0;
}


/*
 * libsrt thread, during the handshake: route by the streamid and apply the
 * route's own options (the listener socket has the first URL's), or refuse
 * with a reason code.
 */

static int
ngx_srt_listen_callback(void *opaque, SRTSOCKET ns, int hsversion,
    const struct sockaddr *peer, const char *streamid)
{
    u_char               text[NGX_SRT_PEER_LEN], sid[NGX_SRT_SID_LEN];
    const char          *opt;
    ngx_uint_t           index;
    ngx_srt_table_t     *table;
    ngx_srt_pending_t   *p;
    ngx_srt_input_t     *in;
    ngx_srt_decision_t   d;

    index = (ngx_uint_t) (uintptr_t) opaque;
    table = ngx_srt_listen_table();

    ngx_srt_peer_text(peer, text);

    if (streamid == NULL || hsversion < 5) {
        streamid = "";      /* HSv4 callers cannot send one */
    }

    ngx_srt_printable(sid, streamid, NGX_SRT_SID_LEN);

    if (index >= table->nports || table->ports[index] == NULL) {
        (void) srt_setrejectreason(ns, SRT_REJX_NOTFOUND);
        ngx_srt_reject(NGX_SRT_REJ_NOT_FOUND, SRT_REJX_NOTFOUND, NULL, 0,
                       text, sid, "the port is not served any more");
        return -1;
    }

    if (ngx_srt_decide(table->ports[index], streamid, &d) != NGX_OK) {
        (void) srt_setrejectreason(ns, d.code);
        ngx_srt_reject(d.reason, d.code, d.entry, d.publish, text, sid,
                       d.why);
        return -1;
    }

    if (__atomic_load_n(&ngx_srt_mcf->conns->used, __ATOMIC_RELAXED)
        >= NGX_SRT_CONN_SLOTS)
    {
        (void) srt_setrejectreason(ns, SRT_REJX_OVERLOAD);
        ngx_srt_reject(NGX_SRT_REJ_OVERLOAD, SRT_REJX_OVERLOAD, d.entry,
                       d.publish, text, sid, "connection limit reached");
        return -1;
    }

    in = d.entry->input;

    if (d.publish && !d.entry->route->publisher_replace
        && (ngx_srt_publisher_elsewhere(in)
            || in->stats->publisher == (ngx_atomic_uint_t) ngx_pid))
    {
        (void) srt_setrejectreason(ns, SRT_REJX_CONFLICT);
        ngx_srt_reject(NGX_SRT_REJ_CONFLICT, SRT_REJX_CONFLICT, d.entry, 1,
                       text, sid, "the route already has a live publisher");
        return -1;
    }

    /*
     * The route's own options: all are pre-connect options, allowed here.
     * The key length is the caller's choice in HSv5; ours applies when the
     * caller has none.
     */
    opt = ngx_srt_url_options(ns, d.publish ? &in->parsed
                                            : &d.entry->output->parsed, 1);
    if (opt) {
        (void) srt_setrejectreason(ns, SRT_REJX_ISE);
        ngx_srt_reject(NGX_SRT_REJ_BAD_REQUEST, SRT_REJX_ISE, d.entry,
                       d.publish, text, sid, opt);
        return -1;
    }

    /* for the accept, or for the log hook if the secret is wrong */

    (void) pthread_mutex_lock(&ngx_srt_mutex);

    p = &ngx_srt_pending[ngx_srt_pending_next++ % NGX_SRT_PENDING];
    p->ns = ns;
    p->gen = table->gen;
    p->endpoint = d.publish ? (void *) d.entry->input
                            : (void *) d.entry->output;
    p->entry = d.entry;
    p->publish = d.publish;
    ngx_cpystrn(p->peer, text, NGX_SRT_PEER_LEN);
    ngx_cpystrn(p->streamid, sid, NGX_SRT_SID_LEN);

    (void) pthread_mutex_unlock(&ngx_srt_mutex);

    return 0;
}


/*
 * Counts a refusal and logs it at info, at most once a second per reason
 * (a caller retrying in a loop must not flood the log).  Any thread;
 * streamid and peer are printable text.
 */

void
ngx_srt_reject(ngx_srt_reject_e reason, int code, ngx_srt_srt_entry_t *e,
    ngx_uint_t publish, u_char *peer, u_char *streamid, const char *why)
{
    ngx_msec_t   now;
    ngx_str_t    route;
    ngx_uint_t   quiet, log;
    ngx_atomic_t *rejected, *bad;

    (void) ngx_atomic_fetch_add(&ngx_srt_mcf->conns->rejected[reason], 1);

    rejected = NULL;
    bad = NULL;

    if (e && publish && e->input) {
        rejected = &e->input->stats->rejected;
        bad = &e->input->stats->bad_passphrase;

    } else if (e && e->output) {
        rejected = &e->output->stats->rejected;
        bad = &e->output->stats->bad_passphrase;
    }

    if (rejected) {
        (void) ngx_atomic_fetch_add(rejected, 1);

        if (reason == NGX_SRT_REJ_BAD_PASSPHRASE) {
            (void) ngx_atomic_fetch_add(bad, 1);
        }
    }

    now = ngx_srt_thread_msec();
    quiet = 0;

    (void) pthread_mutex_lock(&ngx_srt_mutex);

    log = (ngx_srt_logged[reason] == 0
           || now - ngx_srt_logged[reason] >= 1000);

    if (log) {
        ngx_srt_logged[reason] = now;
        quiet = ngx_srt_quiet[reason];
        ngx_srt_quiet[reason] = 0;

    } else {
        ngx_srt_quiet[reason]++;
    }

    (void) pthread_mutex_unlock(&ngx_srt_mutex);

    if (log) {
        ngx_str_set(&route, "-");

        if (e) {
            route = e->route->name;
        }

        ngx_log_error(NGX_LOG_INFO, ngx_srt_thread_log, 0,
                      "srt: rejected %s streamid \"%s\" with %d: %s "
                      "(route \"%V\", %ui similar not logged)",
                      peer, streamid, code, why, &route, quiet);
    }
}


/* SRT thread: the listener is readable */

void
ngx_srt_listener_accept(ngx_srt_listener_t *l)
{
    int                   len;
    u_char                peer[NGX_SRT_PEER_LEN], sid[NGX_SRT_SID_LEN];
    char                  streamid[SRT_URL_STREAMID_LEN];
    void                 *endpoint;
    SRTSOCKET             ns;
    ngx_uint_t            i, n, found, stale;
    ngx_srt_conn_t       *c;
    ngx_srt_table_t      *table;
    ngx_srt_input_t      *in;
    ngx_srt_pending_t    *p;
    ngx_srt_decision_t    d;
    struct sockaddr_storage  sa;

    for (n = 0; n < 64; n++) {
        len = sizeof(struct sockaddr_storage);

        ns = srt_accept(l->sock, (struct sockaddr *) &sa, &len);

        if (ns == SRT_INVALID_SOCK) {
            if (srt_getlasterror(NULL) != SRT_EASYNCRCV
                && srt_getsockstate(l->sock) != SRTS_LISTENING)
            {
                /* reported on every wait otherwise: reopen it later */
                ngx_log_error(NGX_LOG_ERR, ngx_srt_thread_log, 0,
                              "srt listener \"%V\" failed: %s, reopening",
                              &l->port->url, srt_getlasterror_str());
                ngx_srt_listener_close(l);
                l->retry = ngx_srt_thread_msec() + 1000;
            }

            return;
        }

        found = 0;
        stale = 0;
        endpoint = NULL;
        table = ngx_srt_listen_table();

        (void) pthread_mutex_lock(&ngx_srt_mutex);

        for (i = 0; i < NGX_SRT_PENDING; i++) {
            p = &ngx_srt_pending[i];

            if (p->ns != ns || p->entry == NULL) {
                continue;
            }

            /* a decision made on an older table may name a route or an
               endpoint removed since: decided again below */

            if (p->gen != table->gen) {
                stale = 1;
                endpoint = p->endpoint;

            } else {
                ngx_memzero(&d, sizeof(ngx_srt_decision_t));
                d.entry = p->entry;
                d.publish = p->publish;
                ngx_cpystrn(peer, p->peer, NGX_SRT_PEER_LEN);
                ngx_cpystrn(sid, p->streamid, NGX_SRT_SID_LEN);
                found = 1;
            }

            p->entry = NULL;
            break;
        }

        (void) pthread_mutex_unlock(&ngx_srt_mutex);

        if (!found) {
            /*
             * The pending table wrapped under a handshake storm, or the
             * port table changed since the callback: decide again from the
             * socket's streamid (the route's options were applied by the
             * callback already).
             */
            len = sizeof(streamid) - 1;

            if (srt_getsockflag(ns, SRTO_STREAMID, streamid, &len)
                == SRT_ERROR)
            {
                len = 0;
            }

            streamid[len] = '\0';

            ngx_srt_peer_text((struct sockaddr *) &sa, peer);
            ngx_srt_printable(sid, streamid, NGX_SRT_SID_LEN);

            if (l->index >= table->nports || table->ports[l->index] == NULL
                || ngx_srt_decide(table->ports[l->index], streamid, &d)
                   != NGX_OK
                || (stale && endpoint != (d.publish
                                          ? (void *) d.entry->input
                                          : (void *) d.entry->output)))
            {
                /* the handshake used the options (passphrase) of an
                   endpoint that is gone or changed */
                ngx_log_error(NGX_LOG_INFO, ngx_srt_thread_log, 0,
                              "srt: %s streamid \"%s\" closed at once: the "
                              "route, its endpoint or the port changed "
                              "during the handshake", peer, sid);
                (void) srt_close(ns);
                continue;
            }
        }

        if (!d.publish) {
            c = ngx_srt_conn_create(ns, NGX_SRT_CONN_PLAYER, d.entry->route,
                                    NULL, d.entry->output, peer, sid);
            if (c) {
                ngx_srt_io_player_added(c);
                ngx_srt_notify_loop();
            }

            continue;
        }

        in = d.entry->input;

        /* two publishers may have passed the callback at once */
        if (ngx_srt_claim_publisher(in, d.entry->route->publisher_replace)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_INFO, ngx_srt_thread_log, 0,
                          "srt route \"%V\": publisher %s streamid \"%s\" "
                          "closed at once: the route already has a live "
                          "publisher", &d.entry->route->name, peer, sid);
            (void) ngx_atomic_fetch_add(&in->stats->rejected, 1);
            (void) ngx_atomic_fetch_add(
                         &ngx_srt_mcf->conns->rejected[NGX_SRT_REJ_CONFLICT],
                         1);
            (void) srt_close(ns);
            continue;
        }

        if (in->ep.conn) {
            ngx_srt_conn_close(in->ep.conn, "replaced by a new publisher");
        }

        c = ngx_srt_conn_create(ns, NGX_SRT_CONN_PUBLISHER, d.entry->route,
                                in, NULL, peer, sid);
        if (c == NULL) {
            (void) ngx_atomic_cmp_set(&in->stats->publisher, ngx_pid, 0);
            continue;
        }

        in->ep.conn = c;

        /* take the ring now, so a replaced writer stops at once */
        ngx_srt_io_receive(c);
    }
}


/*
 * The route's publisher flag in shared memory, taken with a CAS so that of
 * two publishers accepted at once in two workers only one gets it
 * (exclusive), or taken over (replace).  A flag of a dead process is free.
 */

static ngx_int_t
ngx_srt_claim_publisher(ngx_srt_input_t *in, ngx_uint_t replace)
{
    ngx_atomic_uint_t  pid;

    for ( ;; ) {
        pid = in->stats->publisher;

        if (pid == (ngx_atomic_uint_t) ngx_pid) {
            return (replace || in->ep.conn == NULL) ? NGX_OK : NGX_DECLINED;
        }

        if (pid != 0 && !replace && kill((ngx_pid_t) pid, 0) == 0) {
            return NGX_DECLINED;
        }

        if (ngx_atomic_cmp_set(&in->stats->publisher, pid, ngx_pid)) {
            return NGX_OK;
        }
    }
}


/*
 * libsrt threads.  libsrt reports a refused passphrase only in its log
 * ("@<socket>:newConnection: connection rejected due to: ... BADSECRET"),
 * after the listen callback accepted the streamid: the socket id finds the
 * pending decision, so the refusal is counted on the right route.  The
 * rest of what libsrt says goes to the debug log.
 */

void
ngx_srt_log_handler(void *opaque, int level, const char *file, int line,
    const char *area, const char *message)
{
    u_char               peer[NGX_SRT_PEER_LEN], sid[NGX_SRT_SID_LEN];
    char                *at;
    long                 ns;
    ngx_uint_t           i, publish;
    ngx_srt_table_t     *table;
    ngx_srt_srt_entry_t *e;

    if (ngx_strstr(message, "connection rejected due to") == NULL
        || (ngx_strstr(message, "BADSECRET") == NULL
            && ngx_strstr(message, "UNSECURE") == NULL))
    {
        ngx_log_debug2(NGX_LOG_DEBUG_CORE, ngx_srt_thread_log, 0,
                       "libsrt: %s: %s", area, message);
        return;
    }

    at = ngx_strchr(message, '@');
    ns = at ? strtol(at + 1, NULL, 10) : -1;

    e = NULL;
    publish = 0;
    ngx_cpystrn(peer, (u_char *) "-", NGX_SRT_PEER_LEN);
    sid[0] = '\0';
    table = ngx_srt_listen_table();

    (void) pthread_mutex_lock(&ngx_srt_mutex);

    for (i = 0; i < NGX_SRT_PENDING; i++) {
        if (ngx_srt_pending[i].entry && ngx_srt_pending[i].ns == ns) {
            /* of an older table: counted for the server only */
            e = ngx_srt_pending[i].gen == table->gen
                ? ngx_srt_pending[i].entry : NULL;
            publish = ngx_srt_pending[i].publish;
            ngx_cpystrn(peer, ngx_srt_pending[i].peer, NGX_SRT_PEER_LEN);
            ngx_cpystrn(sid, ngx_srt_pending[i].streamid, NGX_SRT_SID_LEN);
            ngx_srt_pending[i].entry = NULL;
            break;
        }
    }

    (void) pthread_mutex_unlock(&ngx_srt_mutex);

    /* the code the caller sees: libsrt's own reasons are 1000 + reason */
    if (ngx_strstr(message, "UNSECURE")) {
        ngx_srt_reject(NGX_SRT_REJ_BAD_PASSPHRASE, 1000 + SRT_REJ_UNSECURE,
                       e, publish, peer, sid,
                       "passphrase missing on one side");

    } else {
        ngx_srt_reject(NGX_SRT_REJ_BAD_PASSPHRASE, 1000 + SRT_REJ_BADSECRET,
                       e, publish, peer, sid, "wrong passphrase");
    }
}


static void
ngx_srt_peer_text(const struct sockaddr *sa, u_char *text)
{
    size_t  len;

    len = ngx_sock_ntop((struct sockaddr *) sa,
                        sa->sa_family == AF_INET6
                        ? sizeof(struct sockaddr_in6)
                        : sizeof(struct sockaddr_in),
                        text, NGX_SRT_PEER_LEN - 1, 1);
    text[len] = '\0';
}


/* peer-supplied text for logs and statistics: no control bytes */

static void
ngx_srt_printable(u_char *dst, const char *src, size_t size)
{
    size_t  i;

    for (i = 0; i + 1 < size && src[i]; i++) {
        dst[i] = ((u_char) src[i] >= 0x20 && (u_char) src[i] < 0x7f
                  && src[i] != '"' && src[i] != '\\')
                 ? (u_char) src[i] : '?';
    }

    dst[i] = '\0';
}
