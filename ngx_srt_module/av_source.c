/*
 * In-process TS sources (av_source.h): a generator (libavfilter pattern and
 * tone, libx264 and AAC, the MPEG-TS muxer) or a looped TS file (demuxer,
 * stream copy, the same muxer), paced in real time in a thread of its own.
 *
 * One muxer lives as long as the source, so continuity counters, PCR and
 * PSI versions run on across file loops by construction; the file's
 * timestamps are shifted by one loop length per loop.
 */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>

#include "av_source.h"


#define AV_SOURCE_DGRAM      1316       /* 7 TS packets */
#define AV_SOURCE_RATE       48000      /* audio sample rate */
#define AV_SOURCE_AFRAME     1024       /* AAC frame */
#define AV_SOURCE_LATE_NS    1000000000LL


struct av_source_s {
    av_source_conf_t     conf;
    pthread_t            tid;
    pthread_mutex_t      lock;          /* text, text_seq */
    char                 text[AV_SOURCE_TEXT_LEN];
    unsigned             text_seq;
    int                  refs;          /* the caller and the thread */
    int                  stop;
    int                  running;
    av_source_stats_t    stats;

    /* the thread's own */
    AVFormatContext     *oc;
    AVIOContext         *pb;
    int                  dead;          /* the reader went away */
    int64_t              t0;            /* ns, CLOCK_MONOTONIC */
};


typedef struct {
    AVFilterGraph       *graph;
    AVFilterContext     *vsink;
    AVFilterContext     *asink;
    AVCodecContext      *venc;
    AVCodecContext      *aenc;
    AVFrame             *frame;
    AVPacket            *pkt;
    unsigned             text_seq;
} av_source_gen_t;


static void *av_source_main(void *data);
static void av_source_release(av_source_t *src);
static void av_source_log(av_source_t *src, int level, const char *fmt, ...);
static int av_source_write(void *opaque, uint8_t *buf, int size);
static int av_source_open_output(av_source_t *src);
static void av_source_close_output(av_source_t *src);
static int av_source_pace(av_source_t *src, int64_t due_ns);
static int64_t av_source_now(void);

static int av_source_generate(av_source_t *src);
static int av_source_gen_graph(av_source_t *src, av_source_gen_t *g);
static AVFilterContext *av_source_chain(av_source_t *src, AVFilterGraph *gr,
    AVFilterContext *prev, int source, const char *filter, const char *name,
    const char *args);
static AVFilterContext *av_source_text(av_source_t *src, AVFilterGraph *gr,
    AVFilterContext *prev, const char *name, const char *text, int expand,
    int size, const char *y);
static int av_source_gen_encoders(av_source_t *src, av_source_gen_t *g);
static int av_source_encode(av_source_t *src, AVCodecContext *enc,
    AVFrame *frame, AVPacket *pkt, int index);
static int av_source_gen_text(av_source_t *src, av_source_gen_t *g);
static void av_source_gen_free(av_source_gen_t *g);

static int av_source_loop_file(av_source_t *src);


av_source_t *
av_source_start(const av_source_conf_t *conf, char *err, size_t errlen)
{
    int             rc;
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

    if (conf->file) {
        src->conf.file = strdup(conf->file);
        if (src->conf.file == NULL) {
            free(src);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
    }

    if (conf->font) {
        src->conf.font = strdup(conf->font);
        if (src->conf.font == NULL) {
            free((char *) src->conf.file);
            free(src);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
    }

    (void) pthread_mutex_init(&src->lock, NULL);

    /* encoders are hungry for stack: leave room */
    (void) pthread_attr_init(&attr);
    (void) pthread_attr_setstacksize(&attr, 8 * 1024 * 1024);

    rc = pthread_create(&src->tid, &attr, av_source_main, src);

    (void) pthread_attr_destroy(&attr);

    if (rc != 0) {
        snprintf(err, errlen, "pthread_create() failed: %s", strerror(rc));
        (void) pthread_mutex_destroy(&src->lock);
        free((char *) src->conf.file);
        free((char *) src->conf.font);
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


static void
av_source_log(av_source_t *src, int level, const char *fmt, ...)
{
    char     msg[AV_SOURCE_ERR_LEN];
    va_list  args;

    if (src->conf.log == NULL) {
        return;
    }

    va_start(args, fmt);
    (void) vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    src->conf.log(src->conf.log_data, level, msg);
}


/* the muxer's output: one datagram per 1316 bytes, never blocking */

static int
av_source_write(void *opaque, uint8_t *buf, int size)
{
    av_source_t  *src = opaque;

    if (send(src->conf.fd, buf, size, MSG_DONTWAIT | MSG_NOSIGNAL) == -1) {

        if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
            /* a live source does not wait for a stalled reader */
            __atomic_add_fetch(&src->stats.dropped, 1, __ATOMIC_RELAXED);
            return size;
        }

        src->dead = 1;
        return AVERROR(errno);
    }

    __atomic_add_fetch(&src->stats.datagrams, 1, __ATOMIC_RELAXED);

    return size;
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


static int64_t
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

static int
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


/* the generator */

static int
av_source_generate(av_source_t *src)
{
    int              rc, stop;
    int64_t          n, samples;
    av_source_gen_t  g;

    memset(&g, 0, sizeof(av_source_gen_t));

    rc = -1;

    g.frame = av_frame_alloc();
    g.pkt = av_packet_alloc();

    if (g.frame == NULL || g.pkt == NULL
        || av_source_gen_graph(src, &g) != 0
        || av_source_gen_encoders(src, &g) != 0)
    {
        goto done;
    }

    rc = avformat_write_header(src->oc, NULL);
    if (rc < 0) {
        av_source_log(src, 0, "cannot start the MPEG-TS muxer: %s",
                      av_err2str(rc));
        goto done;
    }

    src->t0 = av_source_now();
    samples = 0;
    stop = 0;

    for (n = 0; !stop; n++) {

        if (av_source_pace(src, n * 1000000000LL / src->conf.fps) != 0) {
            break;
        }

        if (av_source_gen_text(src, &g) != 0) {
            break;
        }

        /* one video frame, then the audio up to the end of it */

        rc = av_buffersink_get_frame(g.vsink, g.frame);
        if (rc < 0) {
            av_source_log(src, 0, "video pattern failed: %s",
                          av_err2str(rc));
            break;
        }

        g.frame->pts = n;
        g.frame->pict_type = AV_PICTURE_TYPE_NONE;

        rc = av_source_encode(src, g.venc, g.frame, g.pkt, 0);
        av_frame_unref(g.frame);

        if (rc != 0) {
            break;
        }

        __atomic_add_fetch(&src->stats.frames, 1, __ATOMIC_RELAXED);

        while (samples * src->conf.fps < (n + 1) * AV_SOURCE_RATE) {
            rc = av_buffersink_get_frame(g.asink, g.frame);
            if (rc < 0) {
                av_source_log(src, 0, "audio tone failed: %s",
                              av_err2str(rc));
                stop = 1;
                break;
            }

            g.frame->pts = samples;
            samples += g.frame->nb_samples;

            rc = av_source_encode(src, g.aenc, g.frame, g.pkt, 1);
            av_frame_unref(g.frame);

            if (rc != 0) {
                stop = 1;
                break;
            }
        }
    }

    rc = 0;

done:

    av_source_gen_free(&g);

    return rc;
}


/*
 * The pattern: testsrc2 with the wall clock burnt in, or SMPTE HD bars
 * with the title, the "since" line and the clock; a tone or silence.
 */

static int
av_source_gen_graph(av_source_t *src, av_source_gen_t *g)
{
    int               rc, h, slate;
    char              args[128];
    const char       *font;
    AVFilterContext  *f;

    g->graph = avfilter_graph_alloc();
    if (g->graph == NULL) {
        return -1;
    }

    /* one thread per source, whatever the machine */
    g->graph->nb_threads = 1;

    slate = (src->conf.pattern == AV_SOURCE_SLATE);
    h = src->conf.height;

    snprintf(args, sizeof(args), "size=%dx%d:rate=%d", src->conf.width, h,
             src->conf.fps);

    f = av_source_chain(src, g->graph, NULL, 1,
                        slate ? "smptehdbars" : "testsrc2", "pattern", args);

    font = src->conf.font;

    if (font && access(font, R_OK) != 0) {
        av_source_log(src, 1, "font \"%s\" is not readable: no text on the "
                      "picture", font);
        font = NULL;
    }

    if (f && font && slate) {
        f = av_source_text(src, g->graph, f, "title", src->conf.title, 0,
                           h / 10,
                           "h/2-th*2");

        (void) pthread_mutex_lock(&src->lock);
        f = av_source_text(src, g->graph, f, "since", src->text, 0, h / 16,
                           "h/2");
        g->text_seq = src->text_seq;
        (void) pthread_mutex_unlock(&src->lock);
    }

    if (f && font) {
        f = av_source_text(src, g->graph, f, "clock", "%{localtime}", 1,
                           slate ? h / 16 : h / 10,
                           slate ? "h/2+th*2" : "h-th*2");
    }

    f = av_source_chain(src, g->graph, f, 0, "format", "vformat",
                        "pix_fmts=yuv420p");
    g->vsink = av_source_chain(src, g->graph, f, 0, "buffersink", "vsink", NULL);

    if (src->conf.tone > 0) {
        snprintf(args, sizeof(args), "frequency=%d:sample_rate=%d",
                 src->conf.tone, AV_SOURCE_RATE);
        f = av_source_chain(src, g->graph, NULL, 1, "sine", "tone", args);

    } else {
        snprintf(args, sizeof(args), "channel_layout=stereo:sample_rate=%d",
                 AV_SOURCE_RATE);
        f = av_source_chain(src, g->graph, NULL, 1, "anullsrc", "tone", args);
    }

    snprintf(args, sizeof(args),
             "sample_fmts=fltp:channel_layouts=stereo:sample_rates=%d",
             AV_SOURCE_RATE);
    f = av_source_chain(src, g->graph, f, 0, "aformat", "aformat", args);
    g->asink = av_source_chain(src, g->graph, f, 0, "abuffersink", "asink",
                               NULL);

    if (g->vsink == NULL || g->asink == NULL) {
        return -1;
    }

    rc = avfilter_graph_config(g->graph, NULL);
    if (rc < 0) {
        av_source_log(src, 0, "cannot set up the pattern: %s",
                      av_err2str(rc));
        return -1;
    }

    av_buffersink_set_frame_size(g->asink, AV_SOURCE_AFRAME);

    return 0;
}


/* adds a filter after prev (or a source); NULL on failure, and then NULL
   for every later link of the chain */

static AVFilterContext *
av_source_chain(av_source_t *src, AVFilterGraph *gr, AVFilterContext *prev,
    int source, const char *filter, const char *name, const char *args)
{
    int                rc;
    AVFilterContext   *f;
    const AVFilter    *def;

    if (prev == NULL && !source) {
        return NULL;        /* an earlier link failed */
    }

    def = avfilter_get_by_name(filter);
    if (def == NULL) {
        av_source_log(src, 0, "the FFmpeg filter \"%s\" is missing", filter);
        return NULL;
    }

    rc = avfilter_graph_create_filter(&f, def, name, args, NULL, gr);
    if (rc < 0) {
        av_source_log(src, 0, "filter \"%s\" (%s): %s", filter,
                      args ? args : "", av_err2str(rc));
        return NULL;
    }

    if (prev && (rc = avfilter_link(prev, 0, f, 0)) < 0) {
        av_source_log(src, 0, "cannot link filter \"%s\": %s", filter,
                      av_err2str(rc));
        return NULL;
    }

    return f;
}


/* drawtext, set through options: no filtergraph escaping of the text;
   only the clock expands %{...} sequences */

static AVFilterContext *
av_source_text(av_source_t *src, AVFilterGraph *gr, AVFilterContext *prev,
    const char *name, const char *text, int expand, int size, const char *y)
{
    int                rc;
    char               px[16], border[16];
    AVFilterContext   *f;
    const AVFilter    *def;

    if (prev == NULL) {
        return NULL;
    }

    snprintf(px, sizeof(px), "%d", size);
    snprintf(border, sizeof(border), "%d", size / 4);

    def = avfilter_get_by_name("drawtext");
    if (def == NULL) {
        av_source_log(src, 1, "the FFmpeg filter \"drawtext\" is missing: "
                      "no text on the picture");
        return prev;
    }

    f = avfilter_graph_alloc_filter(gr, def, name);
    if (f == NULL) {
        return NULL;
    }

    if (av_opt_set(f, "fontfile", src->conf.font, AV_OPT_SEARCH_CHILDREN) < 0
        || av_opt_set(f, "text", text, AV_OPT_SEARCH_CHILDREN) < 0
        || av_opt_set(f, "fontsize", px, AV_OPT_SEARCH_CHILDREN) < 0
        || av_opt_set(f, "fontcolor", "white", AV_OPT_SEARCH_CHILDREN) < 0
        || av_opt_set_int(f, "box", 1, AV_OPT_SEARCH_CHILDREN) < 0
        || av_opt_set(f, "boxcolor", "black@0.7", AV_OPT_SEARCH_CHILDREN) < 0
        || av_opt_set(f, "boxborderw", border, AV_OPT_SEARCH_CHILDREN) < 0
        || av_opt_set(f, "x", "(w-tw)/2", AV_OPT_SEARCH_CHILDREN) < 0
        || av_opt_set(f, "y", y, AV_OPT_SEARCH_CHILDREN) < 0
        || av_opt_set(f, "expansion", expand ? "normal" : "none",
                      AV_OPT_SEARCH_CHILDREN) < 0)
    {
        av_source_log(src, 0, "cannot set up drawtext");
        return NULL;
    }

    rc = avfilter_init_str(f, NULL);
    if (rc < 0) {
        av_source_log(src, 0, "drawtext: %s", av_err2str(rc));
        return NULL;
    }

    rc = avfilter_link(prev, 0, f, 0);
    if (rc < 0) {
        return NULL;
    }

    return f;
}


/*
 * The slate's "since" line changed: the pattern is built again around the
 * new text.  (drawtext's "reinit" command would do, but it leaks in
 * FFmpeg 5.1; this happens once per loss of signal.)
 */

static int
av_source_gen_text(av_source_t *src, av_source_gen_t *g)
{
    unsigned  seq;

    if (src->conf.pattern != AV_SOURCE_SLATE) {
        return 0;
    }

    (void) pthread_mutex_lock(&src->lock);
    seq = src->text_seq;
    (void) pthread_mutex_unlock(&src->lock);

    if (seq == g->text_seq) {
        return 0;
    }

    avfilter_graph_free(&g->graph);

    return av_source_gen_graph(src, g);
}


static int
av_source_gen_encoders(av_source_t *src, av_source_gen_t *g)
{
    int               rc;
    char              gop[32];
    AVStream         *st;
    AVDictionary     *opts;
    const AVCodec    *codec;
    AVCodecContext   *c;

    codec = avcodec_find_encoder_by_name("libx264");
    if (codec == NULL) {
        av_source_log(src, 0, "no libx264 encoder in libavcodec");
        return -1;
    }

    c = avcodec_alloc_context3(codec);
    if (c == NULL) {
        return -1;
    }

    g->venc = c;

    c->width = src->conf.width;
    c->height = src->conf.height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = (AVRational) { 1, src->conf.fps };
    c->framerate = (AVRational) { src->conf.fps, 1 };
    c->sample_aspect_ratio = (AVRational) { 1, 1 };

    /* a keyframe every second: switches and players join fast */
    c->gop_size = src->conf.fps;
    c->keyint_min = src->conf.fps;
    c->max_b_frames = 0;
    c->bit_rate = src->conf.bitrate;
    c->rc_max_rate = src->conf.bitrate;
    c->rc_buffer_size = (int) src->conf.bitrate;
    c->thread_count = 1;

    snprintf(gop, sizeof(gop), "scenecut=0:keyint=%d", src->conf.fps);

    opts = NULL;
    (void) av_dict_set(&opts, "preset", "veryfast", 0);
    (void) av_dict_set(&opts, "tune", "zerolatency", 0);
    (void) av_dict_set(&opts, "x264-params", gop, 0);

    rc = avcodec_open2(c, codec, &opts);
    av_dict_free(&opts);

    if (rc < 0) {
        av_source_log(src, 0, "cannot open libx264: %s", av_err2str(rc));
        return -1;
    }

    st = avformat_new_stream(src->oc, NULL);
    if (st == NULL
        || avcodec_parameters_from_context(st->codecpar, c) < 0)
    {
        return -1;
    }

    st->time_base = c->time_base;

    codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (codec == NULL) {
        av_source_log(src, 0, "no AAC encoder in libavcodec");
        return -1;
    }

    c = avcodec_alloc_context3(codec);
    if (c == NULL) {
        return -1;
    }

    g->aenc = c;

    c->sample_fmt = AV_SAMPLE_FMT_FLTP;
    c->sample_rate = AV_SOURCE_RATE;
    c->time_base = (AVRational) { 1, AV_SOURCE_RATE };
    c->bit_rate = 128000;
    av_channel_layout_default(&c->ch_layout, 2);

    rc = avcodec_open2(c, codec, NULL);
    if (rc < 0) {
        av_source_log(src, 0, "cannot open the AAC encoder: %s",
                      av_err2str(rc));
        return -1;
    }

    st = avformat_new_stream(src->oc, NULL);
    if (st == NULL
        || avcodec_parameters_from_context(st->codecpar, c) < 0)
    {
        return -1;
    }

    st->time_base = c->time_base;

    return 0;
}


/* encodes one frame and muxes what comes out */

static int
av_source_encode(av_source_t *src, AVCodecContext *enc, AVFrame *frame,
    AVPacket *pkt, int index)
{
    int        rc;
    AVStream  *st;

    rc = avcodec_send_frame(enc, frame);
    if (rc < 0) {
        av_source_log(src, 0, "encoder failed: %s", av_err2str(rc));
        return -1;
    }

    st = src->oc->streams[index];

    for ( ;; ) {
        rc = avcodec_receive_packet(enc, pkt);

        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
            return 0;
        }

        if (rc < 0) {
            av_source_log(src, 0, "encoder failed: %s", av_err2str(rc));
            return -1;
        }

        av_packet_rescale_ts(pkt, enc->time_base, st->time_base);
        pkt->stream_index = index;

        rc = av_interleaved_write_frame(src->oc, pkt);

        if (rc < 0) {
            if (!src->dead) {
                av_source_log(src, 0, "muxer failed: %s", av_err2str(rc));
            }

            return -1;
        }
    }
}


static void
av_source_gen_free(av_source_gen_t *g)
{
    avfilter_graph_free(&g->graph);
    avcodec_free_context(&g->venc);
    avcodec_free_context(&g->aenc);
    av_frame_free(&g->frame);
    av_packet_free(&g->pkt);
}


/*
 * The file slate: the file's audio and video streams are copied, paced by
 * their DTS, and the file starts again at its end with every timestamp
 * shifted by the length of one loop.
 */

static int
av_source_loop_file(av_source_t *src)
{
    int               rc, *map, i, nout, ok;
    int64_t           first, end, offset, dts, len;
    AVPacket         *pkt;
    AVStream         *ist, *ost;
    AVFormatContext  *ic;
    AVRational        us = { 1, 1000000 };

    ic = NULL;
    map = NULL;
    pkt = av_packet_alloc();
    rc = -1;

    if (pkt == NULL) {
        return -1;
    }

    ok = avformat_open_input(&ic, src->conf.file, NULL, NULL);
    if (ok < 0) {
        av_source_log(src, 0, "cannot open \"%s\": %s", src->conf.file,
                      av_err2str(ok));
        goto done;
    }

    if (avformat_find_stream_info(ic, NULL) < 0) {
        av_source_log(src, 0, "\"%s\": no stream information",
                      src->conf.file);
        goto done;
    }

    map = calloc(ic->nb_streams, sizeof(int));
    if (map == NULL) {
        goto done;
    }

    nout = 0;

    for (i = 0; i < (int) ic->nb_streams; i++) {
        ist = ic->streams[i];
        map[i] = -1;

        if (ist->codecpar->codec_type != AVMEDIA_TYPE_VIDEO
            && ist->codecpar->codec_type != AVMEDIA_TYPE_AUDIO)
        {
            continue;
        }

        ost = avformat_new_stream(src->oc, NULL);
        if (ost == NULL
            || avcodec_parameters_copy(ost->codecpar, ist->codecpar) < 0)
        {
            goto done;
        }

        ost->codecpar->codec_tag = 0;
        ost->time_base = ist->time_base;
        map[i] = nout++;
    }

    if (nout == 0) {
        av_source_log(src, 0, "\"%s\" has no audio or video",
                      src->conf.file);
        goto done;
    }

    ok = avformat_write_header(src->oc, NULL);
    if (ok < 0) {
        av_source_log(src, 0, "cannot start the MPEG-TS muxer: %s",
                      av_err2str(ok));
        goto done;
    }

    src->t0 = av_source_now();
    first = AV_NOPTS_VALUE;
    end = INT64_MIN;
    offset = 0;

    for ( ;; ) {
        ok = av_read_frame(ic, pkt);

        if (ok == AVERROR_EOF || ok == AVERROR(EIO)) {

            /* the next loop starts where this one ends */
            if (first == AV_NOPTS_VALUE || end <= first) {
                av_source_log(src, 0, "\"%s\" has no timestamps",
                              src->conf.file);
                goto done;
            }

            offset += end - first;
            __atomic_add_fetch(&src->stats.loops, 1, __ATOMIC_RELAXED);

            if (avformat_seek_file(ic, -1, INT64_MIN, 0, 0, 0) < 0) {
                av_source_log(src, 0, "cannot rewind \"%s\"",
                              src->conf.file);
                goto done;
            }

            first = AV_NOPTS_VALUE;
            end = INT64_MIN;
            continue;
        }

        if (ok < 0) {
            av_source_log(src, 0, "reading \"%s\": %s", src->conf.file,
                          av_err2str(ok));
            goto done;
        }

        if (pkt->stream_index >= (int) ic->nb_streams
            || map[pkt->stream_index] < 0 || pkt->dts == AV_NOPTS_VALUE)
        {
            av_packet_unref(pkt);
            continue;
        }

        ist = ic->streams[pkt->stream_index];
        dts = av_rescale_q(pkt->dts, ist->time_base, us);

        if (first == AV_NOPTS_VALUE) {
            first = dts;
        }

        /* where the loop ends: the last packet's end, one frame on */
        if (pkt->duration > 0) {
            len = av_rescale_q(pkt->duration, ist->time_base, us);

        } else if (ist->avg_frame_rate.num > 0) {
            len = av_rescale_q(1, av_inv_q(ist->avg_frame_rate), us);

        } else {
            len = 0;
        }

        if (dts + len > end) {
            end = dts + len;
        }

        /* wait until this packet is due, then shift it by the loops */
        if (av_source_pace(src, (offset + dts - first) * 1000) != 0) {
            av_packet_unref(pkt);
            rc = 0;
            goto done;
        }

        len = av_rescale_q(offset, us, ist->time_base);
        pkt->dts += len;

        if (pkt->pts != AV_NOPTS_VALUE) {
            pkt->pts += len;
        }

        if (ist->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
            __atomic_add_fetch(&src->stats.frames, 1, __ATOMIC_RELAXED);
        }

        ost = src->oc->streams[map[pkt->stream_index]];
        pkt->stream_index = map[pkt->stream_index];
        av_packet_rescale_ts(pkt, ist->time_base, ost->time_base);
        pkt->pos = -1;

        ok = av_interleaved_write_frame(src->oc, pkt);

        if (ok < 0) {
            if (!src->dead) {
                av_source_log(src, 0, "muxer failed: %s", av_err2str(ok));
            }

            goto done;
        }
    }

done:

    av_packet_free(&pkt);
    free(map);
    avformat_close_input(&ic);

    return rc;
}
