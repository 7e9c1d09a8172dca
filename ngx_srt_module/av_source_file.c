/*
 * The file slate: the file's audio and video streams are copied, paced by
 * their DTS, and the file starts again at its end.  The muxer of
 * av_source.c lives across loops, so continuity counters and PSI go on by
 * construction; every timestamp of loop n is shifted by n loop lengths,
 * so PCR, PTS and DTS go on too.
 */

#include <stdlib.h>

#include <libavformat/avformat.h>

#include "av_source_int.h"


#define AV_SOURCE_US   ((AVRational) { 1, 1000000 })


static int av_source_file_open(av_source_t *src, AVFormatContext **ic,
    int **map, int *nmap);
static int av_source_file_span(av_source_t *src, AVFormatContext *ic,
    int *map, int nmap, int64_t *first, int64_t *len);


int
av_source_loop_file(av_source_t *src)
{
    int               rc, *map, nmap;
    int64_t           first, len, offset, shift, packets;
    AVPacket         *pkt;
    AVStream         *ist, *ost;
    AVFormatContext  *ic;

    ic = NULL;
    map = NULL;
    pkt = av_packet_alloc();

    if (pkt == NULL
        || av_source_file_open(src, &ic, &map, &nmap) != 0
        || av_source_file_span(src, ic, map, nmap, &first, &len) != 0)
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
    offset = 0;
    packets = 0;

    for ( ;; ) {
        if (__atomic_load_n(&src->stop, __ATOMIC_ACQUIRE)) {
            break;
        }

        rc = av_read_frame(ic, pkt);

        if (rc == AVERROR_EOF) {

            /* the file changed under us (truncated): do not spin */
            if (packets == 0) {
                av_source_log(src, 0, "\"%s\" has no packets any more",
                              src->conf.file);
                goto done;
            }

            packets = 0;
            offset += len;
            __atomic_add_fetch(&src->stats.loops, 1, __ATOMIC_RELAXED);

            if (avformat_seek_file(ic, -1, INT64_MIN, 0, 0, 0) < 0) {
                av_source_log(src, 0, "cannot rewind \"%s\"",
                              src->conf.file);
                goto done;
            }

            continue;
        }

        if (rc < 0) {
            av_source_log(src, 0, "reading \"%s\": %s", src->conf.file,
                          av_err2str(rc));
            goto done;
        }

        /* a stream that appeared after the probe is not ours */
        if (pkt->stream_index >= nmap || map[pkt->stream_index] < 0
            || pkt->dts == AV_NOPTS_VALUE)
        {
            av_packet_unref(pkt);
            continue;
        }

        packets++;
        ist = ic->streams[pkt->stream_index];

        /* wait until the packet is due, then shift it by the loops */

        if (av_source_pace(src, (offset
                                 + av_rescale_q(pkt->dts, ist->time_base,
                                                AV_SOURCE_US)
                                 - first) * 1000)
            != 0)
        {
            break;
        }

        shift = av_rescale_q(offset, AV_SOURCE_US, ist->time_base);
        pkt->dts += shift;

        if (pkt->pts != AV_NOPTS_VALUE) {
            pkt->pts += shift;
        }

        if (ist->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
            __atomic_add_fetch(&src->stats.frames, 1, __ATOMIC_RELAXED);
        }

        ost = src->oc->streams[map[pkt->stream_index]];
        pkt->stream_index = map[pkt->stream_index];
        av_packet_rescale_ts(pkt, ist->time_base, ost->time_base);
        pkt->pos = -1;

        rc = av_interleaved_write_frame(src->oc, pkt);

        if (rc < 0) {
            if (!src->dead) {
                av_source_log(src, 0, "muxer failed: %s", av_err2str(rc));
            }

            goto done;
        }
    }

done:

    av_packet_free(&pkt);
    free(map);
    avformat_close_input(&ic);

    return 0;
}


/* opens the file and adds its audio and video streams to the muxer */

static int
av_source_file_open(av_source_t *src, AVFormatContext **ic, int **map,
    int *nmap)
{
    int        rc, i, nout;
    AVStream  *ist, *ost;

    rc = avformat_open_input(ic, src->conf.file, NULL, NULL);
    if (rc < 0) {
        av_source_log(src, 0, "cannot open \"%s\": %s", src->conf.file,
                      av_err2str(rc));
        return -1;
    }

    if (avformat_find_stream_info(*ic, NULL) < 0) {
        av_source_log(src, 0, "\"%s\": no stream information",
                      src->conf.file);
        return -1;
    }

    *nmap = (*ic)->nb_streams;

    *map = calloc(*nmap, sizeof(int));
    if (*map == NULL) {
        return -1;
    }

    nout = 0;

    for (i = 0; i < (int) (*ic)->nb_streams; i++) {
        ist = (*ic)->streams[i];
        (*map)[i] = -1;

        if (ist->codecpar->codec_type != AVMEDIA_TYPE_VIDEO
            && ist->codecpar->codec_type != AVMEDIA_TYPE_AUDIO)
        {
            continue;
        }

        ost = avformat_new_stream(src->oc, NULL);
        if (ost == NULL
            || avcodec_parameters_copy(ost->codecpar, ist->codecpar) < 0)
        {
            return -1;
        }

        ost->codecpar->codec_tag = 0;
        ost->time_base = ist->time_base;
        (*map)[i] = nout++;
    }

    if (nout == 0) {
        av_source_log(src, 0, "\"%s\" has no audio or video",
                      src->conf.file);
        return -1;
    }

    return 0;
}


/*
 * One pass over the file: its first DTS and the length of a loop, from
 * the earliest DTS to the end of the last packet (its duration, or one
 * frame), plus a millisecond so that rounding never makes a DTS go back.
 * Slates are short files; this reads one once.
 */

static int
av_source_file_span(av_source_t *src, AVFormatContext *ic, int *map,
    int nmap, int64_t *first, int64_t *len)
{
    int        rc;
    int64_t    dts, dur, end;
    AVPacket  *pkt;
    AVStream  *st;

    pkt = av_packet_alloc();
    if (pkt == NULL) {
        return -1;
    }

    *first = INT64_MAX;
    end = INT64_MIN;

    while ((rc = av_read_frame(ic, pkt)) >= 0) {

        if (pkt->stream_index < nmap && map[pkt->stream_index] >= 0
            && pkt->dts != AV_NOPTS_VALUE)
        {
            st = ic->streams[pkt->stream_index];
            dts = av_rescale_q(pkt->dts, st->time_base, AV_SOURCE_US);

            if (pkt->duration > 0) {
                dur = av_rescale_q(pkt->duration, st->time_base,
                                   AV_SOURCE_US);

            } else if (st->avg_frame_rate.num > 0) {
                dur = av_rescale_q(1, av_inv_q(st->avg_frame_rate),
                                   AV_SOURCE_US);

            } else {
                dur = 0;
            }

            *first = dts < *first ? dts : *first;
            end = dts + dur > end ? dts + dur : end;
        }

        av_packet_unref(pkt);
    }

    av_packet_free(&pkt);

    if (rc != AVERROR_EOF) {
        av_source_log(src, 0, "reading \"%s\": %s", src->conf.file,
                      av_err2str(rc));
        return -1;
    }

    if (*first == INT64_MAX || end - *first < 100000) {
        av_source_log(src, 0, "\"%s\" is shorter than 100 ms or has no "
                      "timestamps", src->conf.file);
        return -1;
    }

    *len = end - *first + 1000;

    if (avformat_seek_file(ic, -1, INT64_MIN, 0, 0, 0) < 0) {
        av_source_log(src, 0, "cannot rewind \"%s\"", src->conf.file);
        return -1;
    }

    return 0;
}
