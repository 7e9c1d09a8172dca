/*
 * CPU of an in-process source (av_source.c): runs one for a few seconds,
 * reads and drops its datagrams, and prints the process CPU per second of
 * wall time (the source's thread is nearly all of it).
 *
 *   av_source testsrc|slate WxH RATE BITRATE SECONDS
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <libavutil/log.h>

#include "av_source.h"


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static double
cpu(void)
{
    struct rusage  ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
           + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}


int
main(int argc, char **argv)
{
    int                sv[2];
    char               buf[2048], err[AV_SOURCE_ERR_LEN];
    double             t0, c0, t1, c1, secs;
    uint64_t           bytes;
    av_source_t       *src;
    av_source_conf_t   conf;
    av_source_stats_t  st;
    struct pollfd      pfd;

    if (argc != 6) {
        fprintf(stderr, "usage: av_source testsrc|slate WxH RATE BITRATE "
                "SECONDS\n");
        return 2;
    }

    av_log_set_level(AV_LOG_ERROR);

    memset(&conf, 0, sizeof(conf));
    conf.pattern = strcmp(argv[1], "slate") == 0 ? AV_SOURCE_SLATE
                                                 : AV_SOURCE_TESTSRC;
    sscanf(argv[2], "%dx%d", &conf.width, &conf.height);
    conf.fps = atoi(argv[3]);
    conf.bitrate = atoll(argv[4]);
    conf.tone = conf.pattern == AV_SOURCE_SLATE ? 0 : 1000;
    conf.font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
    snprintf(conf.title, sizeof(conf.title), "bench");
    snprintf(conf.text, sizeof(conf.text), "no signal since 12:00:00");
    secs = atof(argv[5]);

    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) {
        return 1;
    }

    conf.fd = sv[1];

    src = av_source_start(&conf, err, sizeof(err));
    if (src == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    /* the first second (encoder start) is not counted */
    t0 = now() + 1;
    c0 = -1;
    bytes = 0;

    while ((t1 = now()) < t0 + secs) {
        if (c0 < 0 && t1 >= t0) {
            c0 = cpu();
            t0 = t1;
            bytes = 0;
        }

        pfd.fd = sv[0];
        pfd.events = POLLIN;

        if (poll(&pfd, 1, 100) > 0) {
            bytes += recv(sv[0], buf, sizeof(buf), 0);
        }
    }

    c1 = cpu();
    av_source_stats(src, &st);
    av_source_stop(src, 1);

    printf("%s %s %s fps %s bit/s: cpu %.3f of a core, output %.2f Mbit/s, "
           "dropped %llu, late %llu\n", argv[1], argv[2], argv[3], argv[4],
           (c1 - c0) / (t1 - t0), bytes * 8 / (t1 - t0) / 1e6,
           (unsigned long long) st.dropped, (unsigned long long) st.late);

    return 0;
}
