/*
 * Stamp record shared by tsgen and tsrecv (see tsgen.c):
 *
 *   A5 5A C3 3C  ts[10]  seq[10]
 *
 * 64-bit values, big-endian, 7 bits per byte, top bit of every byte set, so
 * a record never contains 0x00 and never forms an H.264 start code.
 */

#ifndef BENCH_STAMP_H
#define BENCH_STAMP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define STAMP_VAL_LEN 10
#define STAMP_LEN     (4 + 2 * STAMP_VAL_LEN)

static const uint8_t stamp_magic[4] = { 0xa5, 0x5a, 0xc3, 0x3c };

static inline void
stamp_put(uint8_t *p, uint64_t v)
{
    for (int i = STAMP_VAL_LEN - 1; i >= 0; i--) {
        p[i] = 0x80 | (v & 0x7f);
        v >>= 7;
    }
}

/* returns -1 if a byte lacks the top bit (not a record) */
static inline int
stamp_get(const uint8_t *p, uint64_t *v)
{
    uint64_t x = 0;
    for (int i = 0; i < STAMP_VAL_LEN; i++) {
        if (!(p[i] & 0x80)) {
            return -1;
        }
        x = (x << 7) | (p[i] & 0x7f);
    }
    *v = x;
    return 0;
}

/*
 * Finds the first complete record in p[0..len); returns its offset or -1.
 */
static inline long
stamp_find(const uint8_t *p, size_t len)
{
    const uint8_t *s = p, *e = p + len;
    while (s + STAMP_LEN <= e) {
        const uint8_t *m = memchr(s, 0xa5, (size_t) (e - s) - (STAMP_LEN - 1));
        if (m == NULL) {
            return -1;
        }
        if (memcmp(m, stamp_magic, 4) == 0) {
            return m - p;
        }
        s = m + 1;
    }
    return -1;
}

#endif
