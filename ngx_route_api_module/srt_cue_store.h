/*
 * The SCTE-35 cue log and the ad-marker schedule, in the route API's SQLite
 * database (tables created by srt_store.c's schema version 2).  Plain C,
 * no nginx types.  One srt_cue_store_t per srt_store_t connection: it
 * keeps its own prepared statements.  Each call is one statement in
 * autocommit mode (or part of the caller's open transaction).
 */

#ifndef _SRT_CUE_STORE_H_INCLUDED_
#define _SRT_CUE_STORE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "srt_store.h"


typedef struct srt_cue_store_s  srt_cue_store_t;


/* one row of the cue log */
typedef struct {
    int64_t             seq;            /* set by the store */
    int64_t             ts_ms;
    const char         *route;
    const char         *source;         /* "api", "schedule", "input" */
    const char         *hex;            /* the section */
    const char         *decoded;        /* JSON text, or NULL */
    int64_t             splice_pts;     /* -1: none */
    const char         *result;         /* "queued", "seen", "bad_crc",
                                           "invalid", "missed" */
    const char         *error;          /* or NULL */
} srt_cue_t;


/* one row of the schedule */
typedef struct {
    int64_t             id;
    const char         *route;
    int64_t             start_ms;       /* wall clock of the splice */
    const char         *cue;            /* the cue request, JSON text */
    const char         *state;          /* "pending", "fired", "missed",
                                           "cancelled" */
    int64_t             created_ms;
    int64_t             done_ms;        /* 0 while pending */
    const char         *result;         /* or NULL */
} srt_sched_t;


typedef int (*srt_cue_cb)(void *data, const srt_cue_t *cue);
typedef int (*srt_sched_cb)(void *data, const srt_sched_t *s);


srt_cue_store_t *srt_cue_store_open(srt_store_t *st,
    char err[SRT_STORE_ERR_LEN]);
void srt_cue_store_close(srt_cue_store_t *cs);

/* appends a row and keeps the newest retention rows */
int srt_cue_append(srt_cue_store_t *cs, const srt_cue_t *cue,
    int64_t retention, int64_t *seq, char *err);

/*
 * Rows newest first: route and source may be NULL (any), the time range is
 * inclusive, cursor is the seq to start below (INT64_MAX: the newest).  At
 * most limit rows go to cb; *next gets the cursor of the next page, or 0.
 */
int srt_cue_list(srt_cue_store_t *cs, const char *route, const char *source,
    int64_t from_ms, int64_t to_ms, int64_t cursor, int limit,
    srt_cue_cb cb, void *data, int64_t *next, char *err);

int srt_sched_add(srt_cue_store_t *cs, const char *route, int64_t start_ms,
    const char *cue, int64_t now_ms, int64_t *id, char *err);

/* route's entries (all routes when NULL), by start time; state may be
   NULL (any) */
int srt_sched_list(srt_cue_store_t *cs, const char *route, const char *state,
    srt_sched_cb cb, void *data, char *err);

int srt_sched_get(srt_cue_store_t *cs, int64_t id, srt_sched_cb cb,
    void *data, char *err);

/* pending entries with start_ms <= until_ms, the earliest first */
int srt_sched_due(srt_cue_store_t *cs, int64_t until_ms, srt_sched_cb cb,
    void *data, char *err);

/*
 * Moves a pending entry to state ("fired", "missed", "cancelled").
 * SRT_STORE_CONFLICT if it is not pending any more (another worker took
 * it, or it was done already), SRT_STORE_NOT_FOUND if there is no such
 * entry (of that route, when route is not NULL).
 */
int srt_sched_finish(srt_cue_store_t *cs, int64_t id, const char *route,
    const char *state, int64_t now_ms, const char *result, char *err);

/* the state of an entry this worker took (fired, then missed after all) */
int srt_sched_set(srt_cue_store_t *cs, int64_t id, const char *state,
    int64_t now_ms, const char *result, char *err);


#endif /* _SRT_CUE_STORE_H_INCLUDED_ */
