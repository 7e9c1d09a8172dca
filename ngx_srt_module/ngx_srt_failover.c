/*
 * Failover between a route's inputs: the directives, the health of each
 * input as the route's selector sees it, and the decisions: fail over
 * when the active input is silent or broken, revert to the preferred one
 * once it has been healthy for revert_after, switch when the API asks.
 * Runs in the selector's owner worker from a timer (failover_timeout / 10,
 * 10 to 50 ms): control path only, nothing here runs per packet.  The
 * switch itself is ngx_srt_selector_switch().
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_module.h"


#define NGX_SRT_HEALTH_WINDOW    1000    /* ms: error rate and bit rate */
#define NGX_SRT_RAP_MAX_AGE      12000   /* ms: a candidate must have had a
                                            random access point since */


static void ngx_srt_failover_check(ngx_event_t *ev);
static void ngx_srt_failover_health(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_msec_t now);
static ngx_uint_t ngx_srt_failover_alive(ngx_srt_route_t *rt,
    ngx_srt_input_t *in, ngx_msec_t now);
static ngx_srt_input_t *ngx_srt_failover_best(ngx_srt_route_t *rt,
    ngx_srt_input_t *skip);
static void ngx_srt_failover_begin(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_uint_t reason, ngx_msec_t now);
static ngx_msec_t ngx_srt_failover_period(ngx_srt_route_t *rt);


static const char  *ngx_srt_switch_reasons[] = {
    "none", "timeout", "errors", "revert", "manual", "restore"
};


const char *
ngx_srt_switch_reason(ngx_uint_t reason)
{
    return reason < NGX_SRT_SWITCH_LAST ? ngx_srt_switch_reasons[reason]
                                        : "none";
}


void
ngx_srt_failover_unset(ngx_srt_route_t *rt)
{
    rt->failover_timeout = NGX_CONF_UNSET_MSEC;
    rt->revert_after = NGX_CONF_UNSET_MSEC;
    rt->failover_error_rate = NGX_CONF_UNSET_UINT;
    rt->failover_min_bitrate = NGX_CONF_UNSET_SIZE;
    rt->switch_wait = NGX_CONF_UNSET_MSEC;
    rt->timestamps_continuous = NGX_CONF_UNSET;
}


void
ngx_srt_failover_defaults(ngx_srt_route_t *rt)
{
    ngx_conf_init_msec_value(rt->failover_timeout, 500);
    ngx_conf_init_msec_value(rt->revert_after, 10000);
    ngx_conf_init_uint_value(rt->failover_error_rate, 50);
    ngx_conf_init_size_value(rt->failover_min_bitrate, 0);
    ngx_conf_init_msec_value(rt->switch_wait, 1000);
    ngx_conf_init_value(rt->timestamps_continuous, 0);
}


char *
ngx_srt_failover_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_srt_main_conf_t  *mcf = conf;

    u_char           *name;
    ssize_t           size;
    ngx_int_t         n;
    ngx_str_t        *value;
    ngx_msec_t        ms;
    ngx_srt_route_t  *rt;

    rt = mcf->current;
    value = cf->args->elts;
    name = cmd->name.data;

    if (ngx_strcmp(name, "timestamps") == 0) {
        if (rt->timestamps_continuous != NGX_CONF_UNSET) {
            return "is duplicate";
        }

        if (ngx_strcmp(value[1].data, "continuous") == 0) {
            rt->timestamps_continuous = 1;

        } else if (ngx_strcmp(value[1].data, "passthrough") == 0) {
            rt->timestamps_continuous = 0;

        } else {
            return "must be \"continuous\" or \"passthrough\"";
        }

        return NGX_CONF_OK;
    }

    if (ngx_strcmp(name, "failover_error_rate") == 0) {
        if (rt->failover_error_rate != NGX_CONF_UNSET_UINT) {
            return "is duplicate";
        }

        /* a percentage with one decimal: "5" or "0.5" or "5%" */
        if (value[1].len && value[1].data[value[1].len - 1] == '%') {
            value[1].len--;
        }

        n = ngx_atofp(value[1].data, value[1].len, 1);

        if (n == NGX_ERROR || n < 1 || n > 1000) {
            return "must be a percentage from 0.1 to 100";
        }

        rt->failover_error_rate = n;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(name, "failover_min_bitrate") == 0) {
        if (rt->failover_min_bitrate != NGX_CONF_UNSET_SIZE) {
            return "is duplicate";
        }

        /* bit/s with k and m suffixes, as in "2m" */
        size = ngx_parse_size(&value[1]);

        if (size == NGX_ERROR) {
            return "is an invalid bit rate";
        }

        rt->failover_min_bitrate = size;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(name, "revert_after") == 0
        && ngx_strcmp(value[1].data, "off") == 0)
    {
        if (rt->revert_after != NGX_CONF_UNSET_MSEC) {
            return "is duplicate";
        }

        rt->revert_after = 0;
        return NGX_CONF_OK;
    }

    /* failover_timeout, revert_after, switch_wait: times */

    ms = ngx_parse_time(&value[1], 0);

    if (ms == (ngx_msec_t) NGX_ERROR) {
        return "is an invalid time";
    }

    if (ngx_strcmp(name, "failover_timeout") == 0) {
        if (rt->failover_timeout != NGX_CONF_UNSET_MSEC) {
            return "is duplicate";
        }

        if (ms < 100 || ms > 60000) {
            return "must be from 100ms to 60s";
        }

        rt->failover_timeout = ms;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(name, "revert_after") == 0) {
        if (rt->revert_after != NGX_CONF_UNSET_MSEC) {
            return "is duplicate";
        }

        if (ms < 100 || ms > 86400000) {
            return "must be \"off\" or a time from 100ms to 1d";
        }

        rt->revert_after = ms;
        return NGX_CONF_OK;
    }

    /* switch_wait */

    if (rt->switch_wait != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    if (ms > 10000) {
        return "must be at most 10s";
    }

    rt->switch_wait = ms;

    return NGX_CONF_OK;
}


/* the selector's owner: health checks start with ownership */

void
ngx_srt_failover_start(ngx_srt_route_t *rt, ngx_log_t *log)
{
    ngx_uint_t         i;
    ngx_msec_t         now;
    ngx_srt_input_t  **inp;

    now = ngx_current_msec;
    inp = rt->inputs.elts;

    for (i = 0; i < rt->inputs.nelts; i++) {
        /* a grace of one timeout before an input counts as silent */
        inp[i]->packet_msec = now;
        inp[i]->packets_seen = inp[i]->stats->packets;
        inp[i]->rap_count = inp[i]->ring.shm->ring.rap_count;
        inp[i]->rap_msec = 0;
        inp[i]->healthy_since = 0;
        inp[i]->health_window = now;
        inp[i]->health_packets = inp[i]->stats->packets;
        inp[i]->health_errors = inp[i]->stats->cc_errors
                                + inp[i]->stats->sync_losses
                                + inp[i]->stats->truncated;
        inp[i]->error_rate = 0;
        inp[i]->rate_bits = 0;
    }

    rt->request_seq = rt->failover->request_seq;
    rt->next = NULL;

    if (rt->inputs.nelts < 2) {
        return;      /* nothing to fail over to: no timer */
    }

    rt->health.handler = ngx_srt_failover_check;
    rt->health.data = rt;
    rt->health.log = log;
    rt->health.cancelable = 1;

    if (!rt->health.timer_set) {
        ngx_add_timer(&rt->health, ngx_srt_failover_period(rt));
    }
}


void
ngx_srt_failover_stop(ngx_srt_route_t *rt)
{
    if (rt->health.timer_set) {
        ngx_del_timer(&rt->health);
    }

    rt->next = NULL;
}


static ngx_msec_t
ngx_srt_failover_period(ngx_srt_route_t *rt)
{
    ngx_msec_t  p;

    p = rt->failover_timeout / 10;

    return p < 10 ? 10 : (p > 50 ? 50 : p);
}


static void
ngx_srt_failover_check(ngx_event_t *ev)
{
    ngx_srt_route_t  *rt = ev->data;

    ngx_uint_t                i, healthy, target;
    ngx_msec_t                now;
    ngx_srt_input_t          *in, *active, *best, **inp;
    ngx_srt_shm_failover_t   *fo;

    if (ngx_exiting) {
        return;
    }

    ngx_add_timer(ev, ngx_srt_failover_period(rt));

    if (!rt->owned || rt->active == NULL) {
        return;
    }

    now = ngx_current_msec;
    fo = rt->failover;
    inp = rt->inputs.elts;
    healthy = 0;

    for (i = 0; i < rt->inputs.nelts; i++) {
        ngx_srt_failover_health(rt, inp[i], now);

        if (inp[i]->healthy_since) {
            healthy |= 1 << i;
        }
    }

    fo->healthy = healthy;
    active = rt->active;

    ngx_srt_slate_fit(rt);

    /* a switch waiting for the next input's keyframe */

    if (rt->next
        && (rt->next->ring.shm->ring.rap_count != rt->next_raps
            || (ngx_msec_int_t) (now - rt->next_deadline) >= 0
            || !ngx_srt_failover_alive(rt, active, now)))
    {
        ngx_srt_selector_switch(rt, rt->next, rt->next_reason);
        active = rt->active;
    }

    /* the API asked for an input */

    if (fo->request_seq != rt->request_seq) {
        rt->request_seq = fo->request_seq;
        target = fo->request;

        if (target >= 1 && target <= rt->inputs.nelts) {
            in = inp[target - 1];

            if (in == active) {
                rt->next = NULL;

            } else if (!ngx_srt_failover_alive(rt, in, now)) {
                ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                              "srt route \"%V\": switch to input \"%V\" "
                              "refused: it has no signal", &rt->name,
                              &in->id);
            } else {
                if (in->slate) {
                    ngx_srt_slate_since(in, 0);
                }

                ngx_srt_failover_begin(rt, in, NGX_SRT_SWITCH_MANUAL, now);
            }
        }
    }

    if (!ngx_srt_failover_alive(rt, active, now)
        || active->error_rate > rt->failover_error_rate)
    {
        best = ngx_srt_failover_best(rt, active);

        /* a live input with errors still beats the slate */
        if (best && best->slate && ngx_srt_failover_alive(rt, active, now)) {
            best = NULL;
        }

        if (best) {
            if (best->slate && !fo->no_input) {
                ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                              "srt route \"%V\": no input has a signal, "
                              "playing the slate", &rt->name);
                ngx_srt_slate_since(best,
                                    ngx_time() - (now - active->packet_msec)
                                                 / 1000);
            }

            fo->no_input = best->slate;
            ngx_srt_selector_switch(rt, best,
                                    ngx_srt_failover_alive(rt, active, now)
                                    ? NGX_SRT_SWITCH_ERRORS
                                    : NGX_SRT_SWITCH_TIMEOUT);
            return;
        }

        if (!ngx_srt_failover_alive(rt, active, now) && !fo->no_input) {
            fo->no_input = 1;
            ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                          "srt route \"%V\": no input has a signal",
                          &rt->name);
        }

        return;
    }

    /* off the slate as soon as an input has a signal, unless an operator
       put the route there */

    if (active->slate) {
        best = ngx_srt_failover_best(rt, active);

        if (best && rt->next == NULL
            && !(fo->manual && fo->last_reason == NGX_SRT_SWITCH_MANUAL))
        {
            ngx_srt_failover_begin(rt, best, NGX_SRT_SWITCH_RESTORE, now);
        }

        return;
    }

    fo->no_input = 0;

    /* back to the preferred input once it has been healthy long enough */

    if (fo->manual || rt->revert_after == 0 || rt->next) {
        return;
    }

    best = ngx_srt_failover_best(rt, NULL);

    if (best && best->index < active->index
        && now - best->healthy_since >= rt->revert_after)
    {
        ngx_srt_failover_begin(rt, best, NGX_SRT_SWITCH_REVERT, now);
    }
}


/*
 * Healthy: valid packets within failover_timeout, an error rate (CC
 * errors, sync losses, truncated datagrams, per packet) within
 * failover_error_rate over the last window, at least failover_min_bitrate,
 * and a random access point not too long ago (so a switch to it can start
 * on a keyframe).
 */

static void
ngx_srt_failover_health(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_msec_t now)
{
    uint64_t              packets, errors, raps, dp, de;
    ngx_msec_t            window;
    ngx_srt_shm_input_t  *st;

    st = in->stats;
    packets = st->packets;
    errors = st->cc_errors + st->sync_losses + st->truncated;

    if (packets != in->packets_seen) {
        in->packets_seen = packets;
        in->packet_msec = now;
    }

    raps = in->ring.shm->ring.rap_count;

    if (raps != in->rap_count) {
        in->rap_count = raps;
        in->rap_msec = now;
    }

    window = now - in->health_window;

    if (window >= NGX_SRT_HEALTH_WINDOW) {
        dp = packets - in->health_packets;
        de = errors - in->health_errors;

        in->error_rate = dp ? (ngx_uint_t) (de * 1000 / dp)
                            : (de ? 1000 : 0);
        in->rate_bits = dp * SRT_RING_PKT * 8 * 1000 / window;
        in->health_packets = packets;
        in->health_errors = errors;
        in->health_window = now;
    }

    if (ngx_srt_failover_alive(rt, in, now)
        && in->error_rate <= rt->failover_error_rate
        && (in->rate_bits >= rt->failover_min_bitrate || in->slate)
        && in->rap_msec && now - in->rap_msec < NGX_SRT_RAP_MAX_AGE)
    {
        if (in->healthy_since == 0) {
            in->healthy_since = now;
        }

    } else {
        in->healthy_since = 0;
    }
}


static ngx_uint_t
ngx_srt_failover_alive(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_msec_t now)
{
    return now - in->packet_msec < rt->failover_timeout;
}


/* the most preferred healthy input other than skip */

static ngx_srt_input_t *
ngx_srt_failover_best(ngx_srt_route_t *rt, ngx_srt_input_t *skip)
{
    ngx_uint_t         i;
    ngx_srt_input_t  **inp;

    inp = rt->inputs.elts;

    for (i = 0; i < rt->inputs.nelts; i++) {
        if (inp[i] != skip && inp[i]->healthy_since) {
            return inp[i];
        }
    }

    return NULL;
}


/*
 * A switch away from a live input waits for the next keyframe of the new
 * one (at most switch_wait), so the cut is clean; the old one plays until
 * then.
 */

static void
ngx_srt_failover_begin(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_uint_t reason, ngx_msec_t now)
{
    if (rt->switch_wait == 0) {
        ngx_srt_selector_switch(rt, in, reason);
        return;
    }

    rt->next = in;
    rt->next_raps = in->ring.shm->ring.rap_count;
    rt->next_deadline = now + rt->switch_wait;
    rt->next_reason = reason;
}


/* the selector's batch: is the next input's keyframe there? */

void
ngx_srt_failover_poll(ngx_srt_route_t *rt)
{
    if (rt->next && rt->next->ring.shm->ring.rap_count != rt->next_raps) {
        ngx_srt_selector_switch(rt, rt->next, rt->next_reason);
    }
}


/* the input the route's selector reads, as shared memory says (any worker) */

ngx_srt_input_t *
ngx_srt_active_input(ngx_srt_route_t *rt)
{
    ngx_uint_t         idx;
    ngx_srt_input_t  **inp;

    if (rt->inputs.nelts == 0) {
        return NULL;
    }

    inp = rt->inputs.elts;
    idx = rt->failover->active;

    return inp[idx < rt->inputs.nelts ? idx : 0];
}
