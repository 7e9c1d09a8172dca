#!/usr/bin/perl

# HLS output, 4 workers: a route with "hls on" (UDP primary with a 1 s GOP,
# testsrc:// backup) is cut into 2 s segments that ffmpeg plays from the
# live playlist for 10 s without an error; the playlist has the version,
# a target duration no segment exceeds, media sequence, program date-time
# that grows by the segment durations; every worker serves it with the
# right MIME types, Cache-Control, ETag and 304s; unknown and expired
# names are 404, and a segment is deleted only after its grace period; an
# SCTE-35 splice_insert sent through the API becomes EXT-X-DATERANGE and
# CUE-OUT/CONT/IN at the segment that starts at the splice point, and ends
# after its auto-return duration or at an IN cue; another time_signal
# becomes a DATERANGE with SCTE35-CMD; a failover to the backup shows as
# EXT-X-DISCONTINUITY; an nginx with proxy_cache in front serves a
# playable stream from this origin; bad settings are refused.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use MIME::Base64 ();
use POSIX qw(floor);
use Time::HiRes qw(time sleep);
use Time::Local qw(timegm);

use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 4);
my ($in, $in2) = $gw->ports(2);
my $p = $gw->prefix;
my $hp = $gw->http_port;

# ---------------------------------------------------------------- refused

for my $bad (["hls_segment 2s;", qr/hls_\* directives of route "x" .* need "hls on"/],
             ["hls maybe;", qr/invalid value "maybe" in "hls"/],
             ["hls on; hls on;", qr/"hls" directive is duplicate/],
             ["hls on; hls_cues all;", qr/invalid cues "all"/],
             ["hls on; hls_segment 100ms;", qr/invalid segment "100ms"/],
             ["hls on; hls_window 99;", qr/invalid window/],
             ["hls on; hls_segment 4s; hls_segment_max 2s;",
              qr/segment_max \(2000 ms\) is shorter than segment/],
             ["hls on; output hls://;", qr/has an HLS output already/],
             ["output hls://?window=1;", qr/invalid window/],
             ["output hls://somewhere;", qr/takes no host/],
             ["hls on;", qr/route "\.\.": a name starting with "\." cannot have an HLS output/, '..'])
{
    my $name = $bad->[2] // 'x';
    $gw->write_conf(srt => "route $name { input udp://127.0.0.1:$in; $bad->[0] }");
    my ($rc, $text) = $gw->nginx_t;
    ok($rc != 0 && $text =~ $bad->[1], "refused: $bad->[0]") or diag($text);
}

# ---------------------------------------------------------------- the origin

$gw->write_conf(srt => <<"EOF",
route tv {
    input udp://127.0.0.1:$in;
    input testsrc://?size=320x240&bitrate=300k priority=1;
    failover_timeout 500ms;
    revert_after 2s;
    hls on;
    hls_segment 2s;
    hls_window 5;
    hls_grace 6s;
}
route plain {
    input udp://127.0.0.1:$in2;
}
EOF
    server => "        location /hls/ { srt_hls; }\n"
            . "        location /metrics { route_metrics; }");
my $media = $gw->media(duration => 60, bitrate => '500k');
$gw->start;
my $feed = $gw->sender(file => $media, port => $in, loop => 1);

sub get {
    my ($path, %h) = @_;
    my $c = $gw->http_get($path, headers => \%h, duration => 3);
    return $c;
}

sub parse {
    my ($text) = @_;
    my %pl = (segs => [], text => $text);
    my %next = (tags => []);
    return \%pl unless ($text // '') =~ /^#EXTM3U\n/;
    for my $l (split /\n/, $text // '') {
        if ($l =~ /^#EXT-X-TARGETDURATION:(\d+)/) { $pl{target} = $1 }
        elsif ($l =~ /^#EXT-X-VERSION:(\d+)/) { $pl{version} = $1 }
        elsif ($l =~ /^#EXT-X-MEDIA-SEQUENCE:(\d+)/) { $pl{seq} = $1 }
        elsif ($l =~ /^#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/) { $pl{dseq} = $1 }
        elsif ($l =~ /^#EXT-X-DISCONTINUITY$/) { $next{disc} = 1 }
        elsif ($l =~ /^#EXT-X-PROGRAM-DATE-TIME:(.*)/) { $next{pdt} = date_ms($1) }
        elsif ($l =~ /^#EXTINF:([\d.]+),/) { $next{dur} = $1 }
        elsif ($l =~ /^#/) { push @{ $next{tags} }, $l }
        elsif (length $l) {
            $next{uri} = $l;
            push @{ $pl{segs} }, {%next};
            %next = (tags => []);
        }
    }
    return \%pl;
}

sub date_ms {
    my ($s) = @_;
    $s =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)(?:\.(\d+))?Z$/ or return undef;
    return (timegm($6, $5, $4, $3, $2 - 1, $1) * 1000)
           + (defined $7 ? substr("${7}00", 0, 3) : 0);
}

sub playlist { parse(get('/hls/tv/index.m3u8')->{body}) }

# wait for CODE(playlist) up to T s
sub wait_pl {
    my ($code, $t) = @_;
    my $deadline = time + $t;
    my $pl;
    while (time < $deadline) {
        $pl = playlist();
        return $pl if $code->($pl);
        sleep 0.5;
    }
    return $pl;
}

# (a start on the backup is possible: then the primary's segments after
# the revert)
my $pl = wait_pl(sub { @{ $_[0]{segs} } >= 4
                       && !grep { $_->{disc} } @{ $_[0]{segs} } }, 30);
ok(@{ $pl->{segs} } >= 4, 'four segments in the playlist')
    or diag($pl->{text}, $gw->error_log_tail(20));

is($pl->{version}, 6, 'EXT-X-VERSION:6');
is($pl->{dseq}, 0, 'EXT-X-DISCONTINUITY-SEQUENCE:0');
ok($pl->{seq} > 1_700_000_000, "media sequence from the clock: $pl->{seq}");
like($pl->{segs}[0]{uri}, qr/^\d+\.ts$/, 'segments are named N.ts');
is($pl->{segs}[0]{uri}, "$pl->{seq}.ts", 'the first is the media sequence');

my $max = 0;
for my $s (@{ $pl->{segs} }) {
    $max = $s->{dur} if $s->{dur} > $max;
}
ok(floor($max + 0.5) <= $pl->{target},
   "no segment exceeds TARGETDURATION $pl->{target} (longest $max)");
is($pl->{target}, 2, 'target duration 2 with a 1 s GOP');
ok(!grep({ abs($_->{dur} - 2) > 0.05 } @{ $pl->{segs} }),
   'every segment is 2 s: cut at the first keyframe after 2 s')
    or diag($pl->{text});

my $mono = 1;
for my $i (1 .. $#{ $pl->{segs} }) {
    my ($a, $b) = @{ $pl->{segs} }[$i - 1, $i];
    $mono = 0 unless defined $a->{pdt} && defined $b->{pdt}
        && abs($b->{pdt} - $a->{pdt} - $a->{dur} * 1000) <= 2;
}
ok($mono, 'program date-time grows by each segment\'s duration')
    or diag($pl->{text});
ok(abs($pl->{segs}[-1]{pdt} - time * 1000) < 10_000,
   'and is near the wall clock');

# ---------------------------------------------------------------- serving

my $c = get('/hls/tv/index.m3u8');
is($c->{status}, 200, 'playlist 200');
is($c->{headers}{'content-type'}, 'application/vnd.apple.mpegurl',
   'playlist MIME type');
is($c->{headers}{'cache-control'}, 'public, max-age=1',
   'playlist Cache-Control: a second (half a segment)');
ok($c->{headers}{etag} && !$c->{headers}{'last-modified'},
   'playlist has an ETag, no Last-Modified (1 s is too coarse)');
my $pl_etag = $c->{headers}{etag};
is(get('/hls/tv/index.m3u8', 'If-None-Match' => $pl_etag)->{status}, 304,
   'the same playlist: 304');
sleep 2.5;
is(get('/hls/tv/index.m3u8', 'If-None-Match' => $pl_etag)->{status}, 200,
   'the next one (a new file, a new ETag): 200');
is($c->{headers}{'access-control-allow-origin'}, '*', 'CORS for players');

my $seg = $pl->{segs}[-1]{uri};
$c = get("/hls/tv/$seg");
is($c->{status}, 200, "segment $seg 200");
is($c->{headers}{'content-type'}, 'video/mp2t', 'segment MIME type');
is($c->{headers}{'cache-control'}, 'public, max-age=86400',
   'segment Cache-Control: a day, names are never reused');
my $body = $c->{body};
ok(length($body) > 10_000 && length($body) % 188 == 0,
   'the segment is whole TS packets (' . length($body) . ' bytes)');
is(ts_first_pid($body), 0, 'it starts with the PAT');
my ($rc, $streams) = $gw->ffprobe_streams($body);
ok($streams =~ /h264/ && $streams =~ /aac/,
   'ffprobe: h264 and aac in one segment') or diag($streams);
my ($ok, $err) = $gw->ffmpeg_decode($body);
ok($ok && $err eq '', 'the segment alone decodes without an error')
    or diag($err);

ok($c->{headers}{etag} && $c->{headers}{'last-modified'},
   'segment has ETag and Last-Modified');
my ($etag, $lm) = @{ $c->{headers} }{qw(etag last-modified)};
$c = get("/hls/tv/$seg", 'If-None-Match' => $etag);
is($c->{status}, 304, 'If-None-Match: 304');
$c = get("/hls/tv/$seg", 'If-Modified-Since' => $lm // 'x');
is($c->{status}, 304, 'If-Modified-Since: 304');
$c = get("/hls/tv/$seg", Range => 'bytes=0-187');
is($c->{status}, 206, 'ranges: 206');
is(length $c->{body}, 188, 'one packet');

my $m = get('/hls/tv/master.m3u8');
is($m->{status}, 200, 'master playlist 200');
like($m->{body}, qr/^#EXT-X-STREAM-INF:BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+),CODECS="avc1\.[0-9A-F]{6},mp4a\.40\.2",RESOLUTION=320x240\nindex\.m3u8$/m,
     'master: measured bandwidth, codecs from the SPS and ADTS, resolution')
    or diag($m->{body});
if ($m->{body} =~ /BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+)/) {
    ok($1 >= $2 && $2 > 400_000 && $2 < 1_500_000,
       "bandwidth $1 >= average $2, near the stream's rate");
}

my $metrics = get('/metrics')->{body} // '';
my ($msegs) = $metrics =~ /^srtgw_hls_segments_total\{route="tv"\} (\d+)$/m;
ok($msegs && $msegs >= 4, 'metrics: srtgw_hls_segments_total ' . ($msegs // '-'))
    or diag($metrics =~ /(srtgw_hls.*)/s);
like($metrics, qr/^srtgw_hls_segment_duration_seconds\{route="tv"\} 2\.000000$/m,
     'metrics: the last segment lasted 2 s');
like($metrics, qr/^srtgw_output_up\{route="tv",output="hls",kind="hls"\} 1$/m,
     'metrics: the HLS output is up');
unlike($metrics, qr/srtgw_hls_segments_total\{route="plain"\}/,
       'no HLS series for a route without HLS');

for my $nf (['/hls/nope/index.m3u8', 'unknown route'],
            ['/hls/plain/index.m3u8', 'a route without HLS'],
            ['/hls/tv/12.ts', 'a segment that never was'],
            ['/hls/tv/other.m3u8', 'another name'],
            ['/hls/.tv/index.m3u8', 'a dot name'],
            ['/hls/tv/', 'the directory'])
{
    is(get($nf->[0])->{status}, 404, "404: $nf->[1]");
}

# every worker serves the same playlist
my %pids;
my $same = 1;
for (1 .. 24) {
    my $r = get('/hls/tv/index.m3u8');
    $same = 0 unless $r->{status} == 200 && $r->{body} =~ /^#EXTM3U/;
}
open my $al, '<', $gw->access_log or die $!;
while (<$al>) {
    $pids{$1}++ if m{^(\d+) 200 \d+ GET /hls/tv/index\.m3u8};
}
close $al;
ok($same, 'every request got the playlist');
ok(keys(%pids) >= 3, 'served by ' . keys(%pids) . ' of 4 workers');

# ---------------------------------------------------------------- ffmpeg

my $url = "http://127.0.0.1:$hp/hls/tv/index.m3u8";
my $t0 = time;
my $out = `timeout 40 ffmpeg -nostdin -v error -i $url -t 10 -f null - 2>&1`;
my $frc = $?;
ok($frc == 0 && $out eq '',
   sprintf('ffmpeg plays the live playlist for 10 s without an error '
           . '(%.1f s)', time - $t0)) or diag($out);

# ---------------------------------------------------------------- grace

$pl = playlist();
my $oldest = $pl->{segs}[0]{uri};
my $left;
my $deadline = time + 15;
while (time < $deadline) {
    my $now = playlist();
    if (!grep { $_->{uri} eq $oldest } @{ $now->{segs} }) {
        $left = time;
        last;
    }
    sleep 0.2;
}
ok($left, "$oldest left the playlist");
is(get("/hls/tv/$oldest")->{status}, 200, 'it is still served at once');
sleep 3;
is(get("/hls/tv/$oldest")->{status}, 200,
   'and 3 s later, inside the 6 s grace period');
my $gone;
$deadline = time + 15;
while (time < $deadline) {
    if (get("/hls/tv/$oldest")->{status} == 404) {
        $gone = time;
        last;
    }
    sleep 0.2;
}
ok($gone && $gone - $left >= 5.5 && $gone - $left <= 11,
   sprintf('then 404, %.1f s after it left (grace 6 s + a segment)',
           ($gone // 0) - $left));

my @files = glob("$p/hls/tv/*.ts");
ok(@files <= 5 + 5, scalar(@files) . ' segment files on disk: window + grace');

# ---------------------------------------------------------------- SCTE-35

my $sent = time;
my $cue = $gw->api_req(POST => '/api/routes/tv/scte35', {
    type => 'splice_insert', out_of_network => JSON::PP::true,
    duration => 4.0, event_id => 4242, auto_return => JSON::PP::true,
    preroll => 2.0 });
is($cue->{status}, 201, 'splice_insert posted') or diag($cue->{body});
my $hex = uc($cue->{json}{hex} // 'none');

$pl = wait_pl(sub {
    grep { grep { /^#EXT-X-CUE-IN/ } @{ $_->{tags} } } @{ $_[0]{segs} }
}, 20);

my ($iout) = grep { grep { /^#EXT-X-CUE-OUT:/ } @{ $pl->{segs}[$_]{tags} } }
             0 .. $#{ $pl->{segs} };
my ($iin) = grep { grep { /^#EXT-X-CUE-IN/ } @{ $pl->{segs}[$_]{tags} } }
            0 .. $#{ $pl->{segs} };
ok(defined $iout && defined $iin && $iin > $iout,
   'CUE-OUT then CUE-IN in the playlist') or diag($pl->{text});

if (defined $iout && defined $iin) {
    my $so = $pl->{segs}[$iout];
    my ($dr) = grep { /^#EXT-X-DATERANGE:/ } @{ $so->{tags} };
    like($dr // '', qr/^#EXT-X-DATERANGE:ID="splice-4242",START-DATE="[^"]+",PLANNED-DURATION=4\.000,SCTE35-OUT=0x$hex$/,
         'the OUT: DATERANGE with ID, START-DATE, PLANNED-DURATION, SCTE35-OUT');
    ok((grep { $_ eq '#EXT-X-CUE-OUT:4.000' } @{ $so->{tags} }),
       'EXT-X-CUE-OUT:4.000');
    my ($oat) = grep { /^#EXT-OATCLS-SCTE35:/ } @{ $so->{tags} };
    is(uc(unpack('H*', MIME::Base64::decode_base64(
                 ($oat // '') =~ s/^#EXT-OATCLS-SCTE35://r))), $hex,
       'EXT-OATCLS-SCTE35 has the section in base64');

    my ($start) = ($dr // '') =~ /START-DATE="([^"]+)"/;
    my $start_ms = date_ms($start // '') // 0;
    ok(abs($start_ms - ($sent + 2) * 1000) < 1500,
       sprintf('START-DATE is the splice time, 2 s after the request '
               . '(%+d ms)', $start_ms - ($sent + 2) * 1000));
    ok($so->{pdt} >= $start_ms && $so->{pdt} - $start_ms <= 1050,
       sprintf('the segment starts at the first keyframe at or after the '
               . 'splice (%d ms after)', $so->{pdt} - $start_ms));
    my $prev = $pl->{segs}[$iout - 1];
    ok(!$prev || $prev->{pdt} < $start_ms,
       'the one before starts before the splice');

    my $conts = grep { grep { /^#EXT-X-CUE-OUT-CONT:ElapsedTime=[\d.]+,Duration=4\.000$/ } @{ $_->{tags} } }
                @{ $pl->{segs} }[$iout + 1 .. $iin - 1];
    is($conts, $iin - $iout - 1, 'CUE-OUT-CONT on every segment inside');

    my $si = $pl->{segs}[$iin];
    ok(abs($si->{pdt} - ($start_ms + 4000)) <= 1050,
       sprintf('CUE-IN at the segment at the end of the 4 s duration '
               . '(%+d ms)', $si->{pdt} - $start_ms - 4000));
    my ($din) = grep { /^#EXT-X-DATERANGE:/ } @{ $si->{tags} };
    like($din // '', qr/^#EXT-X-DATERANGE:ID="splice-4242",START-DATE="\Q$start\E",END-DATE="[^"]+",DURATION=[\d.]+$/,
         'the IN: the same ID and START-DATE, END-DATE and DURATION');
}

# an OUT of unknown length, ended by an explicit IN cue
my $o77 = $gw->api_req(POST => '/api/routes/tv/scte35', {
    type => 'splice_insert', out_of_network => JSON::PP::true,
    event_id => 77, preroll => 2.0 });
is($o77->{status}, 201, 'an OUT without a duration') or diag($o77->{body});
sleep 3;
my $i77 = $gw->api_req(POST => '/api/routes/tv/scte35', {
    type => 'splice_insert', out_of_network => JSON::PP::false,
    event_id => 77, preroll => 2.0 });
is($i77->{status}, 201, 'then its IN, 3 s later') or diag($i77->{body});
my $hin = uc($i77->{json}{hex} // 'none');

$pl = wait_pl(sub {
    grep { grep { /^#EXT-X-DATERANGE:ID="splice-77",.*SCTE35-IN/ } @{ $_->{tags} } }
         @{ $_[0]{segs} }
}, 20);
my ($o) = grep { grep { /^#EXT-X-DATERANGE:ID="splice-77",.*SCTE35-OUT/ } @{ $_->{tags} } }
          @{ $pl->{segs} };
my ($i) = grep { grep { /^#EXT-X-DATERANGE:ID="splice-77",.*SCTE35-IN/ } @{ $_->{tags} } }
          @{ $pl->{segs} };
ok($o && (grep { $_ eq '#EXT-X-CUE-OUT' } @{ $o->{tags} })
   && !(grep { /PLANNED-DURATION/ } @{ $o->{tags} }),
   'the OUT: EXT-X-CUE-OUT without a value, no PLANNED-DURATION')
    or diag($pl->{text});
my ($din77) = $i ? grep { /^#EXT-X-DATERANGE:/ } @{ $i->{tags} } : ();
like($din77 // '', qr/,END-DATE="[^"]+",DURATION=([\d.]+),SCTE35-IN=0x$hin$/,
     'the IN cue ends it: END-DATE, DURATION and SCTE35-IN with its section')
    or diag($pl->{text});
my ($d77) = ($din77 // '') =~ /DURATION=([\d.]+)/;
ok(defined $d77 && abs($d77 - 3) <= 1.1,
   sprintf('the break lasted the 3 s between the cues (%s s)', $d77 // '?'));
ok($i && (grep { $_ eq '#EXT-X-CUE-IN' } @{ $i->{tags} }), 'EXT-X-CUE-IN');

# a time_signal that is no ad break (program start): SCTE35-CMD
my $ts = $gw->api_req(POST => '/api/routes/tv/scte35', {
    type => 'time_signal', preroll => 2.0,
    segmentation => [{ type_id => 16, event_id => 9, upid_type => 15,
                       upid => 'urn:example:show' }] });
is($ts->{status}, 201, 'a time_signal of a program start')
    or diag($ts->{body});
my $hts = uc($ts->{json}{hex} // 'none');
$pl = wait_pl(sub { $_[0]{text} =~ /SCTE35-CMD=0x$hts/ }, 15);
my ($cmd) = $pl->{text} =~ /^(#EXT-X-DATERANGE:.*SCTE35-CMD=0x$hts)$/m;
like($cmd // '', qr/^#EXT-X-DATERANGE:ID="scte35-\d+",START-DATE="[^"]+",SCTE35-CMD=0x$hts$/,
     'it is an EXT-X-DATERANGE with SCTE35-CMD') or diag($pl->{text});
is(scalar(() = $pl->{text} =~ /SCTE35-CMD=0x$hts/g), 1,
   'once, though sent three times');

# ---------------------------------------------------------------- CDN edge

my $edge = SRTGW->new(workers => 2);
my $ep = $edge->http_port;
my $ec = $edge->prefix;
my $euser = $> == 0 ? 'user root;' : '';
$edge->write_conf(raw => <<"EOF");
worker_processes 2;
$euser
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    proxy_cache_path $ec/cache keys_zone=hls:10m max_size=200m;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    access_log logs/access.log;
    server {
        listen 127.0.0.1:$ep;
        location = /api/health { return 200 '{"status":"ok"}'; }
        location /hls/ {
            proxy_pass http://127.0.0.1:$hp;
            proxy_cache hls;
            proxy_cache_lock on;
            proxy_cache_revalidate on;
            add_header X-Cache \$upstream_cache_status always;
        }
    }
}
EOF
$edge->start;

my $eurl = "http://127.0.0.1:$ep/hls/tv/index.m3u8";
$out = `timeout 30 ffmpeg -nostdin -v error -i $eurl -t 6 -f null - 2>&1`;
ok($? == 0 && $out eq '', 'ffmpeg plays the stream through the edge')
    or diag($out);

my $ee = $edge->http_get('/hls/tv/index.m3u8', duration => 3);
my $epl = parse($ee->{body});
my $eseg = $epl->{segs}[-1]{uri} // 'none';
my $h1 = $edge->http_get("/hls/tv/$eseg", duration => 3);
my $h2 = $edge->http_get("/hls/tv/$eseg", duration => 3);
is($h2->{status}, 200, 'the edge serves a segment');
is($h2->{headers}{'x-cache'}, 'HIT', 'the second request is a cache hit');
is($h2->{body}, $h1->{body}, 'the same bytes');

$edge->stop;

# ---------------------------------------------------------------- failover

$feed->stop;
$pl = wait_pl(sub {
    grep { $_->{disc} } @{ $_[0]{segs} }
}, 15);
my ($disc) = grep { $_->{disc} } @{ $pl->{segs} };
ok($disc, 'failover to the backup: EXT-X-DISCONTINUITY') or diag($pl->{text});
ok($disc && defined $disc->{pdt}, 'with a program date-time');

# the segment before the switch and the first of the backup, in a row:
# the primary's last frame, cut short when its sender was killed, is left
# out of the first, so the junction decodes without an error.  ffprobe
# decodes every frame: ffmpeg to its null muxer would also judge the
# timeline jump that the discontinuity announces
my ($di) = grep { $pl->{segs}[$_]{disc} } 0 .. $#{ $pl->{segs} };
my ($jok, $jerr, $jframes) = (0, 'no segment before the discontinuity', {});
if (defined $di && $di > 0) {
    ($jok, $jerr, $jframes) = $gw->ffprobe_decode(join '', map {
        get("/hls/tv/$pl->{segs}[$_]{uri}")->{body} // ''
    } $di - 1, $di);
}
ok($jok && $jerr eq '', 'the junction of the switch decodes without an error')
    or diag($jerr);
cmp_ok($jframes->{video} // 0, '>=', 25,
       'a second of video and more decoded at the junction');

$gw->check_error_log;
$gw->stop;

done_testing;
