/*
 * Single-writer, multi-reader ring of 188-byte TS packets, designed to live
 * in shared memory: no pointers inside, only offsets and 64-bit sequence
 * numbers, synchronised with GCC atomics.  Plain C, no nginx types; unit
 * tested with real threads in t/unit/test_ring.c.
 *
 * Sequence numbers count packets since the ring was created and never wrap
 * in practice (2^64 packets).  Packet seq lives in slot seq % capacity.
 *
 * The writer announces how far it is about to write (reserve_seq) before
 * touching slots, and publishes write_seq after the copy.  A reader may use
 * packets [pos, write_seq) and, after copying or sending them, checks with
 * srt_ring_still_valid() that the writer did not start overwriting them in
 * the meantime (seqlock style), so a torn read is always detected.
 */

#ifndef _SRT_RING_H_INCLUDED_
#define _SRT_RING_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define SRT_RING_PKT        188
#define SRT_RING_RAPS       64      /* recent random access points kept */
#define SRT_RING_PSI_PKTS   8       /* PAT + PMT packets kept */
#define SRT_RING_MIN_PKTS   8192    /* 1.5 MB: margin >= 1024 packets; a
                                       writer publishes at most 512 packets
                                       at a time */


typedef struct {
    uint64_t            start;      /* where a reader should start: the PAT
                                       preceding the keyframe if the stream
                                       carries one just before it */
    uint64_t            key;        /* the keyframe packet itself */
} srt_ring_rap_t;


typedef struct {
    /* shared with readers */
    volatile uint64_t   write_seq;          /* packets published */
    volatile uint64_t   reserve_seq;        /* writer may be writing below */
    volatile uint64_t   rap_count;          /* total RAPs recorded */
    srt_ring_rap_t      rap[SRT_RING_RAPS]; /* rap[i % SRT_RING_RAPS] */

    volatile uint32_t   psi_version;        /* seqlock, odd while written */
    uint32_t            psi_count;          /* packets in psi[] */
    uint8_t             psi[SRT_RING_PSI_PKTS * SRT_RING_PKT];

    uint32_t            capacity;           /* packets */
    uint32_t            margin;             /* overrun headroom, packets */

    /* writer-private, kept here so a new writer can take over */
    uint64_t            last_pat;           /* seq + 1 of last PAT start */
    uint64_t            last_pmt;
    uint64_t            last_key;           /* seq + 1 of last keyframe */
    uint32_t            psi_building;       /* packets in psi_next[] */
    uint8_t             psi_next[SRT_RING_PSI_PKTS * SRT_RING_PKT];

    uint8_t             data[];             /* capacity * 188 bytes */
} srt_ring_t;


typedef struct {
    uint64_t            pos;                /* next packet to read */
    uint64_t            overruns;
    uint64_t            skipped;            /* packets lost to overruns */
    unsigned            started:1;
} srt_ring_reader_t;


/* bytes needed for a ring of the given capacity (packets) */
size_t srt_ring_size(uint32_t capacity);

/* capacity (packets) that fits in bytes, at least SRT_RING_MIN_PKTS, or 0 */
uint32_t srt_ring_capacity(size_t bytes);

void srt_ring_init(srt_ring_t *r, uint32_t capacity);


/*
 * Writer.  Call srt_ring_write() for a batch of contiguous packets together
 * with the per-packet analyzer flags (SRT_TS_F_* from srt_ts.h, may be NULL),
 * then srt_ring_publish() once per batch.
 */
void srt_ring_write(srt_ring_t *r, const uint8_t *pkts, size_t n,
    const unsigned *flags);
void srt_ring_publish(srt_ring_t *r);

/*
 * A new writer taking over (reload, or the previous one was killed in the
 * middle of a batch) turns what was written but never published into null
 * packets and publishes them, forgets keyframes and PSI that were never
 * published, and closes an interrupted PSI update.
 */
void srt_ring_writer_resume(srt_ring_t *r);

/* the writer's own view of published + pending packets */
uint64_t srt_ring_write_pos(const srt_ring_t *r);


/*
 * Reader.  srt_ring_reader_start() positions a new reader on the newest
 * random access point; returns 0 when the ring has none yet (try later).
 * srt_ring_peek() returns how many packets can be read contiguously from
 * rd->pos (up to max) and points *p at the first; on overrun it first moves
 * the reader to the newest usable random access point and counts it.
 */
int srt_ring_reader_start(const srt_ring_t *r, srt_ring_reader_t *rd);
size_t srt_ring_peek(const srt_ring_t *r, srt_ring_reader_t *rd,
    const uint8_t **p, size_t max);
int srt_ring_still_valid(const srt_ring_t *r, uint64_t seq);

/* copies the latest PAT/PMT packets into out (room for SRT_RING_PSI_PKTS);
   returns the number of packets */
size_t srt_ring_psi(const srt_ring_t *r, uint8_t *out);

uint64_t srt_ring_published(const srt_ring_t *r);


#endif /* _SRT_RING_H_INCLUDED_ */
