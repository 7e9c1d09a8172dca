#!/usr/bin/perl

# A lossy link: our own UDP relay (t/tools/lossy_relay.c; this kernel has
# no netem) drops 2% of the datagrams, half at random and half in bursts,
# in both directions, and delays every one by 40 ms, between the publisher
# and the gateway and again between the gateway and a player.  SRT recovers
# the loss end to end: no continuity error at the HTTP-TS output or at the
# player, and the retransmissions show in the statistics.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($pin, $pout, $r1, $r2) = $gw->ports(4);
my $p = $gw->prefix;

$gw->write_conf(srt => <<"EOF2");
    route lossy {
        input "srt://:$pin?mode=listener&latency=400";
        output "srt://:$pout?mode=listener&latency=400";
    }
EOF2

$gw->start;

my $media = $gw->media(duration => 20, bitrate => '1500k');

my $relay_in = $gw->lossy_relay($r1, $pin, loss => 2, delay => 40, seed => 7);
my $relay_out = $gw->lossy_relay($r2, $pout, loss => 2, delay => 40,
                                 seed => 11);

my $pub = $gw->srt_publish("srt://127.0.0.1:$r1?streamid=lossy&latency=400",
                           file => $media);

ok($gw->wait_route('lossy', sub { $_[0]{inputs}[0]{status} eq 'live' }, 10),
   'publisher live through the lossy relay') or $gw->diag_state('lossy');

my $http = $gw->http_client('/live/lossy.ts');
my ($player, $api);

$gw->collect(sinks => [$http], duration => 13, events => [
    [0.5, sub {
        $player = $gw->srt_play("srt://127.0.0.1:$r2?latency=400",
                                "$p/player.ts");
    }],
    [11.5, sub { $api = $gw->route('lossy') }],
    [12, sub { $player->stop }],
]);
$http->close;
sleep 1.2;      # the relays write their statistics every second

my $s_in = $gw->relay_stats($relay_in) || {};
my $s_out = $gw->relay_stats($relay_out) || {};
my $drop_in = ($s_in->{fwd}{drop_random} // 0) + ($s_in->{fwd}{drop_burst} // 0);
my $drop_out = ($s_out->{rev}{drop_random} // 0) + ($s_out->{rev}{drop_burst} // 0);
my $rx_in = $s_in->{fwd}{rx} // 0;
my $rx_out = $s_out->{rev}{rx} // 0;

ok($drop_in > 20 && ($s_in->{fwd}{bursts} // 0) > 0,
   "relay dropped $drop_in of $rx_in publisher datagrams ("
   . sprintf('%.1f%%', $rx_in ? 100 * $drop_in / $rx_in : 0)
   . ", $s_in->{fwd}{bursts} bursts)");
ok($drop_out > 20, "relay dropped $drop_out of $rx_out datagrams to the "
   . 'player (' . sprintf('%.1f%%', $rx_out ? 100 * $drop_out / $rx_out : 0)
   . ')');

my $h = $http->{body};
ok(length $h > 1_000_000, 'HTTP-TS output: ' . length($h) . ' bytes');
my ($err, undef, $desc) = ts_cc_check($h);
is($err, 0, 'HTTP-TS output: no continuity errors, the input loss was '
   . 'recovered') or diag(join "\n", @$desc);

my $d = SRTGW::slurp("$p/player.ts");
$d = substr($d, 0, length($d) - length($d) % 188);
ok(length $d > 1_000_000, 'SRT player behind the lossy link: '
   . length($d) . ' bytes');
($err, undef, $desc) = ts_cc_check($d);
is($err, 0, 'SRT player: no continuity errors, the output loss was '
   . 'recovered') or diag(join "\n", @$desc);
ok(ts_is_slice(substr($d, 188 * 1000, 188 * 2000), $h),
   'SRT player: the same bytes as the HTTP-TS output');

my $pc = $api->{inputs}[0]{srt}{connections}[0] || {};
ok(($pc->{totals}{pkts_lost} // 0) > 0, 'API: input losses detected ('
   . ($pc->{totals}{pkts_lost} // 0) . ')');
ok(($pc->{totals}{pkts_dropped} // 0) == 0, 'API: nothing dropped too late');
ok(($pc->{rtt_ms} // 0) > 60, "API: input RTT includes the relay's delay ("
   . ($pc->{rtt_ms} // 'none') . ' ms)');
my $oc = $api->{outputs}[0]{srt}{connections}[0] || {};
ok(($oc->{totals}{pkts_retransmitted} // 0) > 0,
   'API: retransmissions to the player ('
   . ($oc->{totals}{pkts_retransmitted} // 0) . ')');

$pub->stop;
$relay_in->stop;
$relay_out->stop;
$gw->stop;

done_testing;
