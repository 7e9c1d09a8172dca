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


#define NGX_SRT_VERSION          "0.1.0"

#define NGX_SRT_MAIN_CONF        0x02000000
#define NGX_SRT_ROUTE_CONF       0x04000000

#define NGX_SRT_WAKE_SLOTS       (8 * sizeof(ngx_atomic_uint_t))
#define NGX_SRT_CC_PIDS          16      /* per-PID CC error table size */
#define NGX_SRT_NAME_LEN         64
#define NGX_SRT_DIR_ENTRIES      512
#define NGX_SRT_KEY_LEN          240

#define NGX_SRT_BATCH            64      /* datagrams per recvmmsg/sendmmsg */


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
    ngx_srt_pid_count_t       cc_by_pid[NGX_SRT_CC_PIDS];
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
} ngx_srt_shm_output_t;


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


typedef struct {
    ngx_str_t                 url;
    srt_url_t                 parsed;
    ngx_addr_t                addr;          /* bind address */
    ngx_uint_t                multicast;
    ngx_uint_t                worker;        /* owner worker index */
    ngx_listening_t          *listening;     /* set in init_module */
    ngx_uint_t                listening_index;
    ngx_srt_route_t          *route;
    ngx_srt_shm_input_t      *stats;
    ngx_srt_ring_t            ring;

    /* owner worker only */
    ngx_connection_t         *connection;
    srt_ts_sync_t             sync;
    srt_ts_analyzer_t        *analyzer;
    ngx_event_t               claim;         /* retries a contended claim */
    uint64_t                  last_bytes;
    unsigned                  owned:1;

    u_char                   *conf_file;
    ngx_uint_t                conf_line;
} ngx_srt_input_t;


typedef struct {
    ngx_str_t                 url;
    srt_url_t                 parsed;
    ngx_addr_t                peer;
    ngx_addr_t                local;         /* localaddr=, or socklen 0 */
    ngx_uint_t                multicast;
    ngx_uint_t                worker;
    ngx_uint_t                pkts_per_dgram;
    ngx_srt_route_t          *route;
    ngx_srt_shm_output_t     *stats;

    /* owner worker only */
    ngx_socket_t              fd;
    ngx_msec_t                retry;         /* last socket setup attempt */
    ngx_srt_reader_t          reader;
    ngx_event_t               claim;
    uint64_t                  last_bytes;
    unsigned                  owned:1;
} ngx_srt_output_t;


struct ngx_srt_route_s {
    ngx_str_t                 name;
    size_t                    ring_size;
    ngx_uint_t                worker;        /* selector owner index */
    ngx_srt_input_t          *input;
    ngx_array_t               outputs;       /* ngx_srt_output_t */

    ngx_srt_ring_t            ring;          /* the route ring */
    ngx_srt_shm_output_t     *selector;      /* selector lease + position */
    ngx_srt_shm_http_t       *http;

    /* selector owner only */
    ngx_srt_reader_t          reader;        /* on the input ring */
    srt_ts_analyzer_t        *analyzer;
    ngx_event_t               claim;
    unsigned                  owned:1;

    u_char                   *conf_file;
    ngx_uint_t                conf_line;
};


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
} ngx_srt_main_conf_t;


extern ngx_module_t  ngx_srt_module;


#define ngx_srt_get_main_conf(cycle)                                          \
    ((ngx_srt_main_conf_t *) ngx_get_conf((cycle)->conf_ctx, ngx_srt_module))


/* ngx_srt_module.c */
ngx_srt_route_t *ngx_srt_find_route(ngx_cycle_t *cycle, ngx_str_t *name);
ngx_listening_t *ngx_srt_input_listening(ngx_cycle_t *cycle,
    ngx_srt_input_t *in);
uint64_t ngx_srt_unix_msec(void);
void ngx_srt_bitrate(ngx_atomic_t *bytes, uint64_t *last, ngx_atomic_t *bitrate,
    ngx_msec_t elapsed);
ngx_int_t ngx_srt_resolve(ngx_conf_t *cf, ngx_str_t *url, srt_url_t *parsed,
    ngx_uint_t listen, ngx_addr_t *addr, ngx_uint_t *multicast);

/* ngx_srt_shm.c: zone, leases, wake-ups and local reader dispatch */
ngx_int_t ngx_srt_init_zone(ngx_shm_zone_t *shm_zone, void *data);
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
void ngx_srt_count_pid(ngx_srt_pid_count_t *table, ngx_uint_t pid);
ngx_uint_t ngx_srt_worker_slot(void);
ngx_uint_t ngx_srt_http_clients(ngx_srt_shm_http_t *http);

/* ngx_srt_udp_input.c */
ngx_int_t ngx_srt_udp_input_conf(ngx_conf_t *cf, ngx_srt_input_t *in);
ngx_int_t ngx_srt_udp_input_init_master(ngx_cycle_t *cycle,
    ngx_srt_input_t *in);
ngx_int_t ngx_srt_udp_input_start(ngx_cycle_t *cycle, ngx_srt_input_t *in);
void ngx_srt_udp_input_release(ngx_srt_input_t *in);

/* ngx_srt_selector.c */
ngx_int_t ngx_srt_selector_start(ngx_cycle_t *cycle, ngx_srt_route_t *rt);

/* ngx_srt_udp_output.c */
ngx_int_t ngx_srt_udp_output_conf(ngx_conf_t *cf, ngx_srt_output_t *out);
ngx_int_t ngx_srt_udp_output_start(ngx_cycle_t *cycle, ngx_srt_output_t *out);
void ngx_srt_udp_output_stop(ngx_srt_output_t *out);


#endif /* _NGX_SRT_MODULE_H_INCLUDED_ */
