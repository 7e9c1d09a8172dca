#!/usr/bin/env bash
# Route API benchmark: how fast API changes reach the data path.
#
#   bench/api_bench.sh                   # about 30 s
#   BENCH_API_ROUTES=100 bench/api_bench.sh
#
# One nginx (worker_processes 2, ngx_srt_module + ngx_http_route_api_module,
# route_api_auth off, fresh SQLite file) on 127.0.0.1, one tsgen stream of
# BENCH_BITRATE into API route "r"; bench/api_bench.py does the HTTP loops
# on one keep-alive connection:
#
#   1. POST /api/routes/r/outputs -> first datagram at a fresh UDP socket,
#      BENCH_API_FIRST times (then DELETE); baseline: GET /api/health RTT.
#   2. BENCH_API_OUTPUTS outputs POSTed in a loop on one route; baseline: as
#      many GET /api/health in the same loop; listed check; DELETE route.
#   3. BENCH_API_CHANGES changes as in 1 with 1 API route, with
#      BENCH_API_ROUTES API routes, and with 1 again: first datagram and
#      worker CPU per change (per POST or DELETE).
#
# Environment:
#   BENCH_API_FIRST=200      iterations of 1
#   BENCH_API_OUTPUTS=1000   outputs of 2 (<= 1000)
#   BENCH_API_ROUTES=500     routes of 3 (<= 1000)
#   BENCH_API_CHANGES=20     changes (POST + DELETE pairs) per set of 3
#   BENCH_API_LIMIT=240      s the HTTP loops may take in all (then killed)
#   BENCH_BITRATE=2000000    input bitrate, bit/s
#   BENCH_SHM_SIZE=2048m     srt { shm_size } (each route: 2 rings)
#   BENCH_RING_SIZE=1600k    srt { ring_size } (the minimum)
#   BENCH_PORT_BASE=26000    ports: BASE input of r, BASE+1 input of the
#                            bulk route, BASE+80 HTTP, BASE+1000.. bulk
#                            outputs, BASE+2001.. inputs and BASE+3000..
#                            outputs of the routes of 3 (nobody listens on
#                            the outputs); receivers of 1 and 3 bind port 0
#   BENCH_MODULE=$REPO/build/modules/ngx_srt_module.so
#   BENCH_API_MODULE=$REPO/build/modules/ngx_http_route_api_module.so
#   NGINX=nginx
#
# Results: bench/out/api_results.json, a markdown table on stdout; the nginx
# prefix (conf, logs, route_api.db) is bench/out/api/nginx/.

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
OUT=$HERE/out
BIN=$OUT/bin
RUN=$OUT/api

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
LOG_TAG=api-bench
KILL_GRACE=2
SS_UDP=-Huan        # every UDP socket counts as "bound" here

N_FIRST=${BENCH_API_FIRST:-200}
N_OUT=${BENCH_API_OUTPUTS:-1000}
N_ROUTES=${BENCH_API_ROUTES:-500}
N_CHANGES=${BENCH_API_CHANGES:-20}
LIMIT=${BENCH_API_LIMIT:-240}
BITRATE=${BENCH_BITRATE:-2000000}
SHM_SIZE=${BENCH_SHM_SIZE:-2048m}
RING_SIZE=${BENCH_RING_SIZE:-1600k}
PORT_BASE=${BENCH_PORT_BASE:-26000}
MODULE_SRC=${BENCH_MODULE:-$REPO/build/modules/ngx_srt_module.so}
API_MODULE_SRC=${BENCH_API_MODULE:-$REPO/build/modules/ngx_http_route_api_module.so}
NGINX=${NGINX:-nginx}
PY=/usr/bin/python3


IN_PORT=$PORT_BASE
HTTP_PORT=$((PORT_BASE + 80))

require ss "$PY"
command -v "$NGINX" >/dev/null || { [[ -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx; }
require "$NGINX"
for v in N_FIRST N_OUT N_ROUTES N_CHANGES LIMIT BITRATE PORT_BASE; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number: ${!v}"
done
((N_OUT >= 1 && N_OUT <= 1000)) || die "BENCH_API_OUTPUTS: 1..1000"
((N_ROUTES >= 2 && N_ROUTES <= 1000)) || die "BENCH_API_ROUTES: 2..1000"
((N_FIRST >= 1 && N_CHANGES >= 1)) || die "BENCH_API_FIRST, BENCH_API_CHANGES >= 1"
((PORT_BASE >= 1024 && PORT_BASE + 3999 <= 65535)) || die "BENCH_PORT_BASE out of range"

trap_cleanup
START=$(date +%s)

# ---- build --------------------------------------------------------------------

mkdir -p "$OUT" "$RUN"
make -s -C "$HERE" OUT="$BIN" >&2 || die "build of the bench tools failed"
if [[ ! -f $MODULE_SRC || ! -f $API_MODULE_SRC ]]; then
    log "modules missing: make -C $REPO modules"
    make -s -C "$REPO" modules >&2 || die "module build failed"
fi
[[ -f $API_MODULE_SRC ]] || die "$API_MODULE_SRC not found"
gateway_prepare
[[ $GATEWAY_OK == 1 ]] || die "$GATEWAY_WHY"

# ---- ports --------------------------------------------------------------------

ports_free "$IN_PORT $((IN_PORT + 1))" "$HTTP_PORT $HTTP_PORT" \
    "$((PORT_BASE + 1000)) $((PORT_BASE + 1000 + N_OUT - 1))" \
    "$((PORT_BASE + 2001)) $((PORT_BASE + 2000 + N_ROUTES - 1))" \
    "$((PORT_BASE + 3000)) $((PORT_BASE + 3000 + N_ROUTES - 1))"

# ---- nginx ------------------------------------------------------------------------

PREFIX=$RUN/nginx
rm -rf "$PREFIX"                    # fresh route_api.db every run
mkdir -p "$PREFIX/logs" "$PREFIX/tmp"
{
    nginx_conf_main 2
    echo "srt {"
    echo "    shm_size $SHM_SIZE;"
    echo "    ring_size $RING_SIZE;"
    echo "}"
    echo "http {"
    echo "    access_log off;"
    echo "    keepalive_requests 100000;"
    echo "    keepalive_timeout 300s;"
    echo "    client_body_temp_path tmp/body;"
    echo "    server {"
    echo "        listen 127.0.0.1:$HTTP_PORT reuseport;"
    echo "        location /api/ { route_api; route_api_auth off; }"
    echo "    }"
    echo "}"
} > "$PREFIX/nginx.conf"

api_ready() { wait_tcp_listen "$HTTP_PORT" 5; }

BG=$(bg_busy_pct)
log "host busy before start: ${BG}% of one core"
nginx_start "$PREFIX" 2 api_ready || die "$GATEWAY_WHY"
log "nginx master $NGINX_MASTER, workers $(pgrep -P "$NGINX_MASTER" | tr '\n' ' ')"

# ---- input stream ------------------------------------------------------------------

timeout $((LIMIT + 30)) "$BIN/tsgen" -q -p "$IN_PORT" -b "$BITRATE" -d $((LIMIT + 15)) \
    > "$RUN/tsgen.json" 2> "$RUN/tsgen.log" &
gen=$!
PIDS+=("$gen")

# ---- the loops ------------------------------------------------------------------------

RESULTS=$OUT/api_results.json
rm -f "$RESULTS"
log "running (at most $LIMIT s)"
# in the background: a signal to this script runs the trap at once
timeout -k 5 "$LIMIT" "$PY" "$HERE/api_bench.py" run \
    --port "$HTTP_PORT" --master "$NGINX_MASTER" --in-port "$IN_PORT" \
    --base "$PORT_BASE" --out "$RESULTS" --errlog "$PREFIX/logs/error.log" \
    --n-first "$N_FIRST" --n-bulk "$N_OUT" --routes "$N_ROUTES" \
    --changes "$N_CHANGES" --bitrate "$BITRATE" --bg-busy "$BG" \
    --nginx "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')" &
py=$!
PIDS+=("$py")
wait "$py"
rc=$?
PIDS=("$gen")        # python is reaped: never signal a reused PID
alive=1
kill -0 "$NGINX_MASTER" 2>/dev/null || alive=0

nginx_stop
kill_pids "${PIDS[@]}"
PIDS=()

if ((rc != 0)) || [[ ! -s $RESULTS ]]; then
    die "api_bench.py failed (exit $rc); see $PREFIX/logs/error.log"
fi
((alive)) || log "warning: the nginx master was gone before the end"

# error.log once more, now that nginx has exited (workers that died, ...)
"$PY" "$HERE/api_bench.py" scan --errlog "$PREFIX/logs/error.log" \
    --results "$RESULTS" || die "error.log scan failed"

"$PY" "$HERE/api_bench.py" report "$RESULTS" || die "report failed"
echo
log "done in $(($(date +%s) - START)) s; results in $RESULTS"
