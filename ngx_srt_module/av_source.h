/*
 * Live MPEG-TS sources made in-process with the FFmpeg libraries: the
 * test pattern input ("testsrc://"), the built-in slate (colour bars with
 * the route's name and "no signal since ...") and a TS file looped with
 * continuous timestamps (the slate file).
 *
 * Each source runs in its own thread, paced in real time, and writes
 * 1316-byte datagrams of TS packets (7 x 188) into a datagram socket the
 * caller gives it; the reading end is an ordinary input socket of the
 * event loop.  Nothing here blocks the caller: start returns once the
 * thread runs, stop returns at once (or after the thread has gone, when
 * asked to wait).  No nginx types: unit tested in t/unit/test_av_source.c.
 */

#ifndef _AV_SOURCE_H_INCLUDED_
#define _AV_SOURCE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define AV_SOURCE_TESTSRC   1       /* moving pattern, burnt-in clock */
#define AV_SOURCE_SLATE     2       /* colour bars, title, "since" line */

#define AV_SOURCE_TEXT_LEN  128
#define AV_SOURCE_ERR_LEN   256


/* level: 0 error, 1 warning, 2 information; called from the thread */
typedef void (*av_source_log_pt)(void *data, int level, const char *msg);


typedef struct {
    const char         *file;       /* loop this TS file (stream copy);
                                       NULL: generate a pattern */
    int                 pattern;    /* AV_SOURCE_* when generating */
    int                 width;
    int                 height;
    int                 fps;
    int64_t             bitrate;    /* video, bits/s */
    int                 tone;       /* Hz; 0: silence */
    char                title[AV_SOURCE_TEXT_LEN];   /* slate: first line */
    char                text[AV_SOURCE_TEXT_LEN];    /* slate: second line */
    const char         *font;       /* TrueType file for the text; NULL or
                                       unreadable: no text */
    int                 fd;         /* connected datagram socket; the
                                       source owns and closes it */
    const char         *name;       /* prefix of its log messages */
    av_source_log_pt    log;
    void               *log_data;
} av_source_conf_t;


typedef struct av_source_s  av_source_t;


typedef struct {
    uint64_t            datagrams;  /* sent */
    uint64_t            dropped;    /* the socket was full */
    uint64_t            frames;     /* video frames made or copied */
    uint64_t            loops;      /* file mode: times the file restarted */
    uint64_t            late;       /* the thread fell 1 s behind real time
                                       and restarted its clock */
} av_source_stats_t;


/* returns NULL with a message in err when the thread cannot start; the
   encoders and the file are opened in the thread (failures are logged) */
av_source_t *av_source_start(const av_source_conf_t *conf, char *err,
    size_t errlen);

/* the slate's second line, e.g. "no signal since 12:34:56"; any thread */
void av_source_set_text(av_source_t *src, const char *text);

/*
 * A generated source's picture size, e.g. the slate's to the route's
 * (even, 16x16 to 7680x4320; others are ignored); any thread.  The next
 * frame is made and coded at the new size, from a key frame.
 */
void av_source_set_size(av_source_t *src, int width, int height);

void av_source_stats(av_source_t *src, av_source_stats_t *stats);

/* 1 while the thread runs; 0 once it has ended (error, peer gone, stop) */
int av_source_running(av_source_t *src);

/*
 * Ends the source: the thread sees the request within one frame, closes
 * its socket and frees everything.  wait != 0 joins the thread first.
 * src must not be used afterwards.
 */
void av_source_stop(av_source_t *src, int wait);


#endif /* _AV_SOURCE_H_INCLUDED_ */
