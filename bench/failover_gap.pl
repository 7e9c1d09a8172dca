#!/usr/bin/perl

# Output gap at input switches: a route with two UDP inputs fed by ffmpeg
# files (2 Mbit/s, 25 fps, a keyframe a second), 2 workers; the primary's
# sender is killed N times (default 50).  Each time the gap in the output
# (the longest time between two datagrams around the kill, at a receiver)
# is taken, then the primary comes back and the route reverts; the gap at
# the revert (a cut at the primary's keyframe, both inputs live) is taken
# too.  Prints p50 / p90 / p99 / max of both, with failover_timeout given.
#
#   perl bench/failover_gap.pl [N] [TIMEOUT_MS]     (needs make modules)

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Time::HiRes qw(time sleep);
use Test::More ();

use SRTGW qw(:all);

my $n = shift // 50;
my $timeout = shift // 500;

my $gw = SRTGW->new(workers => 2);
my ($pa, $pb, $out) = $gw->ports(3);
my $p = $gw->prefix;

$gw->write_conf(srt => <<"CONF");
route fo {
    input udp://127.0.0.1:$pa;
    input udp://127.0.0.1:$pb;
    failover_timeout ${timeout}ms;
    revert_after 1s;
    output udp://127.0.0.1:$out;
}
CONF
$gw->start;

for my $f (['a', 'testsrc2'], ['b', 'smptebars']) {
    system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
           '-i', "$f->[1]=size=640x360:rate=25", '-f', 'lavfi', '-i', 'sine',
           '-t', 20, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', 25,
           '-b:v', '1500k', '-c:a', 'aac', '-muxrate', '2M', '-f', 'mpegts',
           "$p/$f->[0].ts") == 0 or die "ffmpeg failed\n";
}

my $fa = $gw->sender(file => "$p/a.ts", port => $pa, loop => 1);
my $fb = $gw->sender(file => "$p/b.ts", port => $pb, loop => 1);

sub active { my $r = $gw->route('fo'); $r ? $r->{active_input} // '' : '' }
sub healthy { my $r = $gw->route('fo'); $r && $r->{inputs}[0]{healthy}
              && $r->{inputs}[1]{healthy} }

my $t = time + 15;
sleep 0.2 until healthy() || time > $t;
die "inputs not healthy\n" unless healthy();

my (@fail, @revert);
my $rx = $gw->udp_receiver($out);

for my $i (1 .. $n) {
    $rx->{chunks} = [];
    $rx->{body} = '';
    my $killed;
    $gw->collect(sinks => [$rx], duration => $timeout / 1000 + 1.2,
                 events => [[0.3, sub { $fa->stop; $killed = time }]]);
    push @fail, SRTGW::max_gap($rx->{chunks}, $killed - 0.2, time);
    die "no failover\n" unless active() eq 'in1';

    $fa = $gw->sender(file => "$p/a.ts", port => $pa, loop => 1);
    $rx->{chunks} = [];
    $rx->{body} = '';
    my $t0 = time;
    $gw->collect(sinks => [$rx], duration => 6, stop_when => sub {
        time - $t0 > 1 && active() eq 'in0'
    });
    $gw->collect(sinks => [$rx], duration => 0.3);
    push @revert, SRTGW::max_gap($rx->{chunks});
    die "no revert\n" unless active() eq 'in0';
    printf STDERR "%d/%d failover %.0f ms, revert %.0f ms\n", $i, $n,
        $fail[-1] * 1000, $revert[-1] * 1000;
    # both inputs healthy again before the next kill
    $t = time + 5;
    sleep 0.1 until healthy() || time > $t;
}

sub pct {
    my ($p, @v) = @_;
    @v = sort { $a <=> $b } @v;
    return $v[ int($p / 100 * $#v + 0.5) ] * 1000;
}

my $r = $gw->route('fo');
printf "failover_timeout %d ms, %d failovers, %d reverts (%d switches)\n",
    $timeout, scalar @fail, scalar @revert, $r->{failover}{switches};
for (['failover gap', \@fail], ['revert gap', \@revert]) {
    printf "%-13s p50 %4.0f  p90 %4.0f  p99 %4.0f  max %4.0f ms\n",
        $_->[0], pct(50, @{ $_->[1] }), pct(90, @{ $_->[1] }),
        pct(99, @{ $_->[1] }), pct(100, @{ $_->[1] });
}

$fa->stop;
$fb->stop;
$gw->stop;
Test::More::done_testing();    # the harness checks the error log as a test
