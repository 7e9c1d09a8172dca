/*
 * Joins the streams of a route's inputs into one transport stream that a
 * receiver can follow across input switches.  Plain C99, no nginx types,
 * no allocation; one event loop calls everything (the route's selector).
 * Unit tested in t/unit/test_join.c.
 *
 * Until the first switch every packet passes byte-exact: a route that
 * never fails over is untouched.  The joiner only watches: the first
 * input's PAT and PMT define the route's layout (transport_stream_id,
 * program_number, PMT PID, elementary streams and their PIDs), and it
 * keeps each PID's last output continuity counter and the last PCR and
 * decode timestamp that went out.
 *
 * After srt_join_switch():
 *
 *   - PSI belongs to the joiner.  The new input's packets are dropped
 *     (counted) until its PAT and PMT are known; then the route's PAT and
 *     the input's PMT, rewritten to the route's layout, go out at once,
 *     and every later input PAT or PMT is replaced by the route's version
 *     of it.  A PAT or PMT whose content differs from the one last sent
 *     gets version_number + 1.
 *
 *   - PIDs are remapped: the n-th video, audio or SCTE-35 stream of the
 *     input takes the PID of the n-th stream of the same kind in the
 *     route's layout; streams without a counterpart keep their PID when it
 *     is free, else take a free one from 0x1f00 down.  A PCR-only PID maps
 *     to the route's PCR PID.  Other PIDs (SDT, EIT, ...) pass unchanged
 *     unless they collide with a mapped PID (then they are dropped).
 *
 *   - Continuity counters continue per output PID: the first packet of a
 *     PID from the new input follows the last one sent, later ones keep
 *     the input's own steps (so the input's real gaps stay visible).
 *
 *   - The first packet of every PID that was on the output before carries
 *     the discontinuity_indicator: set in its adaptation field when it has
 *     one with a flags byte, else an adaptation-only packet (which does not
 *     advance the counter) goes out in front of it.
 *
 *   - rebase != 0 ("timestamps continuous"): PCR, PTS, DTS and the
 *     pts_adjustment of single-packet SCTE-35 sections (CRC recomputed) of
 *     the new input are shifted so its first PCR (or, when a PES timestamp
 *     comes first, its first DTS) continues the output's last one plus
 *     the wall-clock time since then.
 */

#ifndef _SRT_JOIN_H_INCLUDED_
#define _SRT_JOIN_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define SRT_JOIN_TS           188
#define SRT_JOIN_PIDS         8192
#define SRT_JOIN_MAX_ES       32
#define SRT_JOIN_SECTION_MAX  1024

/*
 * The most packets srt_join_packet() writes for one input packet: the
 * route's PAT and PMT (1 + 6 packets for a 1024-byte section), each after
 * an adaptation-only packet carrying the discontinuity indicator.
 */
#define SRT_JOIN_MAX_OUT      10


enum {
    SRT_JOIN_OTHER = 0,
    SRT_JOIN_VIDEO,
    SRT_JOIN_AUDIO,
    SRT_JOIN_SCTE35
};


typedef struct {
    uint16_t              pid;
    uint8_t               type;          /* PMT stream_type */
    uint8_t               kind;          /* SRT_JOIN_VIDEO, ... */
} srt_join_es_t;


typedef struct {
    uint8_t               buf[SRT_JOIN_SECTION_MAX];
    size_t                len;
    size_t                size;          /* 3 + section_length, 0: unknown */
    unsigned              active;
} srt_join_section_t;


typedef struct {
    uint16_t              tsid;
    uint16_t              program_number;
    uint16_t              pmt_pid;
    uint16_t              pcr_pid;
    unsigned              nes;
    srt_join_es_t         es[SRT_JOIN_MAX_ES];
} srt_join_layout_t;


typedef struct {
    srt_join_layout_t     route;         /* from the first input */
    unsigned              have_route:1;
    unsigned              joined:1;      /* a switch happened: PSI is ours */
    unsigned              ready:1;       /* the current input is mapped */
    unsigned              rebase:1;

    /* the current input */
    srt_join_layout_t     in;
    unsigned              have_in_pat:1;
    uint16_t              map[SRT_JOIN_PIDS];    /* output PID + 1, 0: as is */
    uint8_t               taken[SRT_JOIN_PIDS / 8];  /* output PIDs mapped */
    uint8_t               kind[SRT_JOIN_PIDS];   /* of output PIDs */
    srt_join_section_t    pat;
    srt_join_section_t    pmt;

    /* output */
    uint8_t               cc[SRT_JOIN_PIDS];     /* bit 4: seen, 0-3: last */
    uint8_t               cc_off[SRT_JOIN_PIDS]; /* input -> output step */
    uint8_t               done[SRT_JOIN_PIDS / 8];   /* PIDs that had their
                                                        first packet since
                                                        the switch */
    uint8_t               pat_version;
    uint8_t               pmt_version;
    uint8_t               pat_body[SRT_JOIN_SECTION_MAX];
    size_t                pat_body_len;
    uint8_t               pmt_body[SRT_JOIN_SECTION_MAX];
    size_t                pmt_body_len;

    /* timestamps, 90 kHz */
    uint64_t              now_ms;        /* the caller's wall clock */
    int64_t               ts_off;
    unsigned              ts_off_known:1;
    unsigned              have_pcr:1;
    unsigned              have_dts:1;
    uint64_t              last_pcr;      /* base of the last PCR out */
    uint64_t              last_pcr_ms;
    uint64_t              last_dts;      /* last PES DTS (or PTS) out */
    uint64_t              last_dts_ms;

    /* counters */
    uint64_t              switches;
    uint64_t              dropped;       /* before the new input's PMT, or
                                            colliding PIDs */
    uint64_t              di_packets;    /* adaptation-only packets added */
    uint64_t              psi_versions;  /* PAT/PMT version bumps */
    uint64_t              remapped;      /* packets whose PID changed */
} srt_join_t;


void srt_join_init(srt_join_t *j, int rebase);

/* the caller's wall clock, in ms: once per batch is enough */
void srt_join_time(srt_join_t *j, uint64_t now_ms);

/* the next packets come from another input (or the same one again) */
void srt_join_switch(srt_join_t *j);

/*
 * One 188-byte packet in (pkt[0] == 0x47 is the caller's), 0 to
 * SRT_JOIN_MAX_OUT packets out.  Never reads outside the input packet.
 */
size_t srt_join_packet(srt_join_t *j, const uint8_t *pkt, uint8_t *out);

/* stream kind of a PMT entry (descriptors tell DVB AC-3 from other data) */
int srt_join_kind(uint8_t type, const uint8_t *desc, size_t len);


#endif /* _SRT_JOIN_H_INCLUDED_ */
