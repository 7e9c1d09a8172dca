/*
 * The generated sources: libavfilter makes the picture (testsrc2 with the
 * wall clock burnt in, or SMPTE HD bars with the route's name and "no
 * signal since ...") and a tone or silence; libx264 and the AAC encoder
 * code them, one key frame a second; the muxer of av_source.c packs them.
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>

#include "av_source_int.h"


#define AV_SOURCE_RATE       48000      /* audio sample rate */
#define AV_SOURCE_AFRAME     1024       /* AAC frame */


typedef struct {
    AVFilterGraph       *graph;
    AVFilterContext     *vsink;
    AVFilterContext     *asink;
    AVCodecContext      *venc;
    AVCodecContext      *aenc;
    AVFrame             *frame;
    AVPacket            *pkt;
    unsigned             text_seq;      /* what the graph and the encoder */
    unsigned             size_seq;      /*   were made for */
} av_source_gen_t;


static int av_source_gen_graph(av_source_t *src, av_source_gen_t *g);
static AVFilterContext *av_source_chain(av_source_t *src, AVFilterGraph *gr,
    AVFilterContext *prev, int source, const char *filter, const char *name,
    const char *args);
static AVFilterContext *av_source_text(av_source_t *src, AVFilterGraph *gr,
    AVFilterContext *prev, const char *name, const char *text, int expand,
    int size, const char *y);
static int av_source_gen_encoders(av_source_t *src, av_source_gen_t *g);
static int av_source_gen_venc(av_source_t *src, av_source_gen_t *g);
static int av_source_encode(av_source_t *src, AVCodecContext *enc,
    AVFrame *frame, AVPacket *pkt, int index);
static int av_source_gen_changes(av_source_t *src, av_source_gen_t *g);
static void av_source_gen_free(av_source_gen_t *g);


int
av_source_generate(av_source_t *src)
{
    int              rc, stop;
    int64_t          n, samples;
    AVDictionary    *mux;
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

    /*
     * Constant bit rate: null packets fill the gaps, so PCR comes every
     * 20 ms as TR 101 290 wants, not once a frame.  Room for the video's
     * VBV peaks, the audio and the PES and PSI overhead.
     */
    mux = NULL;
    (void) av_dict_set_int(&mux, "muxrate",
                           src->conf.bitrate * 6 / 5 + 200000, 0);

    rc = avformat_write_header(src->oc, &mux);
    av_dict_free(&mux);

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

        if (av_source_gen_changes(src, &g) != 0) {
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
 * The slate's "since" line or the picture size changed: the pattern is
 * built again (drawtext's "reinit" command would do for the text, but it
 * leaks in FFmpeg 5.1), and for a new size the encoder too, whose first
 * frame is a key frame with the new parameters.  Rare: once per loss of
 * signal, once per new size of the route.
 */

static int
av_source_gen_changes(av_source_t *src, av_source_gen_t *g)
{
    int       w, h;
    unsigned  text, size;

    (void) pthread_mutex_lock(&src->lock);
    text = src->text_seq;
    size = src->size_seq;
    w = src->want_width;
    h = src->want_height;
    (void) pthread_mutex_unlock(&src->lock);

    if (size != g->size_seq) {
        g->size_seq = size;
        src->conf.width = w;
        src->conf.height = h;

        avfilter_graph_free(&g->graph);

        if (av_source_gen_graph(src, g) != 0
            || av_source_gen_venc(src, g) != 0)
        {
            return -1;
        }

        av_source_log(src, 2, "picture size now %dx%d", w, h);

        return 0;
    }

    if (src->conf.pattern != AV_SOURCE_SLATE || text == g->text_seq) {
        return 0;
    }

    avfilter_graph_free(&g->graph);

    return av_source_gen_graph(src, g);
}


static int
av_source_gen_encoders(av_source_t *src, av_source_gen_t *g)
{
    int               rc;
    AVStream         *st;
    const AVCodec    *codec;
    AVCodecContext   *c;

    if (av_source_gen_venc(src, g) != 0) {
        return -1;
    }

    c = g->venc;

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


/* libx264, at the source's current size: at start and at a new size */

static int
av_source_gen_venc(av_source_t *src, av_source_gen_t *g)
{
    int               rc;
    char              gop[32];
    AVDictionary     *opts;
    const AVCodec    *codec;
    AVCodecContext   *c;

    avcodec_free_context(&g->venc);

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
    /* the slate is still but for its clock, and runs all the time: the
       cheapest preset codes it well enough */
    (void) av_dict_set(&opts, "preset",
                       src->conf.pattern == AV_SOURCE_SLATE ? "ultrafast"
                                                            : "veryfast", 0);
    (void) av_dict_set(&opts, "tune", "zerolatency", 0);
    (void) av_dict_set(&opts, "x264-params", gop, 0);

    rc = avcodec_open2(c, codec, &opts);
    av_dict_free(&opts);

    if (rc < 0) {
        av_source_log(src, 0, "cannot open libx264: %s", av_err2str(rc));
        return -1;
    }

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
