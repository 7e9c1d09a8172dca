#!/usr/bin/env bash
# HLS benchmark, two parts, each side by side with its baseline:
#
# 1. Serving: wrk requests per second for the live playlist and for one
#    segment, through our srt_hls handler (/hls/) and through nginx's own
#    static module on the same files (location /plain/ { alias ...; }), in
#    one nginx, alternated ROUNDS times; medians and the ratio.
# 2. The segmenter's CPU: one worker, ROUTES routes each fed by a tsgen
#    stream of BITRATE, without and with "hls on", alternated ROUNDS times;
#    the worker's CPU (utime + stime) over SECONDS; the difference per
#    route is the segmenter's cost.
#
#   bench/hls.sh [ROUNDS] [SECONDS]        (defaults 3 and 10; ~4 minutes)
#
# Environment: BENCH_ROUTES=8, BENCH_BITRATE=5000000, BENCH_PORT_BASE=27000,
# WRK_CONNS=50, WRK_THREADS=2.  Results: a markdown table on stdout, the
# nginx prefix in bench/out/hls/.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
OUT=$HERE/out
BIN=$OUT/bin
RUN=$OUT/hls

ROUNDS=${1:-3}
SECS=${2:-10}
ROUTES=${BENCH_ROUTES:-8}
BITRATE=${BENCH_BITRATE:-5000000}
BASE=${BENCH_PORT_BASE:-27000}
CONNS=${WRK_CONNS:-50}
THREADS=${WRK_THREADS:-2}
HTTP=$((BASE + 80))
NGINX=${NGINX:-nginx}

command -v wrk >/dev/null || { echo "wrk is required (make deps)" >&2; exit 1; }

make -s -C "$HERE" OUT="$BIN" all
make -s -C "$REPO" modules

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$RUN/logs/nginx.pid" ] && kill -QUIT "$(cat "$RUN/logs/nginx.pid")" \
        2>/dev/null || true
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# start_nginx WORKERS HLS(on|off)
start_nginx() {
    local workers=$1 hls=$2 i routes=""
    [ -f "$RUN/logs/nginx.pid" ] && kill -QUIT "$(cat "$RUN/logs/nginx.pid")" \
        2>/dev/null && sleep 1
    rm -rf "$RUN" && mkdir -p "$RUN/logs" "$RUN/tmp"
    for i in $(seq 0 $((ROUTES - 1))); do
        routes+="route r$i { input udp://127.0.0.1:$((BASE + i));"
        [ "$hls" = on ] && routes+=" hls on; hls_segment 2s; hls_window 30;"
        routes+=" }"$'\n'
    done
    cat > "$RUN/nginx.conf" <<EOF
worker_processes $workers;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
error_log logs/error.log notice;
pid logs/nginx.pid;
load_module $REPO/build/modules/ngx_srt_module.so;
events { worker_connections 4096; }
srt {
    shm_size 512m;
    ring_size 4m;
$routes
}
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
    server {
        listen 127.0.0.1:$HTTP;
        location /hls/ { srt_hls; }
        location /plain/ { alias $RUN/hls/; }
    }
}
EOF
    "$NGINX" -p "$RUN" -c "$RUN/nginx.conf"
    sleep 0.5
}

feed() {                # tsgen into every route for SECONDS
    local i
    for i in $(seq 0 $((ROUTES - 1))); do
        "$BIN/tsgen" -q -p $((BASE + i)) -b "$BITRATE" -g 1 -d "$1" \
            > /dev/null 2>&1 &
        PIDS+=($!)
    done
}

worker_cpu() {          # utime + stime of the workers, in clock ticks
    local sum=0 p
    for p in $(pgrep -P "$(cat "$RUN/logs/nginx.pid")"); do
        sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$sum"
}

rps() {                 # rps URL: wrk requests/s
    wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" "$1" 2>/dev/null \
        | awk '/^Requests\/sec:/ {print $2}'
}

# ---- 1. serving ------------------------------------------------------------

start_nginx 2 on
feed $((ROUNDS * SECS * 4 + 60))
for _ in $(seq 60); do
    [ "$(ls "$RUN"/hls/r0/*.ts 2>/dev/null | wc -l)" -ge 4 ] && break
    sleep 0.5
done
# a segment that stays for the whole run (window 30 x 2 s)
seg=$(ls "$RUN"/hls/r0/*.ts | sort | tail -1 | xargs basename)
size=$(stat -c %s "$RUN/hls/r0/$seg")

declare -A R
for _ in $(seq "$ROUNDS"); do
    R[ours_pl]+="$(rps "http://127.0.0.1:$HTTP/hls/r0/index.m3u8") "
    R[plain_pl]+="$(rps "http://127.0.0.1:$HTTP/plain/r0/index.m3u8") "
    R[ours_seg]+="$(rps "http://127.0.0.1:$HTTP/hls/r0/$seg") "
    R[plain_seg]+="$(rps "http://127.0.0.1:$HTTP/plain/r0/$seg") "
done

med() { tr ' ' '\n' <<< "${R[$1]}" | grep . | median; }
op=$(med ours_pl); pp=$(med plain_pl); os=$(med ours_seg); ps=$(med plain_seg)

# ---- 2. the segmenter's CPU ------------------------------------------------

for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
PIDS=()
off=(); on=()
hz=$(getconf CLK_TCK)
for _ in $(seq "$ROUNDS"); do
    for mode in off on; do
        start_nginx 1 "$mode"
        feed $((SECS + 5))
        sleep 3                 # first segments, buffers warm
        c0=$(worker_cpu)
        sleep "$SECS"
        c1=$(worker_cpu)
        cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" -v s="$SECS" \
                  'BEGIN {printf "%.4f", (b - a) / hz / s}')
        if [ "$mode" = off ]; then off+=("$cpu"); else on+=("$cpu"); fi
        wait "${PIDS[@]}" 2>/dev/null || true
        PIDS=()
    done
done
moff=$(printf '%s\n' "${off[@]}" | median)
mon=$(printf '%s\n' "${on[@]}" | median)

cat <<EOF
| HLS, ${ROUNDS} rounds of ${SECS} s, medians | ours (srt_hls) | plain nginx (alias) | ratio |
|---|---|---|---|
| playlist req/s (wrk -c$CONNS) | $op | $pp | $(awk -v a="$op" -v b="$pp" 'BEGIN {printf "%.2f", a / b}') |
| segment req/s ($size bytes) | $os | $ps | $(awk -v a="$os" -v b="$ps" 'BEGIN {printf "%.2f", a / b}') |

| segmenter, $ROUTES routes of $((BITRATE / 1000)) kbit/s, 1 worker | without hls | with hls on | per route |
|---|---|---|---|
| worker CPU (cores) | $moff | $mon | $(awk -v a="$moff" -v b="$mon" -v n="$ROUTES" 'BEGIN {printf "%.4f", (b - a) / n}') |

rounds: playlist ours ${R[ours_pl]}/ plain ${R[plain_pl]}; segment ours ${R[ours_seg]}/ plain ${R[plain_seg]}; cpu off ${off[*]} / on ${on[*]}
EOF
