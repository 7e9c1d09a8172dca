#!/usr/bin/perl

# tscheck (tools/tscheck, ETSI TR 101 290 priority 1 and 2 basics) against
# the gateway's own outputs, read live: UDP and HTTP-TS of a route fed with
# a constant-bitrate ffmpeg stream give no priority-1 error and exit 0; a
# copy of the stream with packets cut out gives continuity errors, exit 1;
# --json parses.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;

use SRTGW qw(:all);

my $bin = "$FindBin::Bin/../build/tools/tscheck";
plan skip_all => "$bin missing: run make tools" unless -x $bin;

my $gw = SRTGW->new(workers => 2);
my ($in, $out) = $gw->ports(2);
my $p = $gw->prefix;

$gw->write_conf(srt => <<"EOF");
route chk {
    input udp://127.0.0.1:$in;
    output udp://127.0.0.1:$out;
}
EOF
$gw->start;

# constant bitrate: PCRs at least every 40 ms, as broadcast muxers do
my $media = "$p/cbr.ts";
system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine',
       '-t', 20, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', 25,
       '-b:v', '800k', '-c:a', 'aac', '-muxrate', '2M', '-f', 'mpegts',
       $media) == 0 or BAIL_OUT('ffmpeg failed');

my $feed = $gw->sender(file => $media, port => $in, loop => 1);
ok($gw->wait_route('chk', sub { $_[0]{inputs}[0]{status} eq 'live' }, 8),
   'route live');

my $port = $gw->http_port;
my $udp = `$bin -t 4 --json udp://127.0.0.1:$out`;
my $udp_rc = $? >> 8;
my $http = `$bin -t 4 --json http://127.0.0.1:$port/live/chk.ts`;
my $http_rc = $? >> 8;

for ([UDP => $udp, $udp_rc], ['HTTP-TS' => $http, $http_rc]) {
    my ($name, $text, $rc) = @$_;
    my $j = eval { decode_json($text) };
    ok($j, "$name: --json parses") or diag($text);
    is($rc, 0, "$name: exit 0");
    ok(($j->{packets} // 0) > 5000, "$name: " . ($j->{packets} // 0)
       . ' packets read');
    my $p1 = $j->{priority1} || {};
    is(scalar(grep { $p1->{$_} } keys %$p1), 0,
       "$name: no priority-1 error") or diag(explain $p1);
}

# the same stream with packets cut out
my $d = SRTGW::slurp($media);
for my $i (3000, 2000, 1000) {
    substr($d, $i * 188, 188) = '';
}
open my $fh, '>:raw', "$p/cut.ts" or die $!;
print $fh $d;
close $fh;
my $cut = `$bin --json $p/cut.ts`;
is($? >> 8, 1, 'packets cut out: exit 1');
my $j = eval { decode_json($cut) } || {};
ok(($j->{priority1}{Continuity_count_error} // 0) >= 2,
   'continuity errors reported: '
   . ($j->{priority1}{Continuity_count_error} // 0));

$feed->stop;
$gw->stop;

done_testing;
