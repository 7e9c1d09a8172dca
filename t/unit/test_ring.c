/*
 * Unit tests for the shared-memory ring (srt_ring.c): start on a random
 * access point, PSI before the keyframe, wrap-around, overrun to the newest
 * keyframe, and a real writer thread racing a slow reader thread: every
 * packet the reader accepts must be intact and in order between overruns.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <cmocka.h>

#include "srt_ring.h"
#include "srt_ts.h"


#define CAP  1024


static srt_ring_t *
ring_new(uint32_t capacity)
{
    srt_ring_t  *r;

    r = calloc(1, srt_ring_size(capacity));
    assert_non_null(r);
    srt_ring_init(r, capacity);

    return r;
}


/* packet whose payload carries its sequence number at both ends */
static void
make_pkt(uint8_t *p, uint64_t seq)
{
    memset(p, 0xa5, SRT_RING_PKT);
    p[0] = 0x47;
    memcpy(p + 4, &seq, 8);
    memcpy(p + 180, &seq, 8);
}


static uint64_t
pkt_seq(const uint8_t *p)
{
    uint64_t  a, b;

    memcpy(&a, p + 4, 8);
    memcpy(&b, p + 180, 8);
    assert_int_equal(a, b);

    return a;
}


static void
write_one(srt_ring_t *r, uint64_t seq, unsigned flags)
{
    uint8_t  pkt[SRT_RING_PKT];

    make_pkt(pkt, seq);
    srt_ring_write(r, pkt, 1, &flags);
}


static void
test_capacity(void **state)
{
    (void) state;

    assert_int_equal(srt_ring_capacity(1000), 0);
    assert_int_equal(srt_ring_capacity(1024 * 1024), 0);
    assert_true(srt_ring_capacity(4 * 1024 * 1024) > 20000);
    assert_true(srt_ring_size(srt_ring_capacity(4 * 1024 * 1024))
                <= 4 * 1024 * 1024);
}


static void
test_no_rap_no_start(void **state)
{
    uint64_t            i;
    srt_ring_t         *r;
    srt_ring_reader_t   rd;

    (void) state;

    r = ring_new(CAP);

    for (i = 0; i < 100; i++) {
        write_one(r, i, 0);
    }

    srt_ring_publish(r);

    memset(&rd, 0, sizeof(rd));
    assert_int_equal(srt_ring_reader_start(r, &rd), 0);

    free(r);
}


static void
test_start_on_psi_before_keyframe(void **state)
{
    size_t              n;
    uint64_t            i;
    srt_ring_t         *r;
    const uint8_t      *p;
    srt_ring_reader_t   rd;
    uint8_t             psi[SRT_RING_PSI_PKTS * SRT_RING_PKT];

    (void) state;

    r = ring_new(CAP);

    for (i = 0; i < 50; i++) {
        write_one(r, i, 0);
    }

    write_one(r, 50, SRT_TS_F_PAT);
    write_one(r, 51, SRT_TS_F_PMT);
    write_one(r, 52, 0);                /* audio in between */
    write_one(r, 53, SRT_TS_F_RAP);

    for (i = 54; i < 80; i++) {
        write_one(r, i, 0);
    }

    /* a keyframe not yet published is invisible */
    memset(&rd, 0, sizeof(rd));
    assert_int_equal(srt_ring_reader_start(r, &rd), 0);

    srt_ring_publish(r);

    assert_int_equal(srt_ring_reader_start(r, &rd), 1);
    assert_int_equal(rd.pos, 50);

    n = srt_ring_peek(r, &rd, &p, 1000);
    assert_int_equal(n, 30);
    assert_int_equal(pkt_seq(p), 50);

    /* the PSI copy holds the PAT and the PMT */
    assert_int_equal(srt_ring_psi(r, psi), 2);
    assert_int_equal(pkt_seq(psi), 50);
    assert_int_equal(pkt_seq(psi + SRT_RING_PKT), 51);

    /* a keyframe without PSI since the previous one starts on itself */
    write_one(r, 80, SRT_TS_F_RAP);
    srt_ring_publish(r);

    memset(&rd, 0, sizeof(rd));
    assert_int_equal(srt_ring_reader_start(r, &rd), 1);
    assert_int_equal(rd.pos, 80);

    free(r);
}


static void
test_wrap_contiguous(void **state)
{
    size_t              n;
    uint64_t            i, expect;
    srt_ring_t         *r;
    const uint8_t      *p;
    srt_ring_reader_t   rd;

    (void) state;

    r = ring_new(CAP);

    write_one(r, 0, SRT_TS_F_RAP);
    srt_ring_publish(r);

    memset(&rd, 0, sizeof(rd));
    assert_int_equal(srt_ring_reader_start(r, &rd), 1);

    expect = 0;

    /* write 3 ring lengths in batches, reading everything as we go */
    for (i = 1; i < 3 * CAP; i++) {
        write_one(r, i, 0);

        if (i % 100 == 0) {
            srt_ring_publish(r);

            while ((n = srt_ring_peek(r, &rd, &p, 64)) > 0) {
                assert_true(n <= 64);
                assert_int_equal(pkt_seq(p), expect);
                assert_int_equal(pkt_seq(p + (n - 1) * SRT_RING_PKT),
                                 expect + n - 1);
                assert_true(srt_ring_still_valid(r, rd.pos));
                rd.pos += n;
                expect += n;
            }
        }
    }

    assert_int_equal(rd.overruns, 0);
    free(r);
}


static void
test_overrun_skips_to_newest_keyframe(void **state)
{
    size_t              n;
    uint64_t            i;
    srt_ring_t         *r;
    const uint8_t      *p;
    srt_ring_reader_t   rd;

    (void) state;

    r = ring_new(CAP);

    for (i = 0; i < 100; i++) {
        write_one(r, i, i % 200 == 0 ? SRT_TS_F_RAP : 0);
    }

    srt_ring_publish(r);

    memset(&rd, 0, sizeof(rd));
    assert_int_equal(srt_ring_reader_start(r, &rd), 1);
    assert_int_equal(rd.pos, 0);

    /* the writer laps the idle reader; keyframes every 200 packets */
    for (i = 100; i < 3000; i++) {
        write_one(r, i, i % 200 == 0 ? SRT_TS_F_RAP : 0);
    }

    srt_ring_publish(r);

    assert_false(srt_ring_still_valid(r, 0));

    n = srt_ring_peek(r, &rd, &p, 10);
    assert_int_equal(rd.overruns, 1);
    assert_int_equal(rd.pos, 2800);
    assert_int_equal(rd.skipped, 2800);
    assert_int_equal(n, 10);
    assert_int_equal(pkt_seq(p), 2800);

    free(r);
}


static void
test_overrun_without_keyframe_waits(void **state)
{
    size_t              n;
    uint64_t            i;
    srt_ring_t         *r;
    const uint8_t      *p;
    srt_ring_reader_t   rd;

    (void) state;

    r = ring_new(CAP);

    write_one(r, 0, SRT_TS_F_RAP);

    for (i = 1; i < 3000; i++) {
        write_one(r, i, 0);
    }

    srt_ring_publish(r);

    memset(&rd, 0, sizeof(rd));
    rd.started = 1;

    n = srt_ring_peek(r, &rd, &p, 10);
    assert_int_equal(n, 0);
    assert_int_equal(rd.overruns, 1);
    assert_int_equal(rd.started, 0);
    assert_int_equal(rd.pos, 3000);

    write_one(r, 3000, 0);
    write_one(r, 3001, SRT_TS_F_RAP);
    srt_ring_publish(r);

    n = srt_ring_peek(r, &rd, &p, 10);
    assert_int_equal(n, 1);
    assert_int_equal(pkt_seq(p), 3001);

    free(r);
}


static void
test_writer_resume_nulls_unpublished(void **state)
{
    size_t              n;
    srt_ring_t         *r;
    const uint8_t      *p;
    srt_ring_reader_t   rd;

    (void) state;

    r = ring_new(CAP);

    write_one(r, 0, SRT_TS_F_RAP);
    write_one(r, 1, 0);
    srt_ring_publish(r);

    /* a writer killed in the middle of a batch: never published */
    write_one(r, 666, 0);
    write_one(r, 667, 0);

    write_one(r, 668, SRT_TS_F_RAP);

    srt_ring_writer_resume(r);

    /* published as null packets, and the keyframe is forgotten */
    assert_int_equal(srt_ring_published(r), 5);
    assert_int_equal(r->rap_count, 1);

    write_one(r, 5, 0);
    srt_ring_publish(r);

    memset(&rd, 0, sizeof(rd));
    assert_int_equal(srt_ring_reader_start(r, &rd), 1);
    assert_int_equal(rd.pos, 0);

    n = srt_ring_peek(r, &rd, &p, 10);
    assert_int_equal(n, 6);
    assert_int_equal(srt_ts_pid(p + 2 * SRT_RING_PKT), SRT_TS_NULL_PID);
    assert_int_equal(srt_ts_pid(p + 4 * SRT_RING_PKT), SRT_TS_NULL_PID);
    assert_int_equal(pkt_seq(p + 5 * SRT_RING_PKT), 5);

    free(r);
}


/* a writer thread and a deliberately slow reader thread */

typedef struct {
    srt_ring_t         *ring;
    volatile int        stop;
    uint64_t            written;
} race_t;


static void *
race_writer(void *arg)
{
    race_t    *rc = arg;
    uint8_t    pkts[7 * SRT_RING_PKT];
    unsigned   flags[7];
    uint64_t   seq;
    int        k;

    seq = 0;

    while (!rc->stop) {
        for (k = 0; k < 7; k++) {
            make_pkt(pkts + k * SRT_RING_PKT, seq);
            flags[k] = (seq % 300 == 0) ? SRT_TS_F_RAP : 0;
            seq++;
        }

        srt_ring_write(rc->ring, pkts, 7, flags);
        srt_ring_publish(rc->ring);
    }

    rc->written = seq;

    return NULL;
}


static void
test_threads_never_accept_torn_packets(void **state)
{
    size_t              n, k;
    race_t              rc;
    uint64_t            expect, accepted, jumps, seq;
    pthread_t           tid;
    srt_ring_reader_t   rd;
    const uint8_t      *p;
    uint8_t             copy[64 * SRT_RING_PKT];
    struct timespec     t0, t1, nap = { 0, 20000 };

    (void) state;

    memset(&rc, 0, sizeof(rc));
    rc.ring = ring_new(2048);

    assert_int_equal(pthread_create(&tid, NULL, race_writer, &rc), 0);

    memset(&rd, 0, sizeof(rd));
    accepted = 0;
    jumps = 0;
    expect = UINT64_MAX;

    clock_gettime(CLOCK_MONOTONIC, &t0);

    for ( ;; ) {
        /* at least a second, and until enough was read and lapped (a
           shared, busy machine may be slow): not a speed test */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec >= 1
            && ((accepted > 10000 && jumps >= 1)
                || t1.tv_sec - t0.tv_sec >= 30))
        {
            break;
        }

        n = srt_ring_peek(rc.ring, &rd, &p, 64);

        if (n == 0) {
            continue;
        }

        if (rd.pos != expect) {
            jumps++;    /* first start or an overrun: must be a keyframe */
        }

        memcpy(copy, p, n * SRT_RING_PKT);

        if (!srt_ring_still_valid(rc.ring, rd.pos)) {
            /* lapped during the copy: discard, as the gateway does */
            rd.pos += n;
            expect = UINT64_MAX;
            continue;
        }

        for (k = 0; k < n; k++) {
            seq = pkt_seq(copy + k * SRT_RING_PKT);
            assert_int_equal(seq, rd.pos + k);

            if (k == 0 && rd.pos != expect) {
                assert_int_equal(seq % 300, 0);
            }
        }

        rd.pos += n;
        expect = rd.pos;
        accepted += n;

        /* be slow now and then, so the writer laps us */
        if (accepted % 4096 < 64) {
            nanosleep(&nap, NULL);
        }
    }

    rc.stop = 1;
    pthread_join(tid, NULL);

    assert_true(accepted > 10000);
    assert_true(rc.written > accepted);
    assert_true(jumps >= 1);

    free(rc.ring);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_no_rap_no_start),
        cmocka_unit_test(test_start_on_psi_before_keyframe),
        cmocka_unit_test(test_wrap_contiguous),
        cmocka_unit_test(test_overrun_skips_to_newest_keyframe),
        cmocka_unit_test(test_overrun_without_keyframe_waits),
        cmocka_unit_test(test_writer_resume_nulls_unpublished),
        cmocka_unit_test(test_threads_never_accept_torn_packets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
