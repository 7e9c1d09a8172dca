/*
 * UDP output: one socket in the owner worker, fed from the route ring with
 * sendmmsg() whose iovecs point straight into the ring (the kernel copies;
 * nothing is left pending in user space, so no reference into the ring
 * outlives the call).  A datagram the kernel refuses is dropped and counted;
 * the output never blocks the worker.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_module.h"


#define NGX_SRT_OUT_IOV      2      /* a datagram may wrap around the ring */


static ngx_int_t ngx_srt_udp_output_socket(ngx_srt_output_t *out,
    ngx_log_t *log);
static void ngx_srt_udp_output_claim(ngx_event_t *ev);
static ngx_int_t ngx_srt_udp_output_claimed(ngx_srt_output_t *out);
static void ngx_srt_udp_output_send(ngx_srt_reader_t *reader);


static struct mmsghdr  ngx_srt_smsg[NGX_SRT_BATCH];
static struct iovec    ngx_srt_siov[NGX_SRT_BATCH][NGX_SRT_OUT_IOV];


ngx_int_t
ngx_srt_udp_output_conf(ngx_conf_t *cf, ngx_srt_output_t *out)
{
    ngx_int_t         rc;
    struct sockaddr  *sa;

    if (ngx_srt_resolve(cf, &out->url, &out->parsed, 0, &out->peer,
                        &out->multicast)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sa = out->peer.sockaddr;

    if (out->parsed.localaddr[0]) {
        rc = ngx_parse_addr(cf->pool, &out->local,
                            (u_char *) out->parsed.localaddr,
                            ngx_strlen(out->parsed.localaddr));

        if (rc != NGX_OK || out->local.sockaddr->sa_family != sa->sa_family) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid output URL \"%V\": localaddr \"%s\" "
                               "is not an address of the destination's "
                               "family", &out->url, out->parsed.localaddr);
            return NGX_ERROR;
        }
    }

    out->pkts_per_dgram = out->parsed.pkt_size > 0
                          ? (ngx_uint_t) out->parsed.pkt_size / SRT_RING_PKT
                          : 7;

    return NGX_OK;
}


ngx_int_t
ngx_srt_udp_output_start(ngx_cycle_t *cycle, ngx_srt_output_t *out)
{
    if (ngx_srt_udp_output_socket(out, cycle->log) != NGX_OK) {
        /* counted and retried on the next claim, the route goes on */
        (void) ngx_atomic_fetch_add(&out->stats->errors, 1);
    }

    out->reader.handler = ngx_srt_udp_output_send;
    out->reader.data = out;

    out->claim.handler = ngx_srt_udp_output_claim;
    out->claim.data = out;
    out->claim.log = cycle->log;
    out->claim.cancelable = 1;

    if (ngx_srt_udp_output_claimed(out) == NGX_BUSY) {
        ngx_add_timer(&out->claim, 1);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_srt_udp_output_socket(ngx_srt_output_t *out, ngx_log_t *log)
{
    int                    ttl, loop;
    ngx_socket_t           s;
    struct sockaddr       *sa;
    struct sockaddr_in    *lin;

    sa = out->peer.sockaddr;

    s = ngx_socket(sa->sa_family, SOCK_DGRAM, 0);
    if (s == (ngx_socket_t) -1) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_socket_errno,
                      "output \"%V\": socket() failed", &out->url);
        return NGX_ERROR;
    }

    if (ngx_nonblocking(s) == -1) {
        goto failed;
    }

    if (out->parsed.sndbuf > 0) {
        (void) setsockopt(s, SOL_SOCKET, SO_SNDBUF, &out->parsed.sndbuf,
                          sizeof(int));
    }

    ttl = out->parsed.ttl;

    if (out->multicast) {
        if (ttl < 0) {
            ttl = 1;
        }

        loop = 1;

        if (sa->sa_family == AF_INET) {
            (void) setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
                              sizeof(int));
            (void) setsockopt(s, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
                              sizeof(int));

            if (out->local.socklen) {
                lin = (struct sockaddr_in *) out->local.sockaddr;

                if (setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF,
                               &lin->sin_addr, sizeof(struct in_addr)) == -1)
                {
                    goto failed;
                }
            }
#if (NGX_HAVE_INET6)
        } else {
            (void) setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl,
                              sizeof(int));
            (void) setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop,
                              sizeof(int));
#endif
        }

    } else if (ttl >= 0) {
        if (sa->sa_family == AF_INET) {
            (void) setsockopt(s, IPPROTO_IP, IP_TTL, &ttl, sizeof(int));
#if (NGX_HAVE_INET6)
        } else {
            (void) setsockopt(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
                              sizeof(int));
#endif
        }
    }

    if (out->local.socklen
        && bind(s, out->local.sockaddr, out->local.socklen) == -1)
    {
        goto failed;
    }

    if (connect(s, sa, out->peer.socklen) == -1) {
        goto failed;
    }

    out->fd = s;

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, log, ngx_socket_errno,
                  "output \"%V\": cannot set up the socket", &out->url);
    (void) ngx_close_socket(s);

    return NGX_ERROR;
}


static void
ngx_srt_udp_output_claim(ngx_event_t *ev)
{
    ngx_srt_output_t  *out = ev->data;

    if (!ngx_exiting && ngx_srt_udp_output_claimed(out) == NGX_BUSY) {
        ngx_add_timer(ev, 1);
    }
}


static ngx_int_t
ngx_srt_udp_output_claimed(ngx_srt_output_t *out)
{
    ngx_int_t  rc;

    rc = ngx_srt_lease_claim(&out->stats->lease);

    if (rc != NGX_OK) {
        return rc;      /* NGX_BUSY: retry; NGX_DECLINED: a newer owner */
    }

    ngx_memzero(&out->reader.rd, sizeof(srt_ring_reader_t));

    /* resume where the previous owner stopped, if the ring still has it */
    if (out->stats->pos_valid) {
        out->reader.rd.pos = out->stats->pos;
        out->reader.rd.started = 1;
    }

    out->last_bytes = out->stats->bytes;
    out->owned = 1;

    ngx_srt_ring_attach(&out->route->ring, &out->reader);

    return NGX_OK;
}


static void
ngx_srt_udp_output_send(ngx_srt_reader_t *reader)
{
    int                    rc;
    size_t                 n, k, room, ndg, retried;
    ngx_err_t              err;
    uint64_t               first, overruns, sent, dropped, bytes;
    ngx_int_t              lrc;
    ngx_uint_t             i, pkts, got;
    const uint8_t         *p;
    srt_ring_t            *ring;
    srt_ring_reader_t      rd;
    ngx_srt_output_t      *out;
    ngx_srt_shm_output_t  *st;

    out = reader->data;
    st = out->stats;
    ring = &out->route->ring.shm->ring;

    lrc = ngx_srt_lease_lock(&st->lease);

    if (lrc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "srt route \"%V\": output \"%V\" handed over",
                      &out->route->name, &out->url);
        ngx_srt_udp_output_stop(out);
        return;
    }

    if (lrc != NGX_OK) {
        return;
    }

    if (out->fd == (ngx_socket_t) -1) {
        /* socket setup failed at start: retry at most once a second */
        if (ngx_current_msec - out->retry < 1000
            || ngx_srt_udp_output_socket(out, ngx_cycle->log) != NGX_OK)
        {
            out->retry = ngx_current_msec;
            ngx_srt_lease_unlock(&st->lease);
            return;
        }
    }

    overruns = reader->rd.overruns;
    sent = dropped = bytes = 0;

    for ( ;; ) {

        /* gather up to a batch of datagrams, straight from the ring */

        rd = reader->rd;
        ndg = 0;
        room = 0;
        first = 0;
        got = 0;

        while (ndg < NGX_SRT_BATCH) {
            n = srt_ring_peek(ring, &rd, &p,
                              NGX_SRT_BATCH * out->pkts_per_dgram);
            if (n == 0) {
                break;
            }

            if (!got) {
                first = rd.pos;     /* after any overrun jump in peek */
                got = 1;
            }

            while (n && ndg < NGX_SRT_BATCH) {

                if (room == 0) {
                    ngx_srt_smsg[ndg].msg_hdr.msg_iov = ngx_srt_siov[ndg];
                    ngx_srt_smsg[ndg].msg_hdr.msg_iovlen = 0;
                    ngx_srt_smsg[ndg].msg_hdr.msg_name = NULL;
                    ngx_srt_smsg[ndg].msg_hdr.msg_namelen = 0;
                    ngx_srt_smsg[ndg].msg_hdr.msg_control = NULL;
                    ngx_srt_smsg[ndg].msg_hdr.msg_controllen = 0;
                    ngx_srt_smsg[ndg].msg_hdr.msg_flags = 0;
                    room = out->pkts_per_dgram;
                }

                k = n < room ? n : room;

                i = ngx_srt_smsg[ndg].msg_hdr.msg_iovlen++;
                ngx_srt_siov[ndg][i].iov_base = (void *) p;
                ngx_srt_siov[ndg][i].iov_len = k * SRT_RING_PKT;

                p += k * SRT_RING_PKT;
                n -= k;
                room -= k;
                rd.pos += k;

                if (room == 0 || i + 1 == NGX_SRT_OUT_IOV) {
                    ndg++;
                    room = 0;
                }
            }
        }

        if (room) {
            ndg++;      /* a short last datagram: send now, do not wait */
        }

        if (ndg == 0) {
            reader->rd = rd;
            break;
        }

        retried = 0;

        for (i = 0; i < ndg; /* void */) {
            rc = sendmmsg(out->fd, &ngx_srt_smsg[i], ndg - i, 0);

            if (rc > 0) {
                for (k = i; k < i + (ngx_uint_t) rc; k++) {
                    bytes += ngx_srt_smsg[k].msg_len;
                }

                sent += rc;
                i += rc;
                continue;
            }

            err = ngx_socket_errno;

            if (err == NGX_EINTR) {
                continue;
            }

            if (err != NGX_EAGAIN) {
                st->errors++;
                st->last_errno = err;
            }

            /*
             * ECONNREFUSED reports an ICMP error caused by an earlier
             * datagram (no receiver yet): this one was not sent, try it once
             * more.  A full buffer or any other error drops it.
             */

            if (err == NGX_ECONNREFUSED && retried != i + 1) {
                retried = i + 1;
                continue;
            }

            dropped++;
            i++;
        }

        if (!srt_ring_still_valid(ring, first)) {
            rd.overruns++;
        }

        reader->rd = rd;

        if (ngx_exiting) {
            break;
        }
    }

    pkts = bytes / SRT_RING_PKT;

    st->pos = reader->rd.pos;
    st->pos_valid = reader->rd.started;
    st->bytes += bytes;
    st->packets += pkts;
    st->datagrams += sent;
    st->drops += dropped;
    st->overruns += reader->rd.overruns - overruns;

    if (sent) {
        st->last_data = ngx_srt_unix_msec();
    }

    ngx_srt_lease_unlock(&st->lease);
}


void
ngx_srt_udp_output_stop(ngx_srt_output_t *out)
{
    if (out->claim.timer_set) {
        ngx_del_timer(&out->claim);
    }

    if (!out->owned) {
        return;
    }

    out->owned = 0;

    ngx_srt_ring_detach(&out->route->ring, &out->reader);

    if (out->fd != (ngx_socket_t) -1) {
        (void) ngx_close_socket(out->fd);
        out->fd = (ngx_socket_t) -1;
    }
}
