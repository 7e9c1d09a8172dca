/*
 * Internals shared by av_source.c, av_source_gen.c and av_source_file.c.
 */

#ifndef _AV_SOURCE_INT_H_INCLUDED_
#define _AV_SOURCE_INT_H_INCLUDED_


#include <pthread.h>

#include <libavformat/avformat.h>

#include "av_source.h"


struct av_source_s {
    av_source_conf_t     conf;
    pthread_t            tid;
    pthread_mutex_t      lock;          /* text, size and their seqs */
    char                 text[AV_SOURCE_TEXT_LEN];
    unsigned             text_seq;
    int                  want_width;    /* av_source_set_size(), under */
    int                  want_height;   /*   the lock, with size_seq */
    unsigned             size_seq;
    int                  refs;          /* the caller and the thread */
    int                  stop;
    int                  running;
    av_source_stats_t    stats;

    /* the thread's own */
    AVFormatContext     *oc;
    AVIOContext         *pb;
    int                  dead;          /* the reader went away */
    uint8_t              seen[8192 / 8];    /* PIDs that went out */
    int64_t              t0;            /* ns, CLOCK_MONOTONIC */
};


/* from the thread */
void av_source_log(av_source_t *src, int level, const char *fmt, ...);
int64_t av_source_now(void);
int av_source_pace(av_source_t *src, int64_t due_ns);

/* what the thread runs; each muxes into src->oc until stopped */
int av_source_generate(av_source_t *src);
int av_source_loop_file(av_source_t *src);


#endif /* _AV_SOURCE_INT_H_INCLUDED_ */
