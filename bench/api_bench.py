#!/usr/bin/python3
"""Route API benchmark: the HTTP timing loops of bench/api_bench.sh.

    api_bench.py run --port HTTP_PORT --master PID --in-port P --base B
                     --errlog PATH --out RESULTS.json
    api_bench.py report RESULTS.json        # markdown table on stdout

Python 3 standard library only.  run.sh-style conventions: 127.0.0.1 only,
every wait is bounded, progress on stderr, one JSON document as result.

"run" expects nginx (2 workers, route_api on /api/, auth off) running with
the master PID given and a UDP stream (tsgen, ~2 Mbit/s) arriving at
127.0.0.1:IN_PORT.  It measures, on one keep-alive HTTP/1.1 connection
(http.client):

1. first_byte: route "r" with the fed input; N times: bind a fresh UDP
   socket on a free port (kernel-chosen), POST /api/routes/r/outputs
   {"url":"udp://127.0.0.1:PORT"}, time from just before the POST is
   written to the kernel receive timestamp (SO_TIMESTAMPNS) of the first
   datagram on that socket; then DELETE the output.  Interleaved baseline:
   one GET /api/health round trip before every POST.
2. bulk: 1000 GET /api/health (baseline), then 1000 POST
   /api/routes/bulk/outputs (one route whose input gets no traffic,
   outputs udp://127.0.0.1:BASE+1000+i: nobody listens there, nothing is
   sent); total wall time and per-call latency; then the time until every
   output is started by a worker (owner pid set in GET /api/routes/bulk),
   the check that all of them are listed, and DELETE of the route.
3. reconcile: 20 changes (POST output to r, first datagram, DELETE) with
   1 API route present, then with 500 (rt1..rt499 created, each one UDP
   input BASE+2000+i and one UDP output BASE+3000+i, no traffic), then
   with 1 again after deleting them.  Worker CPU (sum over threads of
   /proc/PID/task/TID/schedstat run time, and utime+stime of
   /proc/PID/stat) over each set of changes, minus the idle rate measured
   just before over IDLE seconds.
"""

import argparse
import http.client
import json
import math
import os
import select
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)    # Linux value
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print("[api-bench %s] %s" % (time.strftime("%H:%M:%S"), msg),
          file=sys.stderr, flush=True)


# ---- statistics ------------------------------------------------------------

def pct(values, p):
    """nearest-rank percentile (p in 0..100) of a list; None if empty"""
    v = sorted(values)
    if not v:
        return None
    k = max(1, math.ceil(p / 100.0 * len(v)))
    return v[k - 1]


def summary(values):
    v = [x for x in values if x is not None]
    if not v:
        return {"n": 0}
    return {"n": len(v), "p50": pct(v, 50), "p90": pct(v, 90),
            "p95": pct(v, 95), "p99": pct(v, 99), "max": max(v),
            "min": min(v), "mean": sum(v) / len(v)}


def ratio(a, b):
    return a / b if a is not None and b else None


# ---- HTTP --------------------------------------------------------------------

class Api:
    """one keep-alive HTTP/1.1 connection; reconnects if nginx closes it"""

    def __init__(self, port, prefix="/api", timeout=10.0):
        self.port = port
        self.prefix = prefix
        self.timeout = timeout
        self.conn = None
        self.reconnects = 0

    def _connect(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                               timeout=self.timeout)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, method, path, body=None):
        """-> (status, parsed JSON or None, seconds from write to body read)"""
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.conn is None or self.conn.sock is None:
                if self.conn is not None:
                    self.reconnects += 1
                self._connect()
            t0 = time.perf_counter()
            try:
                self.conn.request(method, self.prefix + path, data, headers)
                r = self.conn.getresponse()
                raw = r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError):
                # keep-alive connection closed by the server: retry once
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            dt = time.perf_counter() - t0
            if r.will_close:
                self.conn.close()
            try:
                doc = json.loads(raw) if raw else None
            except ValueError:
                doc = None
            return r.status, doc, dt
        raise RuntimeError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()


class Failures:
    """unexpected statuses, kept (a few) for the report"""

    def __init__(self):
        self.count = 0
        self.samples = []

    def add(self, what, status, doc):
        self.count += 1
        if len(self.samples) < 10:
            self.samples.append({"call": what, "status": status,
                                 "body": doc})
        log("unexpected: %s -> %s %s" % (what, status,
                                         json.dumps(doc)[:200]))


# ---- UDP receiver with kernel timestamps ---------------------------------------

def receiver():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    return s


def first_datagram_ns(s, deadline):
    """CLOCK_REALTIME ns of the first datagram's arrival (kernel stamp), or
    None when nothing came before deadline (time.monotonic())"""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        try:
            _, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(16))
        except BlockingIOError:
            continue
        for level, typ, data in anc:
            if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS \
                    and len(data) >= 16:
                sec, nsec = struct.unpack("qq", data[:16])
                return sec * 1000000000 + nsec
        return time.time_ns()           # no stamp: our own clock


def drain(s):
    n = 0
    while True:
        try:
            s.recv(2048)
            n += 1
        except BlockingIOError:
            return n


# ---- CPU of the nginx workers -----------------------------------------------------

def workers(master):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[1]) == master:
            out.append(int(d))
    return sorted(out)


def cpu_sample(pids):
    """(schedstat run time ns summed over all threads, utime+stime ticks)"""
    ns = 0
    ticks = 0
    for p in pids:
        try:
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/schedstat" % (p, t)) as f:
                    ns += int(f.read().split()[0])
            with open("/proc/%d/stat" % p) as f:
                st = f.read()
            fields = st[st.rindex(")") + 2:].split()
            ticks += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return ns, ticks


# ---- 1. POST to first datagram --------------------------------------------------------

def first_byte_loop(api, fails, route, n, timeout_s, health=True):
    """n x (GET /health, POST output, first datagram, DELETE output);
    returns per-iteration records"""
    recs = []
    for i in range(n):
        rec = {}
        if health:
            st, doc, dt = api.call("GET", "/health")
            if st != 200:
                fails.add("GET /health", st, doc)
            rec["health_ms"] = dt * 1e3
        s = receiver()
        port = s.getsockname()[1]
        t0 = time.time_ns()
        p0 = time.perf_counter()
        st, doc, dt = api.call("POST", "/routes/%s/outputs" % route,
                               {"url": "udp://127.0.0.1:%d" % port})
        rec["post_ms"] = dt * 1e3
        if st != 201 or not isinstance(doc, dict) or "id" not in doc:
            fails.add("POST /routes/%s/outputs" % route, st, doc)
            s.close()
            rec["first_byte_ms"] = None
            recs.append(rec)
            continue
        t1 = first_datagram_ns(s, time.monotonic() + timeout_s)
        rec["first_byte_ms"] = None if t1 is None else (t1 - t0) / 1e6
        if t1 is None:
            log("no datagram within %.1f s on port %d (output %s, try %d)"
                % (timeout_s, port, doc["id"], i))
            rec["waited_s"] = time.perf_counter() - p0
        st, ddoc, dt = api.call("DELETE", "/routes/%s/outputs/%s"
                                % (route, doc["id"]))
        rec["delete_ms"] = dt * 1e3
        if st != 204:
            fails.add("DELETE output %s" % doc["id"], st, ddoc)
        s.close()
        recs.append(rec)
    return recs


def first_byte(api, fails, route, n, timeout_s):
    log("1. POST to first datagram, %d times" % n)
    recs = first_byte_loop(api, fails, route, n, timeout_s)
    fb = [r["first_byte_ms"] for r in recs]
    h = summary([r.get("health_ms") for r in recs])
    f = summary(fb)
    return {
        "n": n,
        "first_byte_ms": f,
        "missing": sum(1 for x in fb if x is None),
        "post_response_ms": summary([r["post_ms"] for r in recs]),
        "delete_response_ms": summary([r.get("delete_ms") for r in recs]),
        "health_rtt_ms": h,
        "ratio_p50": ratio(f.get("p50"), h.get("p50")),
        "ratio_p99": ratio(f.get("p99"), h.get("p99")),
        "target_p99_ms": 50,
        "target_met": (f.get("p99") is not None and f["p99"] < 50
                       and sum(1 for x in fb if x is None) == 0),
    }


# ---- 2. 1000 outputs on one route ------------------------------------------------------

def routes_doc(api, fails, path):
    st, doc, dt = api.call("GET", path)
    if st != 200:
        fails.add("GET " + path, st, doc)
        return None, dt
    return doc, dt


def bulk(api, fails, master, n, in_port, out_base, converge_s):
    log("2. %d x GET /health, then %d x POST output (route bulk)" % (n, n))
    st, doc, _ = api.call("POST", "/routes", {
        "id": "bulk", "inputs": [{"url": "udp://127.0.0.1:%d" % in_port}]})
    if st != 201:
        fails.add("POST /routes (bulk)", st, doc)
        return {"error": "cannot create route bulk: %s" % st}

    pids = workers(master)
    hl = []
    c0 = cpu_sample(pids)
    t0 = time.perf_counter()
    for _ in range(n):
        st, doc, dt = api.call("GET", "/health")
        if st != 200:
            fails.add("GET /health", st, doc)
        hl.append(dt * 1e3)
    health_total = time.perf_counter() - t0
    c1 = cpu_sample(pids)

    pl = []
    ok = 0
    t0 = time.perf_counter()
    for i in range(n):
        st, doc, dt = api.call("POST", "/routes/bulk/outputs",
                               {"url": "udp://127.0.0.1:%d" % (out_base + i)})
        if st == 201:
            ok += 1
        else:
            fails.add("POST /routes/bulk/outputs #%d" % i, st, doc)
        pl.append(dt * 1e3)
    post_total = time.perf_counter() - t0
    c2 = cpu_sample(pids)
    log("   POST loop: %.2f s (%d created)" % (post_total, ok))

    # every output started by some worker (owner pid set)?
    t1 = time.perf_counter()
    listed = started = 0
    doc = None
    while True:
        doc, _ = routes_doc(api, fails, "/routes/bulk")
        outs = (doc or {}).get("outputs") or []
        listed = len(outs)
        started = sum(1 for o in outs
                      if (o.get("owner") or {}).get("pid"))
        if started >= n or time.perf_counter() - t1 > converge_s:
            break
        time.sleep(0.05)
    converge = time.perf_counter() - t1
    urls = set(o.get("url") for o in (doc or {}).get("outputs") or [])
    want = set("udp://127.0.0.1:%d" % (out_base + i) for i in range(n))
    _, list_dt = routes_doc(api, fails, "/routes/bulk")

    t2 = time.perf_counter()
    st, ddoc, _ = api.call("DELETE", "/routes/bulk")
    del_s = time.perf_counter() - t2
    if st != 204:
        fails.add("DELETE /routes/bulk", st, ddoc)

    p = summary(pl)
    h = summary(hl)
    return {
        "n": n,
        "created": ok,
        "post_total_s": post_total,
        "post_ms": p,
        "post_first100_p50_ms": pct(pl[:100], 50),
        "post_last100_p50_ms": pct(pl[-100:], 50),
        "health_total_s": health_total,
        "post_cpu_ms_per_call": (c2[0] - c1[0]) / 1e6 / n,
        "health_cpu_ms_per_call": (c1[0] - c0[0]) / 1e6 / n,
        "post_cpu_pct": (c2[0] - c1[0]) / 1e7 / post_total,
        "health_ms": h,
        "ratio_total": ratio(post_total, health_total),
        "ratio_p50": ratio(p.get("p50"), h.get("p50")),
        "ratio_p99": ratio(p.get("p99"), h.get("p99")),
        "listed": listed,
        "urls_match": urls == want,
        "started": started,
        "all_started_after_loop_s": converge if started >= n else None,
        "get_route_ms": list_dt * 1e3,
        "delete_route_s": del_s,
        "target_s": 10,
        "target_met": post_total < 10 and ok == n and listed == n
                      and urls == want,
    }


# ---- 3. reconcile with 1 and 500 routes -------------------------------------------------

def wait_started(api, fails, want, limit_s):
    """until every API route's input and outputs have an owner pid"""
    t0 = time.perf_counter()
    while True:
        doc, _ = routes_doc(api, fails, "/routes")
        api_routes = [r for r in (doc or []) if r.get("source") == "api"]
        pending = 0
        for r in api_routes:
            for e in (r.get("inputs") or []) + (r.get("outputs") or []):
                if e.get("enabled", True) and not (e.get("owner") or {}).get("pid"):
                    pending += 1
        if (len(api_routes) == want and pending == 0) \
                or time.perf_counter() - t0 > limit_s:
            return len(api_routes), pending, time.perf_counter() - t0
        time.sleep(0.1)


def change_set(api, fails, master, route, n, idle_s, timeout_s, label):
    pids = workers(master)
    a = cpu_sample(pids)
    ta = time.perf_counter()
    time.sleep(idle_s)
    b = cpu_sample(pids)
    tb = time.perf_counter()
    recs = first_byte_loop(api, fails, route, n, timeout_s, health=False)
    c = cpu_sample(pids)
    tc = time.perf_counter()
    pids_after = workers(master)
    idle_rate = (b[0] - a[0]) / (tb - ta)           # ns per s
    win = tc - tb
    cpu_ns = c[0] - b[0]
    net_ns = cpu_ns - idle_rate * win
    changes = 2 * n                                 # POST + DELETE each
    fb = [r["first_byte_ms"] for r in recs]
    res = {
        "label": label,
        "n": n,
        "changes": changes,
        "first_byte_ms": summary(fb),
        "first_byte_all_ms": fb,
        "missing": sum(1 for x in fb if x is None),
        "post_response_ms": summary([r["post_ms"] for r in recs]),
        "delete_response_ms": summary([r.get("delete_ms") for r in recs]),
        "window_s": win,
        "idle_s": tb - ta,
        "idle_cpu_pct": idle_rate / 1e7,
        "cpu_ms": cpu_ns / 1e6,
        "cpu_ms_per_change": cpu_ns / 1e6 / changes,
        "cpu_net_ms_per_change": net_ns / 1e6 / changes,
        "cpu_ticks_ms": (c[1] - b[1]) * 1000.0 / CLK_TCK,
        "cpu_ticks_ms_per_change": (c[1] - b[1]) * 1000.0 / CLK_TCK / changes,
        "workers": pids,
        "workers_changed": pids != pids_after,
    }
    log("   %s: first datagram p50 %.1f ms, CPU %.2f ms per change "
        "(net of idle %.2f)" % (label, res["first_byte_ms"].get("p50") or -1,
                                res["cpu_ms_per_change"],
                                res["cpu_net_ms_per_change"]))
    return res


def reconcile(api, fails, master, n_routes, changes, idle_s, timeout_s,
              in_base, out_base, base_out_port, after):
    log("3. reconcile: %d changes with 1 and %d API routes" % (changes, n_routes))
    st, doc, _ = api.call("PUT", "/routes/r/outputs/base",
                          {"url": "udp://127.0.0.1:%d" % base_out_port})
    if st not in (200, 201):
        fails.add("PUT /routes/r/outputs/base", st, doc)
    n, pending, _ = wait_started(api, fails, 1, 10)
    sets = [change_set(api, fails, master, "r", changes, idle_s, timeout_s,
                       "1 route")]

    log("   creating rt1..rt%d" % (n_routes - 1))
    pids = workers(master)
    cl = []
    c0 = cpu_sample(pids)
    t0 = time.perf_counter()
    for i in range(1, n_routes):
        st, doc, dt = api.call("POST", "/routes", {
            "id": "rt%d" % i,
            "inputs": [{"url": "udp://127.0.0.1:%d" % (in_base + i)}],
            "outputs": [{"url": "udp://127.0.0.1:%d" % (out_base + i)}]})
        if st != 201:
            fails.add("POST /routes rt%d" % i, st, doc)
        cl.append(dt * 1e3)
    create_s = time.perf_counter() - t0
    c1 = cpu_sample(pids)
    n, pending, conv = wait_started(api, fails, n_routes, 30)
    log("   %d routes in %.2f s; %d API routes listed, %d endpoints not "
        "started %.2f s later" % (n_routes - 1, create_s, n, pending, conv))
    _, list_dt = routes_doc(api, fails, "/routes")
    sets.append(change_set(api, fails, master, "r", changes, idle_s,
                           timeout_s, "%d routes" % n_routes))

    dl = []
    del_s = None
    del_cpu = None
    if after:
        log("   deleting rt1..rt%d" % (n_routes - 1))
        d0 = cpu_sample(pids)
        t0 = time.perf_counter()
        for i in range(1, n_routes):
            st, doc, dt = api.call("DELETE", "/routes/rt%d" % i)
            if st != 204:
                fails.add("DELETE /routes/rt%d" % i, st, doc)
            dl.append(dt * 1e3)
        del_s = time.perf_counter() - t0
        del_cpu = (cpu_sample(pids)[0] - d0[0]) / 1e6 / (n_routes - 1)
        wait_started(api, fails, 1, 10)
        sets.append(change_set(api, fails, master, "r", changes, idle_s,
                               timeout_s, "1 route (after)"))

    one = [s for s in sets if s["label"].startswith("1 route")]
    many = sets[1]
    pooled = summary([x for s in one for x in s["first_byte_all_ms"]])
    cpu1 = sorted(s["cpu_net_ms_per_change"] for s in one)
    cpu1 = sum(cpu1) / len(cpu1)
    res = {
        "routes": n_routes,
        "sets": sets,
        "create_total_s": create_s,
        "create_ms": summary(cl),
        "create_cpu_ms_per_call": (c1[0] - c0[0]) / 1e6 / (n_routes - 1),
        "delete_cpu_ms_per_call": del_cpu,
        "create_first50_p50_ms": pct(cl[:50], 50),
        "create_last50_p50_ms": pct(cl[-50:], 50),
        "routes_listed": n,
        "endpoints_not_started": pending,
        "all_started_after_s": conv,
        "get_routes_ms": list_dt * 1e3,
        "delete_total_s": del_s,
        "delete_ms": summary(dl),
        "one_route_first_byte_ms": pooled,
        "ratio_first_byte_p50": ratio(many["first_byte_ms"].get("p50"),
                                      pooled.get("p50")),
        "ratio_first_byte_max": ratio(many["first_byte_ms"].get("max"),
                                      pooled.get("max")),
        "one_route_cpu_net_ms_per_change": cpu1,
        "ratio_cpu_per_change": ratio(many["cpu_net_ms_per_change"], cpu1),
    }
    return res


# ---- error.log ---------------------------------------------------------------------------

def scan_errlog(path, limit=30):
    bad = []
    counts = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                for lvl in ("[emerg]", "[alert]", "[crit]", "[error]",
                            "[warn]"):
                    if lvl in line:
                        counts[lvl] = counts.get(lvl, 0) + 1
                        if len(bad) < limit:
                            bad.append(line.rstrip())
                        break
                else:
                    if "exited on signal" in line:
                        counts["signal"] = counts.get("signal", 0) + 1
                        if len(bad) < limit:
                            bad.append(line.rstrip())
    except OSError as e:
        return {"error": str(e)}
    return {"counts": counts, "lines": bad}


# ---- main ----------------------------------------------------------------------------------

def abort(a, res, fails, why):
    log("aborted: " + why)
    res["aborted"] = why
    res["http_failures"] = {"count": fails.count, "samples": fails.samples}
    if a.errlog:
        res["error_log"] = scan_errlog(a.errlog)
        for line in res["error_log"].get("lines", []):
            log("error.log: " + line)
    with open(a.out, "w") as fh:
        json.dump(res, fh, indent=1)
    return 2


def run(a):
    api = Api(a.port)
    fails = Failures()
    res = {"meta": {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "percentiles": "nearest rank over all samples",
        "first_byte": "CLOCK_REALTIME just before the POST is written -> "
                      "kernel receive timestamp (SO_TIMESTAMPNS) of the "
                      "first datagram at the new output's socket",
        "http": "one keep-alive HTTP/1.1 connection (python http.client, "
                "TCP_NODELAY); times from request write to body read",
        "cpu": "nginx workers: sum of /proc/PID/task/*/schedstat run time "
               "(ns); cpu_ticks_*: utime+stime of /proc/PID/stat",
        "cpu_net": "CPU in the window minus the idle rate (measured just "
                   "before, same state, no changes) x window length; "
                   "one change = one POST or one DELETE, each makes both "
                   "workers reconcile",
    }}
    m = res["meta"]
    m["kernel"] = os.uname().release
    m["cpus"] = os.cpu_count()
    try:
        with open("/proc/cpuinfo") as fh:
            m["cpu_model"] = next((l.split(":", 1)[1].strip() for l in fh
                             if l.startswith("model name")), None)
    except OSError:
        m["cpu_model"] = None
    m["nginx"] = a.nginx
    m["bitrate"] = a.bitrate
    m["host_busy_pct_before"] = a.bg_busy
    st, doc, _ = api.call("POST", "/routes", {
        "id": "r", "inputs": [{"url": "udp://127.0.0.1:%d" % a.in_port}]})
    if st != 201:
        fails.add("POST /routes (r)", st, doc)
        return abort(a, res, fails, "POST /api/routes (route r) answered %s: %s"
                     % (st, json.dumps(doc)))
    # wait for the input to be live
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        st, doc, _ = api.call("GET", "/routes/r")
        if st == 200 and doc.get("status") == "live":
            break
        time.sleep(0.1)
    res["meta"]["input_status"] = doc.get("status") if isinstance(doc, dict) else None
    res["meta"]["input_bitrate"] = ((doc.get("inputs") or [{}])[0].get("bitrate")
                                    if isinstance(doc, dict) else None)
    if res["meta"]["input_status"] != "live":
        return abort(a, res, fails, "the input of route r is not live after "
                     "10 s (status %s)" % res["meta"]["input_status"])
    time.sleep(1.5)         # a couple of GOPs in the ring
    st, doc, _ = api.call("GET", "/routes/r")
    if st == 200 and isinstance(doc, dict):
        res["meta"]["input_bitrate"] = (doc.get("inputs") or [{}])[0].get("bitrate")

    t = time.perf_counter()
    res["first_byte"] = first_byte(api, fails, "r", a.n_first, a.timeout)
    res["first_byte"]["elapsed_s"] = time.perf_counter() - t
    t = time.perf_counter()
    res["bulk"] = bulk(api, fails, a.master, a.n_bulk, a.base + 1, a.base + 1000,
                       a.converge)
    res["bulk"]["elapsed_s"] = time.perf_counter() - t
    t = time.perf_counter()
    res["reconcile"] = reconcile(api, fails, a.master, a.routes, a.changes,
                                 a.idle, a.timeout, a.base + 2000,
                                 a.base + 3000, a.base + 3000, a.after)
    res["reconcile"]["elapsed_s"] = time.perf_counter() - t
    st, doc, _ = api.call("DELETE", "/routes/r")
    if st != 204:
        fails.add("DELETE /routes/r", st, doc)

    res["http_failures"] = {"count": fails.count, "samples": fails.samples}
    res["http_reconnects"] = api.reconnects
    api.close()
    if a.errlog:
        res["error_log"] = scan_errlog(a.errlog)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    return 0


def f(x, d=1):
    if x is None:
        return "-"
    return ("%%.%df" % d) % x


def report(path):
    with open(path) as fh:
        r = json.load(fh)
    if r.get("aborted"):
        print("Route API benchmark aborted: %s" % r["aborted"])
        for line in r.get("error_log", {}).get("lines", []):
            print("    " + line)
        return 1
    m = r.get("meta", {})
    fb = r["first_byte"]
    b = r["bulk"]
    rc = r["reconcile"]
    p = print
    p("Route API benchmark, %s; %s x %s, kernel %s, nginx %s, worker_processes "
      "2; host busy before start %s%% of one core.  Times in ms unless noted; "
      "percentiles nearest-rank." % (m.get("date"), m.get("cpus"), m.get("cpu_model"),
                                     m.get("kernel"), m.get("nginx"),
                                     f(m.get("host_busy_pct_before"), 0)))
    p("")
    p("1. POST /routes/r/outputs -> first datagram at the new output "
      "(input ~2 Mbit/s), %d times" % fb["n"])
    p("")
    p("| measure | p50 | p95 | p99 | max | missing |")
    p("|---|---:|---:|---:|---:|---:|")
    x = fb["first_byte_ms"]
    p("| POST -> first datagram | %s | %s | %s | %s | %d |"
      % (f(x.get("p50")), f(x.get("p95")), f(x.get("p99")), f(x.get("max")),
         fb["missing"]))
    x = fb["post_response_ms"]
    p("| POST response (201) | %s | %s | %s | %s | |"
      % (f(x.get("p50")), f(x.get("p95")), f(x.get("p99")), f(x.get("max"))))
    x = fb["delete_response_ms"]
    p("| DELETE response (204) | %s | %s | %s | %s | |"
      % (f(x.get("p50")), f(x.get("p95")), f(x.get("p99")), f(x.get("max"))))
    x = fb["health_rtt_ms"]
    p("| baseline: GET /health RTT | %s | %s | %s | %s | |"
      % (f(x.get("p50"), 2), f(x.get("p95"), 2), f(x.get("p99"), 2),
         f(x.get("max"), 2)))
    p("| first datagram / GET /health | %sx | | %sx | | |"
      % (f(fb["ratio_p50"]), f(fb["ratio_p99"])))
    p("")
    p("2. %d outputs POSTed in a loop on one route (keep-alive)" % b.get("n", 0))
    p("")
    if "error" in b:
        p("failed: %s" % b["error"])
    else:
        p("| loop | total s | p50 | p99 | max |")
        p("|---|---:|---:|---:|---:|")
        x = b["post_ms"]
        p("| %d x POST /routes/bulk/outputs | %s | %s | %s | %s |"
          % (b["n"], f(b["post_total_s"], 2), f(x.get("p50"), 2),
             f(x.get("p99"), 2), f(x.get("max"), 2)))
        x = b["health_ms"]
        p("| baseline: %d x GET /health | %s | %s | %s | %s |"
          % (b["n"], f(b["health_total_s"], 2), f(x.get("p50"), 2),
             f(x.get("p99"), 2), f(x.get("max"), 2)))
        p("| POST / GET | %sx | %sx | %sx | |"
          % (f(b["ratio_total"]), f(b["ratio_p50"]), f(b["ratio_p99"])))
        p("| worker CPU ms per call | POST %s | GET %s | | |"
          % (f(b["post_cpu_ms_per_call"], 2), f(b["health_cpu_ms_per_call"], 3)))
        p("")
        p("created %d, listed %d (URLs %s), all started by a worker %s s "
          "after the loop; POST p50 first 100 %s ms, last 100 %s ms; "
          "GET /routes/bulk %s ms; DELETE of the route %s ms"
          % (b["created"], b["listed"],
             "match" if b["urls_match"] else "DIFFER",
             f(b["all_started_after_loop_s"], 2),
             f(b["post_first100_p50_ms"], 2), f(b["post_last100_p50_ms"], 2),
             f(b["get_route_ms"]), f(b["delete_route_s"] * 1e3)))
    p("")
    p("3. Reconcile: %d changes (POST output -> first datagram, DELETE) with "
      "1 and %d API routes" % (rc["sets"][0]["n"], rc["routes"]))
    p("")
    p("| API routes | first datagram p50 | p90 | max | POST resp. p50 "
      "| worker CPU ms per change | net of idle | utime+stime ms per change "
      "| idle CPU % |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in rc["sets"]:
        x = s["first_byte_ms"]
        p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |"
          % (s["label"], f(x.get("p50")), f(x.get("p90")), f(x.get("max")),
             f(s["post_response_ms"].get("p50")),
             f(s["cpu_ms_per_change"], 2), f(s["cpu_net_ms_per_change"], 2),
             f(s["cpu_ticks_ms_per_change"], 1), f(s["idle_cpu_pct"], 1)))
    p("| %d routes / 1 route | %sx (p50) | | %sx | | | %sx | | |"
      % (rc["routes"], f(rc["ratio_first_byte_p50"]),
         f(rc["ratio_first_byte_max"]), f(rc["ratio_cpu_per_change"])))
    p("")
    p("creating %d routes: %s s (per call p50 %s ms, first 50 %s ms, last 50 "
      "%s ms, p99 %s ms; worker CPU %s ms per call); all endpoints started %s s "
      "later; GET /routes %s ms; deleting them: %s s (worker CPU %s ms per call)"
      % (rc["routes"] - 1, f(rc["create_total_s"], 2),
         f(rc["create_ms"].get("p50"), 2), f(rc["create_first50_p50_ms"], 2),
         f(rc["create_last50_p50_ms"], 2), f(rc["create_ms"].get("p99"), 2),
         f(rc["create_cpu_ms_per_call"], 2),
         f(rc["all_started_after_s"], 2), f(rc["get_routes_ms"]),
         f(rc["delete_total_s"], 2), f(rc["delete_cpu_ms_per_call"], 2)))
    p("")
    p("Targets:")
    p("- POST -> first datagram p99 < 50 ms: %s ms, %s"
      % (f(fb["first_byte_ms"].get("p99")),
         "PASS" if fb["target_met"] else "FAIL"))
    if "error" not in b:
        p("- %d outputs < 10 s: %s s, %s"
          % (b["n"], f(b["post_total_s"], 2),
             "PASS" if b["target_met"] else "FAIL"))
    hf = r.get("http_failures", {})
    el = r.get("error_log", {})
    p("")
    p("unexpected HTTP statuses: %d; error.log: %s"
      % (hf.get("count", 0),
         json.dumps(el.get("counts", {})) if el else "not scanned"))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--master", type=int, required=True)
    r.add_argument("--in-port", type=int, required=True)
    r.add_argument("--base", type=int, required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--errlog")
    r.add_argument("--n-first", type=int, default=200)
    r.add_argument("--n-bulk", type=int, default=1000)
    r.add_argument("--routes", type=int, default=500)
    r.add_argument("--changes", type=int, default=20)
    r.add_argument("--idle", type=float, default=2.0)
    r.add_argument("--timeout", type=float, default=3.0)
    r.add_argument("--converge", type=float, default=30.0)
    r.add_argument("--no-after", dest="after", action="store_false")
    r.add_argument("--bitrate", type=int)
    r.add_argument("--bg-busy", type=float)
    r.add_argument("--nginx")
    q = sub.add_parser("report")
    q.add_argument("results")
    c = sub.add_parser("scan")
    c.add_argument("--errlog", required=True)
    c.add_argument("--results", required=True)
    a = ap.parse_args()
    if a.cmd == "run":
        try:
            return run(a)
        except (OSError, http.client.HTTPException, ValueError) as e:
            # nginx gone (crash, or stopped by the driver's trap), ...
            log("failed: %s: %s" % (type(e).__name__, e))
            return 3
    if a.cmd == "scan":
        with open(a.results) as fh:
            res = json.load(fh)
        res["error_log"] = scan_errlog(a.errlog)
        with open(a.results, "w") as fh:
            json.dump(res, fh, indent=1)
        return 0
    return report(a.results)


if __name__ == "__main__":
    sys.exit(main())
