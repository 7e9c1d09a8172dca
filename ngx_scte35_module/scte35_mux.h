/*
 * SCTE-35 carriage in MPEG-TS for one route: a packet filter between the
 * route's input and its output ring.  Plain C99, no nginx types, no
 * allocation; single-threaded (one event loop calls everything).
 *
 * Every input packet goes in, 0..SCTE35_MUX_MAX_OUT packets come out:
 *
 *   - PAT -> the first program's PMT PID; the PMT (CRC-checked, sections
 *     may span packets and share packets) gives the video PID (stream
 *     types 0x01 0x02 0x10 0x1b 0x24 0x42 0xd1 0xea), the first audio PID
 *     and the first SCTE-35 PID (stream type 0x86).
 *
 *   - The clock is the PTS of the last video PES start (33 bits), or of
 *     the first audio PID's when the program has no video.  It is the
 *     latest PTS seen, not the largest: with B-frames it goes back and
 *     forth in decode order, as it does for a splicer watching the wire.
 *
 *   - insert != 0: when the PMT has no 0x86 stream, the PMT is rewritten:
 *     an ES entry (0x86, the carriage PID, no descriptors) at the end of the
 *     ES loop, a registration descriptor "CUEI" at the end of program_info
 *     unless one is there (FFmpeg takes the last registration descriptor
 *     of program_info, so it must come last), a new version_number and
 *     CRC.  The input PMT packets are withheld until their sections are
 *     complete, then replaced by the rewritten sections (PUSI and
 *     pointer_field where a section starts, 0xff stuffing after the last
 *     one) with the mux's own continuity counters.  Other sections found
 *     on the PMT PID (other programs' PMTs) are kept, byte-exact, in the
 *     same packets; adaptation fields with flags (a PCR on the PMT PID)
 *     are kept in adaptation-only packets at the same place.  A PMT that
 *     does not parse or fails its CRC, or that would grow past 1021 bytes
 *     of section_length, passes unchanged (pmt_errors).
 *
 *     Output version: input version + 1 (mod 32), remembered for that
 *     input section (CRC and version), so repeats of one input PMT give
 *     the same bytes and any change gives a new version (+2 when the
 *     input changed without changing its version).  Once the mux has
 *     rewritten a PMT it keeps owning the PMT PID: later valid PMTs of
 *     the program are always re-versioned (only re-versioned if they now
 *     carry a 0x86 stream or cannot grow), so a receiver never sees a
 *     changed table under a version it already has.
 *
 *     If the PMT already has a 0x86 stream, it passes unchanged and cues
 *     are inserted on that PID.
 *
 *   - Carriage PID: the input's 0x86 PID; else the configured one, unless
 *     the PMT uses it (ES, PCR or PMT PID: no carriage, pid_conflicts);
 *     else (0) the first PID from 0x01f0 up that the PMT does not use, the
 *     PAT does not list and no input packet had so far; it stays the same
 *     until the PMT starts using it.
 *
 *   - scte35_mux_queue() queues an encoded splice_info_section.  It goes
 *     out right before the packet starting the first clock PES (video
 *     PES with a PTS) that makes the clock reach send_pts (33-bit wrap
 *     aware: due when (clock - send_pts) mod 2^33 < 2^32), or before the
 *     next packet of any PID when immediate.  A send_pts already in the
 *     past is due at the next clock PES.  Nothing goes out on the
 *     carriage PID before a PMT advertising it has gone out, nor in the
 *     middle of an input SCTE-35 section that spans packets (the mux
 *     waits for its end, at most SCTE35_MUX_STALE input packets after the
 *     last packet on that PID): sections due in the meantime go out
 *     before the first packet after that, late rather than never.  Each
 *     section is its own run of packets: PUSI and pointer_field 0 in the
 *     first, 0xff stuffing after the end.  Sections due at once go out in
 *     queue order.
 *
 *   - Continuity counters of the PMT PID (once rewritten) and of the
 *     carriage PID (once something was inserted) belong to the mux: the
 *     input's packets on those PIDs are restamped with an offset that
 *     keeps the output continuous and keeps the input's own gaps and
 *     duplicates.  Before that, those packets pass byte-exact.
 *
 *   - Sections of the input's 0x86 PID are reassembled and handed to
 *     seen() (CRC not checked: scte35_decode() does it).  seen() runs
 *     inside scte35_mux_packet() and may call scte35_mux_queue(); the
 *     section it gets is only valid during the call.
 *
 *   - Everything else passes byte-exact; packets without the sync byte or
 *     with transport_error_indicator pass unchanged and are not parsed.
 *     No read ever leaves the 188 bytes of the input packet.
 *
 * The struct is about 50 KB: keep one per route, not on a stack.
 */

#ifndef _SCTE35_MUX_H_INCLUDED_
#define _SCTE35_MUX_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define SCTE35_MUX_OK             0
#define SCTE35_MUX_ERROR         -1     /* invalid argument or section */
#define SCTE35_MUX_FULL          -2     /* the queue is full */

#define SCTE35_MUX_TS             188
#define SCTE35_MUX_QUEUE          32     /* queued sections */
#define SCTE35_MUX_MAX_SECTION    1024   /* bytes of one queued section */
#define SCTE35_MUX_STALE          256    /* see above, in input packets */

/* packets of one section: 1 pointer_field byte, then 184 per packet */
#define SCTE35_MUX_SECTION_PACKETS                                          \
    ((SCTE35_MUX_MAX_SECTION + SCTE35_MUX_TS - 4) / (SCTE35_MUX_TS - 4))

/* input PMT PID packets withheld at most until their sections complete */
#define SCTE35_MUX_PMT_PACKETS    8
/* bytes and count of the sections of one such run, rewritten */
#define SCTE35_MUX_PMT_BYTES      1536
#define SCTE35_MUX_PMT_SECTIONS   32

/* a run: adaptation-only packets + rewritten sections (>= 183 per packet) */
#define SCTE35_MUX_PMT_OUT                                                  \
    (SCTE35_MUX_PMT_PACKETS + (SCTE35_MUX_PMT_BYTES + 182) / 183)

/*
 * The most packets scte35_mux_packet() writes for one input packet: every
 * queued section due at once, plus the PMT run the packet completes (or
 * the input packet itself, or the PMT packets a PAT change flushes before
 * it), plus one.  210 packets, 39480 bytes.
 */
#define SCTE35_MUX_MAX_OUT                                                  \
    (SCTE35_MUX_QUEUE * SCTE35_MUX_SECTION_PACKETS + SCTE35_MUX_PMT_OUT + 1)


typedef void (*scte35_mux_seen_pt)(void *data, const uint8_t *section,
    size_t len);


/* reassembly of one PID's sections */
typedef struct {
    size_t                 len;         /* bytes of the current section */
    size_t                 size;        /* 3 + section_length, 0: unknown */
    unsigned               active;      /* a section is in progress */
} scte35_mux_psi_t;


/* output continuity counter of a PID the mux writes to */
typedef struct {
    uint16_t               pid;
    uint8_t                owned;       /* mux packets went out: restamp */
    uint8_t                have_out;
    uint8_t                last_out;
    uint8_t                off;         /* output cc - input cc, mod 16 */
    uint8_t                off_unknown; /* no input packet seen yet */
} scte35_mux_cc_t;


typedef struct {
    uint64_t               send_pts;
    uint16_t               len;
    uint8_t                immediate;
    uint8_t                due;         /* the clock reached send_pts */
    uint8_t                data[SCTE35_MUX_MAX_SECTION];
} scte35_mux_entry_t;


typedef struct {
    /* configuration */
    uint16_t               conf_pid;
    unsigned               insert;
    scte35_mux_seen_pt     seen;
    void                  *data;

    /* from the PAT */
    uint16_t               program_number;
    uint16_t               pmt_pid;

    /* from the last valid PMT of that program */
    unsigned               pmt_known;
    uint16_t               pcr_pid;
    uint16_t               video_pid;
    uint16_t               audio_pid;
    uint16_t               clock_pid;
    uint16_t               in_pid;      /* the input's 0x86 PID, or 0 */
    uint16_t               pid;         /* carriage PID, or 0 */
    uint16_t               auto_pid;
    unsigned               ready;       /* a PMT advertising pid went out */

    /* output version for the last input PMT (CRC and version) */
    unsigned               map_valid;
    uint32_t               map_crc;
    uint8_t                map_in;
    uint8_t                map_out;

    unsigned               clock_known;
    uint64_t               clock;

    uint64_t               packets;     /* input packets */
    uint64_t               obs_last;    /* packets at the last on in_pid */

    scte35_mux_cc_t        pmt_cc;
    scte35_mux_cc_t        scte_cc;

    scte35_mux_psi_t       pat_psi;
    scte35_mux_psi_t       pmt_psi;
    scte35_mux_psi_t       obs_psi;

    /* a PAT section that names another program or PMT PID */
    unsigned               pat_changed;
    uint16_t               pat_program;
    uint16_t               pat_pmt_pid;

    /* the withheld PMT PID packets and their complete sections */
    size_t                 run_n;
    unsigned               run_bad;
    unsigned               run_targets;
    size_t                 coll_n;
    size_t                 coll_len;
    uint16_t               coll_off[SCTE35_MUX_PMT_SECTIONS];
    uint8_t                coll_target[SCTE35_MUX_PMT_SECTIONS];

    /* queued sections: q_order[0..q_n) are slots of q[] in queue order */
    size_t                 q_n;
    uint8_t                q_order[SCTE35_MUX_QUEUE];
    uint8_t                q_used[SCTE35_MUX_QUEUE];

    /* counters */
    uint64_t               pmt_rewrites;      /* PMT sections rewritten */
    uint64_t               pmt_errors;        /* bad or oversized PMTs */
    uint64_t               pmt_packets;       /* PMT packets written */
    uint64_t               pid_conflicts;     /* PMTs using conf_pid */
    uint64_t               psi_errors;        /* bad pointer/lengths */
    uint64_t               sections_inserted;
    uint64_t               packets_inserted;
    uint64_t               sections_seen;
    uint64_t               queue_full;
    uint64_t               bad_packets;       /* no sync byte, or TEI */

    uint8_t                pat_buf[1024];
    uint8_t                pmt_buf[1024];
    uint8_t                obs_buf[4096];
    uint8_t                run[SCTE35_MUX_PMT_PACKETS][SCTE35_MUX_TS];
    uint8_t                coll[SCTE35_MUX_PMT_BYTES];
    uint8_t                scratch[SCTE35_MUX_PMT_BYTES];

    uint8_t                pid_seen[8192 / 8];    /* had input packets */
    uint8_t                pid_listed[8192 / 8];  /* in the PAT */
    uint8_t                pid_cc[8192 / 2];      /* their last cc */

    scte35_mux_entry_t     q[SCTE35_MUX_QUEUE];
} scte35_mux_t;


/*
 * pid: the carriage PID to use when the input has none (0x0010-0x1ffe),
 * or 0 to pick one.  insert: rewrite the PMT and accept scte35_mux_queue();
 * with 0 the mux only observes (clock, seen()) and passes every packet
 * byte-exact.  seen(data, section, len) gets each complete section of the
 * input's SCTE-35 PID; may be NULL.  Returns SCTE35_MUX_ERROR for a PID
 * out of range (m is then still initialized, with pid 0).
 */
int scte35_mux_init(scte35_mux_t *m, uint16_t pid, int insert,
    scte35_mux_seen_pt seen, void *data);

/*
 * One 188-byte input packet in; out must have room for SCTE35_MUX_MAX_OUT
 * packets.  Returns the number of packets written to out (0 while PMT
 * packets are withheld).
 */
size_t scte35_mux_packet(scte35_mux_t *m, const uint8_t *in, uint8_t *out);

/*
 * Queues a splice_info_section (table_id 0xfc, 3 + section_length ==
 * len <= SCTE35_MUX_MAX_SECTION; the bytes are copied and sent as they
 * are) for the clock reaching send_pts, or for the next packet if
 * immediate.  Returns SCTE35_MUX_OK, SCTE35_MUX_FULL (counted in
 * queue_full) or SCTE35_MUX_ERROR (bad section, or insert is off).
 */
int scte35_mux_queue(scte35_mux_t *m, const uint8_t *section, size_t len,
    uint64_t send_pts, int immediate);

/*
 * Turns insertion on in a mux made with insert 0: the next PMT is the
 * first rewritten one (its counters continue the input's), and queued
 * sections wait for it.  A route nobody marks keeps its stream untouched.
 */
void scte35_mux_enable(scte35_mux_t *m);

/* 1 and *pts = the clock (33 bits) if a PTS was seen, else 0 */
int scte35_mux_clock(const scte35_mux_t *m, uint64_t *pts);

/* the carriage PID (the input's SCTE-35 PID if it has one), 0 until known */
uint16_t scte35_mux_pid(const scte35_mux_t *m);

/*
 * Sections queued and not yet sent; they wait as long as there is no
 * carriage (no PAT/PMT yet, or the configured PID is taken).
 */
size_t scte35_mux_pending(const scte35_mux_t *m);


#endif /* _SCTE35_MUX_H_INCLUDED_ */
