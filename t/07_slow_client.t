#!/usr/bin/perl
# Slow clients do not disturb a normal client (ring_size 2m,
# srt_ts_max_overruns 2, send_timeout 3s, input ~18 Mbit/s):
#  - a "trickle" client reading ~100 KB/s is lapped by the ring: overrun
#    (skips to the newest random access point), then closed after 2 overruns
#    (listen sndbuf=32k so that it gets write events while reading);
#  - a client that never reads (SO_RCVBUF 4096) is never woken for writing,
#    so it cannot be overrun; it is closed by send_timeout (counted in
#    closed_slow);
#  - the normal client gets the whole stream, no CC error, no gap.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($in) = $gw->ports(1);
$gw->write_conf(srt => <<"EOF2",
shm_size 64m;
ring_size 2m;
route fast {
    input udp://127.0.0.1:$in;
}
EOF2
    live => 'srt_ts_wait_timeout 2s; srt_ts_max_overruns 2; send_timeout 3s;',
    # a small kernel send buffer, so that a client that reads slowly makes
    # the socket writable often (else the kernel buffers megabytes and the
    # trickle client looks exactly like the stalled one)
    listen => 'sndbuf=32k');
$gw->start;
my @workers = $gw->worker_pids;

# ~18 Mbit/s CBR (x264 filler data), 12 s
my $media = $gw->media(duration => 12, bitrate => '18M', cbr => 1);
my $input = SRTGW::slurp($media);
my $snd = $gw->sender(file => $media, port => $in);
diag(sprintf 'sender at %.1f Mbit/s', $snd->{bitrate} / 1e6);
sleep 1.2;

my $slow = $gw->http_client('/live/fast.ts', rcvbuf => 4096, no_read => 1,
                            label => 'stalled');
my $trickle = $gw->http_client('/live/fast.ts', rcvbuf => 4096,
                               rate => 100_000, label => 'trickle');
my $normal = $gw->http_client('/live/fast.ts', label => 'normal');
my ($seen_over, $seen_closed) = (0, 0);
my $t0 = time;
$gw->collect(sinks => [$normal, $trickle, $slow], duration => 6, events => [
    map { my $t = $_; [$t, sub {
        my $j = $gw->route('fast') or return;
        $seen_over = $j->{http}{overruns} if $j->{http}{overruns} > $seen_over;
        $seen_closed = $j->{http}{closed_slow}
            if $j->{http}{closed_slow} > $seen_closed;
    }] } 2, 3, 4, 5, 5.9 ]);

my $b = $normal->body;
is($normal->status, 200, 'normal client: 200');
ok(!$normal->{eof}, 'normal client: still streaming');
my $expect = $snd->{bitrate} / 8 * 6;
ok(length $b > 0.7 * $expect, sprintf('normal client: received %.1f MB in 6 s '
   . '(>= 70%% of the input rate)', length($b) / 1e6));
ok(ts_aligned($b), 'normal client: aligned');
my ($err, undef, $d) = ts_cc_check($b);
is($err, 0, 'normal client: no CC errors') or diag(join "\n", @$d);
ok(slice_offset($b, $input) >= 0, 'normal client: contiguous slice of the input')
    or diag(SRTGW::slice_divergence($b, $input));
ok(max_gap($normal->{chunks}) < 1, sprintf 'normal client: no gap >= 1 s (max %.3f s)',
   max_gap($normal->{chunks}));

# the trickle client: overrun, then closed after srt_ts_max_overruns
ok($trickle->{eof}, sprintf('trickle client: closed by the server (after %.1f s)',
   ($trickle->{eof_time} // time) - $t0));
my $tb = $trickle->body;
$tb = substr($tb, 0, length($tb) - length($tb) % 188);
ok(length $tb && ts_aligned($tb), 'trickle client: received aligned packets ('
   . length($tb) . ' bytes)');

# the stalled client: closed by send_timeout (3 s)
my $j = $gw->wait_route('fast', sub { $_[0]{http}{closed_slow} >= 2 }, 4)
    || $gw->route('fast');
$seen_over = $j->{http}{overruns} if $j->{http}{overruns} > $seen_over;
$seen_closed = $j->{http}{closed_slow} if $j->{http}{closed_slow} > $seen_closed;
ok($seen_over > 0 || $seen_closed > 0,
   "API: http.overruns ($seen_over) > 0 or http.closed_slow ($seen_closed) > 0");
ok($seen_over >= 2, "API: http.overruns >= 2 ($seen_over)");
is($seen_closed, 2, "API: both slow clients closed and counted (closed_slow $seen_closed)");
is($j->{http}{clients}, 1, 'API: only the normal client is left')
    or diag("clients $j->{http}{clients}");

my $buf;
my $t_end = time + 3;
my $closed = 0;
$slow->{sock}->blocking(0);
while (time < $t_end) {
    my $n = sysread($slow->{sock}, $buf, 1 << 20);
    if (defined $n && $n == 0) { $closed = 1; last }
    if (!defined $n && !$!{EAGAIN}) { $closed = 1; last }
    sleep 0.01 unless $n;
}
ok($closed, 'stalled client: connection closed by the server');
ok(scalar($gw->error_log_grep(qr/closing a client that was overrun/)),
   'error.log: "closing a client that was overrun"');
ok(scalar($gw->error_log_grep(qr/srt route "fast": client timed out/)),
   'error.log: "client timed out"');
is_deeply([$gw->worker_pids], \@workers, 'no worker crashed');

$normal->close;
$slow->close;
$trickle->close;
$snd->stop;
unless (Test::More->builder->is_passing) {
    $gw->diag_state('fast');
    diag(join '', $gw->error_log_grep(qr{srt route|client}));
}
$gw->stop;
done_testing;
