#!/usr/bin/perl

# HLS beyond the basics (2 workers):
# * H.265 with AC-3: 2 s segments cut at H.265 keyframes, CODECS
#   hvc1.1.6.L..,ac-3;
# * an audio-only route (AAC over UDP) is cut at audio frames: 2 s
#   segments that ffprobe sees as AAC, a master playlist without
#   RESOLUTION;
# * an API route gets an hls:// output (POST .../outputs), serves
#   /hls/ROUTE/index.m3u8 and shows the output in the API; DELETE of the
#   output makes the names 404 and deletes its files;
# * nginx -s reload with another hls_window (a UDP input, which goes on
#   across it; an in-process
#   testsrc:// restarts, a true discontinuity): the new owner goes on with the same playlist: media
#   sequence and program date-time continue, no discontinuity and no
#   segment shorter than the others;
# * kill -9 of the segmenting worker: the respawned one goes on, with no
#   hole in the sequence numbers.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use POSIX qw(floor);
use Time::HiRes qw(time sleep);
use Time::Local qw(timegm);

use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($ain, $vin, $hin) = $gw->ports(3);
my $p = $gw->prefix;

# AAC only, 60 s
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', 'sine=frequency=440', '-t', 60, '-c:a', 'aac', '-b:a', '96k',
       '-f', 'mpegts', "$p/radio.ts") == 0 or BAIL_OUT('ffmpeg failed');

# H.265 with AC-3, a keyframe a second
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi',
       '-i', 'sine=frequency=880', '-t', 30, '-c:v', 'libx265',
       '-preset', 'ultrafast', '-x265-params', 'log-level=error:keyint=25:min-keyint=25:scenecut=0',
       '-b:v', '400k', '-c:a', 'ac3', '-b:a', '128k', '-f', 'mpegts',
       "$p/hevc.ts") == 0 or BAIL_OUT('ffmpeg failed');

sub conf {
    my ($window) = @_;
    $gw->write_conf(srt => <<"EOF",
route radio {
    input udp://127.0.0.1:$ain;
    hls on;
    hls_segment 2s;
}
route hevc {
    input udp://127.0.0.1:$hin;
    hls on;
    hls_segment 2s;
}
route tv {
    input udp://127.0.0.1:$vin;
    hls on;
    hls_segment 2s;
    hls_window $window;
}
EOF
        server => '        location /hls/ { srt_hls; }');
}
conf(8);
$gw->start;
my $feed = $gw->sender(file => "$p/radio.ts", port => $ain, loop => 1);
my $hfeed = $gw->sender(file => "$p/hevc.ts", port => $hin, loop => 1);
my $vfeed = $gw->sender(file => $gw->media(duration => 60, bitrate => '400k'),
                        port => $vin, loop => 1);

sub date_ms {
    my ($s) = @_;
    $s =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d{3})Z$/ or return undef;
    return timegm($6, $5, $4, $3, $2 - 1, $1) * 1000 + $7;
}

sub playlist {
    my ($route) = @_;
    my $b = $gw->http_get("/hls/$route/index.m3u8", duration => 2)->{body};
    my %pl = (segs => [], text => $b);
    return \%pl unless ($b // '') =~ /^#EXTM3U/;
    my %n;
    for (split /\n/, $b) {
        if (/^#EXT-X-MEDIA-SEQUENCE:(\d+)/) { $pl{seq} = $1 }
        elsif (/^#EXT-X-DISCONTINUITY$/) { $n{disc} = 1 }
        elsif (/^#EXT-X-PROGRAM-DATE-TIME:(.*)/) { $n{pdt} = date_ms($1) }
        elsif (/^#EXTINF:([\d.]+),/) { $n{dur} = $1 }
        elsif (/^[^#]/) { $n{uri} = $_; push @{ $pl{segs} }, {%n}; %n = () }
    }
    return \%pl;
}

sub wait_segs {
    my ($route, $n, $t) = @_;
    my $deadline = time + $t;
    my $pl;
    while (time < $deadline) {
        $pl = playlist($route);
        return $pl if @{ $pl->{segs} } >= $n;
        sleep 0.5;
    }
    return $pl;
}

# ---------------------------------------------------------------- audio only

my $pl = wait_segs('radio', 3, 20);
ok(@{ $pl->{segs} } >= 3, 'audio-only route: three segments')
    or diag($pl->{text}, $gw->error_log_tail(10));
ok(!grep({ $_->{dur} < 2 || $_->{dur} > 2.2 } @{ $pl->{segs} }),
   'cut at the first audio PES at or after 2 s (2.0 to 2.2 s)')
    or diag($pl->{text});
my $seg = $pl->{segs}[-1]{uri} // 'none';
my $c = $gw->http_get("/hls/radio/$seg", duration => 2);
my ($rc, $streams) = $gw->ffprobe_streams($c->{body});
ok($streams =~ /aac/ && $streams !~ /h264/, 'the segment is AAC only')
    or diag($streams);
my ($ok, $err) = $gw->ffmpeg_decode($c->{body});
ok($ok && $err eq '', 'and decodes without an error') or diag($err);
my $m = $gw->http_get('/hls/radio/master.m3u8', duration => 2)->{body} // '';
like($m, qr/CODECS="mp4a\.40\.2"\nindex\.m3u8/,
     'master: CODECS mp4a.40.2, no RESOLUTION') or diag($m);

# ---------------------------------------------------------------- H.265

$pl = wait_segs('hevc', 3, 20);
ok(@{ $pl->{segs} } >= 3, 'H.265 + AC-3 route: three segments')
    or diag($pl->{text}, $gw->error_log_tail(10));
ok(!grep({ abs($_->{dur} - 2) > 0.05 } @{ $pl->{segs} }),
   'cut at H.265 keyframes: 2 s segments') or diag($pl->{text});
$seg = $pl->{segs}[-1]{uri} // 'none';
$c = $gw->http_get("/hls/hevc/$seg", duration => 2);
($rc, $streams) = $gw->ffprobe_streams($c->{body});
ok($streams =~ /hevc/ && $streams =~ /ac3/, 'the segment has hevc and ac3')
    or diag($streams);
($ok, $err) = $gw->ffmpeg_decode($c->{body});
ok($ok && $err eq '', 'and decodes on its own without an error') or diag($err);
$m = $gw->http_get('/hls/hevc/master.m3u8', duration => 2)->{body} // '';
like($m, qr/CODECS="hvc1\.1\.6\.L\d+\.[0-9A-F.]+,ac-3",RESOLUTION=320x240\n/,
     'master: CODECS from the H.265 SPS and ac-3') or diag($m);

# ---------------------------------------------------------------- API route

my $r = $gw->api_req(POST => '/api/routes',
                     { name => 'web',
                       inputs => [{ id => 'pattern',
                                    url => 'testsrc://?size=160x120&bitrate=200k' }],
                       outputs => [] });
is($r->{status}, 201, 'API route web') or diag($r->{body});
$r = $gw->api_req(POST => '/api/routes/web/outputs',
                  { id => 'hls', url => 'hls://?segment=1&window=4&cues=daterange' });
is($r->{status}, 201, 'POST an hls:// output') or diag($r->{body});
$r = $gw->api_req(POST => '/api/routes/web/outputs',
                  { url => 'hls://?segment=0.1' });
is($r->{status}, 400, 'a bad hls:// URL: 400') or diag($r->{body});
like($r->{body}, qr/invalid segment/, 'saying what is wrong');

$pl = wait_segs('web', 3, 20);
ok(@{ $pl->{segs} } >= 3, 'the API route\'s playlist has segments')
    or diag($pl->{text}, $gw->error_log_tail(10));
ok(@{ $pl->{segs} } <= 4, 'within its window of 4');
ok(!grep({ $_->{dur} > 1.05 } @{ $pl->{segs} }), '1 s segments')
    or diag($pl->{text});

my $ro = $gw->route('web') || {};
my ($ho) = grep { ($_->{id} // '') eq 'hls' } @{ $ro->{outputs} || [] };
ok($ho && $ho->{hls} && $ho->{hls}{playlist} eq 'web/index.m3u8'
   && $ho->{hls}{segments} >= 3,
   'the API shows the HLS output: playlist, segments')
    or diag(encode_json($ho // {}));

$r = $gw->api_req(DELETE => '/api/routes/web/outputs/hls');
is($r->{status}, 204, 'DELETE the hls output');
my $gone = 0;
for (1 .. 20) {
    $gone = 1, last
        if $gw->http_get('/hls/web/index.m3u8', duration => 2)->{status} == 404;
    sleep 0.25;
}
ok($gone, 'its playlist is 404 now');
my $purged = 0;
for (1 .. 20) {
    $purged = 1, last unless -e "$p/hls/web";
    sleep 0.25;
}
ok($purged, 'and its files and directory are deleted');

# ---------------------------------------------------------------- reload

my $before = wait_segs('tv', 4, 20);
ok(@{ $before->{segs} } >= 4, 'route tv has four segments');
# the reload changes the window: the HLS state is the route's, kept
conf(6);
$gw->reload;

# long enough for the old owner's segment and two of the new owner's
sleep 7;
my $after = playlist('tv');
my %dur;
my @all = (@{ $before->{segs} }, @{ $after->{segs} });
my %seen;
@all = grep { !$seen{$_->{uri}}++ } @all;
my $cont = 1;
for my $i (1 .. $#all) {
    my ($a, $b) = @all[$i - 1, $i];
    my ($na) = $a->{uri} =~ /^(\d+)/;
    my ($nb) = $b->{uri} =~ /^(\d+)/;
    $cont = 0 unless $nb == $na + 1
        && abs($b->{pdt} - $a->{pdt} - $a->{dur} * 1000) <= 2;
}
ok(@all >= @{ $before->{segs} } + 2, 'new segments after the reload')
    or diag($after->{text});
is(scalar @{ $after->{segs} }, 6, 'the new window of 6 segments')
    or diag($after->{text});
ok($cont, 'sequence numbers and program date-time continue across it')
    or diag($before->{text}, $after->{text});
ok(!grep({ $_->{disc} } @{ $after->{segs} }), 'no discontinuity')
    or diag($after->{text});
ok(!grep({ abs($_->{dur} - 2) > 0.05 } @all),
   'no short segment: the new owner rebuilt the open one from the ring')
    or diag($before->{text}, $after->{text});
($ok, $err) = $gw->ffmpeg_decode(join '', map {
    $gw->http_get("/hls/tv/$_->{uri}", duration => 2)->{body} // ''
} @{ $after->{segs} });
ok($ok && $err eq '', 'the segments after the reload decode in a row')
    or diag($err);

# ---------------------------------------------------------------- crash

my $tvr = $gw->route('tv') || {};
my ($tvo) = grep { ($_->{id} // '') eq 'hls' } @{ $tvr->{outputs} || [] };
my $victim = $tvo && $tvo->{owner} ? $tvo->{owner}{pid} : 0;
ok($victim, "the segmenter of tv runs in worker $victim");
my $pre = playlist('tv');
kill 'KILL', $victim if $victim;
sleep 7;
my $post = playlist('tv');
@all = (@{ $pre->{segs} }, @{ $post->{segs} });
%seen = ();
@all = grep { !$seen{$_->{uri}}++ } @all;
my $holes = 0;
for my $i (1 .. $#all) {
    my ($na) = $all[$i - 1]{uri} =~ /^(\d+)/;
    my ($nb) = $all[$i]{uri} =~ /^(\d+)/;
    $holes++ unless $nb == $na + 1;
}
ok(@all >= @{ $pre->{segs} } + 2, 'the respawned worker goes on segmenting')
    or diag($post->{text}, $gw->error_log_tail(10));
is($holes, 0, 'no hole in the sequence numbers across the crash')
    or diag($pre->{text}, $post->{text});
ok(scalar(grep { $_->{disc} } @{ $post->{segs} }) <= 1,
   'at most one discontinuity') or diag($post->{text});
($ok, $err) = $gw->ffmpeg_decode(join '', map {
    $gw->http_get("/hls/tv/$_->{uri}", duration => 2)->{body} // ''
} grep { !$_->{disc} } @{ $post->{segs} }[-2 .. -1]);
ok($ok && $err eq '', 'the last segments decode') or diag($err);

$gw->check_error_log(allow => [qr/worker process \d+ exited on signal 9/]);
$gw->stop(allow => [qr/worker process \d+ exited on signal 9/]);

done_testing;
