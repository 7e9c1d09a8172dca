/*
 * SRT streamid parsing: the access-control convention of libsrt
 * (docs/features/access-control.md), "#!::r=name,m=publish,...", or a bare
 * resource name.  Plain C, no nginx types; unit tested in
 * t/unit/test_streamid.c.
 */

#ifndef _SRT_STREAMID_H_INCLUDED_
#define _SRT_STREAMID_H_INCLUDED_


#include <stddef.h>


#define SRT_SID_RESOURCE_LEN  256
#define SRT_SID_USER_LEN      64
#define SRT_SID_ERR_LEN       128


typedef enum {
    SRT_SID_MODE_NONE = 0,         /* not specified */
    SRT_SID_MODE_REQUEST,          /* m=request (the convention's default) */
    SRT_SID_MODE_PUBLISH,          /* m=publish */
    SRT_SID_MODE_BIDIRECTIONAL     /* m=bidirectional */
} srt_sid_mode_e;


typedef struct {
    char            resource[SRT_SID_RESOURCE_LEN];  /* "r", or the bare name */
    char            user[SRT_SID_USER_LEN];          /* "u" */
    int             mode;                            /* srt_sid_mode_e */
    int             bare;                            /* 1: not "#!::" form */
} srt_streamid_t;


/*
 * An empty streamid is a bare empty resource.  "#!::" starts a list of
 * key=value items separated by ',': r (resource, may be empty), u (user),
 * m (request|publish|bidirectional), t (only "stream"), h and s; other
 * keys are ignored, a duplicate key or an item without '=' is an error.
 * Keys and values are case-sensitive.  The nested "#!:{" form is refused.
 * Anything else is a bare resource name (mode NONE).  At most 512 bytes,
 * printable ASCII only; resource at most 255, user at most 63 characters.
 *
 * Returns 0, or -1 with a message in err.  s need not be NUL-terminated.
 */
int srt_streamid_parse(const char *s, size_t len, srt_streamid_t *sid,
    char err[SRT_SID_ERR_LEN]);


#endif /* _SRT_STREAMID_H_INCLUDED_ */
