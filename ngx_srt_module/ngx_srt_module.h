/*
 * SRT gateway: shared declarations of the srt{} core module, the data path
 * glue (inputs, route selector, outputs) and the HTTP-TS output.
 *
 * Ownership and threads: nginx workers are single-threaded; every field
 * below is touched only from the event loop of the process that owns it.
 * Fields in shared memory (ngx_srt_shm_*) are either written by one owner
 * at a time (guarded by an ngx_srt_lease_t) or are atomic counters.
 */

#ifndef _NGX_SRT_MODULE_H_INCLUDED_
#define _NGX_SRT_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "srt_ts.h"
#include "srt_url.h"
#include "srt_ring.h"
#include "srt_join.h"
#include "av_source.h"
#include "srt_hls.h"


#define NGX_SRT_VERSION          "0.1.0"

#define NGX_SRT_MAIN_CONF        0x02000000
#define NGX_SRT_ROUTE_CONF       0x04000000

#define NGX_SRT_WAKE_SLOTS       (8 * sizeof(ngx_atomic_uint_t))
#define NGX_SRT_CC_PIDS          16      /* per-PID CC error table size */
#define NGX_SRT_NAME_LEN         64
#define NGX_SRT_DIR_ENTRIES      8192    /* named blocks in the zone */
#define NGX_SRT_KEY_LEN          240

#define NGX_SRT_BATCH            64      /* datagrams per recvmmsg/sendmmsg */
#define NGX_SRT_CONN_SLOTS       2048    /* SRT connections in the zone */
#define NGX_SRT_PEER_LEN         64
#define NGX_SRT_SID_LEN          128     /* streamid kept for statistics */
#define NGX_SRT_MAX_PORTS        256     /* SRT listener ports, nginx.conf
                                            and API together */
#define NGX_SRT_MAX_INPUTS       8       /* per route */


/* why an SRT connection was refused, counted in ngx_srt_shm_conns_t */
typedef enum {
    NGX_SRT_REJ_BAD_REQUEST = 0,         /* 1400: unparsable streamid */
    NGX_SRT_REJ_FORBIDDEN,               /* 1403: mode not served here */
    NGX_SRT_REJ_NOT_FOUND,               /* 1404: unknown route */
    NGX_SRT_REJ_CONFLICT,                /* 1409: route has a publisher */
    NGX_SRT_REJ_BAD_PASSPHRASE,          /* libsrt: wrong or no secret */
    NGX_SRT_REJ_OVERLOAD,                /* 1402: no statistics slot */
    NGX_SRT_REJ_LAST
} ngx_srt_reject_e;


/* what an SRT connection is for */
typedef enum {
    NGX_SRT_CONN_PUBLISHER = 1,          /* a listener input's publisher */
    NGX_SRT_CONN_PULL,                   /* a caller input */
    NGX_SRT_CONN_PLAYER,                 /* a listener output's player */
    NGX_SRT_CONN_PUSH                    /* a caller output */
} ngx_srt_conn_kind_e;


/* one writer at a time: lock is held around each batch, owner says who may
   take it; a new owner claims under the lock, so batches never interleave */
typedef struct {
    ngx_atomic_t              lock;      /* pid holding the batch lock */
    ngx_atomic_t              owner;     /* pid of the owning process */
    ngx_atomic_t              worker;    /* owner's worker index */
    ngx_atomic_t              since;     /* unix time of the claim */
    ngx_atomic_t              gen;       /* owner's configuration generation */
} ngx_srt_lease_t;


/* a ring in shared memory with its writer lease and wake-up set */
typedef struct {
    ngx_srt_lease_t           lease;
    ngx_atomic_t              wake_mask; /* bit per wake slot with readers */
    srt_ring_t                ring;      /* must be last: flexible data */
} ngx_srt_shm_ring_t;


typedef struct {
    ngx_atomic_t              pid;
    ngx_atomic_t              count;
} ngx_srt_pid_count_t;


typedef struct {
    ngx_atomic_t              bytes;
    ngx_atomic_t              packets;
    ngx_atomic_t              datagrams;
    ngx_atomic_t              sync_losses;
    ngx_atomic_t              garbage_bytes;
    ngx_atomic_t              truncated;
    ngx_atomic_t              rtp_datagrams;
    ngx_atomic_t              cc_errors;
    ngx_atomic_t              errors;
    ngx_atomic_t              bitrate;       /* bit/s over the last second */
    ngx_atomic_t              last_data;     /* unix ms of the last data */
    ngx_atomic_t              since;         /* unix ms status changed */
    ngx_atomic_t              video_size;    /* width << 16 | height from
                                                the last keyframe; 0 */
    ngx_srt_pid_count_t       cc_by_pid[NGX_SRT_CC_PIDS];

    /* SRT inputs */
    ngx_atomic_t              publisher;     /* pid with a live publisher */
    ngx_atomic_t              connects;
    ngx_atomic_t              rejected;      /* refused publishers */
    ngx_atomic_t              bad_passphrase;
} ngx_srt_shm_input_t;


typedef struct {
    ngx_srt_lease_t           lease;
    uint64_t                  pos;           /* resume point for a new owner */
    ngx_atomic_t              pos_valid;
    ngx_atomic_t              bytes;
    ngx_atomic_t              packets;
    ngx_atomic_t              datagrams;
    ngx_atomic_t              drops;
    ngx_atomic_t              overruns;
    ngx_atomic_t              errors;
    ngx_atomic_t              bitrate;
    ngx_atomic_t              last_data;
    ngx_atomic_t              since;
    ngx_atomic_t              last_errno;

    /* SRT outputs, updated by the SRT thread of every worker */
    ngx_atomic_t              connects;
    ngx_atomic_t              rejected;
    ngx_atomic_t              bad_passphrase;
} ngx_srt_shm_output_t;


/*
 * Statistics of one SRT connection, refreshed every second by the SRT
 * thread of the process in pid.  Readers tolerate a torn update: these are
 * gauges and counters for display, never used for decisions.
 */
typedef struct {
    ngx_atomic_t              pid;           /* owner, 0 = free slot */
    ngx_atomic_t              id;            /* libsrt socket id */
    ngx_atomic_t              kind;          /* ngx_srt_conn_kind_e */
    ngx_atomic_t              worker;
    u_char                    route[NGX_SRT_NAME_LEN + 1];
    u_char                    endpoint[NGX_SRT_NAME_LEN + 1]; /* the input's
                                                or output's id */
    u_char                    peer[NGX_SRT_PEER_LEN];
    u_char                    streamid[NGX_SRT_SID_LEN];
    uint64_t                  since;         /* unix ms of the connection */
    uint64_t                  updated;       /* unix ms of these figures */

    int64_t                   rtt_us;
    int64_t                   bandwidth_kbps;    /* estimated link capacity */
    int64_t                   send_kbps;
    int64_t                   recv_kbps;
    int64_t                   flight_pkts;
    int64_t                   send_buf_ms;
    int64_t                   recv_buf_ms;

    uint64_t                  bytes_sent;
    uint64_t                  bytes_received;
    uint64_t                  pkts_sent;
    uint64_t                  pkts_received;
    uint64_t                  pkts_lost;         /* sender + receiver side */
    uint64_t                  pkts_retransmitted;
    uint64_t                  pkts_dropped;      /* too late, by libsrt */
    uint64_t                  pkts_undecrypted;
    uint64_t                  send_drops;        /* ours: send buffer full */

    uint64_t                  interval_lost;     /* over the last second */
    uint64_t                  interval_retransmitted;
    uint64_t                  interval_dropped;
} ngx_srt_shm_conn_t;


/* one SCTE-35 section posted to a route's owner */
#define NGX_SRT_CLOCK_SAMPLES    64      /* the owner's clock: one a 100 ms */
#define NGX_SRT_CUE_SLOTS        16
#define NGX_SRT_CUE_MAX          512     /* bytes: API cues are far smaller */

typedef struct {
    ngx_atomic_t              seq;           /* the post's number, set last */
    uint64_t                  splice_pts;    /* missed when the clock is past
                                                it; unused if immediate */
    uint64_t                  send_pts;
    uint32_t                  immediate;
    uint32_t                  len;
    u_char                    section[NGX_SRT_CUE_MAX];
} ngx_srt_shm_cue_t;


/*
 * A route's SCTE-35 state: the owner's clock (the output's latest video
 * PTS, and when it was seen), the mailbox through which any worker hands
 * cues to the owner, and counters.
 */
typedef struct {
    ngx_atomic_t              clock_seq;     /* odd while written */
    uint64_t                  clock_pts;
    uint64_t                  clock_msec;    /* unix ms; 0: no clock yet */
    ngx_atomic_t              clock_last;    /* unix ms of the latest PTS:
                                                is the route live? */
    ngx_atomic_t              pid;           /* on the output, 0: none yet */
    ngx_atomic_t              lock;          /* posters: pid holding it */
    ngx_atomic_t              posted;
    ngx_atomic_t              taken;         /* by the owner */
    ngx_atomic_t              event_id;      /* the next automatic one */
    ngx_atomic_t              inserted;      /* sections sent */
    ngx_atomic_t              pmt_rewrites;
    ngx_atomic_t              seen;          /* sections in the input */
    ngx_atomic_t              bad_crc;
    ngx_atomic_t              invalid;
    ngx_atomic_t              missed;        /* too late: not sent */
    ngx_srt_shm_cue_t         cue[NGX_SRT_CUE_SLOTS];
} ngx_srt_shm_scte35_t;


/* why a route's selector changed input */
typedef enum {
    NGX_SRT_SWITCH_NONE = 0,
    NGX_SRT_SWITCH_TIMEOUT,              /* the active input went silent */
    NGX_SRT_SWITCH_ERRORS,               /* over failover_error_rate */
    NGX_SRT_SWITCH_REVERT,               /* the preferred one is back */
    NGX_SRT_SWITCH_MANUAL,               /* the API asked */
    NGX_SRT_SWITCH_RESTORE,              /* off the slate: a signal again */
    NGX_SRT_SWITCH_LAST
} ngx_srt_switch_reason_e;


/*
 * A route's failover state, written by the selector's owner; request and
 * mode by the API (any worker).  inputs[] is the health the owner sees.
 */
typedef struct {
    ngx_atomic_t              active;        /* index in the route's inputs */
    ngx_atomic_t              active_hash;   /* crc32 of its URL: the ring
                                                the selector's pos is in */
    ngx_atomic_t              switches;
    ngx_atomic_t              by_reason[NGX_SRT_SWITCH_LAST];
    ngx_atomic_t              last_msec;     /* unix ms of the last switch */
    ngx_atomic_t              last_from;
    ngx_atomic_t              last_reason;
    ngx_atomic_t              last_gap;      /* ms without output packets */
    ngx_atomic_t              healthy;       /* bit per input */
    ngx_atomic_t              request;       /* API: input index + 1 */
    ngx_atomic_t              request_seq;   /* bumped by every request */
    ngx_atomic_t              manual;        /* 1: no automatic revert */
    ngx_atomic_t              no_input;      /* every input is down */
    ngx_atomic_t              dropped;       /* joiner: packets dropped */
    ngx_atomic_t              di_packets;
    ngx_atomic_t              psi_versions;
} ngx_srt_shm_failover_t;


/*
 * An HLS output's state (ngx_srt_hls.c), written by its owner only: the
 * playlist's window, the segments waiting for their grace period to end,
 * where the open segment starts in the route ring, the ad break, and
 * what was measured.  A new owner goes on from it.
 */
#define NGX_SRT_HLS_SEGS         (SRT_URL_HLS_WINDOW_MAX + 1)
#define NGX_SRT_HLS_GONE         256
#define NGX_SRT_HLS_EVENTS       8

typedef struct {
    uint64_t                  seq;
    uint64_t                  left_msec;     /* left the playlist */
} ngx_srt_hls_gone_t;


/* a splice point waiting for the segment that starts at or after it */
typedef struct {
    uint64_t                  pts;
    uint64_t                  duration;      /* 90 kHz; 0 unknown */
    uint32_t                  event_id;
    uint32_t                  out;           /* 1 out of network, 0 in,
                                                2 another command */
    uint32_t                  auto_return;
    uint32_t                  len;           /* of section, 0: none */
    u_char                    section[SRT_HLS_SECTION_MAX];
} ngx_srt_hls_event_t;


typedef struct {
    uint64_t                  next_seq;      /* the next segment's number */
    uint64_t                  disc_seq;      /* of the window's first */
    ngx_uint_t                nsegs;
    srt_hls_segment_t         seg[NGX_SRT_HLS_SEGS];
    uint64_t                  seg_bytes[NGX_SRT_HLS_SEGS];
    ngx_uint_t                ngone;
    ngx_srt_hls_gone_t        gone[NGX_SRT_HLS_GONE];
    ngx_uint_t                cleaned;       /* a former run's files went */

    uint64_t                  resume_pos;    /* ring seq of the open one */
    ngx_uint_t                resume_valid;
    ngx_uint_t                resume_disc;
    int64_t                   next_pdt_us;   /* unix us where it starts */
    ngx_uint_t                disc_next;     /* the next one is a
                                                discontinuity: one lost */
    ngx_uint_t                target_s;      /* EXT-X-TARGETDURATION */
    ngx_uint_t                queued;        /* finished, not yet posted */

    ngx_uint_t                in_break;
    uint32_t                  break_event;
    int64_t                   break_start_ms;
    uint64_t                  break_duration_us;
    ngx_uint_t                last_out_valid;    /* repeats of an OUT */
    uint32_t                  last_out_event;
    uint64_t                  last_out_pts;
    ngx_uint_t                last_cmd_valid;    /* repeats of a command */
    uint64_t                  last_cmd_pts;
    ngx_uint_t                nevents;
    ngx_srt_hls_event_t       event[NGX_SRT_HLS_EVENTS];

    /* measured; for the API and the metrics */
    char                      codecs[2 * SRT_HLS_CODEC_LEN + 2];
    ngx_uint_t                width;
    ngx_uint_t                height;
    uint64_t                  bandwidth;     /* bit/s, peak of the window */
    uint64_t                  average_bandwidth;
    ngx_atomic_t              segments;
    ngx_atomic_t              dropped;
    ngx_atomic_t              write_errors;
    ngx_atomic_t              cues;
    uint64_t                  last_duration_ms;
    uint64_t                  last_msec;
} ngx_srt_shm_hls_t;


/* process-wide facts of the gateway */
typedef struct {
    ngx_atomic_t              started;       /* unix ms the zone was made */
    ngx_atomic_t              reloads;       /* configurations since */
    ngx_atomic_t              desired;       /* generation of the API's
                                                desired state (SQLite) */
} ngx_srt_shm_global_t;


typedef struct {
    ngx_atomic_t              rejected[NGX_SRT_REJ_LAST];
    ngx_atomic_t              accepted;
    ngx_atomic_t              used;          /* slots in use */
    ngx_srt_shm_conn_t        slot[NGX_SRT_CONN_SLOTS];
} ngx_srt_shm_conns_t;


typedef struct {
    /* a gauge per wake slot: a worker that takes a slot (respawn after a
       crash) zeroes it, so clients of a dead worker are not counted */
    ngx_atomic_t              clients[NGX_SRT_WAKE_SLOTS];
    ngx_atomic_t              clients_total;
    ngx_atomic_t              bytes;
    ngx_atomic_t              overruns;
    ngx_atomic_t              closed_slow;
} ngx_srt_shm_http_t;


typedef struct ngx_srt_reader_s  ngx_srt_reader_t;

typedef void (*ngx_srt_reader_handler_pt)(ngx_srt_reader_t *reader);


/* a reader of a ring in this process, woken when the ring advances */
struct ngx_srt_reader_s {
    srt_ring_reader_t         rd;
    ngx_srt_reader_handler_pt handler;
    ngx_srt_reader_handler_pt gone;      /* the ring's route is removed:
                                            detach and let go of it */
    void                     *data;
    ngx_queue_t               queue;
    unsigned                  linked:1;
};


/* this process's view of one ring: its local readers */
typedef struct {
    ngx_srt_shm_ring_t       *shm;
    ngx_queue_t               readers;
    ngx_uint_t                nreaders;
    uint64_t                  seen;          /* write_seq last dispatched */
    ngx_queue_t               active;        /* in the active rings list */
} ngx_srt_ring_t;


typedef struct ngx_srt_route_s  ngx_srt_route_t;
typedef struct ngx_srt_srt_port_s  ngx_srt_srt_port_t;


/*
 * Runtime state of an SRT caller (input or output) or of the current
 * publisher of a listener input.  Owned by the SRT thread.
 */
typedef struct {
    int                       sock;          /* SRTSOCKET, or -1 */
    ngx_uint_t                connecting;
    ngx_msec_t                next_attempt;  /* thread clock, ms */
    ngx_msec_t                backoff;
    void                     *conn;          /* ngx_srt_conn_t when up */
} ngx_srt_srt_endpoint_t;


typedef struct {
    ngx_str_t                 id;            /* "in0" in nginx.conf */
    ngx_str_t                 url;
    srt_url_t                 parsed;
    ngx_int_t                 priority;      /* lower is preferred */
    ngx_uint_t                index;         /* in the route's inputs */
    ngx_addr_t                addr;          /* bind address */
    ngx_uint_t                multicast;
    ngx_uint_t                worker;        /* owner worker index */
    ngx_listening_t          *listening;     /* set in init_module */
    ngx_uint_t                listening_index;
    ngx_srt_route_t          *route;
    ngx_srt_shm_input_t      *stats;
    ngx_srt_ring_t            ring;
    ngx_uint_t                srt;           /* an srt:// input */
    ngx_srt_srt_port_t       *port;          /* its listener port */
    ngx_uint_t                local;         /* made in-process: testsrc://
                                                or the slate */
    ngx_uint_t                slate;         /* the route's slate */
    ngx_str_t                 slate_file;    /* "": the built-in card */
    ngx_uint_t                slate_fit;     /* the card takes the size of
                                                the route's video */
    ngx_uint_t                slate_size;    /* width << 16 | height now */

    /* the SRT thread of the process that has the publisher or caller */
    ngx_srt_srt_endpoint_t    ep;
    srt_ts_sync_t             srt_sync;
    srt_ts_analyzer_t        *srt_analyzer;

    ngx_pool_t               *pool;          /* API: the input's memory */

    /* owner worker only */
    ngx_connection_t         *connection;
    ngx_uint_t                own_socket;    /* opened by this worker (API
                                                routes), not by the master */
    srt_ts_sync_t             sync;
    srt_ts_analyzer_t        *analyzer;
    ngx_event_t               claim;         /* retries a contended claim */
    uint64_t                  last_bytes;
    av_source_t              *source;        /* local inputs: the thread */
    unsigned                  owned:1;

    /* the route selector's view of its health (selector owner only) */
    ngx_msec_t                healthy_since; /* 0: not healthy */
    ngx_msec_t                packet_msec;   /* packets last seen growing */
    uint64_t                  packets_seen;
    ngx_msec_t                rap_msec;      /* a random access point seen */
    uint64_t                  rap_count;
    ngx_msec_t                health_window; /* start of the window */
    uint64_t                  health_packets;
    uint64_t                  health_errors;
    ngx_uint_t                error_rate;    /* per mille, last window */
    uint64_t                  rate_bits;     /* bit/s of valid packets */

    u_char                   *conf_file;
    ngx_uint_t                conf_line;
} ngx_srt_input_t;


typedef struct {
    ngx_str_t                 id;            /* "outN" in nginx.conf */
    ngx_str_t                 url;
    srt_url_t                 parsed;
    ngx_addr_t                peer;
    ngx_addr_t                local;         /* localaddr=, or socklen 0 */
    ngx_uint_t                multicast;
    ngx_uint_t                worker;
    ngx_uint_t                pkts_per_dgram;
    ngx_srt_route_t          *route;
    ngx_srt_shm_output_t     *stats;
    ngx_uint_t                srt;           /* an srt:// output */
    ngx_srt_srt_port_t       *port;          /* its listener port */
    ngx_srt_srt_endpoint_t    ep;            /* caller: SRT thread only */
    ngx_uint_t                hls;           /* an hls:// output */
    ngx_srt_shm_hls_t        *hls_shm;

    /* owner worker only */
    void                     *hls_ctx;       /* ngx_srt_hls_t */
    ngx_socket_t              fd;
    ngx_msec_t                retry;         /* last socket setup attempt */
    ngx_srt_reader_t          reader;
    ngx_event_t               claim;
    uint64_t                  last_bytes;
    unsigned                  owned:1;

    uint32_t                  hash;          /* API: of the desired URL */
    ngx_pool_t               *pool;          /* API: the output's memory */
} ngx_srt_output_t;


struct ngx_srt_route_s {
    ngx_str_t                 name;
    size_t                    ring_size;
    ngx_uint_t                worker;        /* selector owner index */
    ngx_srt_input_t          *input;         /* the preferred input; NULL:
                                                an API route without an
                                                enabled input */
    ngx_array_t               inputs;        /* ngx_srt_input_t *, by
                                                priority */
    ngx_array_t               outputs;       /* ngx_srt_output_t * */

    /* failover (ngx_srt_failover.c) */
    ngx_msec_t                failover_timeout;
    ngx_msec_t                revert_after;  /* 0: manual only */
    ngx_uint_t                slate_set;     /* "slate" was given */
    ngx_srt_input_t          *slate;         /* its input, or NULL */
    ngx_uint_t                failover_error_rate;   /* per mille */
    size_t                    failover_min_bitrate;  /* bit/s */
    ngx_msec_t                switch_wait;   /* for a keyframe of the next */
    ngx_flag_t                timestamps_continuous;

    /* routes created through the API (ngx_srt_runtime.c) */
    ngx_uint_t                api;
    ngx_pool_t               *pool;          /* the route's own memory */
    uint32_t                  input_hash;    /* of the desired input */

    ngx_srt_ring_t            ring;          /* the route ring */
    ngx_srt_shm_output_t     *selector;      /* selector lease + position */
    ngx_srt_shm_http_t       *http;
    ngx_srt_shm_scte35_t     *scte35;
    ngx_srt_shm_failover_t   *failover;

    /* SCTE-35 (ngx_srt_scte35.c): nginx.conf or defaults */
    ngx_flag_t                scte35_insert; /* PMT advertises it at once */
    ngx_uint_t                scte35_pid;    /* 0: the first free one */
    ngx_msec_t                scte35_preroll;
    ngx_uint_t                scte35_repeat;
    ngx_msec_t                scte35_heartbeat;  /* splice_null, 0: off */
    ngx_uint_t                publisher_replace; /* a new SRT publisher
                                                    replaces the live one */

    /* "hls" and hls_* in nginx.conf: made into an hls:// output */
    ngx_flag_t                hls;           /* NGX_CONF_UNSET: not given */
    ngx_str_t                 hls_args;      /* "segment=4&window=6..." */

    /* SRT players in this process: the list belongs to the SRT thread,
       the event loop reads nplayers and sets pending when the ring grows */
    ngx_queue_t               srt_players;
    ngx_atomic_t              srt_nplayers;
    ngx_atomic_t              srt_pending;
    ngx_srt_reader_t          srt_reader;    /* event loop: wakes the thread */
    ngx_uint_t                srt_outputs;   /* has srt:// outputs */
    ngx_queue_t               srt_link;      /* SRT thread: routes it sends */
    ngx_uint_t                srt_linked;

    /* selector owner only */
    ngx_srt_reader_t          reader;        /* on the active input's ring */
    ngx_srt_input_t          *active;
    ngx_srt_input_t          *next;          /* switching at its keyframe */
    uint64_t                  next_raps;     /* its rap_count when asked */
    ngx_msec_t                next_deadline;
    ngx_uint_t                next_reason;
    ngx_uint_t                request_seq;   /* last API request handled */
    ngx_msec_t                last_packet;   /* for the gap at a switch */
    unsigned                  switching:1;   /* no packet since the switch */
    unsigned                  switch_psi:1;  /* send the new input's PSI */
    ngx_msec_t                down_logged;
    ngx_event_t               health;        /* failover checks */
    srt_join_t               *join;
    srt_ts_analyzer_t        *analyzer;
    void                     *mux;           /* scte35_mux_t */
    uint64_t                  clock_pts[NGX_SRT_CLOCK_SAMPLES];
    uint64_t                  clock_msec[NGX_SRT_CLOCK_SAMPLES];
    ngx_uint_t                clock_n;       /* samples kept */
    ngx_uint_t                clock_next;    /* the oldest, replaced next */
    ngx_msec_t                heartbeat_last;
    ngx_msec_t                seen_logged;   /* rate limit of the cue log */
    ngx_uint_t                seen_quiet;
    ngx_event_t               claim;
    unsigned                  owned:1;

    u_char                   *conf_file;
    ngx_uint_t                conf_line;
};


/* a route served on an SRT listener port */
typedef struct {
    ngx_srt_route_t          *route;
    ngx_srt_input_t          *input;         /* a listener input, or NULL */
    ngx_srt_output_t         *output;        /* a listener output, or NULL */
} ngx_srt_srt_entry_t;


/*
 * An SRT listener port and the routes it serves.  Those of nginx.conf are
 * built at configuration; the port table (ngx_srt_table_t) has copies of
 * them with the API routes' entries added, never changed once published:
 * the libsrt listen callback reads it from a libsrt thread.
 */
struct ngx_srt_srt_port_s {
    ngx_addr_t                addr;
    ngx_str_t                 url;           /* the first URL naming it */
    srt_url_t                 parsed;        /* its socket options */
    ngx_array_t               entries;       /* ngx_srt_srt_entry_t */
    u_char                   *conf_file;
    ngx_uint_t                conf_line;
};


/*
 * The listener ports of this worker, indexed by the slot the SRT thread's
 * listener and the listen callback share; NULL is a free slot.  Made by the
 * event loop, published by pointer; a replaced one is freed seconds after
 * the SRT thread moved its listeners to the new one.
 */
typedef struct {
    ngx_uint_t                gen;           /* tells tables apart (a new
                                                one may reuse an old one's
                                                memory) */
    ngx_uint_t                nports;        /* slots in use: highest + 1 */
    ngx_srt_srt_port_t       *ports[NGX_SRT_MAX_PORTS];
    uint32_t                  signature;     /* of the API entries */
    ngx_uint_t                api_ports;     /* ports of API routes only */
    ngx_pool_t               *pool;
} ngx_srt_table_t;


typedef struct {
    size_t                    shm_size;
    size_t                    ring_size;
    ngx_array_t               routes;        /* ngx_srt_route_t * */
    ngx_shm_zone_t           *zone;
    ngx_srt_route_t          *current;       /* route block being parsed */
    ngx_uint_t                wake_base;     /* first wake slot of cycle */
    ngx_msec_t                generation;    /* grows with every reload */
    ngx_uint_t                workers;
    ngx_flag_t                enabled;
    ngx_array_t               srt_ports;     /* ngx_srt_srt_port_t */
    ngx_srt_shm_conns_t      *conns;
    ngx_srt_shm_global_t     *global;
    ngx_array_t               api_routes;    /* ngx_srt_route_t *, of this
                                                worker: event loop only */
    ngx_str_t                 hls_path;      /* HLS files: PATH/ROUTE/ */
} ngx_srt_main_conf_t;


/* a route of the API's desired state, as the reconciler hands it over */
typedef struct {
    ngx_str_t                 id;
    ngx_str_t                 url;           /* as stored: secrets included */
    ngx_int_t                 priority;      /* inputs: lower is preferred */
    ngx_uint_t                enabled;
} ngx_srt_endpoint_desc_t;


typedef struct {
    ngx_str_t                 name;
    ngx_uint_t                enabled;
    ngx_array_t               inputs;        /* ngx_srt_endpoint_desc_t */
    ngx_array_t               outputs;       /* ngx_srt_endpoint_desc_t */
} ngx_srt_route_desc_t;


/* what an endpoint binds on this host */
typedef enum {
    NGX_SRT_BIND_NONE = 0,               /* UDP output, SRT caller */
    NGX_SRT_BIND_UDP,                    /* UDP/RTP input */
    NGX_SRT_BIND_SRT                     /* SRT listener, input or output */
} ngx_srt_bind_e;


/*
 * Set by the API module: reads the desired state and hands it to
 * ngx_srt_runtime_apply(); returns the generation it applied, or -1 to be
 * called again later (database busy).
 */
typedef int64_t (*ngx_srt_reconcile_pt)(ngx_cycle_t *cycle);


extern ngx_module_t          ngx_srt_module;
extern ngx_srt_reconcile_pt  ngx_srt_reconcile;


#define ngx_srt_get_main_conf(cycle)                                          \
    ((ngx_srt_main_conf_t *) ngx_get_conf((cycle)->conf_ctx, ngx_srt_module))


/* ngx_srt_module.c */
ngx_srt_route_t *ngx_srt_find_route(ngx_cycle_t *cycle, ngx_str_t *name);
ngx_srt_route_t *ngx_srt_route_at(ngx_srt_main_conf_t *mcf, ngx_uint_t i);
ngx_uint_t ngx_srt_owner(ngx_str_t *a, const char *tag, ngx_str_t *b,
    ngx_uint_t workers);
ngx_listening_t *ngx_srt_input_listening(ngx_cycle_t *cycle,
    ngx_srt_input_t *in);
ngx_listening_t *ngx_srt_dgram_listening(ngx_conf_t *cf, ngx_addr_t *addr,
    ngx_connection_handler_pt handler);
uint64_t ngx_srt_unix_msec(void);
void ngx_srt_bitrate(ngx_atomic_t *bytes, uint64_t *last, ngx_atomic_t *bitrate,
    ngx_msec_t elapsed);
ngx_int_t ngx_srt_resolve(ngx_conf_t *cf, ngx_str_t *url, srt_url_t *parsed,
    ngx_uint_t listen, ngx_addr_t *addr, ngx_uint_t *multicast);
ngx_int_t ngx_srt_parse_host(ngx_pool_t *pool, srt_url_t *parsed,
    ngx_uint_t listen, ngx_uint_t no_resolve, ngx_url_t *u);
ngx_uint_t ngx_srt_multicast(struct sockaddr *sa);
void ngx_srt_scte35_defaults(ngx_srt_route_t *rt);
char *ngx_srt_route_flag(ngx_conf_t *cf, ngx_flag_t *flag);
ngx_int_t ngx_srt_output_create(ngx_conf_t *cf, ngx_srt_main_conf_t *mcf,
    ngx_srt_route_t *rt, ngx_str_t *url);

/* ngx_srt_shm.c: zone, leases, wake-ups and local reader dispatch */
ngx_int_t ngx_srt_init_zone(ngx_shm_zone_t *shm_zone, void *data);
ngx_int_t ngx_srt_shm_route(ngx_srt_main_conf_t *mcf, ngx_log_t *log,
    ngx_srt_route_t *rt);
ngx_int_t ngx_srt_shm_input(ngx_srt_main_conf_t *mcf, ngx_log_t *log,
    ngx_srt_input_t *in);
ngx_int_t ngx_srt_shm_output(ngx_srt_main_conf_t *mcf, ngx_log_t *log,
    ngx_srt_output_t *out, const char *kind, ngx_str_t *key);
void ngx_srt_wake_workers(ngx_srt_main_conf_t *mcf);
ngx_int_t ngx_srt_wake_init_master(ngx_cycle_t *cycle,
    ngx_srt_main_conf_t *mcf);
ngx_int_t ngx_srt_wake_init_worker(ngx_cycle_t *cycle,
    ngx_srt_main_conf_t *mcf);
void ngx_srt_wake_exit_worker(void);
ngx_int_t ngx_srt_lease_lock(ngx_srt_lease_t *lease);
void ngx_srt_lease_unlock(ngx_srt_lease_t *lease);
ngx_int_t ngx_srt_lease_claim(ngx_srt_lease_t *lease);
void ngx_srt_ring_attach(ngx_srt_ring_t *ring, ngx_srt_reader_t *reader);
void ngx_srt_ring_detach(ngx_srt_ring_t *ring, ngx_srt_reader_t *reader);
void ngx_srt_ring_signal(ngx_srt_ring_t *ring);
void ngx_srt_ring_signal_all(ngx_srt_ring_t *ring);
void ngx_srt_count_pid(ngx_srt_pid_count_t *table, ngx_uint_t pid);
ngx_uint_t ngx_srt_worker_slot(void);
ngx_uint_t ngx_srt_http_clients(ngx_srt_shm_http_t *http);

/* ngx_srt_udp_input.c; the last two are shared with SRT inputs */
ngx_int_t ngx_srt_udp_input_conf(ngx_conf_t *cf, ngx_srt_input_t *in);
ngx_int_t ngx_srt_udp_input_init_master(ngx_cycle_t *cycle,
    ngx_srt_input_t *in);
ngx_int_t ngx_srt_udp_input_start(ngx_cycle_t *cycle, ngx_srt_input_t *in);
void ngx_srt_udp_input_release(ngx_srt_input_t *in);
ngx_int_t ngx_srt_udp_input_open(ngx_cycle_t *cycle, ngx_srt_input_t *in);
ngx_int_t ngx_srt_udp_input_attach(ngx_cycle_t *cycle, ngx_srt_input_t *in,
    ngx_connection_t *c);
void ngx_srt_udp_input_stop(ngx_srt_input_t *in);

ngx_srt_input_t *ngx_srt_input_create(ngx_conf_t *cf, ngx_srt_route_t *rt,
    ngx_int_t priority);

/* ngx_srt_source.c: in-process inputs (testsrc://, the slate) */
char *ngx_srt_slate_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_srt_source_open(ngx_cycle_t *cycle, ngx_srt_input_t *in);
void ngx_srt_source_stop(ngx_srt_input_t *in, ngx_uint_t wait);
void ngx_srt_slate_since(ngx_srt_input_t *slate, time_t since);
void ngx_srt_slate_fit(ngx_srt_route_t *rt);
ngx_uint_t ngx_srt_input_datagram(ngx_srt_input_t *in, srt_ts_sync_t *sync,
    srt_ts_analyzer_t *analyzer, unsigned *flags, u_char *buf, size_t len);
void ngx_srt_input_resume_counters(ngx_srt_input_t *in, srt_ts_sync_t *sync,
    srt_ts_analyzer_t *analyzer);
void ngx_srt_input_publish_counters(ngx_srt_input_t *in, srt_ts_sync_t *sync,
    srt_ts_analyzer_t *analyzer, size_t bytes);

/* ngx_srt_scte35.c: cues into the route's output, and seen in its input */
ngx_int_t ngx_srt_scte35_start(ngx_srt_route_t *rt, ngx_log_t *log);
void ngx_srt_scte35_stop(ngx_srt_route_t *rt);
void ngx_srt_scte35_take(ngx_srt_route_t *rt);
void ngx_srt_scte35_clock_publish(ngx_srt_route_t *rt);
ngx_int_t ngx_srt_scte35_clock(ngx_srt_route_t *rt, uint64_t *pts,
    uint64_t *msec);
ngx_int_t ngx_srt_scte35_post(ngx_srt_route_t *rt, const u_char *section,
    size_t len, uint64_t splice_pts, uint64_t send_pts, ngx_uint_t immediate);

/* the API module audits switches the gateway made by itself (SQLite);
   set at its init_process */
typedef void (*ngx_srt_switch_log_pt)(ngx_srt_route_t *rt,
    ngx_srt_input_t *from, ngx_srt_input_t *to, ngx_uint_t reason);

extern ngx_srt_switch_log_pt  ngx_srt_switch_log;

/* the API module logs cues (SQLite); set at its init_process */
typedef void (*ngx_srt_scte35_log_pt)(ngx_str_t *route, const char *source,
    const u_char *section, size_t len, const char *result,
    const char *error);

extern ngx_srt_scte35_log_pt  ngx_srt_scte35_log;

/* ngx_srt_selector.c */
ngx_int_t ngx_srt_selector_start(ngx_cycle_t *cycle, ngx_srt_route_t *rt);
void ngx_srt_selector_stop(ngx_srt_route_t *rt);
void ngx_srt_selector_switch(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_uint_t reason);

/* ngx_srt_failover.c */
char *ngx_srt_failover_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
void ngx_srt_failover_unset(ngx_srt_route_t *rt);
void ngx_srt_failover_defaults(ngx_srt_route_t *rt);
void ngx_srt_failover_start(ngx_srt_route_t *rt, ngx_log_t *log);
void ngx_srt_failover_stop(ngx_srt_route_t *rt);
void ngx_srt_failover_poll(ngx_srt_route_t *rt);
const char *ngx_srt_switch_reason(ngx_uint_t reason);
ngx_srt_input_t *ngx_srt_active_input(ngx_srt_route_t *rt);

/* ngx_srt_udp_output.c */
ngx_int_t ngx_srt_udp_output_conf(ngx_conf_t *cf, ngx_srt_output_t *out);
ngx_int_t ngx_srt_udp_output_start(ngx_cycle_t *cycle, ngx_srt_output_t *out);
void ngx_srt_udp_output_stop(ngx_srt_output_t *out);

/* ngx_srt_hls.c: the HLS output */
void ngx_srt_hls_init_shm(ngx_srt_shm_hls_t *sh);
ngx_int_t ngx_srt_hls_start(ngx_cycle_t *cycle, ngx_srt_output_t *out);
void ngx_srt_hls_stop(ngx_srt_output_t *out);
void ngx_srt_hls_remove(ngx_srt_output_t *out);
char *ngx_srt_hls_route_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_srt_hls_route_output(ngx_conf_t *cf, ngx_srt_route_t *rt);

/* ngx_srt_srt_conf.c: srt:// inputs, outputs and listener ports */
ngx_int_t ngx_srt_srt_input_conf(ngx_conf_t *cf, ngx_srt_main_conf_t *mcf,
    ngx_srt_input_t *in);
ngx_int_t ngx_srt_srt_output_conf(ngx_conf_t *cf, ngx_srt_main_conf_t *mcf,
    ngx_srt_output_t *out);
ngx_int_t ngx_srt_srt_ports_fixup(ngx_srt_main_conf_t *mcf);
void ngx_srt_srt_listen_unexpected(ngx_connection_t *c);
ngx_socket_t ngx_srt_srt_port_adopt(ngx_cycle_t *cycle,
    ngx_srt_srt_port_t *port);

/* ngx_srt_runtime.c: routes made through the API */
ngx_int_t ngx_srt_runtime_apply(ngx_cycle_t *cycle, ngx_array_t *desired);
void ngx_srt_runtime_check(ngx_cycle_t *cycle, ngx_uint_t force);
void ngx_srt_runtime_exit(ngx_cycle_t *cycle);
void ngx_srt_desired_changed(ngx_cycle_t *cycle, int64_t generation);
ngx_int_t ngx_srt_endpoint_check(ngx_pool_t *pool, ngx_str_t *url,
    ngx_uint_t output, ngx_addr_t *addr, ngx_srt_bind_e *bind, u_char *err,
    size_t len);
ngx_int_t ngx_srt_addr_conflict(ngx_addr_t *a, ngx_addr_t *b);
ngx_int_t ngx_srt_config_conflict(ngx_cycle_t *cycle, ngx_addr_t *addr,
    ngx_uint_t srt, u_char *err, size_t len);

/* ngx_srt_libsrt.c: the SRT thread */
ngx_int_t ngx_srt_libsrt_start(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf,
    ngx_uint_t always);
void ngx_srt_libsrt_stop(ngx_cycle_t *cycle);
void ngx_srt_libsrt_sweep(ngx_uint_t all);
void ngx_srt_libsrt_route(ngx_srt_route_t *rt);
void ngx_srt_libsrt_caller(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_srt_output_t *out);
void ngx_srt_libsrt_release(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_srt_output_t *out, ngx_pool_t *pool);
ngx_int_t ngx_srt_libsrt_commit(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf);

/* ngx_srt_srt_ports.c: the port table of nginx.conf and API routes */
ngx_srt_table_t *ngx_srt_ports_build(ngx_srt_main_conf_t *mcf,
    ngx_srt_table_t *old, ngx_log_t *log);
uint32_t ngx_srt_ports_signature(ngx_srt_main_conf_t *mcf,
    ngx_uint_t *count);


#endif /* _NGX_SRT_MODULE_H_INCLUDED_ */
