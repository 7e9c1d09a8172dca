/*
 * In-process TS sources (av_source.h): the thread, its MPEG-TS muxer and
 * datagram output, real-time pacing and logging.  What feeds the muxer is
 * av_source_gen.c (a pattern, encoded) or av_source_file.c (a looped
 * file, copied).
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>


#include "av_source_int.h"


#define AV_SOURCE_DGRAM      1316       /* 7 TS packets */
#define AV_SOURCE_LATE_NS    1000000000LL






static void *av_source_main(void *data);
static void av_source_release(av_source_t *src);
static int av_source_write(void *opaque, uint8_t *buf, int size);
static int av_source_send(av_source_t *src, const uint8_t *buf, size_t len);
static int av_source_open_output(av_source_t *src);
static void av_source_close_output(av_source_t *src);




av_source_t *
av_source_start(const av_source_conf_t *conf, char *err, size_t errlen)
{
    int             rc;
    sigset_t        all, old;
    av_source_t    *src;
    pthread_attr_t  attr;

    src = calloc(1, sizeof(av_source_t));
    if (src == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    src->conf = *conf;
    memcpy(src->text, conf->text, AV_SOURCE_TEXT_LEN);
    src->text[AV_SOURCE_TEXT_LEN - 1] = '\0';
    src->refs = 2;
    src->running = 1;
    src->want_width = conf->width;
    src->want_height = conf->height;

    if (conf->file) {
        src->conf.file = strdup(conf->file);
        if (src->conf.file == NULL) {
            free(src);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
    }

    src->conf.font = conf->font ? strdup(conf->font) : NULL;
    src->conf.name = strdup(conf->name ? conf->name : "source");

    if ((conf->font && src->conf.font == NULL) || src->conf.name == NULL) {
        free((char *) src->conf.file);
        free((char *) src->conf.font);
        free((char *) src->conf.name);
        free(src);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    (void) pthread_mutex_init(&src->lock, NULL);

    /* encoders are hungry for stack: leave room */
    (void) pthread_attr_init(&attr);
    (void) pthread_attr_setstacksize(&attr, 8 * 1024 * 1024);

    /* signals are the caller's (nginx's event loop): none for the thread */
    (void) sigfillset(&all);
    (void) pthread_sigmask(SIG_SETMASK, &all, &old);

    rc = pthread_create(&src->tid, &attr, av_source_main, src);

    (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
    (void) pthread_attr_destroy(&attr);

    if (rc != 0) {
        snprintf(err, errlen, "pthread_create() failed: %s", strerror(rc));
        (void) pthread_mutex_destroy(&src->lock);
        free((char *) src->conf.file);
        free((char *) src->conf.font);
        free((char *) src->conf.name);
        free(src);
        return NULL;
    }

    return src;
}


void
av_source_set_text(av_source_t *src, const char *text)
{
    (void) pthread_mutex_lock(&src->lock);

    if (strncmp(src->text, text, AV_SOURCE_TEXT_LEN) != 0) {
        snprintf(src->text, AV_SOURCE_TEXT_LEN, "%s", text);
        src->text_seq++;
    }

    (void) pthread_mutex_unlock(&src->lock);
}


void
av_source_set_size(av_source_t *src, int width, int height)
{
    if (width < 16 || height < 16 || width > 7680 || height > 4320
        || (width & 1) || (height & 1))
    {
        return;
    }

    (void) pthread_mutex_lock(&src->lock);

    if (width != src->want_width || height != src->want_height) {
        src->want_width = width;
        src->want_height = height;
        src->size_seq++;
    }

    (void) pthread_mutex_unlock(&src->lock);
}


void
av_source_stats(av_source_t *src, av_source_stats_t *st)
{
    st->datagrams = __atomic_load_n(&src->stats.datagrams, __ATOMIC_RELAXED);
    st->dropped = __atomic_load_n(&src->stats.dropped, __ATOMIC_RELAXED);
    st->frames = __atomic_load_n(&src->stats.frames, __ATOMIC_RELAXED);
    st->loops = __atomic_load_n(&src->stats.loops, __ATOMIC_RELAXED);
    st->late = __atomic_load_n(&src->stats.late, __ATOMIC_RELAXED);
}


int
av_source_running(av_source_t *src)
{
    return __atomic_load_n(&src->running, __ATOMIC_ACQUIRE);
}


void
av_source_stop(av_source_t *src, int wait)
{
    __atomic_store_n(&src->stop, 1, __ATOMIC_RELEASE);

    if (wait) {
        (void) pthread_join(src->tid, NULL);

    } else {
        (void) pthread_detach(src->tid);
    }

    av_source_release(src);
}


static void
av_source_release(av_source_t *src)
{
    if (__atomic_sub_fetch(&src->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }

    (void) pthread_mutex_destroy(&src->lock);
    free((char *) src->conf.file);
    free((char *) src->conf.font);
    free((char *) src->conf.name);
    free(src);
}


static void *
av_source_main(void *data)
{
    av_source_t  *src = data;

    if (av_source_open_output(src) == 0) {

        if (src->conf.file) {
            (void) av_source_loop_file(src);

        } else {
            (void) av_source_generate(src);
        }
    }

    av_source_close_output(src);

    (void) close(src->conf.fd);

    __atomic_store_n(&src->running, 0, __ATOMIC_RELEASE);

    av_source_release(src);

    return NULL;
}


void
av_source_log(av_source_t *src, int level, const char *fmt, ...)
{
    int      n;
    char     msg[AV_SOURCE_ERR_LEN];
    va_list  args;

    /* once stopped, the caller's log data may be gone */
    if (src->conf.log == NULL
        || __atomic_load_n(&src->stop, __ATOMIC_ACQUIRE))
    {
        return;
    }

    n = snprintf(msg, sizeof(msg), "%s: ", src->conf.name);

    va_start(args, fmt);
    (void) vsnprintf(msg + n, sizeof(msg) - n, fmt, args);
    va_end(args);

    src->conf.log(src->conf.log_data, level, msg);
}


/*
 * The muxer's output, 188-byte packets, at most 1316 bytes a call.  The
 * first packet of each PID in the source's life carries the
 * discontinuity_indicator (in its adaptation field, or in an
 * adaptation-only packet put in front, which does not advance the
 * counter): when a worker of a new configuration starts the source again,
 * its counters and PCR start anew in the same input ring, and receivers
 * must be told.
 */

static int
av_source_write(void *opaque, uint8_t *buf, int size)
{
    int           i;
    size_t        n;
    uint8_t       out[2 * AV_SOURCE_DGRAM], *p, *q;
    unsigned      pid;
    av_source_t  *src = opaque;

    q = out;

    for (i = 0; i + 188 <= size; i += 188) {
        p = buf + i;
        pid = ((p[1] & 0x1f) << 8) | p[2];

        if (pid != 0x1fff && !(src->seen[pid >> 3] & (1 << (pid & 7)))) {
            src->seen[pid >> 3] |= 1 << (pid & 7);

            if ((p[3] & 0x20) && p[4] > 0) {
                p[5] |= 0x80;

            } else {
                q[0] = 0x47;
                q[1] = p[1] & 0x1f;
                q[2] = p[2];
                q[3] = 0x20 | ((p[3] - 1) & 0x0f);
                q[4] = 183;
                q[5] = 0x80;
                memset(q + 6, 0xff, 182);
                q += 188;
            }
        }

        memcpy(q, p, 188);
        q += 188;
    }

    for (p = out; p < q; p += n) {
        n = (size_t) (q - p) < AV_SOURCE_DGRAM ? (size_t) (q - p)
                                               : AV_SOURCE_DGRAM;

        if (av_source_send(src, p, n) != 0) {
            return AVERROR(EPIPE);
        }
    }

    return size;
}


/*
 * One datagram.  A key frame comes out as a burst: when the socket is full
 * the thread waits for the reader a little (it is not the event loop),
 * then drops and counts.  -1: the reader is gone.
 */

static int
av_source_send(av_source_t *src, const uint8_t *buf, size_t len)
{
    int            tries;
    struct pollfd  pfd;

    for (tries = 0; ; tries++) {

        if (send(src->conf.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) != -1) {
            __atomic_add_fetch(&src->stats.datagrams, 1, __ATOMIC_RELAXED);
            return 0;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno != EAGAIN && errno != ENOBUFS) {
            src->dead = 1;
            return -1;
        }

        if (tries == 1 || __atomic_load_n(&src->stop, __ATOMIC_ACQUIRE)) {
            /* a live source does not wait long for a stalled reader */
            __atomic_add_fetch(&src->stats.dropped, 1, __ATOMIC_RELAXED);
            return 0;
        }

        pfd.fd = src->conf.fd;
        pfd.events = POLLOUT;
        (void) poll(&pfd, 1, 200);
    }
}


static int
av_source_open_output(av_source_t *src)
{
    int       rc;
    uint8_t  *buf;

    rc = avformat_alloc_output_context2(&src->oc, NULL, "mpegts", NULL);
    if (rc < 0) {
        av_source_log(src, 0, "no MPEG-TS muxer: %s", av_err2str(rc));
        return -1;
    }

    buf = av_malloc(AV_SOURCE_DGRAM);
    if (buf == NULL) {
        return -1;
    }

    src->pb = avio_alloc_context(buf, AV_SOURCE_DGRAM, 1, src, NULL,
                                 av_source_write, NULL);
    if (src->pb == NULL) {
        av_free(buf);
        return -1;
    }

    src->pb->max_packet_size = AV_SOURCE_DGRAM;
    src->oc->pb = src->pb;
    src->oc->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_FLUSH_PACKETS;

    return 0;
}


static void
av_source_close_output(av_source_t *src)
{
    if (src->oc) {
        avformat_free_context(src->oc);
        src->oc = NULL;
    }

    if (src->pb) {
        av_freep(&src->pb->buffer);
        avio_context_free(&src->pb);
    }
}


int64_t
av_source_now(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}


/*
 * Sleeps until due_ns after the source's start, in slices that notice a
 * stop.  A thread more than a second late (no CPU) restarts its clock
 * instead of bursting to catch up.  Returns -1 when asked to stop.
 */

int
av_source_pace(av_source_t *src, int64_t due_ns)
{
    int64_t          now, left;
    struct timespec  ts;

    for ( ;; ) {
        if (__atomic_load_n(&src->stop, __ATOMIC_ACQUIRE) || src->dead) {
            return -1;
        }

        now = av_source_now();
        left = src->t0 + due_ns - now;

        if (left <= 0) {
            if (-left > AV_SOURCE_LATE_NS) {
                src->t0 = now - due_ns;
                __atomic_add_fetch(&src->stats.late, 1, __ATOMIC_RELAXED);
            }

            return 0;
        }

        if (left > 50000000) {
            left = 50000000;
        }

        ts.tv_sec = 0;
        ts.tv_nsec = left;
        (void) nanosleep(&ts, NULL);
    }
}
