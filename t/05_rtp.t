#!/usr/bin/perl
# RTP input: rtp:// (header required) and udp:// auto-detection.  The output
# is byte-identical to the unwrapped TS.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($in1, $in2, $out1, $out2) = $gw->ports(4);
$gw->write_conf(srt => <<"EOF2");
shm_size 64m;
route forced {
    input rtp://127.0.0.1:$in1;
    output udp://127.0.0.1:$out1;
}
route auto {
    input udp://127.0.0.1:$in2;
    output udp://127.0.0.1:$out2;
}
EOF2
$gw->start;
my $media = $gw->media;
my $input = SRTGW::slurp($media);

my $u1 = $gw->udp_receiver($out1);
my $u2 = $gw->udp_receiver($out2);
my @snd = ($gw->sender(file => $media, port => $in1, rtp => 1),
           $gw->sender(file => $media, port => $in2, rtp => 1));
sleep 1.2;
my $h1 = $gw->http_client('/live/forced.ts');
my $h2 = $gw->http_client('/live/auto.ts');
$gw->collect(sinks => [$h1, $h2, $u1, $u2], duration => 4);

for my $s (['rtp:// HTTP', $h1], ['rtp:// UDP out', $u1],
           ['udp:// auto HTTP', $h2], ['udp:// auto UDP out', $u2])
{
    my ($name, $sink) = @$s;
    my $b = $sink->body;
    ok(length $b > 100_000, "$name: data (" . length($b) . " bytes)");
    ok(ts_aligned($b), "$name: aligned, no RTP header left");
    is(ts_first_pid($b), 0, "$name: starts with a PAT");
    ok(slice_offset($b, $input) >= 0,
       "$name: byte-identical slice of the unwrapped TS")
        or diag(SRTGW::slice_divergence($b, $input));
    my ($err, undef, $d) = ts_cc_check($b);
    is($err, 0, "$name: no CC errors") or diag(join "\n", @$d);
}

for my $r (qw(forced auto)) {
    my $i = $gw->route($r)->{inputs}[0];
    ok($i->{rtp_datagrams} > 0, "API $r: rtp_datagrams > 0 ($i->{rtp_datagrams})");
    ok($i->{rtp_datagrams} >= $i->{datagrams} - 1,
       "API $r: every datagram counted as RTP ($i->{rtp_datagrams}/$i->{datagrams})");
    is($i->{sync_losses}, 0, "API $r: no sync losses");
    is($i->{garbage_bytes}, 0, "API $r: no garbage bytes");
    is($i->{cc_errors}, 0, "API $r: no CC errors");
    ok($i->{packets} > 0, "API $r: packets counted");
}

$_->close for $h1, $h2;
$_->stop for @snd;
unless (Test::More->builder->is_passing) { $gw->diag_state($_) for qw(forced auto) }
$gw->stop;
done_testing;
