/*
 * ts_check: an incremental MPEG-TS integrity checker after ETSI TR 101 290
 * (priority 1 and the basic priority 2 indicators).  No nginx, no globals,
 * no allocation: all state lives in ts_check_t (fixed size, about 1 MB, so
 * allocate it on the heap or as a static).
 *
 *   ts_check_t  *c = malloc(sizeof(ts_check_t));
 *   ts_check_init(c, &opts);                    (opts may be NULL)
 *   ts_check_feed(c, buf, len, arrival_us);     any chunk sizes
 *   ts_check_tick(c, now_us);                   live inputs, while idle
 *   ts_check_finish(c);                         end-of-input checks
 *   ts_check_print_text(c, stdout) / ts_check_print_json(c, stdout)
 *
 * Time base (ts_check_opts_t.clock):
 *
 *   TSC_CLOCK_STREAM (files, stdin): the stream's own clock.  The PCR of
 *     one reference PID (the first PID carrying a PCR) gives the time at
 *     its packets; packets in between get the time of the last PCR plus
 *     their byte distance from it at the byte rate measured between the
 *     last two PCRs (extrapolation: the checker never looks ahead).  A PCR
 *     step outside 0..100 ms, or one with the discontinuity_indicator, does
 *     not move the clock: it goes on by byte position.  Before the first
 *     PCR, or in a stream without PCR, the time is the byte position at the
 *     nominal bitrate opts.bitrate; without one the time stands still
 *     there and the time-based checks see no time pass.
 *
 *   TSC_CLOCK_ARRIVAL (live inputs): the arrival time given to
 *     ts_check_feed() / ts_check_tick() drives the PAT/PMT/PID absence and
 *     PTS repetition checks, so a stalled input shows as missing tables.
 *     The PCR checks still use the stream clock above: they are about the
 *     multiplex, and network jitter would otherwise show as PCR errors.
 */

#ifndef TS_CHECK_H
#define TS_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>


#define TSC_PACKET          188
#define TSC_NPIDS           8192
#define TSC_NULL_PID        0x1fff
#define TSC_MAX_PROGRAMS    256
#define TSC_MAX_SLOTS       64          /* section buffers: PID 0 + PMTs */
#define TSC_SECTION_MAX     1024        /* PAT/PMT: 3 + 1021 */
#define TSC_BUF             16384
#define TSC_MAX_EVENTS      50          /* first events, all indicators */
#define TSC_FIRST_PER_IND   5           /* first events per indicator */
#define TSC_DETAIL_LEN      96

#define TSC_SYNC_ACQUIRE    5           /* sync bytes in a row to lock */
#define TSC_SYNC_LOSE       2           /* bad sync bytes in a row to lose */

#define TSC_PAT_TIMEOUT_US  500000
#define TSC_PMT_TIMEOUT_US  500000
#define TSC_PID_TIMEOUT_US  5000000     /* default of the user period */
#define TSC_PCR_REP_US      40000
#define TSC_PCR_DISC_US     100000
#define TSC_PTS_REP_US      700000


typedef enum {
    /* priority 1 */
    TSC_TS_SYNC_LOSS = 0,
    TSC_SYNC_BYTE_ERROR,
    TSC_PAT_ERROR,
    TSC_CC_ERROR,
    TSC_PMT_ERROR,
    TSC_PID_ERROR,
    /* priority 2 */
    TSC_TRANSPORT_ERROR,
    TSC_CRC_ERROR,
    TSC_PCR_REPETITION_ERROR,
    TSC_PCR_DISCONTINUITY_ERROR,
    TSC_PTS_ERROR,
    TSC_NIND
} tsc_indicator_t;

#define TSC_FIRST_P2        TSC_TRANSPORT_ERROR


typedef enum {
    TSC_CLOCK_STREAM = 0,
    TSC_CLOCK_ARRIVAL
} tsc_clock_t;


typedef struct {
    int64_t         pid_timeout_us;     /* PID_error period; 0: 5 s */
    uint64_t        bitrate;            /* nominal bit/s; 0: unknown */
    tsc_clock_t     clock;
} ts_check_opts_t;


typedef struct {
    tsc_indicator_t ind;
    uint16_t        pid;
    uint64_t        packet;             /* index among in-sync packets */
    uint64_t        offset;             /* byte offset in the input */
    int64_t         time_us;            /* on the check time base */
    char            detail[TSC_DETAIL_LEN];
} tsc_event_t;


typedef enum {
    TSC_TYPE_NONE = 0,                  /* not referenced by PSI */
    TSC_TYPE_PAT,
    TSC_TYPE_CAT,
    TSC_TYPE_SI,                        /* NIT, SDT, EIT, TDT... */
    TSC_TYPE_PMT,
    TSC_TYPE_VIDEO,
    TSC_TYPE_AUDIO,
    TSC_TYPE_PRIVATE,                   /* stream_type 0x06 and others */
    TSC_TYPE_SCTE35,
    TSC_TYPE_NULL,
    TSC_TYPE_PCR                        /* carries a PCR only */
} tsc_type_t;


typedef struct {
    uint64_t        packets;
    uint64_t        cc_errors;

    int64_t         seen_t;             /* last packet or watch start */
    int64_t         psi_t;              /* last PMT section / watch start */
    int64_t         pcr_t;              /* stream clock (27 MHz) there */
    int64_t         pts_t;              /* time of the last PTS */
    int64_t         pcr;                /* last PCR, 27 MHz */

    uint16_t        owner_pid;          /* PMT PID listing this ES */
    uint16_t        owner_prog;
    int16_t         slot;               /* section buffer, -1: none */

    uint8_t         cc;
    uint8_t         has_cc;
    uint8_t         dup;                /* repeats of the last packet */
    uint8_t         type;               /* tsc_type_t */
    uint8_t         stream_type;
    uint8_t         is_pmt;
    uint8_t         is_es;
    uint8_t         has_pcr;
    uint8_t         has_pts;
    uint8_t         pid_flagged;        /* PID_error raised for this gap */
    uint8_t         pmt_flagged;        /* PMT_error raised for this gap */
} tsc_pid_t;


typedef struct {
    uint16_t        pid;
    uint16_t        len;
    uint16_t        need;               /* 0: header not complete yet */
    uint8_t         active;
    uint8_t         buf[TSC_SECTION_MAX];
} tsc_slot_t;


typedef struct {
    uint16_t        number;
    uint16_t        pmt_pid;
    uint32_t        pmt_crc;
    uint8_t         have_crc;
} tsc_program_t;


typedef struct {
    ts_check_opts_t opts;

    /* byte layer */
    uint8_t         buf[TSC_BUF];
    size_t          blen;
    uint64_t        buf_off;            /* input offset of buf[0] */
    int             synced;
    int             ever_synced;
    unsigned        bad_sync;
    uint64_t        bytes;
    uint64_t        skipped;            /* bytes outside sync */
    uint64_t        packets;

    /* time */
    int             started;
    int64_t         now;                /* check time base, us */
    int64_t         stream_t;           /* stream clock, us */
    int64_t         arrival0;
    int64_t         arrival;
    int             have_arrival;
    int             ref_pid;            /* reference PCR PID, -1: none */
    int64_t         clk_t;              /* clock anchor: time */
    uint64_t        clk_off;            /*   byte offset */
    int64_t         clk_pcr;            /*   PCR there, -1: none */
    double          clk_rate;           /* bytes per second, 0: unknown */
    int             clk_held;           /* held at a discontinuity: the
                                           next PCR of any PID re-anchors */
    int64_t         sweep_t;

    /* PSI */
    int64_t         pat_t;
    int             pat_flagged;
    int             pat_have;
    unsigned        pat_version;
    tsc_program_t   programs[TSC_MAX_PROGRAMS];
    unsigned        nprograms;
    uint16_t        watch[TSC_NPIDS];   /* PIDs listed in PMTs */
    unsigned        nwatch;
    tsc_slot_t      slots[TSC_MAX_SLOTS];

    /* results */
    uint64_t        counts[TSC_NIND];
    tsc_event_t     events[TSC_MAX_EVENTS];
    unsigned        nevents;
    tsc_event_t     first[TSC_NIND][TSC_FIRST_PER_IND];
    unsigned        nfirst[TSC_NIND];
    int             finished;

    tsc_pid_t       pids[TSC_NPIDS];

    /* the packet being processed (for events) */
    uint64_t        cur_packet;
    uint64_t        cur_off;
} ts_check_t;


void ts_check_init(ts_check_t *c, const ts_check_opts_t *opts);
void ts_check_feed(ts_check_t *c, const uint8_t *data, size_t len,
    int64_t arrival_us);
void ts_check_tick(ts_check_t *c, int64_t arrival_us);
void ts_check_finish(ts_check_t *c);

uint64_t ts_check_count(const ts_check_t *c, tsc_indicator_t ind);
uint64_t ts_check_priority1(const ts_check_t *c);  /* sum of priority 1 */
uint64_t ts_check_priority2(const ts_check_t *c);
uint64_t ts_check_packets(const ts_check_t *c);
int64_t ts_check_now_us(const ts_check_t *c);       /* check time base */
int64_t ts_check_duration_us(const ts_check_t *c);
const char *ts_check_clock_name(const ts_check_t *c);
const tsc_event_t *ts_check_events(const ts_check_t *c, unsigned *n);
const tsc_pid_t *ts_check_pid(const ts_check_t *c, unsigned pid);

const char *ts_check_indicator_name(tsc_indicator_t ind);
const char *ts_check_indicator_number(tsc_indicator_t ind);  /* "1.4" */
const char *ts_check_type_name(tsc_type_t type);

uint32_t ts_check_crc32(const uint8_t *p, size_t n);  /* CRC-32/MPEG-2 */

void ts_check_print_text(const ts_check_t *c, FILE *f);
void ts_check_print_json(const ts_check_t *c, FILE *f);

#endif /* TS_CHECK_H */
