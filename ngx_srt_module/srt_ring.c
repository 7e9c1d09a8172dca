/*
 * Shared-memory TS packet ring: see srt_ring.h for the protocol.
 */

#include <string.h>

#include "srt_ring.h"
#include "srt_ts.h"


#define srt_load_acquire(p)     __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define srt_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)


static int srt_ring_find_rap(const srt_ring_t *r, uint64_t wseq,
    uint64_t lowest, uint64_t *start);
static void srt_ring_note(srt_ring_t *r, uint64_t seq, const uint8_t *pkt,
    unsigned flags);


size_t
srt_ring_size(uint32_t capacity)
{
    return sizeof(srt_ring_t) + (size_t) capacity * SRT_RING_PKT;
}


uint32_t
srt_ring_capacity(size_t bytes)
{
    size_t  n;

    if (bytes <= sizeof(srt_ring_t)) {
        return 0;
    }

    n = (bytes - sizeof(srt_ring_t)) / SRT_RING_PKT;

    if (n < SRT_RING_MIN_PKTS || n > UINT32_MAX / 2) {
        return 0;
    }

    return (uint32_t) n;
}


void
srt_ring_init(srt_ring_t *r, uint32_t capacity)
{
    memset(r, 0, sizeof(srt_ring_t));

    r->capacity = capacity;

    /*
     * A reader further behind than capacity - margin is treated as overrun
     * before the writer actually reaches it, so that a reader busy sending
     * one batch is not overwritten underneath in the normal case.
     */
    r->margin = capacity / 8;
}


void
srt_ring_write(srt_ring_t *r, const uint8_t *pkts, size_t n,
    const unsigned *flags)
{
    size_t    i, slot, chunk, done;
    uint64_t  seq;

    seq = r->reserve_seq;

    /*
     * Announce the slots about to be overwritten before touching them; the
     * release fence orders this store before the data stores below, which
     * is what srt_ring_still_valid() relies on.
     */
    __atomic_store_n(&r->reserve_seq, seq + n, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    for (done = 0; done < n; done += chunk) {
        slot = (seq + done) % r->capacity;
        chunk = r->capacity - slot;

        if (chunk > n - done) {
            chunk = n - done;
        }

        memcpy(r->data + slot * SRT_RING_PKT, pkts + done * SRT_RING_PKT,
               chunk * SRT_RING_PKT);
    }

    if (flags == NULL) {
        return;
    }

    for (i = 0; i < n; i++) {
        if (flags[i] & (SRT_TS_F_PAT|SRT_TS_F_PMT|SRT_TS_F_RAP)) {
            srt_ring_note(r, seq + i, pkts + i * SRT_RING_PKT, flags[i]);
        }
    }
}


void
srt_ring_publish(srt_ring_t *r)
{
    srt_store_release(&r->write_seq, r->reserve_seq);
}


void
srt_ring_writer_resume(srt_ring_t *r)
{
    uint8_t         *p;
    uint64_t         seq, wseq;
    srt_ring_rap_t  *rap;

    wseq = r->write_seq;

    /* whatever the dead writer left half-written becomes null packets */

    for (seq = wseq; seq < r->reserve_seq; seq++) {
        p = r->data + (seq % r->capacity) * SRT_RING_PKT;
        memset(p, 0xff, SRT_RING_PKT);
        p[0] = 0x47;
        p[1] = 0x1f;
        p[2] = 0xff;
        p[3] = 0x10;
    }

    while (r->rap_count) {
        rap = &r->rap[(r->rap_count - 1) % SRT_RING_RAPS];

        if (rap->key < wseq) {
            break;
        }

        r->rap_count--;
    }

    if (r->last_pat > wseq) {
        r->last_pat = 0;
    }

    if (r->last_pmt > wseq) {
        r->last_pmt = 0;
    }

    if (r->last_key > wseq) {
        r->last_key = 0;
    }

    if (r->psi_version & 1) {
        r->psi_version++;
    }

    r->psi_building = 0;

    srt_ring_publish(r);
}


uint64_t
srt_ring_write_pos(const srt_ring_t *r)
{
    return r->reserve_seq;
}


uint64_t
srt_ring_published(const srt_ring_t *r)
{
    return srt_load_acquire(&r->write_seq);
}


/*
 * Records PSI copies and random access points.  A reader that starts at a
 * keyframe also needs the PAT and PMT: when the stream carried both since
 * the previous keyframe (encoders such as ffmpeg send them right before each
 * keyframe), the start point is moved back to them, so the client gets
 * in-band PSI with consistent continuity counters.
 */

static void
srt_ring_note(srt_ring_t *r, uint64_t seq, const uint8_t *pkt, unsigned flags)
{
    uint64_t         psi, start;
    srt_ring_rap_t  *rap;

    if (flags & SRT_TS_F_PAT) {
        r->last_pat = seq + 1;
        r->psi_building = 0;
        memcpy(r->psi_next, pkt, SRT_RING_PKT);
        r->psi_building = 1;
    }

    if ((flags & SRT_TS_F_PMT) && r->psi_building > 0
        && r->psi_building < SRT_RING_PSI_PKTS)
    {
        r->last_pmt = seq + 1;
        memcpy(r->psi_next + r->psi_building * SRT_RING_PKT, pkt,
               SRT_RING_PKT);
        r->psi_building++;

        /* publish the PAT + PMT pair under the seqlock */
        __atomic_add_fetch(&r->psi_version, 1, __ATOMIC_SEQ_CST);
        memcpy(r->psi, r->psi_next, r->psi_building * SRT_RING_PKT);
        r->psi_count = r->psi_building;
        __atomic_add_fetch(&r->psi_version, 1, __ATOMIC_SEQ_CST);

        r->psi_building = 0;

    } else if (flags & SRT_TS_F_PMT) {
        r->last_pmt = seq + 1;
    }

    if (!(flags & SRT_TS_F_RAP)) {
        return;
    }

    start = seq;

    if (r->last_pat > r->last_key && r->last_pmt > r->last_key) {
        psi = r->last_pat < r->last_pmt ? r->last_pat : r->last_pmt;

        if (seq + 1 - psi < r->margin) {
            start = psi - 1;
        }
    }

    rap = &r->rap[r->rap_count % SRT_RING_RAPS];
    rap->start = start;
    rap->key = seq;

    srt_store_release(&r->rap_count, r->rap_count + 1);

    r->last_key = seq + 1;
}


/*
 * Newest random access point whose start is published, not older than
 * lowest, and far enough from the writer to be read safely.
 */

static int
srt_ring_find_rap(const srt_ring_t *r, uint64_t wseq, uint64_t lowest,
    uint64_t *start)
{
    uint64_t               count, i, oldest;
    srt_ring_rap_t         rap;

    count = srt_load_acquire(&r->rap_count);

    oldest = wseq > r->capacity - r->margin
             ? wseq - (r->capacity - r->margin) : 0;

    if (oldest < lowest) {
        oldest = lowest;
    }

    for (i = 0; i < SRT_RING_RAPS && i < count; i++) {
        rap = r->rap[(count - 1 - i) % SRT_RING_RAPS];

        if (rap.start > rap.key || rap.key >= wseq) {
            continue;   /* torn by a concurrent update, or not yet public */
        }

        if (rap.start < oldest) {
            break;      /* older ones are older still */
        }

        *start = rap.start;
        return 1;
    }

    return 0;
}


int
srt_ring_reader_start(const srt_ring_t *r, srt_ring_reader_t *rd)
{
    uint64_t  wseq, start;

    wseq = srt_load_acquire(&r->write_seq);

    if (!srt_ring_find_rap(r, wseq, rd->pos, &start)) {
        return 0;
    }

    rd->pos = start;
    rd->started = 1;

    return 1;
}


size_t
srt_ring_peek(const srt_ring_t *r, srt_ring_reader_t *rd, const uint8_t **p,
    size_t max)
{
    size_t    n, slot;
    uint64_t  wseq, start;

    if (!rd->started && !srt_ring_reader_start(r, rd)) {
        return 0;
    }

    wseq = srt_load_acquire(&r->write_seq);

    if (wseq - rd->pos > r->capacity - r->margin) {

        /* overrun: jump to the newest usable keyframe, or wait for one */

        rd->overruns++;

        if (srt_ring_find_rap(r, wseq, rd->pos, &start)) {
            rd->skipped += start - rd->pos;
            rd->pos = start;

        } else {
            rd->skipped += wseq - rd->pos;
            rd->pos = wseq;
            rd->started = 0;
            return 0;
        }
    }

    n = wseq - rd->pos;

    if (n == 0) {
        return 0;
    }

    slot = rd->pos % r->capacity;

    if (n > r->capacity - slot) {
        n = r->capacity - slot;
    }

    if (n > max) {
        n = max;
    }

    *p = r->data + slot * SRT_RING_PKT;

    return n;
}


int
srt_ring_still_valid(const srt_ring_t *r, uint64_t seq)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    return __atomic_load_n(&r->reserve_seq, __ATOMIC_RELAXED)
           <= seq + r->capacity;
}


size_t
srt_ring_psi(const srt_ring_t *r, uint8_t *out)
{
    size_t    n;
    uint32_t  v1, v2;

    do {
        v1 = srt_load_acquire(&r->psi_version);
        n = r->psi_count;

        if (n > SRT_RING_PSI_PKTS) {
            n = SRT_RING_PSI_PKTS;
        }

        memcpy(out, r->psi, n * SRT_RING_PKT);
        v2 = srt_load_acquire(&r->psi_version);

    } while (v1 != v2 || (v1 & 1));

    return n;
}
