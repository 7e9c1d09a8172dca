/*
 * MPEG-TS helpers for datagram inputs and ring writers.  Plain C, no nginx
 * types, so they can be unit tested on their own (t/unit/test_ts.c).
 */

#ifndef _SRT_TS_H_INCLUDED_
#define _SRT_TS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define SRT_TS_PACKET_SIZE   188
#define SRT_TS_SYNC_BYTE     0x47
#define SRT_TS_NULL_PID      0x1fff
#define SRT_TS_MAX_PIDS      8192


/* a run of consecutive, sync-aligned TS packets inside one datagram */
typedef struct {
    size_t              offset;
    size_t              count;
} srt_ts_run_t;


/* per-input sync state and counters; zero it before the first datagram */
typedef struct {
    uint64_t            datagrams;
    uint64_t            packets;        /* TS packets accepted */
    uint64_t            sync_losses;    /* episodes of lost sync */
    uint64_t            garbage_bytes;  /* bytes skipped while resyncing */
    uint64_t            truncated;      /* datagrams ending in a part packet */
    uint64_t            rtp_datagrams;  /* datagrams with an RTP header */
    unsigned            in_sync:1;
} srt_ts_sync_t;


/*
 * Length of an RTP header (RFC 3550: version 2, CSRCs, extension, padding
 * handled) in front of TS packets, or 0 when buf is not RTP-wrapped TS.
 * Auto-detection: version 2, payload type 33 (MP2T) or dynamic (96-127),
 * and a 0x47 sync byte right after the header.  force != 0 skips the
 * payload-type check (rtp:// URLs).  *padding gets the number of RTP
 * padding bytes to drop from the end.
 */
size_t srt_ts_rtp_header_len(const uint8_t *buf, size_t len, int force,
    size_t *padding);

/*
 * Finds TS packets in a datagram (RTP header already stripped).  A packet is
 * accepted at offset i when buf[i] == 0x47 and the next packet boundary
 * (i + 188) is either the end of the data or another 0x47.  Garbage before,
 * between and after packets is skipped and counted; each transition from
 * "in sync" to "out of sync" counts one sync loss.  Returns the number of
 * runs written to runs[] (at most max_runs; further packets are dropped and
 * counted as garbage).
 */
size_t srt_ts_find_runs(const uint8_t *buf, size_t len, srt_ts_run_t *runs,
    size_t max_runs, srt_ts_sync_t *sync);


/* flags returned by srt_ts_analyze() for one packet */
#define SRT_TS_F_PAT        0x01    /* packet starts a PAT section */
#define SRT_TS_F_PMT        0x02    /* packet starts the PMT section */
#define SRT_TS_F_RAP        0x04    /* random access point: video keyframe
                                       start, or audio PES start when the
                                       program has no video */
#define SRT_TS_F_CC_ERROR   0x08    /* continuity counter discontinuity */
#define SRT_TS_F_PUSI       0x10    /* payload_unit_start_indicator set */
#define SRT_TS_F_PSI_CHANGE 0x20    /* PAT or PMT content changed */
#define SRT_TS_F_TEI        0x40    /* transport_error_indicator set */


#define SRT_TS_SECTION_MAX  1024


typedef struct {
    uint8_t             buf[SRT_TS_SECTION_MAX];
    size_t              len;
    uint16_t            pid;
    unsigned            active:1;
} srt_ts_section_t;


/* per-stream analyzer: continuity counters, PSI, random access points */
typedef struct {
    uint8_t             cc[SRT_TS_MAX_PIDS];   /* bit 5 = duplicate seen,
                                                  4 = seen, 0-3 = cc */
    uint32_t            cc_errors_pid[SRT_TS_MAX_PIDS];
    uint64_t            cc_errors;
    uint64_t            tei_packets;
    uint64_t            psi_errors;            /* bad CRC, bad length */

    uint16_t            pmt_pid;               /* first program; 0 unknown */
    uint16_t            program_number;
    uint16_t            pcr_pid;
    uint16_t            video_pid;             /* 0: none */
    uint16_t            audio_pid;             /* first audio; 0: none */
    uint8_t             video_type;            /* PMT stream_type */
    uint8_t             audio_type;
    uint16_t            video_width;           /* 0: not known yet */
    uint16_t            video_height;
    int                 pat_version;           /* -1 unknown */
    int                 pmt_version;
    uint32_t            pat_crc;
    uint32_t            pmt_crc;

    srt_ts_section_t    section;               /* PAT/PMT reassembly */
} srt_ts_analyzer_t;


void srt_ts_analyzer_init(srt_ts_analyzer_t *a);

/*
 * Looks at one 188-byte packet (pkt[0] == 0x47 is guaranteed by the caller)
 * and returns SRT_TS_F_* flags.  Parses PAT and PMT (sections may span
 * packets; CRC-32/MPEG-2 checked, bad sections counted in psi_errors and
 * ignored), tracks continuity counters per PID (only packets with payload
 * increment; one duplicate allowed; discontinuity_indicator resets; the
 * null PID is ignored), and detects random access points on the video PID:
 * adaptation field random_access_indicator, or a PES start whose payload in
 * this packet holds an H.264 IDR/SPS NAL, an H.265 IRAP/VPS NAL, or an
 * MPEG-2 sequence header.  Never reads outside pkt[0..187].
 */
unsigned srt_ts_analyze(srt_ts_analyzer_t *a, const uint8_t *pkt);

uint16_t srt_ts_pid(const uint8_t *pkt);

/* a 33-bit PTS or DTS from its 5 bytes in a PES header (marker bits and
   the 4-bit prefix ignored) */
uint64_t srt_ts_pes_ts(const uint8_t *p);

/*
 * The picture size in a PES start packet's payload p (n bytes) of a video
 * stream of PMT type "type": from an H.264 or H.265 SPS (cropping
 * applied) or an MPEG-2 sequence header held in this packet.  1 and *w, *h, or 0 (none
 * here, another codec, a header cut by the packet's end).  srt_ts_video.c.
 */
int srt_ts_video_size(uint8_t type, const uint8_t *p, size_t n, unsigned *w,
    unsigned *h);

uint32_t srt_ts_crc32(const uint8_t *data, size_t len);


#endif /* _SRT_TS_H_INCLUDED_ */
