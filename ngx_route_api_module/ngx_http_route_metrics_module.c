/*
 * Prometheus metrics: `location /metrics { route_metrics; }` answers with
 * the text exposition format (version 0.0.4) of every route, input, output,
 * HTTP-TS audience and SRT connection, read from shared memory, so any
 * worker gives the totals of all workers; plus process gauges of the
 * workers (from /proc) and system gauges.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_srt_module.h"
#include "ngx_http_route_api.h"


#define NGX_METRICS_CHUNK   (64 * 1024)
#define NGX_METRICS_SRT_LABELS  640     /* bytes of one connection's labels */


typedef struct {
    ngx_http_request_t       *r;
    ngx_chain_t              *first;
    ngx_chain_t             **last;
    ngx_buf_t                *b;
    ngx_int_t                 error;
} ngx_metrics_out_t;


static ngx_int_t ngx_http_route_metrics_handler(ngx_http_request_t *r);
static void ngx_metrics_routes(ngx_metrics_out_t *m, ngx_srt_main_conf_t *mcf);
static void ngx_metrics_srt(ngx_metrics_out_t *m, ngx_srt_main_conf_t *mcf);
static void ngx_metrics_process(ngx_metrics_out_t *m);
static void ngx_metrics_system(ngx_metrics_out_t *m);
static void ngx_metrics_head(ngx_metrics_out_t *m, const char *name,
    const char *type, const char *help);
static void ngx_metrics_printf(ngx_metrics_out_t *m, const char *fmt, ...);
static u_char *ngx_metrics_escape(u_char *dst, u_char *src, size_t len);
static const char *ngx_metrics_kind(srt_url_t *u);
static void ngx_metrics_input_label(u_char *buf, size_t size, u_char *route,
    ngx_srt_input_t *in);
static ngx_int_t ngx_metrics_input_gauge(ngx_uint_t g, ngx_srt_route_t *rt,
    ngx_srt_input_t *in, uint64_t now);


#define NGX_METRICS_INPUT_GAUGES  3

static struct {
    char  *name;
    char  *help;
}  ngx_metrics_input_gauges[NGX_METRICS_INPUT_GAUGES] = {
    { "srtgw_input_up",
      "1 when the input received data in the last second." },
    { "srtgw_input_active",
      "1 for the input the route plays now." },
    { "srtgw_input_healthy",
      "1 when the route's selector counts the input as a failover "
      "candidate (routes with several inputs)." }
};
static char *ngx_http_route_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_http_route_metrics_commands[] = {

    { ngx_string("route_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_route_metrics,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_route_metrics_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */
    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */
    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */
    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_route_metrics_module = {
    NGX_MODULE_V1,
    &ngx_http_route_metrics_module_ctx,    /* module context */
    ngx_http_route_metrics_commands,       /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_route_metrics_handler(ngx_http_request_t *r)
{
    off_t                 len;
    ngx_int_t             rc;
    ngx_chain_t          *cl;
    ngx_metrics_out_t     m;
    ngx_srt_main_conf_t  *mcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    ngx_memzero(&m, sizeof(ngx_metrics_out_t));
    m.r = r;
    m.last = &m.first;

    mcf = ngx_srt_get_main_conf(ngx_cycle);

    ngx_metrics_head(&m, "srtgw_info", "gauge",
                     "Gateway version and worker count.");
    ngx_metrics_printf(&m, "srtgw_info{version=\"%s\",workers=\"%ui\"} 1\n",
                       NGX_SRT_VERSION, mcf ? mcf->workers : 0);

    if (mcf && mcf->enabled && mcf->conns) {
        ngx_metrics_routes(&m, mcf);
        ngx_metrics_srt(&m, mcf);
    }

    ngx_metrics_process(&m);
    ngx_metrics_system(&m);

    if (m.error) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = 0;

    for (cl = m.first; cl; cl = cl->next) {
        len += cl->buf->last - cl->buf->pos;

        if (cl->next == NULL) {
            cl->buf->last_buf = (r == r->main) ? 1 : 0;
            cl->buf->last_in_chain = 1;
        }
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, m.first);
}


/*
 * Families read straight from a shared-memory block: the field's offset and
 * how to print it.  The exposition format wants every sample of a family
 * right after its HELP and TYPE lines, so the loops go family by family.
 */

typedef struct {
    const char               *name;
    const char               *type;
    const char               *help;
    size_t                    offset;        /* of a 64-bit field */
    double                    scale;         /* 0: the integer as it is */
} ngx_metrics_field_t;


#define ngx_metrics_in(f)   offsetof(ngx_srt_shm_input_t, f)
#define ngx_metrics_out(f)  offsetof(ngx_srt_shm_output_t, f)
#define ngx_metrics_http(f) offsetof(ngx_srt_shm_http_t, f)
#define ngx_metrics_scte(f) offsetof(ngx_srt_shm_scte35_t, f)
#define ngx_metrics_conn(f) offsetof(ngx_srt_shm_conn_t, f)
#define ngx_metrics_hls(f)  offsetof(ngx_srt_shm_hls_t, f)


static ngx_metrics_field_t  ngx_metrics_inputs[] = {
    { "srtgw_input_bytes_total", "counter",
      "Bytes received by the input.", ngx_metrics_in(bytes), 0 },
    { "srtgw_input_packets_total", "counter",
      "TS packets received by the input.", ngx_metrics_in(packets), 0 },
    { "srtgw_input_bitrate_bits_per_second", "gauge",
      "Input bitrate over the last second.", ngx_metrics_in(bitrate), 0 },
    { "srtgw_input_cc_errors_total", "counter",
      "Continuity counter errors in the input.", ngx_metrics_in(cc_errors),
      0 },
    { "srtgw_input_sync_losses_total", "counter",
      "TS sync losses (resynchronisations on 0x47).",
      ngx_metrics_in(sync_losses), 0 },
    { "srtgw_input_errors_total", "counter",
      "Socket errors of the input.", ngx_metrics_in(errors), 0 },
    { "srtgw_input_srt_rejected_total", "counter",
      "SRT publishers refused by the input.", ngx_metrics_in(rejected), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


static ngx_metrics_field_t  ngx_metrics_outputs[] = {
    { "srtgw_output_bytes_total", "counter",
      "Bytes sent by the output (all its connections).",
      ngx_metrics_out(bytes), 0 },
    { "srtgw_output_packets_total", "counter",
      "TS packets sent by the output.", ngx_metrics_out(packets), 0 },
    { "srtgw_output_bitrate_bits_per_second", "gauge",
      "Output bitrate over the last second.", ngx_metrics_out(bitrate), 0 },
    { "srtgw_output_drops_total", "counter",
      "Datagrams or messages dropped on a full buffer.",
      ngx_metrics_out(drops), 0 },
    { "srtgw_output_overruns_total", "counter",
      "Times the output fell a ring behind and skipped.",
      ngx_metrics_out(overruns), 0 },
    { "srtgw_output_errors_total", "counter",
      "Send errors of the output.", ngx_metrics_out(errors), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


static ngx_metrics_field_t  ngx_metrics_hls[] = {
    { "srtgw_hls_segments_total", "counter",
      "HLS segments written for the route.", ngx_metrics_hls(segments), 0 },
    { "srtgw_hls_dropped_total", "counter",
      "HLS segments lost: the disk fell behind or the ring overran the "
      "segmenter.", ngx_metrics_hls(dropped), 0 },
    { "srtgw_hls_write_errors_total", "counter",
      "HLS writes that failed.", ngx_metrics_hls(write_errors), 0 },
    { "srtgw_hls_cues_total", "counter",
      "SCTE-35 splice points placed in the HLS playlist.",
      ngx_metrics_hls(cues), 0 },
    { "srtgw_hls_bandwidth_bits_per_second", "gauge",
      "Peak segment bit rate in the playlist window (BANDWIDTH).",
      ngx_metrics_hls(bandwidth), 0 },
    { "srtgw_hls_segment_duration_seconds", "gauge",
      "Duration of the last HLS segment.",
      ngx_metrics_hls(last_duration_ms), 1e-3 },
    { "srtgw_hls_in_break", "gauge",
      "1 inside an SCTE-35 ad break.", ngx_metrics_hls(in_break), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


static ngx_metrics_field_t  ngx_metrics_http[] = {
    { "srtgw_route_http_bytes_total", "counter",
      "Bytes sent to HTTP-TS clients of the route.", ngx_metrics_http(bytes),
      0 },
    { "srtgw_route_http_overruns_total", "counter",
      "HTTP-TS clients that fell a ring behind and skipped.",
      ngx_metrics_http(overruns), 0 },
    { "srtgw_route_http_closed_slow_total", "counter",
      "HTTP-TS clients closed for being too slow.",
      ngx_metrics_http(closed_slow), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


static ngx_metrics_field_t  ngx_metrics_scte35[] = {
    { "srtgw_route_scte35_inserted_total", "counter",
      "SCTE-35 sections the route inserted (copies included).",
      ngx_metrics_scte(inserted), 0 },
    { "srtgw_route_scte35_seen_total", "counter",
      "SCTE-35 sections in the route's input, passed through.",
      ngx_metrics_scte(seen), 0 },
    { "srtgw_route_scte35_bad_crc_total", "counter",
      "SCTE-35 sections of the input with a bad CRC (passed through).",
      ngx_metrics_scte(bad_crc), 0 },
    { "srtgw_route_scte35_invalid_total", "counter",
      "SCTE-35 sections of the input that do not parse (passed through).",
      ngx_metrics_scte(invalid), 0 },
    { "srtgw_route_scte35_missed_total", "counter",
      "Cue copies not sent: splice point gone by, queue full, owner gone.",
      ngx_metrics_scte(missed), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


static ngx_metrics_field_t  ngx_metrics_conns[] = {
    { "srtgw_srt_rtt_seconds", "gauge",
      "Smoothed round-trip time.", ngx_metrics_conn(rtt_us), 1e-6 },
    { "srtgw_srt_bandwidth_bits_per_second", "gauge",
      "Estimated link capacity.", ngx_metrics_conn(bandwidth_kbps), 1e3 },
    { "srtgw_srt_send_rate_bits_per_second", "gauge",
      "Sending rate.", ngx_metrics_conn(send_kbps), 1e3 },
    { "srtgw_srt_receive_rate_bits_per_second", "gauge",
      "Receiving rate.", ngx_metrics_conn(recv_kbps), 1e3 },
    { "srtgw_srt_packets_lost_total", "counter",
      "Packets reported lost (both directions).",
      ngx_metrics_conn(pkts_lost), 0 },
    { "srtgw_srt_packets_retransmitted_total", "counter",
      "Packets retransmitted.", ngx_metrics_conn(pkts_retransmitted), 0 },
    { "srtgw_srt_packets_dropped_total", "counter",
      "Packets dropped as too late.", ngx_metrics_conn(pkts_dropped), 0 },
    { "srtgw_srt_packets_undecrypted_total", "counter",
      "Packets that could not be decrypted.",
      ngx_metrics_conn(pkts_undecrypted), 0 },
    { "srtgw_srt_bytes_sent_total", "counter",
      "Bytes sent on the connection.", ngx_metrics_conn(bytes_sent), 0 },
    { "srtgw_srt_bytes_received_total", "counter",
      "Bytes received on the connection.", ngx_metrics_conn(bytes_received),
      0 },
    { "srtgw_srt_flight_packets", "gauge",
      "Packets in flight (sent, not acknowledged).",
      ngx_metrics_conn(flight_pkts), 0 },
    { "srtgw_srt_send_buffer_seconds", "gauge",
      "Data in the send buffer, as play time.",
      ngx_metrics_conn(send_buf_ms), 1e-3 },
    { "srtgw_srt_receive_buffer_seconds", "gauge",
      "Data in the receive buffer, as play time.",
      ngx_metrics_conn(recv_buf_ms), 1e-3 },
    { "srtgw_srt_send_drops_total", "counter",
      "Messages dropped by us on a full send buffer.",
      ngx_metrics_conn(send_drops), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


/* one sample: NAME{LABELS} VALUE, the value read at the field's offset */

static void
ngx_metrics_sample(ngx_metrics_out_t *m, ngx_metrics_field_t *f,
    u_char *labels, void *block)
{
    int64_t  v;

    v = *(int64_t *) ((u_char *) block + f->offset);

    if (f->scale == 0) {
        ngx_metrics_printf(m, "%s%s %L\n", f->name, labels, v);

    } else if (f->scale >= 1) {
        ngx_metrics_printf(m, "%s%s %L\n", f->name, labels,
                           (int64_t) (v * f->scale));

    } else {
        ngx_metrics_printf(m, "%s%s %.6f\n", f->name, labels,
                           (double) v * f->scale);
    }
}


static void
ngx_metrics_routes(ngx_metrics_out_t *m, ngx_srt_main_conf_t *mcf)
{
    u_char                 name[NGX_SRT_NAME_LEN * 2 + 1], *last;
    u_char                 olbl[320], *lbl;
    uint64_t               now;
    ngx_uint_t             i, j, n;
    ngx_int_t              v;
    ngx_uint_t             g;
    ngx_srt_route_t       *rt, **rtp;
    ngx_srt_input_t      **inp;
    ngx_srt_output_t     **out;
    ngx_metrics_field_t   *f;

    /* nginx.conf's routes and the API's, in one list */

    for (n = 0; ngx_srt_route_at(mcf, n); n++) { /* void */ }

    rtp = ngx_palloc(m->r->pool, (n + 1) * sizeof(ngx_srt_route_t *));
    if (rtp == NULL) {
        m->error = 1;
        return;
    }

    for (i = 0; i < n; i++) {
        rtp[i] = ngx_srt_route_at(mcf, i);
    }

    now = ngx_srt_unix_msec();

    /* the labels of every input and route, made once */

    lbl = ngx_pnalloc(m->r->pool, n * 3 * 256);
    if (lbl == NULL) {
        m->error = 1;
        return;
    }

    for (i = 0; i < n; i++) {
        rt = rtp[i];
        last = ngx_metrics_escape(name, rt->name.data, rt->name.len);
        *last = '\0';

        ngx_sprintf(lbl + i * 768 + 256, "{route=\"%s\"}%Z", name);
        ngx_sprintf(lbl + i * 768 + 512, "%s%Z", name);
    }

    for (g = 0; g < NGX_METRICS_INPUT_GAUGES; g++) {
        ngx_metrics_head(m, ngx_metrics_input_gauges[g].name, "gauge",
                         ngx_metrics_input_gauges[g].help);

        for (i = 0; i < n; i++) {
            inp = rtp[i]->inputs.elts;

            for (j = 0; j < rtp[i]->inputs.nelts; j++) {
                v = ngx_metrics_input_gauge(g, rtp[i], inp[j], now);

                if (v < 0) {
                    continue;
                }

                ngx_metrics_input_label(olbl, sizeof(olbl),
                                        lbl + i * 768 + 512, inp[j]);
                ngx_metrics_printf(m, "%s%s %i\n",
                                   ngx_metrics_input_gauges[g].name, olbl, v);
            }
        }
    }

    for (f = ngx_metrics_inputs; f->name; f++) {
        ngx_metrics_head(m, f->name, f->type, f->help);

        for (i = 0; i < n; i++) {
            inp = rtp[i]->inputs.elts;

            for (j = 0; j < rtp[i]->inputs.nelts; j++) {
                if (f->offset == ngx_metrics_in(rejected) && !inp[j]->srt) {
                    continue;
                }

                ngx_metrics_input_label(olbl, sizeof(olbl),
                                        lbl + i * 768 + 512, inp[j]);
                ngx_metrics_sample(m, f, olbl, inp[j]->stats);
            }
        }
    }

    ngx_metrics_head(m, "srtgw_output_up", "gauge",
                     "1 when the output sent data in the last second.");

    for (i = 0; i < n; i++) {
        out = rtp[i]->outputs.elts;

        for (j = 0; j < rtp[i]->outputs.nelts; j++) {
            ngx_metrics_printf(m, "srtgw_output_up{route=\"%s\","
                               "output=\"%V\",kind=\"%s\"} %d\n",
                               lbl + i * 768 + 512, &out[j]->id,
                               ngx_metrics_kind(&out[j]->parsed),
                               out[j]->stats->last_data
                               && now - out[j]->stats->last_data < 1000);
        }
    }

    for (f = ngx_metrics_outputs; f->name; f++) {
        ngx_metrics_head(m, f->name, f->type, f->help);

        for (i = 0; i < n; i++) {
            out = rtp[i]->outputs.elts;

            for (j = 0; j < rtp[i]->outputs.nelts; j++) {
                ngx_snprintf(olbl, sizeof(olbl) - 1,
                             "{route=\"%s\",output=\"%V\","
                             "kind=\"%s\"}%Z", lbl + i * 768 + 512,
                             &out[j]->id, ngx_metrics_kind(&out[j]->parsed));
                olbl[sizeof(olbl) - 1] = '\0';
                ngx_metrics_sample(m, f, olbl, out[j]->stats);
            }
        }
    }

    for (f = ngx_metrics_hls; f->name; f++) {
        ngx_metrics_head(m, f->name, f->type, f->help);

        for (i = 0; i < n; i++) {
            out = rtp[i]->outputs.elts;

            for (j = 0; j < rtp[i]->outputs.nelts; j++) {
                if (out[j]->hls && out[j]->hls_shm) {
                    ngx_metrics_sample(m, f, lbl + i * 768 + 256,
                                       out[j]->hls_shm);
                }
            }
        }
    }

    ngx_metrics_head(m, "srtgw_route_http_clients", "gauge",
                     "HTTP-TS clients of the route, all workers.");

    for (i = 0; i < n; i++) {
        ngx_metrics_printf(m, "srtgw_route_http_clients%s %ui\n",
                           lbl + i * 768 + 256,
                           ngx_srt_http_clients(rtp[i]->http));
    }

    for (f = ngx_metrics_http; f->name; f++) {
        ngx_metrics_head(m, f->name, f->type, f->help);

        for (i = 0; i < n; i++) {
            ngx_metrics_sample(m, f, lbl + i * 768 + 256, rtp[i]->http);
        }
    }

    ngx_metrics_head(m, "srtgw_route_selector_overruns_total", "counter",
                     "Times the route selector fell behind its input.");

    for (i = 0; i < n; i++) {
        ngx_metrics_printf(m, "srtgw_route_selector_overruns_total%s %uA\n",
                           lbl + i * 768 + 256, rtp[i]->selector->overruns);
    }

    for (f = ngx_metrics_scte35; f->name; f++) {
        ngx_metrics_head(m, f->name, f->type, f->help);

        for (i = 0; i < n; i++) {
            ngx_metrics_sample(m, f, lbl + i * 768 + 256, rtp[i]->scte35);
        }
    }

    ngx_metrics_head(m, "srtgw_route_switches_total", "counter",
                     "Input switches of the route, by reason.");

    for (i = 0; i < n; i++) {
        for (j = NGX_SRT_SWITCH_TIMEOUT; j < NGX_SRT_SWITCH_LAST; j++) {
            ngx_metrics_printf(m, "srtgw_route_switches_total{route=\"%s\","
                               "reason=\"%s\"} %uA\n", lbl + i * 768 + 512,
                               ngx_srt_switch_reason(j),
                               rtp[i]->failover->by_reason[j]);
        }
    }
}


/* the 0/1 gauges of an input, in the order of ngx_metrics_input_gauges;
   -1: no sample */

static ngx_int_t
ngx_metrics_input_gauge(ngx_uint_t g, ngx_srt_route_t *rt,
    ngx_srt_input_t *in, uint64_t now)
{
    switch (g) {

    case 0:
        return in->stats->last_data && now - in->stats->last_data < 1000;

    case 1:
        return ngx_srt_active_input(rt) == in;

    default:
        if (rt->inputs.nelts < 2) {
            return -1;
        }

        return (rt->failover->healthy & (1 << in->index)) != 0;
    }
}


static void
ngx_metrics_input_label(u_char *buf, size_t size, u_char *route,
    ngx_srt_input_t *in)
{
    ngx_snprintf(buf, size - 1, "{route=\"%s\",input=\"%V\",kind=\"%s\"}%Z",
                 route, &in->id, ngx_metrics_kind(&in->parsed));
    buf[size - 1] = '\0';
}


/* SRT connections (of live processes) and refusals */

static void
ngx_metrics_srt(ngx_metrics_out_t *m, ngx_srt_main_conf_t *mcf)
{
    u_char                route[NGX_SRT_NAME_LEN * 2 + 1];
    u_char                ep[NGX_SRT_NAME_LEN * 2 + 1];
    u_char                peer[NGX_SRT_PEER_LEN * 2], *p, *lbl;
    ngx_uint_t            i, n, k;
    ngx_atomic_uint_t     pid;
    ngx_srt_shm_conn_t   *s, **live;
    ngx_srt_shm_conns_t  *tab;
    ngx_metrics_field_t  *f;

    static const char  *kinds[] = { "", "publisher", "pull", "player",
                                    "push" };
    static const char  *reasons[] = { "bad_request", "forbidden",
                                      "not_found", "conflict",
                                      "bad_passphrase", "overload" };

    tab = mcf->conns;

    ngx_metrics_head(m, "srtgw_srt_rejected_total", "counter",
                     "SRT connections refused, by reason.");

    for (i = 0; i < NGX_SRT_REJ_LAST; i++) {
        ngx_metrics_printf(m, "srtgw_srt_rejected_total{reason=\"%s\"} %uA\n",
                           reasons[i], tab->rejected[i]);
    }

    ngx_metrics_head(m, "srtgw_srt_accepted_total", "counter",
                     "SRT connections established.");
    ngx_metrics_printf(m, "srtgw_srt_accepted_total %uA\n", tab->accepted);

    /* the slots of live processes and their labels, decided once */

    live = ngx_palloc(m->r->pool, NGX_SRT_CONN_SLOTS * sizeof(void *));
    if (live == NULL) {
        m->error = 1;
        return;
    }

    n = 0;

    for (i = 0; i < NGX_SRT_CONN_SLOTS; i++) {
        pid = tab->slot[i].pid;

        if (pid != 0
            && !(kill((ngx_pid_t) pid, 0) == -1 && ngx_errno == NGX_ESRCH))
        {
            live[n++] = &tab->slot[i];
        }
    }

    lbl = ngx_pnalloc(m->r->pool, n * NGX_METRICS_SRT_LABELS + 1);
    if (lbl == NULL) {
        m->error = 1;
        return;
    }

    for (k = 0; k < n; k++) {
        s = live[k];

        p = ngx_metrics_escape(route, s->route,
                               ngx_strnlen(s->route, NGX_SRT_NAME_LEN));
        *p = '\0';
        p = ngx_metrics_escape(ep, s->endpoint,
                               ngx_strnlen(s->endpoint, NGX_SRT_NAME_LEN));
        *p = '\0';
        p = ngx_metrics_escape(peer, s->peer,
                               ngx_strnlen(s->peer, NGX_SRT_PEER_LEN));
        *p = '\0';

        ngx_snprintf(lbl + k * NGX_METRICS_SRT_LABELS, NGX_METRICS_SRT_LABELS,
                     "{route=\"%s\",%s=\"%s\",kind=\"%s\",peer=\"%s\","
                     "id=\"%uA\",worker=\"%uA\"}%Z", route,
                     (s->kind == NGX_SRT_CONN_PUBLISHER
                      || s->kind == NGX_SRT_CONN_PULL) ? "input" : "output",
                     ep, kinds[s->kind < 5 ? s->kind : 0], peer, s->id,
                     s->worker);
        lbl[k * NGX_METRICS_SRT_LABELS + NGX_METRICS_SRT_LABELS - 1] = '\0';
    }

    ngx_metrics_head(m, "srtgw_srt_connections", "gauge",
                     "SRT connections by route and kind.");

    for (k = 0; k < n; k++) {
        ngx_metrics_printf(m, "srtgw_srt_connections%s 1\n", lbl + k * NGX_METRICS_SRT_LABELS);
    }

    for (f = ngx_metrics_conns; f->name; f++) {
        ngx_metrics_head(m, f->name, f->type, f->help);

        for (k = 0; k < n; k++) {
            ngx_metrics_sample(m, f, lbl + k * NGX_METRICS_SRT_LABELS, live[k]);
        }
    }
}


/* the worker processes and the host */

static void
ngx_metrics_process(ngx_metrics_out_t *m)
{
    ngx_uint_t                 k, n;
    ngx_http_route_api_proc_t  procs[NGX_MAX_PROCESSES];

    n = ngx_http_route_api_workers(procs, NGX_MAX_PROCESSES);

    ngx_metrics_head(m, "srtgw_process_cpu_seconds_total", "counter",
                     "CPU time of each nginx worker process.");

    for (k = 0; k < n; k++) {
        ngx_metrics_printf(m, "srtgw_process_cpu_seconds_total{pid=\"%P\"}"
                           " %.2f\n", procs[k].pid, procs[k].cpu_seconds);
    }

    ngx_metrics_head(m, "srtgw_process_resident_memory_bytes", "gauge",
                     "Resident memory of each nginx worker process.");

    for (k = 0; k < n; k++) {
        ngx_metrics_printf(m, "srtgw_process_resident_memory_bytes"
                           "{pid=\"%P\"} %L\n", procs[k].pid,
                           procs[k].rss_bytes);
    }
}


static void
ngx_metrics_system(ngx_metrics_out_t *m)
{
    double   load[3];
    int64_t  total, avail;

    if (ngx_http_route_api_loadavg(load) == NGX_OK) {
        ngx_metrics_head(m, "srtgw_system_load", "gauge",
                         "Load average of the host.");
        ngx_metrics_printf(m, "srtgw_system_load{period=\"1m\"} %.2f\n",
                           load[0]);
        ngx_metrics_printf(m, "srtgw_system_load{period=\"5m\"} %.2f\n",
                           load[1]);
        ngx_metrics_printf(m, "srtgw_system_load{period=\"15m\"} %.2f\n",
                           load[2]);
    }

    if (ngx_http_route_api_meminfo(&total, &avail) == NGX_OK) {
        ngx_metrics_head(m, "srtgw_system_memory_bytes", "gauge",
                         "Memory of the host.");
        ngx_metrics_printf(m, "srtgw_system_memory_bytes{state=\"total\"} "
                           "%L\n", total);
        ngx_metrics_printf(m, "srtgw_system_memory_bytes"
                           "{state=\"available\"} %L\n", avail);
    }
}


static void
ngx_metrics_head(ngx_metrics_out_t *m, const char *name, const char *type,
    const char *help)
{
    ngx_metrics_printf(m, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                       type);
}


/* appends a line to the chain of 64k buffers */

static void
ngx_metrics_printf(ngx_metrics_out_t *m, const char *fmt, ...)
{
    u_char        line[1024], *last;
    size_t        len;
    va_list       args;
    ngx_chain_t  *cl;

    va_start(args, fmt);
    last = ngx_vslprintf(line, line + sizeof(line), fmt, args);
    va_end(args);

    len = last - line;

    if (m->b == NULL || (size_t) (m->b->end - m->b->last) < len) {
        m->b = ngx_create_temp_buf(m->r->pool, NGX_METRICS_CHUNK);
        cl = ngx_alloc_chain_link(m->r->pool);

        if (m->b == NULL || cl == NULL) {
            m->error = 1;
            m->b = NULL;
            return;
        }

        cl->buf = m->b;
        cl->next = NULL;
        *m->last = cl;
        m->last = &cl->next;
    }

    m->b->last = ngx_cpymem(m->b->last, line, len);
}


/* a label value: backslash, double quote and newline escaped */

static u_char *
ngx_metrics_escape(u_char *dst, u_char *src, size_t len)
{
    while (len--) {
        if (*src == '\\' || *src == '"') {
            *dst++ = '\\';
            *dst++ = *src++;

        } else if (*src == '\n') {
            *dst++ = '\\';
            *dst++ = 'n';
            src++;

        } else {
            *dst++ = *src++;
        }
    }

    return dst;
}


static const char *
ngx_metrics_kind(srt_url_t *u)
{
    switch (u->scheme) {
    case SRT_URL_RTP:
        return "rtp";
    case SRT_URL_SRT:
        return "srt";
    case SRT_URL_TESTSRC:
        return "testsrc";
    case SRT_URL_HLS:
        return "hls";
    default:
        return "udp";
    }
}


static char *
ngx_http_route_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_route_metrics_handler;

    return NGX_CONF_OK;
}
