/*
 * Where HLS segments start: the segmenter's decision, packet by packet,
 * from the route's TS.  A segment starts at a random access point of the
 * cut PID (the video, or the audio of an audio-only route) once the
 * current one has reached the target duration, or at any PES start of
 * that PID once it has reached the maximum; a timeline jump (a DTS step
 * back or too far forward) or an announced input switch starts one at
 * the next random access point, marked as a discontinuity.  Durations
 * come from the PES timestamps (DTS, else PTS; 33-bit wrap handled).
 * Plain C, no nginx types; unit tested in t/unit/test_hls.c.
 */

#ifndef _SRT_HLS_CUT_H_INCLUDED_
#define _SRT_HLS_CUT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define SRT_HLS_CUT_NONE      0
#define SRT_HLS_CUT_FIRST     1     /* the first segment starts here */
#define SRT_HLS_CUT           2     /* a segment ends, the next starts here */


typedef struct {
    uint64_t        target;         /* 90 kHz */
    uint64_t        max;

    unsigned        started:1;      /* a segment is open */
    unsigned        disc:1;         /* the next segment is a discontinuity */
    unsigned        last_disc:1;    /* the segment just started is one */
    unsigned        force:1;        /* cut at the next keyframe */
    uint64_t        start;          /* its first timestamp */
    uint64_t        last;           /* the cut PID's last timestamp */
    uint64_t        step;           /* between its last two */
    uint64_t        closed;         /* duration of the segment that ended,
                                       90 kHz */
} srt_hls_cutter_t;


/*
 * How much of one PID's current PES has come: complete when it announced
 * its length (PES_packet_length, audio nearly always) and all of it is
 * here.  A PES of unbounded length (video, usually) is never known to be
 * complete: it ends at the next start.
 */
typedef struct {
    size_t          want;           /* 6 + PES_packet_length, 0: unknown */
    size_t          have;           /* bytes since its start */
} srt_hls_pes_t;


/* target and max in milliseconds (max >= target) */
void srt_hls_cutter_init(srt_hls_cutter_t *c, uint64_t target_ms,
    uint64_t max_ms);

/* the route switched inputs: the next segment is a discontinuity */
void srt_hls_cutter_switch(srt_hls_cutter_t *c);

/* an SCTE-35 splice point is due: the next keyframe starts a segment,
   whatever the open one's duration */
void srt_hls_cutter_force(srt_hls_cutter_t *c);

/*
 * One packet of the cut PID (the caller filters by PID), with rap != 0
 * when it starts a random access point.  Returns SRT_HLS_CUT_*: on
 * SRT_HLS_CUT, c->closed has the duration of the segment that ended
 * before this packet; c->last_disc says whether the new one is a
 * discontinuity.
 */
int srt_hls_cutter_packet(srt_hls_cutter_t *c, const uint8_t *pkt, int rap);

/*
 * Takes PID pid's packets from byte offset off on out of a buffer of
 * len bytes of 188-byte packets, keeping the order of the others; returns
 * the new length.  Each of the nmarks offsets in marks (PES starts of
 * other PIDs, say) is moved to where its packet went, and one at or
 * beyond the end stays at the end: a mark left behind would, used as off
 * later, take the wrong packets or, beyond the new end, bring back bytes
 * already taken out.
 */
size_t srt_hls_trim(uint8_t *buf, size_t len, uint16_t pid, size_t off,
    size_t *marks, size_t nmarks);

/* one packet of the PID, in order */
void srt_hls_pes_packet(srt_hls_pes_t *p, const uint8_t *pkt);

/* the current PES has all of its announced bytes */
int srt_hls_pes_whole(const srt_hls_pes_t *p);

/* the DTS (else PTS) of a PES start packet; -1 when it has none */
int64_t srt_hls_pes_time(const uint8_t *pkt);

/* its PTS; -1 when it has none */
int64_t srt_hls_pes_pts(const uint8_t *pkt);


#endif /* _SRT_HLS_CUT_H_INCLUDED_ */
