# shellcheck shell=bash
# Shell code shared by the benchmark drivers (bench/run.sh,
# bench/srt_fanout.sh); sourced, not run.  Functions only, and the state
# they share (PIDS, NGINX_MASTER, GATEWAY_*): nothing runs on sourcing.
#
# The driver sets, before it calls them:
#   LOG_TAG       prefix of the log lines ("bench", "srt-bench")
#   KILL_GRACE    s kill_pids waits between SIGTERM and SIGKILL
#   SS_UDP        ss options that list the UDP sockets counted as bound
#                 (ports in use, wait_udp_bound): -Hlun or -Huan
#   NS            the N values; SYSTEMS
#   NGINX, MODULE_SRC, RUN; API_MODULE_SRC (optional)

log() { echo "[$LOG_TAG $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

require() {         # require TOOL...: die unless every TOOL is installed
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool is required"
    done
}

check_ns() {        # check_ns: validate NS (1..1000 each), set maxn
    local n
    maxn=0
    for n in "${NS[@]}"; do
        [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 1000 ]] \
            || die "bad N: $n (1..1000)"
        ((n > maxn)) && maxn=$n
    done
    return 0
}

# ---- process bookkeeping: everything we start is stopped on exit ----------

PIDS=()             # plain children, killed on exit
NGINX_MASTER=""

wait_until() {      # wait_until SECONDS CMD...: poll CMD every 0.1 s
    local i tries=$(($1 * 10))
    shift
    for ((i = 0; i < tries; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

all_gone() {        # all_gone PID...: has every one of them exited?
    local p
    for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done
    return 0
}

kill_pids() {       # kill_pids PID...: TERM, KILL_GRACE s grace, then KILL
    local p
    (($# == 0)) && return 0
    kill -TERM "$@" 2>/dev/null
    wait_until "$KILL_GRACE" all_gone "$@"
    for p in "$@"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
    for p in "$@"; do wait "$p" 2>/dev/null; done
    return 0
}

nginx_stop() {
    [[ -n $NGINX_MASTER ]] || return 0
    local workers p
    workers=$(pgrep -P "$NGINX_MASTER" 2>/dev/null | tr '\n' ' ')
    kill -QUIT "$NGINX_MASTER" 2>/dev/null
    if ! wait_until 5 all_gone "$NGINX_MASTER"; then
        log "nginx did not quit in 5 s, killing"
        kill -KILL "$NGINX_MASTER" 2>/dev/null
    fi
    # workers of a killed master are not reaped by it
    for p in $workers; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
    wait "$NGINX_MASTER" 2>/dev/null
    NGINX_MASTER=""
}

cleanup() {
    trap - EXIT INT TERM
    nginx_stop
    kill_pids "${PIDS[@]}"
    PIDS=()
}

trap_cleanup() {    # trap_cleanup: stop everything on exit and on signals
    trap cleanup EXIT
    trap 'log interrupted; exit 130' INT TERM
}

# ---- ports ------------------------------------------------------------------

udp_bound() { ss "$SS_UDP" "sport = :$1" 2>/dev/null | grep -q .; }
tcp_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

wait_udp_bound() { wait_until "$2" udp_bound "$1"; }       # PORT SECONDS
wait_tcp_listen() { wait_until "$2" tcp_listening "$1"; }  # PORT SECONDS

ports_free() {      # ports_free "FROM TO"...: die if a port is bound
    local used range busy
    used=$(ss "$SS_UDP" 2>/dev/null | awk '{print $4}'; ss -Hltn 2>/dev/null | awk '{print $4}')
    for range in "$@"; do
        busy=$(awk -v a="${range% *}" -v b="${range#* }" '{
            n = split($0, x, ":"); p = x[n] + 0;
            if (p >= a && p <= b) { print p; exit } }' <<< "$used")
        [[ -z $busy ]] || die "port $busy is in use; set BENCH_PORT_BASE"
    done
}

# ---- CPU ----------------------------------------------------------------------

bg_busy_pct() {     # host CPU busy over 0.5 s, % of one core (other load)
    local a b
    a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
    sleep 0.5
    b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
    awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " ");
        t = y[2] - x[2]; printf "%.0f", (t > 0 ? 100 * n * (y[1] - x[1]) / t : 0) }'
}

# ---- gateway (nginx + modules) ------------------------------------------------

GATEWAY_OK=""       # "" unknown, 1 usable, 0 not usable
GATEWAY_WHY=""
MODDIR=""           # snapshot of the modules: $RUN/modules

gateway_prepare() {
    MODDIR=$RUN/modules
    if [[ ! -f $MODULE_SRC ]]; then
        GATEWAY_OK=0
        GATEWAY_WHY="$MODULE_SRC not found (build it with make)"
        return
    fi
    # snapshot: the modules may be rebuilt while we run
    mkdir -p "$MODDIR"
    cp "$MODULE_SRC" "$MODDIR/ngx_srt_module.so"
    rm -f "$MODDIR/ngx_http_route_api_module.so"
    [[ -n ${API_MODULE_SRC:-} && -f $API_MODULE_SRC ]] &&
        cp "$API_MODULE_SRC" "$MODDIR/ngx_http_route_api_module.so"
    GATEWAY_OK=1
}

gateway_check() {   # gateway_check: gateway_prepare if a gateway* is run
    local sys
    for sys in $SYSTEMS; do
        if [[ $sys == gateway* && -z $GATEWAY_OK ]]; then
            gateway_prepare
            [[ $GATEWAY_OK == 0 ]] && log "gateway skipped: $GATEWAY_WHY"
        fi
    done
    return 0
}

nginx_conf_main() { # nginx_conf_main WORKERS: main context, events
    [[ $(id -u) == 0 ]] && echo "user root;"
    echo "worker_processes $1;"
    echo "error_log logs/error.log info;"
    echo "pid logs/nginx.pid;"
    echo "load_module $MODDIR/ngx_srt_module.so;"
    [[ -f $MODDIR/ngx_http_route_api_module.so ]] &&
        echo "load_module $MODDIR/ngx_http_route_api_module.so;"
    echo "events { worker_connections 4096; }"
}

nginx_workers() {   # nginx_workers N: has the master N workers (or more)?
    (($(pgrep -P "$NGINX_MASTER" | wc -l) >= $1))
}

# nginx_start PREFIX WORKERS READY...: tests PREFIX/nginx.conf, starts nginx
# in the foreground (NGINX_MASTER), runs READY... (waits until it serves)
# and waits for the workers; 1 (GATEWAY_WHY set, nginx stopped) on failure
nginx_start() {
    local prefix=$1 workers=$2
    shift 2
    if ! "$NGINX" -t -q -p "$prefix" -c "$prefix/nginx.conf" \
            -g 'daemon off; master_process on;' > "$prefix/test.log" 2>&1; then
        GATEWAY_WHY="nginx -t failed: $(tail -3 "$prefix/test.log" | tr '\n' ' ')"
        return 1
    fi
    "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" \
        -g 'daemon off; master_process on;' > "$prefix/stderr.log" 2>&1 &
    NGINX_MASTER=$!
    if ! "$@" || ! kill -0 "$NGINX_MASTER" 2>/dev/null; then
        GATEWAY_WHY="nginx did not start: $(tail -3 "$prefix/logs/error.log" "$prefix/stderr.log" 2>/dev/null | tr '\n' ' ')"
        nginx_stop
        return 1
    fi
    wait_until 5 nginx_workers "$workers"
    return 0
}

nginx_pids() {      # nginx_pids: the master and its workers, one a line
    echo "$NGINX_MASTER"
    pgrep -P "$NGINX_MASTER"
}
