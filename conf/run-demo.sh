#!/usr/bin/env bash
# `make run`: nginx in the foreground with a local prefix (build/run) and
# conf/nginx.conf.  Nothing else runs: the demo route's test pattern is
# made inside nginx (testsrc://).
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

cat <<MSG
demo route "demo" is live (the built-in test pattern until an encoder
sends to udp://127.0.0.1:5000):
  watch:   ffplay http://127.0.0.1:8080/live/demo.ts   (or VLC, same URL)
  UDP out: ffplay udp://127.0.0.1:5004
  SRT out: ffplay "srt://127.0.0.1:9001?streamid=demo"
  HLS:     ffplay http://127.0.0.1:8080/hls/demo/index.m3u8
  status:  curl -s http://127.0.0.1:8080/api/routes/demo
  logs:    $prefix/logs/error.log
Ctrl-C stops.
MSG

exec nginx -p "$prefix" -c "$conf"
