#!/usr/bin/perl

# In-process sources across reloads, 2 workers: a route whose only input
# is testsrc:// and which has a slate goes on playing through two
# `nginx -s reload`; the new workers start their own source threads, the
# old ones hand the input over, end their threads and exit; a player of
# the route sees no gap of a second, and the new source's counters start
# with the discontinuity indicator (no continuity error).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($out) = $gw->ports(1);

$gw->write_conf(srt => <<"EOF");
route pat {
    input "testsrc://?size=320x180&rate=25&bitrate=300k&tone=440";
    slate on size=320x180 bitrate=200k;
    output udp://127.0.0.1:$out;
}
EOF
$gw->start;

my $r = $gw->wait_route('pat', sub {
    $_[0]{inputs}[0]{healthy} && $_[0]{inputs}[1]{healthy} }, 10);
ok($r, 'pattern and slate run') or diag(explain $gw->route('pat'));
my @w0 = $gw->worker_pids;

# threads of this nginx's processes: the sources' among them
sub threads {
    my $n = 0;
    for my $pid ($gw->worker_pids) {
        opendir(my $d, "/proc/$pid/task") or next;
        $n += grep { /^\d+$/ } readdir $d;
    }
    return $n;
}
my $threads0 = threads();

my $udp = $gw->udp_receiver($out);
my $http = $gw->http_client('/live/pat.ts', label => 'player');
my $t0 = time;
$gw->collect(sinks => [$udp, $http], duration => 9, events => [
    [2.0, sub { $gw->reload }],
    [5.0, sub { $gw->reload }],
]);
my $t_end = time;

my $gap = max_gap([ @{ $udp->{chunks} }, [$t_end, 0] ], $t0 + 0.5);
ok($gap < 1, sprintf('UDP output: no gap of a second (max %.2f s)', $gap));
$gap = max_gap([ @{ $http->{chunks} }, [$t_end, 0] ], $t0 + 0.5);
ok($gap < 1, sprintf('HTTP player: no gap of a second (max %.2f s)', $gap));
ok(!$http->{eof}, 'the HTTP player was not cut');
my $b = $http->body;
my ($err, undef, $d) = ts_cc_check(substr($b, 0, length($b) - length($b) % 188));
is($err, 0, 'the player sees no continuity error') or diag(join "\n", @$d);
my (undef, $j) = $gw->tscheck_file('reload', $b);
is(p1_errors($j), '', 'tscheck: no priority-1 error across the reloads');

# the old workers go, with their threads, once their player has left
$http->close;
my $deadline = time + 10;
sleep 0.2 while time < $deadline
                && grep { kill 0, $_ } @w0;
ok(!grep({ kill 0, $_ } @w0), 'the old workers exited');
$r = $gw->wait_route('pat', sub { $_[0]{inputs}[0]{bitrate} }, 5);
ok($r, 'the new workers\' pattern plays');
my $threads1 = threads();
ok($threads1 <= $threads0 + 1,
   "no threads left behind ($threads0 before, $threads1 after)");

$gw->stop;

done_testing;
