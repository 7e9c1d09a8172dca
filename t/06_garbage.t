#!/usr/bin/perl
# Garbage on the input: random datagrams, garbage prefixes, truncated
# datagrams and all-zero datagrams interleaved with the valid stream.
#
# What is asserted, precisely:
#  - the API counts sync_losses, garbage_bytes and truncated;
#  - every valid packet still reaches the HTTP client: the random and zero
#    datagrams contain no 0x47 byte and are dropped as a whole, the prefix
#    datagrams carry 7 whole valid packets after 37 garbage bytes, the
#    truncated ones 7 whole valid packets followed by a 100-byte partial
#    packet.  So the capture must be a contiguous slice of the clean input
#    with no CC error (stronger), and in any case the part received after
#    the garbage stopped must be (weaker);
#  - the stream stays aligned and decodable; no worker crashed.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($in) = $gw->ports(1);
$gw->write_conf(srt => <<"EOF2");
shm_size 64m;
route demo {
    input udp://127.0.0.1:$in;
}
EOF2
$gw->start;
my @workers = $gw->worker_pids;
my $media = $gw->media;
my $input = SRTGW::slurp($media);

my $garbage_for = 4;
my $t0 = time;
my $snd = $gw->sender(file => $media, port => $in,
                      garbage => { every => 5, until => $garbage_for,
                                   kinds => [qw(random prefix truncated zero)] });
sleep 1.2;
my $h = $gw->http_client('/live/demo.ts');
$gw->collect(sinks => [$h], duration => 6.5);
my $t_clean = $t0 + $garbage_for + 0.5;

my $j = $gw->route('demo');
my $i = $j->{inputs}[0];
ok($i->{sync_losses} > 0, "API: sync_losses > 0 ($i->{sync_losses})");
ok($i->{garbage_bytes} > 0, "API: garbage_bytes > 0 ($i->{garbage_bytes})");
ok($i->{truncated} > 0, "API: truncated > 0 ($i->{truncated})");
is($i->{cc_errors}, 0, 'API: no input CC errors (no valid packet lost)');
is($i->{status}, 'live', 'API: input live');

is($h->status, 200, 'HTTP 200');
my $b = $h->body;
ok(length $b > 200_000, 'HTTP client received data (' . length($b) . ' bytes)');
ok(!$h->{eof}, 'HTTP client still streaming');
ok(ts_aligned($b), 'HTTP stream: aligned 188-byte packets');
is(ts_first_pid($b), 0, 'HTTP stream starts with a PAT');

# the part received after the garbage stopped
my $off = 0;
for my $c (@{ $h->{chunks} }) {
    last if $c->[0] >= $t_clean;
    $off += $c->[1];
}
$off -= $off % 188;
my $tail = substr($b, $off);
ok(length $tail > 50_000, 'data received after the garbage stopped ('
   . length($tail) . ' bytes)');
ok(slice_offset($tail, $input) >= 0,
   'after the garbage: contiguous slice of the clean input')
    or diag(SRTGW::slice_divergence($tail, $input));
my ($err, undef, $d) = ts_cc_check($tail);
is($err, 0, 'after the garbage: no CC errors') or diag(join "\n", @$d);

ok(slice_offset($b, $input) >= 0,
   'whole capture, garbage included: contiguous slice of the clean input '
   . '(no valid packet lost or altered)')
    or diag(SRTGW::slice_divergence($b, $input));
($err, undef, $d) = ts_cc_check($b);
is($err, 0, 'whole capture: no CC errors') or diag(join "\n", @$d);

my ($rc, $streams) = $gw->ffprobe_streams($b);
like($streams, qr/h264/, 'ffprobe finds h264');
my ($dec_ok, $dec_err) = $gw->ffmpeg_decode($b);
ok($dec_ok, 'ffmpeg decodes the capture') or diag($dec_err);

is_deeply([$gw->worker_pids], \@workers, 'no worker crashed (pids unchanged)');

$h->close;
$snd->stop;
$gw->diag_state('demo') unless Test::More->builder->is_passing;
$gw->stop;
done_testing;
