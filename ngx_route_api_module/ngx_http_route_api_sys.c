/*
 * Facts about the worker processes and the host, from /proc, for the
 * metrics and GET /api/system.  Cheap enough per request: a few small
 * reads.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_route_api.h"


static ssize_t ngx_http_route_api_read(const char *path, u_char *buf,
    size_t size);


/*
 * The nginx workers, this one first.  ngx_processes[] of a worker learns
 * its siblings from the master's channel messages, but ngx_last_process is
 * the master's count at fork time: every slot is looked at.
 */

ngx_uint_t
ngx_http_route_api_workers(ngx_http_route_api_proc_t *procs, ngx_uint_t max)
{
    u_char              path[64], buf[1024], *p;
    long long           rss;
    ngx_int_t           i, field;
    ngx_pid_t           pid;
    ngx_uint_t          n;
    unsigned long long  ut, st;

    n = 0;

    for (i = -1; i < NGX_MAX_PROCESSES && n < max; i++) {
        pid = (i < 0) ? ngx_pid : ngx_processes[i].pid;

        if (pid <= 0 || (i >= 0 && pid == ngx_pid)) {
            continue;
        }

        ngx_sprintf(path, "/proc/%P/stat%Z", pid);

        if (ngx_http_route_api_read((char *) path, buf, sizeof(buf)) <= 0) {
            continue;
        }

        /* the fields after the command name, which may contain spaces;
           an iteration for field k stops before field k + 1 */
        p = (u_char *) strrchr((char *) buf, ')');
        if (p == NULL) {
            continue;
        }

        ut = st = 0;
        rss = 0;

        for (field = 2; field <= 23; field++) {
            p = (u_char *) strchr((char *) p + 1, ' ');
            if (p == NULL) {
                break;
            }

            if (field == 13) {
                ut = strtoull((char *) p + 1, NULL, 10);

            } else if (field == 14) {
                st = strtoull((char *) p + 1, NULL, 10);

            } else if (field == 23) {
                rss = strtoll((char *) p + 1, NULL, 10);
            }
        }

        procs[n].pid = pid;
        procs[n].cpu_seconds = (double) (ut + st) / sysconf(_SC_CLK_TCK);
        procs[n].rss_bytes = (int64_t) rss * sysconf(_SC_PAGESIZE);
        n++;
    }

    return n;
}


ngx_int_t
ngx_http_route_api_loadavg(double load[3])
{
    u_char  buf[256];

    if (ngx_http_route_api_read("/proc/loadavg", buf, sizeof(buf)) <= 0
        || sscanf((char *) buf, "%lf %lf %lf", &load[0], &load[1], &load[2])
           != 3)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_route_api_meminfo(int64_t *total, int64_t *available)
{
    u_char  buf[4096], *p;

    if (ngx_http_route_api_read("/proc/meminfo", buf, sizeof(buf)) <= 0) {
        return NGX_ERROR;
    }

    p = (u_char *) ngx_strstr(buf, "MemTotal:");
    if (p == NULL) {
        return NGX_ERROR;
    }

    *total = strtoll((char *) p + 9, NULL, 10) * 1024;

    p = (u_char *) ngx_strstr(buf, "MemAvailable:");
    if (p == NULL) {
        return NGX_ERROR;
    }

    *available = strtoll((char *) p + 13, NULL, 10) * 1024;

    return NGX_OK;
}


/* a small /proc file, NUL-terminated */

static ssize_t
ngx_http_route_api_read(const char *path, u_char *buf, size_t size)
{
    ssize_t   n;
    ngx_fd_t  fd;

    fd = open(path, O_RDONLY);
    if (fd == -1) {
        return -1;
    }

    n = read(fd, buf, size - 1);
    (void) close(fd);

    if (n <= 0) {
        return -1;
    }

    buf[n] = '\0';

    return n;
}
