/*
 * Inputs made in-process: the test pattern ("testsrc://") and the route's
 * slate ("slate on;" or "slate FILE;").  av_source.c makes the stream in a
 * thread of the owner worker and writes it into one end of a datagram
 * socket pair; the other end is read by the event loop exactly like a UDP
 * input (lease, counters, analyzer, ring).  So a source never touches the
 * ring or shared memory from its thread, and a worker that loses the
 * input (reload) closes its end, which ends the thread.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <libavutil/log.h>

#include "ngx_srt_module.h"
#include "av_source.h"


#define NGX_SRT_SOURCE_SNDBUF   (4 * 1024 * 1024)
#define NGX_SRT_SLATE_PRIORITY  1001        /* after every input */
#define NGX_SRT_SLATE_DEFAULTS  "?bitrate=1M&tone=0"


static void ngx_srt_source_log(void *data, int level, const char *msg);


/* the font of the burnt-in text (fonts-dejavu-core) */
static char  ngx_srt_source_font[] =
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";


/*
 * slate off | on [size=WxH] [rate=N] [bitrate=N] | FILE;
 * The slate is one more input of the route, "slate", after all others.
 */

char *
ngx_srt_slate_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    u_char           *p, *last;
    char              err[SRT_URL_ERR_LEN];
    ngx_uint_t        i;
    ngx_str_t        *value, query;
    ngx_srt_route_t  *rt;
    ngx_srt_input_t  *in;
    ngx_file_info_t   fi;

    rt = mcf->current;
    value = cf->args->elts;

    if (rt->slate_set) {
        return "is duplicate";
    }

    rt->slate_set = 1;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    in = ngx_srt_input_create(cf, rt, NGX_SRT_SLATE_PRIORITY);
    if (in == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&in->id, "slate");
    rt->slate = in;
    in->slate = 1;
    in->local = 1;

    if (ngx_strcmp(value[1].data, "on") != 0) {

        /* a TS file, looped */

        if (cf->args->nelts > 2) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"slate\" with a file takes no parameters");
            return NGX_CONF_ERROR;
        }

        if (ngx_conf_full_name(cf->cycle, &value[1], 1) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        if (ngx_file_info(value[1].data, &fi) == NGX_FILE_ERROR
            || !ngx_is_file(&fi))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               "slate file \"%V\" is not a readable file",
                               &value[1]);
            return NGX_CONF_ERROR;
        }

        in->slate_file = value[1];

        in->url.len = sizeof("slate:") - 1 + value[1].len;
        in->url.data = ngx_pnalloc(cf->pool, in->url.len);
        if (in->url.data == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_sprintf(in->url.data, "slate:%V", &value[1]);

        in->parsed.scheme = SRT_URL_TESTSRC;

        return NGX_CONF_OK;
    }

    /* the built-in card: the test pattern's parameters, other defaults */

    query.len = sizeof(NGX_SRT_SLATE_DEFAULTS) - 1;

    for (i = 2; i < cf->args->nelts; i++) {
        query.len += 1 + value[i].len;
    }

    query.data = ngx_pnalloc(cf->pool, query.len);
    if (query.data == NULL) {
        return NGX_CONF_ERROR;
    }

    last = query.data + query.len;
    p = ngx_cpymem(query.data, NGX_SRT_SLATE_DEFAULTS,
                   sizeof(NGX_SRT_SLATE_DEFAULTS) - 1);

    for (i = 2; i < cf->args->nelts; i++) {
        p = ngx_slprintf(p, last, "&%V", &value[i]);
    }

    if (srt_url_testsrc_parse((char *) query.data, query.len, &in->parsed,
                              err)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid slate: %s", err);
        return NGX_CONF_ERROR;
    }

    /* without size=, the card follows the size of the route's video */
    in->slate_fit = 1;

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_strncmp(value[i].data, "size=", 5) == 0) {
            in->slate_fit = 0;
        }
    }

    in->slate_size = ((ngx_uint_t) in->parsed.testsrc.width << 16)
                     | in->parsed.testsrc.height;

    ngx_str_set(&in->url, "slate");

    return NGX_CONF_OK;
}


/*
 * Owner worker: starts the thread and reads its socket as a UDP input.
 * A failure leaves the input silent (its health says so) and is logged;
 * it never stops the worker.
 */

ngx_int_t
ngx_srt_source_open(ngx_cycle_t *cycle, ngx_srt_input_t *in)
{
    int                 sv[2], size;
    char                err[AV_SOURCE_ERR_LEN];
    u_char              name[512];
    ngx_connection_t   *c;
    av_source_conf_t    conf;
    srt_url_testsrc_t  *t;

    av_log_set_level(AV_LOG_ERROR);

    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == -1) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                      "input \"%V\": socketpair() failed", &in->url);
        return NGX_OK;
    }

    /* room for a key frame burst */
    size = NGX_SRT_SOURCE_SNDBUF;
    (void) setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(int));

    if (ngx_nonblocking(sv[0]) == -1) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                      "input \"%V\": " ngx_nonblocking_n " failed", &in->url);
        goto failed;
    }

    ngx_memzero(&conf, sizeof(av_source_conf_t));

    t = &in->parsed.testsrc;

    if (in->slate_file.len) {
        conf.file = (char *) in->slate_file.data;

    } else {
        conf.pattern = in->slate ? AV_SOURCE_SLATE : AV_SOURCE_TESTSRC;
        conf.width = t->width;
        conf.height = t->height;
        conf.fps = t->rate;
        conf.bitrate = t->bitrate;
        conf.tone = t->tone;
        conf.font = ngx_srt_source_font;

        *ngx_slprintf((u_char *) conf.title,
                      (u_char *) conf.title + AV_SOURCE_TEXT_LEN - 1, "%V",
                      &in->route->name)
            = '\0';
        ngx_cpystrn((u_char *) conf.text, (u_char *) "no signal",
                    AV_SOURCE_TEXT_LEN);
    }

    *ngx_slprintf(name, name + sizeof(name) - 1,
                  "input \"%V\" of route \"%V\"", &in->url, &in->route->name)
        = '\0';

    conf.name = (char *) name;
    conf.fd = sv[1];
    conf.log = ngx_srt_source_log;

    c = ngx_get_connection(sv[0], cycle->log);
    if (c == NULL) {
        goto failed;
    }

    in->source = av_source_start(&conf, err, sizeof(err));

    if (in->source == NULL) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "input \"%V\" of route \"%V\": %s", &in->url,
                      &in->route->name, err);
        ngx_free_connection(c);
        goto failed;
    }

    c->log = cycle->log;
    c->read->log = cycle->log;
    c->write->log = cycle->log;

    in->own_socket = 1;

    return ngx_srt_udp_input_attach(cycle, in, c);

failed:

    (void) close(sv[0]);
    (void) close(sv[1]);

    return NGX_OK;
}


/* closes the reading end, then lets the thread go */

void
ngx_srt_source_stop(ngx_srt_input_t *in, ngx_uint_t wait)
{
    ngx_srt_udp_input_stop(in);

    if (in->source) {
        av_source_stop(in->source, wait);
        in->source = NULL;
    }
}


/* the slate says since when the route has had no signal; since 0: an
   operator put the route on it */

void
ngx_srt_slate_since(ngx_srt_input_t *slate, time_t since)
{
    u_char     text[AV_SOURCE_TEXT_LEN];
    ngx_tm_t   tm;

    if (slate->source == NULL || slate->slate_file.len) {
        return;
    }

    if (since == 0) {
        av_source_set_text(slate->source, "please stand by");
        return;
    }

    ngx_localtime(since, &tm);

    ngx_snprintf(text, sizeof(text), "no signal since %02d:%02d:%02d%Z",
                 tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

    av_source_set_text(slate->source, (char *) text);
}


/*
 * The built-in card in the size of the route's video (the active input's,
 * or the preferred one's while the slate plays), so that receivers need
 * not change resolution at a switch.  From the failover check; the card
 * changes size only while it is not on air.
 */

void
ngx_srt_slate_fit(ngx_srt_route_t *rt)
{
    ngx_uint_t        size;
    ngx_srt_input_t  *slate, *in;

    slate = rt->slate;

    if (slate == NULL || !slate->slate_fit || slate->source == NULL
        || rt->active == slate)
    {
        return;
    }

    in = rt->active ? rt->active : rt->input;
    size = in->stats->video_size;

    if (size == 0 || size == slate->slate_size) {
        return;
    }

    slate->slate_size = size;

    ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                  "srt route \"%V\": the slate takes the size of \"%V\", "
                  "%uix%ui", &rt->name, &in->id, (size >> 16) & ~1,
                  (size & 0xffff) & ~1);

    av_source_set_size(slate->source, (int) ((size >> 16) & ~1),
                       (int) ((size & 0xffff) & ~1));
}


/*
 * From the source's thread.  nginx's file logs are plain write()s, safe
 * here; a log with a writer of its own (syslog) keeps state that only the
 * event loop may touch, so then the message goes to stderr instead.
 */

static void
ngx_srt_source_log(void *data, int level, const char *msg)
{
    ngx_log_t  *log;

    static ngx_uint_t  levels[] = { NGX_LOG_ERR, NGX_LOG_WARN, NGX_LOG_INFO };

    for (log = ngx_cycle->log; log; log = log->next) {
        if (log->writer) {
            ngx_write_stderr((char *) msg);
            ngx_write_stderr(NGX_LINEFEED);
            return;
        }
    }

    ngx_log_error(levels[level < 3 ? level : 2], ngx_cycle->log, 0, "%s",
                  msg);
}
