#!/usr/bin/perl

# HLS across many input switches (2 workers): a UDP primary with an
# in-process testsrc:// backup is killed and restarted again and again, so
# the route fails over to the backup and reverts to the primary at random
# points of the primary's frames.  Each switch is an EXT-X-DISCONTINUITY,
# and the segment before it and the one after it, in a row, decode
# without an error (ffprobe, every frame): the old input's last frames,
# cut short when it died or when the route left it, never reach a
# segment.  One failover in five left a cut-short AAC frame in the
# segment before the switch when this was a single sample in t/31.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep);

use SRTGW qw(:all);

my $cycles = $ENV{SRTGW_SWITCH_CYCLES} || 12;

my $gw = SRTGW->new(workers => 2);
my ($in) = $gw->ports(1);

$gw->write_conf(srt => <<"EOF",
route tv {
    input udp://127.0.0.1:$in;
    input testsrc://?size=320x240&bitrate=300k priority=1;
    failover_timeout 500ms;
    revert_after 1s;
    hls on;
    hls_segment 2s;
    hls_window 6;
    hls_grace 60s;
}
EOF
    server => "        location /hls/ { srt_hls; }");
my $media = $gw->media(duration => 60, bitrate => '500k');
$gw->start;

sub segments {
    my $c = $gw->http_get('/hls/tv/index.m3u8', duration => 3);
    my (@segs, $disc);
    for my $l (split /\n/, $c->{body} // '') {
        if ($l eq '#EXT-X-DISCONTINUITY') {
            $disc = 1;
        } elsif ($l =~ /^(\d+\.ts)$/) {
            push @segs, { uri => $1, disc => $disc };
            $disc = 0;
        }
    }
    return @segs;
}

my (%seen, @junctions);

# each cycle: the primary comes back (revert after 1 s), runs a random
# while past that, dies (failover after 500 ms); every junction in the
# window is decoded once
for my $c (1 .. $cycles) {
    my $feed = $gw->sender(file => $media, port => $in, loop => 1);
    sleep(3 + rand(3));
    $feed->stop;
    sleep(3.5);

    my @segs = segments();
    for my $i (1 .. $#segs) {
        next unless $segs[$i]{disc} && !$seen{ $segs[$i]{uri} }++;
        my @body = map {
            $gw->http_get("/hls/tv/$segs[$_]{uri}", duration => 3)->{body}
                // ''
        } $i - 1, $i;
        my ($ok, $err, $frames) = $gw->ffprobe_decode(join '', @body);
        push @junctions, {
            name => "$segs[$i - 1]{uri} | $segs[$i]{uri}",
            ok => $ok, err => $err, video => $frames->{video} // 0,
        };
    }
}

# a failover per cycle, and the reverts that are still in the window
cmp_ok(scalar @junctions, '>=', $cycles, "at least $cycles switches seen")
    or $gw->diag_state;

for my $j (@junctions) {
    ok($j->{ok} && $j->{err} eq '' && $j->{video} >= 25,
       "the junction $j->{name} decodes ($j->{video} video frames)")
        or diag($j->{err});
}

$gw->check_error_log;
$gw->stop;

done_testing;
