#!/usr/bin/perl

# HLS in a browser: hls.js (npm) in Debian's headless Chromium, driven by
# playwright-core, plays /hls/ROUTE/master.m3u8 of a route with "hls on"
# (2 workers): the video's currentTime advances with the wall clock, the
# picture has the route's size, and hls.js reports no fatal error; when
# the route's primary input dies and it fails over to its testsrc://
# backup (EXT-X-DISCONTINUITY), playback goes on.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use File::Copy qw(copy);
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

my $dir = "$FindBin::Bin/browser";
my $hlsjs = "$dir/node_modules/hls.js/dist/hls.min.js";

# make deps installs these (chromium from Debian, the rest from npm)
for my $need ('/usr/bin/chromium', $hlsjs,
              "$dir/node_modules/playwright-core/package.json")
{
    BAIL_OUT("$need missing: run make deps") unless -e $need;
}

my $gw = SRTGW->new(workers => 2);
my $p = $gw->prefix;

mkdir "$p/www";
copy($hlsjs, "$p/www/hls.min.js") or die $!;
open my $fh, '>', "$p/www/play.html" or die $!;
print $fh <<'EOF';
<!doctype html>
<html><body>
<video id="v" muted autoplay playsinline width="320" height="240"></video>
<script src="/www/hls.min.js"></script>
<script>
const v = document.getElementById('v');
const st = { fatal: [], frags: 0, supported: Hls.isSupported() };
const hls = new Hls({ liveSyncDurationCount: 2, debug: { log() {}, info() {},
    debug() {}, warn: console.warn.bind(console),
    error: console.error.bind(console) } });
hls.on(Hls.Events.ERROR, (e, d) => {
    if (d.fatal) st.fatal.push(d.type + ': ' + d.details);
});
hls.on(Hls.Events.FRAG_BUFFERED, () => st.frags++);
hls.on(Hls.Events.MANIFEST_PARSED, () => v.play().catch(() => {}));
hls.loadSource('/hls/tv/master.m3u8');
hls.attachMedia(v);
window.hlsState = () => ({
    t: v.currentTime, paused: v.paused, ready: v.readyState,
    w: v.videoWidth, h: v.videoHeight, frags: st.frags, fatal: st.fatal,
    supported: st.supported, now: Date.now()
});
</script>
</body></html>
EOF
close $fh;

my ($in) = $gw->ports(1);
my $media = $gw->media(duration => 60, bitrate => '400k');

$gw->write_conf(srt => <<"EOF",
route tv {
    input udp://127.0.0.1:$in;
    input testsrc://?size=320x240&bitrate=400k priority=1;
    failover_timeout 500ms;
    revert_after off;
    hls on;
    hls_segment 1s;
    hls_window 6;
}
EOF
    server => "        location /hls/ { srt_hls; }\n"
            . "        location /www/ { alias $p/www/; }");
$gw->start;
my $feed = $gw->sender(file => $media, port => $in, loop => 1);

# a few segments first
my $deadline = time + 15;
while (time < $deadline) {
    my $r = $gw->http_get('/hls/tv/index.m3u8', duration => 2);
    last if ($r->{body} // '') =~ /(?:\.ts\n.*){3}/s;
    sleep 0.5;
}

my $hp = $gw->http_port;
open my $node, '-|',
     "cd $dir && timeout 90 node hls_play.mjs http://127.0.0.1:$hp/www/play.html 24 2>&1"
    or die "node: $!";

# ten seconds in, the primary dies: the route fails over to the backup
sleep 10;
$feed->stop;
my $t_fail = time;
my $out = do { local $/; <$node> };
close $node;
my ($line) = grep { /^\{/ } split /\n/, $out;
my $res = eval { decode_json($line // '') };
ok($res, 'the browser ran the page') or diag($out);
$res ||= { samples => [], errors => [] };

my @s = @{ $res->{samples} };
is_deeply($res->{errors}, [], 'no page error');
ok(@s && $s[-1]{supported}, 'hls.js: Media Source Extensions are there');
is_deeply($s[-1]{fatal} // ['no sample'], [], 'hls.js reports no fatal error')
    or diag(encode_json($s[-1] // {}), "\n", join("\n", @{ $res->{console} || [] }));

# currentTime advances with the wall clock before the failover, and after
# it (from 4 s after it, the backup's segments reach the player)
sub advance {
    my ($name, @w) = @_;
    my $played = @w ? $w[-1]{t} - $w[0]{t} : 0;
    my $wall = @w ? ($w[-1]{now} - $w[0]{now}) / 1000 : 0;
    ok($played > 0.8 * $wall && $wall >= 4,
       sprintf('%s: currentTime advances %.1f s in %.1f s of wall clock',
               $name, $played, $wall)) or diag(encode_json(\@s));
}
advance('before the failover',
        grep { $_->{now} < $t_fail * 1000 && $_->{t} > 0 } @s);
advance('after it', grep { $_->{now} > $t_fail * 1000 + 4000 } @s);

my $pl = $gw->http_get('/hls/tv/index.m3u8', duration => 2)->{body} // '';
ok($pl =~ /^#EXT-X-DISCONTINUITY$/m
   || $pl =~ /^#EXT-X-DISCONTINUITY-SEQUENCE:[1-9]/m,
   'the playlist has (or had: the sequence counts it) the failover\'s '
   . 'discontinuity') or diag($pl);
ok(@s && !$s[-1]{paused}, 'the video is playing');
is(@s ? "$s[-1]{w}x$s[-1]{h}" : '', '320x240', 'the picture is 320x240');
ok(@s && $s[-1]{frags} >= 5, "hls.js buffered $s[-1]{frags} segments")
    if @s;

my $log = `grep -c "GET /hls/tv/" $p/logs/access.log` + 0;
ok($log > 5, "the player fetched playlists and segments ($log requests)");

$gw->check_error_log;
$gw->stop;

done_testing;
