/*
 * Helpers shared by the benchmark tools (tsgen, tsrecv, floor, srtrecv):
 * the stop flag of SIGINT/SIGTERM, the monotonic clock, port and socket
 * set-up, and CPU accounting from /proc: this process, the system under
 * test (a list of PIDs) and the whole machine.
 *
 * Every tool defines _GNU_SOURCE before its first #include.
 */

#ifndef BENCH_H
#define BENCH_H

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void) sig; stop = 1; }

static inline uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

/* are the ports first .. first + n - 1 (n >= 1) all valid? */
static inline int
ports_ok(int first, int n)
{
    return first > 0 && first + n - 1 <= 65535;
}

/*
 * Sets a socket buffer size (opt: SO_RCVBUF or SO_SNDBUF): with the
 * SO_*BUFFORCE option (root: beyond net.core.[rw]mem_max), else the plain
 * one.
 */
static inline void
sock_buf(int fd, int opt, int size)
{
    int force = opt == SO_RCVBUF ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;

    if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)) != 0) {
        setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
    }
}

/* ---- CPU: this process ---- */

/* user + system CPU seconds of this process (all threads) */
static inline double
self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6
         + (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

/* ---- CPU: the system under test ---- */

typedef struct {
    int   n;
    int  *pid;
} pids_t;

/* appends the PIDs listed in file (one per line); -1 if it cannot be read */
static inline int
pids_load(pids_t *s, const char *file)
{
    FILE *f = fopen(file, "r");
    int   pid, cap = 0;
    if (f == NULL) {
        return -1;
    }
    while (fscanf(f, "%d", &pid) == 1) {
        if (s->n == cap) {
            cap = cap ? cap * 2 : 64;
            int *np = realloc(s->pid, sizeof(int) * (size_t) cap);
            if (np == NULL) {
                break;
            }
            s->pid = np;
        }
        s->pid[s->n++] = pid;
    }
    fclose(f);
    return 0;
}

/*
 * utime + stime (/proc/PID/stat, clock ticks, all threads), summed over the
 * PIDs; *missing counts vanished PIDs.
 */
static inline uint64_t
pids_ticks(const pids_t *s, int *missing)
{
    uint64_t total = 0;
    char     path[64], buf[1024];
    *missing = 0;
    for (int i = 0; i < s->n; i++) {
        snprintf(path, sizeof(path), "/proc/%d/stat", s->pid[i]);
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            (*missing)++;
            continue;
        }
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0) {
            (*missing)++;
            continue;
        }
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        if (p == NULL) {
            continue;
        }
        /* fields after "comm)": state(3) ... utime(14) stime(15) */
        unsigned long long ut = 0, st = 0;
        int field = 2;
        char *save = NULL;
        for (char *tok = strtok_r(p + 1, " ", &save); tok;
             tok = strtok_r(NULL, " ", &save))
        {
            field++;
            if (field == 14) {
                ut = strtoull(tok, NULL, 10);
            } else if (field == 15) {
                st = strtoull(tok, NULL, 10);
                break;
            }
        }
        total += ut + st;
    }
    return total;
}

/*
 * sum_exec_runtime (/proc/PID/task/TID/schedstat, ns) over every live
 * thread of the PIDs.
 */
static inline uint64_t
pids_sched_ns(const pids_t *s)
{
    uint64_t total = 0;
    char     path[300], buf[256];
    for (int i = 0; i < s->n; i++) {
        snprintf(path, sizeof(path), "/proc/%d/task", s->pid[i]);
        DIR *d = opendir(path);
        if (d == NULL) {
            continue;
        }
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] < '0' || de->d_name[0] > '9') {
                continue;
            }
            snprintf(path, sizeof(path), "/proc/%d/task/%.20s/schedstat",
                     s->pid[i], de->d_name);
            int fd = open(path, O_RDONLY);
            if (fd < 0) {
                continue;
            }
            ssize_t n = read(fd, buf, sizeof(buf) - 1);
            close(fd);
            if (n > 0) {
                buf[n] = '\0';
                total += strtoull(buf, NULL, 10);
            }
        }
        closedir(d);
    }
    return total;
}

/* ---- CPU: the whole machine ---- */

/* clock ticks over all CPUs since boot (/proc/stat) */
typedef struct {
    uint64_t  busy;         /* user nice system irq softirq steal */
    uint64_t  total;        /* busy + idle + iowait */
    uint64_t  softirq;
    uint64_t  steal;
} host_cpu_t;

static inline void
host_cpu(host_cpu_t *h)
{
    unsigned long long v[8] = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    memset(h, 0, sizeof(*h));
    if (f == NULL) {
        return;
    }
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
               &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
    {
        /* user nice system idle iowait irq softirq steal */
        h->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        h->total = h->busy + v[3] + v[4];
        h->softirq = v[6];
        h->steal = v[7];
    }
    fclose(f);
}

#endif
