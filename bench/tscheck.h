/*
 * MPEG-TS checks shared by the receivers (tsrecv, srtrecv): packet header
 * fields and the continuity counter.
 */

#ifndef BENCH_TSCHECK_H
#define BENCH_TSCHECK_H

#include <stdint.h>

#define TS          188         /* TS packet size */
#define TS_CC_UNSET 0xff        /* no continuity counter seen yet */

static inline unsigned
ts_pid(const uint8_t *p)
{
    return ((unsigned) (p[1] & 0x1f) << 8) | p[2];
}

/*
 * Checks the continuity counter of the TS packet p against *cc, the last
 * one of its PID (TS_CC_UNSET: none yet), and stores the packet's.  A
 * packet with payload must increment it by one (one duplicate allowed);
 * the discontinuity_indicator resets it; a packet without payload leaves
 * it alone.  Returns 1 on a continuity error, else 0.
 */
static inline int
ts_cc_check(uint8_t *cc, const uint8_t *p)
{
    unsigned afc = (p[3] >> 4) & 3;
    unsigned c = p[3] & 0x0f;
    int      err;

    if ((afc & 2) && p[4] > 0 && (p[5] & 0x80)) {
        *cc = TS_CC_UNSET;              /* discontinuity_indicator */
    }
    if (!(afc & 1)) {
        return 0;                       /* no payload: CC not incremented */
    }
    err = *cc != TS_CC_UNSET && c != ((*cc + 1u) & 0x0f) && c != *cc;
    *cc = (uint8_t) c;
    return err;
}

#endif
