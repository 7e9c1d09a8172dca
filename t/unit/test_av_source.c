/*
 * Unit tests for av_source.c against the real FFmpeg libraries: the test
 * pattern and the slate come out as valid MPEG-TS (PAT, PMT, H.264 key
 * frames, AAC, no continuity errors) in datagrams of whole packets; a
 * looped file keeps continuity counters and PCR running forward across
 * its loops; a missing file and a reader that goes away end the thread.
 * Sizes are small and runs short: a few seconds in all.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <libavutil/log.h>

#include "av_source.h"
#include "srt_ts.h"


#define FONT  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


typedef struct {
    srt_ts_analyzer_t   a;
    srt_ts_sync_t       sync;
    unsigned            datagrams;
    unsigned            bad_sizes;
    unsigned            pat, pmt, raps, audio;
    unsigned            di;             /* discontinuity_indicator set */
    int64_t             last_pcr;       /* 27 MHz; -1 none yet */
    unsigned            pcrs;
    unsigned            pcr_backwards;
    int64_t             max_pcr_step;
    FILE               *copy;
} reader_t;


static char  last_error[256];


static void
log_cb(void *data, int level, const char *msg)
{
    (void) data;

    if (level == 0) {
        snprintf(last_error, sizeof(last_error), "%s", msg);
    }
}


static int64_t
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void
reader_packet(reader_t *r, const uint8_t *p)
{
    unsigned  flags;
    int64_t   pcr, step;

    flags = srt_ts_analyze(&r->a, p);

    if ((p[3] & 0x20) && p[4] > 0 && (p[5] & 0x80)) {
        r->di++;
    }

    r->pat += !!(flags & SRT_TS_F_PAT);
    r->pmt += !!(flags & SRT_TS_F_PMT);
    r->raps += !!(flags & SRT_TS_F_RAP);

    if (r->a.audio_pid && srt_ts_pid(p) == r->a.audio_pid) {
        r->audio++;
    }

    /* PCR: adaptation field with the PCR flag */
    if ((p[3] & 0x20) && p[4] >= 7 && (p[5] & 0x10)) {
        pcr = ((int64_t) p[6] << 25) | (p[7] << 17) | (p[8] << 9)
              | (p[9] << 1) | (p[10] >> 7);
        pcr = pcr * 300 + (((p[10] & 1) << 8) | p[11]);

        if (r->last_pcr >= 0) {
            step = pcr - r->last_pcr;

            if (step < 0) {
                r->pcr_backwards++;

            } else if (step > r->max_pcr_step) {
                r->max_pcr_step = step;
            }
        }

        r->last_pcr = pcr;
        r->pcrs++;
    }
}


/* reads datagrams for ms milliseconds (or until the peer is gone) */

static void
reader_run(reader_t *r, int fd, int ms)
{
    uint8_t        buf[4096];
    ssize_t        n;
    size_t         k, nruns, i;
    int64_t        end;
    srt_ts_run_t   runs[16];
    struct pollfd  pfd;

    end = now_ms() + ms;

    while (now_ms() < end) {
        pfd.fd = fd;
        pfd.events = POLLIN;

        if (poll(&pfd, 1, 100) <= 0) {
            continue;
        }

        n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            continue;
        }

        r->datagrams++;

        if (n % 188 != 0 || n > 1316) {
            r->bad_sizes++;
        }

        if (r->copy) {
            fwrite(buf, 1, n, r->copy);
        }

        nruns = srt_ts_find_runs(buf, n, runs, 16, &r->sync);

        for (i = 0; i < nruns; i++) {
            for (k = 0; k < runs[i].count; k++) {
                reader_packet(r, buf + runs[i].offset + k * 188);
            }
        }
    }
}


static void
reader_init(reader_t *r)
{
    memset(r, 0, sizeof(reader_t));
    srt_ts_analyzer_init(&r->a);
    r->last_pcr = -1;
}


static av_source_t *
start(av_source_conf_t *conf, int *rfd)
{
    int           sv[2];
    char          err[AV_SOURCE_ERR_LEN];
    av_source_t  *src;

    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);

    conf->fd = sv[1];
    conf->log = log_cb;
    last_error[0] = '\0';

    src = av_source_start(conf, err, sizeof(err));
    assert_non_null(src);

    *rfd = sv[0];

    return src;
}


static void
conf_pattern(av_source_conf_t *conf, int pattern)
{
    memset(conf, 0, sizeof(av_source_conf_t));
    conf->pattern = pattern;
    conf->width = 320;
    conf->height = 180;
    conf->fps = 25;
    conf->bitrate = 400000;
    conf->tone = 1000;
    conf->font = FONT;
}


static void
check_valid(reader_t *r)
{
    assert_true(r->datagrams > 20);
    assert_int_equal(r->bad_sizes, 0);
    assert_int_equal(r->sync.sync_losses, 0);
    assert_int_equal(r->a.cc_errors, 0);
    assert_int_equal(r->a.psi_errors, 0);
    assert_true(r->pat >= 5);
    assert_true(r->pmt >= 5);
    assert_int_equal(r->a.video_type, 0x1b);     /* H.264 */
    assert_int_equal(r->a.audio_type, 0x0f);     /* AAC ADTS */
    assert_true(r->audio > 10);
    assert_int_equal(r->pcr_backwards, 0);

    /* the analyzer reads the size from the SPS: 180 lines are 192 coded,
       cropped by 12 */
    assert_int_equal(r->a.video_width, 320);
    assert_int_equal(r->a.video_height, 180);
}


static void
test_pattern(void **state)
{
    int                fd;
    reader_t           r;
    av_source_t       *src;
    av_source_conf_t   conf;
    av_source_stats_t  st;

    (void) state;

    conf_pattern(&conf, AV_SOURCE_TESTSRC);
    src = start(&conf, &fd);

    reader_init(&r);
    reader_run(&r, fd, 2500);

    av_source_stats(src, &st);
    assert_true(av_source_running(src));
    av_source_stop(src, 1);
    close(fd);

    check_valid(&r);

    /* the first packet of each PID (PAT, PMT, SDT, video, audio) says
       the stream starts anew, and no other */
    assert_int_equal(r.di, 5);

    /* a keyframe a second; constant bit rate: PCR within 40 ms */
    assert_true(r.raps >= 2);
    assert_true(r.max_pcr_step <= 40 * 27000);
    assert_true(st.frames >= 25);
    assert_int_equal(st.dropped, 0);
    assert_string_equal(last_error, "");
}


static void
test_slate_text(void **state)
{
    int                fd;
    reader_t           r;
    av_source_t       *src;
    av_source_conf_t   conf;

    (void) state;

    conf_pattern(&conf, AV_SOURCE_SLATE);
    conf.tone = 0;
    snprintf(conf.title, sizeof(conf.title), "route: news-1");
    snprintf(conf.text, sizeof(conf.text), "no signal");

    src = start(&conf, &fd);

    reader_init(&r);
    reader_run(&r, fd, 800);

    /* separators of drawtext's option syntax in the text */
    av_source_set_text(src, "no signal since 12:34:56 'quoted' \\ 100%");
    reader_run(&r, fd, 800);
    av_source_set_text(src, "no signal since 12:35:00");
    reader_run(&r, fd, 800);

    assert_true(av_source_running(src));
    av_source_stop(src, 1);
    close(fd);

    check_valid(&r);
    assert_true(r.raps >= 2);
    assert_string_equal(last_error, "");
}


static void
test_resize(void **state)
{
    int                fd;
    reader_t           r;
    av_source_t       *src;
    av_source_conf_t   conf;

    (void) state;

    conf_pattern(&conf, AV_SOURCE_SLATE);
    snprintf(conf.title, sizeof(conf.title), "resize");

    src = start(&conf, &fd);

    reader_init(&r);
    reader_run(&r, fd, 800);
    assert_int_equal(r.a.video_width, 320);

    /* odd and too small sizes are ignored; the next keyframe has it */
    av_source_set_size(src, 641, 360);
    av_source_set_size(src, 8, 8);
    av_source_set_size(src, 640, 360);
    reader_run(&r, fd, 1200);

    assert_true(av_source_running(src));
    av_source_stop(src, 1);
    close(fd);

    assert_int_equal(r.a.video_width, 640);
    assert_int_equal(r.a.video_height, 360);
    assert_int_equal(r.a.cc_errors, 0);
    assert_int_equal(r.pcr_backwards, 0);
    assert_string_equal(last_error, "");
}


static void
test_file_loop(void **state)
{
    int                fd;
    char               path[] = "/tmp/test_av_source_XXXXXX";
    reader_t           r;
    av_source_t       *src;
    av_source_conf_t   conf;
    av_source_stats_t  st;

    (void) state;

    /* a 1.2 s clip from the generator itself */
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);

    conf_pattern(&conf, AV_SOURCE_TESTSRC);
    src = start(&conf, &fd);

    reader_init(&r);
    r.copy = fopen(path, "w");
    assert_non_null(r.copy);
    reader_run(&r, fd, 1200);
    fclose(r.copy);
    av_source_stop(src, 1);
    close(fd);

    /* looped: 3.5 s is more than two loops */
    memset(&conf, 0, sizeof(av_source_conf_t));
    conf.file = path;

    src = start(&conf, &fd);

    reader_init(&r);
    reader_run(&r, fd, 3500);

    av_source_stats(src, &st);
    av_source_stop(src, 1);
    close(fd);
    unlink(path);

    assert_string_equal(last_error, "");
    assert_true(st.loops >= 2);
    check_valid(&r);

    /* PCR runs on across the loops: no step back, none over 200 ms */
    assert_true(r.pcrs > 50);
    assert_true(r.max_pcr_step < 200 * 27000);
}


static void
test_missing_file(void **state)
{
    int                fd, i;
    av_source_t       *src;
    av_source_conf_t   conf;

    (void) state;

    memset(&conf, 0, sizeof(av_source_conf_t));
    conf.file = "/nonexistent/slate.ts";

    src = start(&conf, &fd);

    for (i = 0; i < 200 && av_source_running(src); i++) {
        usleep(10000);
    }

    assert_false(av_source_running(src));
    assert_non_null(strstr(last_error, "source: cannot open "
                                     "\"/nonexistent/slate.ts\""));

    av_source_stop(src, 0);
    close(fd);
}


static void
test_reader_gone(void **state)
{
    int                fd, i;
    reader_t           r;
    av_source_t       *src;
    av_source_conf_t   conf;

    (void) state;

    conf_pattern(&conf, AV_SOURCE_TESTSRC);
    src = start(&conf, &fd);

    reader_init(&r);
    reader_run(&r, fd, 300);
    close(fd);

    /* the next send fails: the thread ends by itself */
    for (i = 0; i < 300 && av_source_running(src); i++) {
        usleep(10000);
    }

    assert_false(av_source_running(src));
    av_source_stop(src, 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern),
        cmocka_unit_test(test_slate_text),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_file_loop),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_reader_gone),
    };

    av_log_set_level(AV_LOG_ERROR);

    return cmocka_run_group_tests(tests, NULL, NULL);
}
