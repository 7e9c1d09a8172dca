#!/usr/bin/env bash
# `make run`: nginx in the foreground with a local prefix (build/run) and
# conf/nginx.conf, fed by an ffmpeg test source until a built-in one exists.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
prefix=$top/build/run

mkdir -p "$prefix/logs" "$prefix/tmp" "$prefix/conf"
ln -sfn "$top/build/modules" "$prefix/modules"
cp "$top/conf/nginx.conf" "$prefix/conf/nginx.conf"

user_line=
[ "$(id -u)" = 0 ] && user_line="user root;"

conf=$prefix/conf/nginx.conf
[ -n "$user_line" ] && sed -i "1i $user_line" "$conf"

nginx -p "$prefix" -c "$conf" -t -q

ffmpeg -hide_banner -loglevel error -nostdin -re \
    -f lavfi -i "testsrc2=size=1280x720:rate=25" \
    -f lavfi -i "sine=frequency=1000:sample_rate=48000" \
    -c:v libx264 -preset veryfast -tune zerolatency -g 50 -b:v 3M \
    -c:a aac -b:a 128k \
    -f mpegts "udp://127.0.0.1:5000?pkt_size=1316" &
source_pid=$!

trap 'kill $source_pid 2>/dev/null || true' EXIT INT TERM

cat <<MSG
demo route "demo" is live:
  watch:   ffplay http://127.0.0.1:8080/live/demo.ts   (or VLC, same URL)
  UDP out: ffplay udp://127.0.0.1:5004
  SRT out: ffplay "srt://127.0.0.1:9001?streamid=demo"
  status:  curl -s http://127.0.0.1:8080/api/routes/demo
  logs:    $prefix/logs/error.log
Ctrl-C stops.
MSG

nginx -p "$prefix" -c "$conf"
