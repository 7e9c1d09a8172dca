/*
 * Private to the SRT thread (ngx_srt_libsrt.c, ngx_srt_srt_io.c): one
 * thread per worker owns every libsrt call.  Everything declared here is
 * touched by that thread only, unless a comment says otherwise.
 */

#ifndef _NGX_SRT_LIBSRT_H_INCLUDED_
#define _NGX_SRT_LIBSRT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <srt/srt.h>
#include <srt/access_control.h>

#include "ngx_srt_module.h"


#define NGX_SRT_MSG_MAX        1500    /* largest SRT live payload */


typedef struct ngx_srt_conn_s  ngx_srt_conn_t;


/* a caller of this worker: a pull input or a push output */
typedef struct {
    ngx_srt_route_t          *route;
    ngx_srt_input_t          *input;
    ngx_srt_output_t         *output;
    ngx_str_t                *url;
    srt_url_t                *parsed;
    ngx_addr_t               *peer;
    ngx_srt_srt_endpoint_t   *ep;
    ngx_queue_t               queue;
} ngx_srt_caller_t;

struct ngx_srt_conn_s {
    SRTSOCKET                 sock;
    ngx_srt_conn_kind_e       kind;
    ngx_srt_route_t          *route;
    ngx_srt_input_t          *input;        /* publisher, pull */
    ngx_srt_output_t         *output;       /* player, push */
    ngx_srt_shm_conn_t       *slot;         /* statistics */
    ngx_srt_caller_t         *caller;       /* pull, push: reconnects */

    srt_ring_reader_t         rd;           /* player, push */
    size_t                    chunk;        /* TS packets per message */
    uint64_t                  send_drops;
    uint64_t                  bytes_out;    /* not yet added to stats */
    ngx_msec_t                flushed;      /* when they last were */

    ngx_msec_t                start;        /* thread clock */
    uint64_t                  since;        /* unix ms */
    ngx_uint_t                claimed;      /* holds the input ring */
    ngx_msec_t                paused_until; /* input ring lock busy */

    ngx_srt_conn_t           *hnext;        /* socket id hash chain */
    ngx_queue_t               queue;        /* route's players */
    ngx_queue_t               all;

    u_char                    peer[NGX_SRT_PEER_LEN];
    u_char                    streamid[NGX_SRT_SID_LEN];
};


/* a listener port in this worker */
typedef struct {
    ngx_srt_srt_port_t       *port;          /* NULL: a free slot */
    ngx_uint_t                index;         /* in the port table */
    SRTSOCKET                 sock;
    ngx_socket_t              fd;            /* the master's socket for this
                                                worker, until libsrt adopts
                                                it; then -1 */
    ngx_msec_t                retry;         /* thread clock */
    ngx_uint_t                failed;        /* attempts since it worked */
} ngx_srt_listener_t;


/* ngx_srt_libsrt.c */
ngx_msec_t ngx_srt_thread_msec(void);
void ngx_srt_notify_loop(void);
const char *ngx_srt_url_options(SRTSOCKET s, srt_url_t *u, ngx_uint_t secret);
ngx_int_t ngx_srt_sock_options(SRTSOCKET s, srt_url_t *u, ngx_uint_t caller,
    ngx_str_t *url);
ngx_srt_conn_t *ngx_srt_conn_create(SRTSOCKET s, ngx_srt_conn_kind_e kind,
    ngx_srt_route_t *rt, ngx_srt_input_t *in, ngx_srt_output_t *out,
    u_char *peer, u_char *streamid);
void ngx_srt_conn_close(ngx_srt_conn_t *c, const char *why);
ngx_uint_t ngx_srt_conn_publishing(ngx_srt_conn_t *c);
const char *ngx_srt_conn_kind_name(ngx_srt_conn_kind_e kind);

/* ngx_srt_srt_listen.c */
ngx_srt_table_t *ngx_srt_listen_table(void);
void ngx_srt_listen_table_set(ngx_srt_table_t *table);
void ngx_srt_listener_open(ngx_srt_listener_t *l, ngx_uint_t index);
void ngx_srt_listener_close(ngx_srt_listener_t *l);
void ngx_srt_listener_accept(ngx_srt_listener_t *l);
void ngx_srt_reject(ngx_srt_reject_e reason, int code, ngx_srt_srt_entry_t *e,
    ngx_uint_t publish, u_char *peer, u_char *streamid, const char *why);
void ngx_srt_log_handler(void *opaque, int level, const char *file, int line,
    const char *area, const char *message);

/* ngx_srt_srt_io.c */
void ngx_srt_io_receive(ngx_srt_conn_t *c);
void ngx_srt_io_player_added(ngx_srt_conn_t *c);
void ngx_srt_io_player_removed(ngx_srt_conn_t *c);
void ngx_srt_io_send_route(ngx_srt_route_t *rt);
void ngx_srt_io_input_released(ngx_srt_conn_t *c);
void ngx_srt_io_resume_paused(ngx_queue_t *conns);


extern ngx_log_t            *ngx_srt_thread_log;
extern ngx_srt_main_conf_t  *ngx_srt_mcf;     /* read-only in threads */
extern int                   ngx_srt_eid;      /* the SRT thread's epoll */


#endif /* _NGX_SRT_LIBSRT_H_INCLUDED_ */
