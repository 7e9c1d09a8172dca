#!/usr/bin/perl

# 50 SRT players on one listener port with 4 workers: the kernel spreads
# them over the workers' SO_REUSEPORT sockets and every one receives the
# same bytes.  Then a reload and a worker kill: the listeners keep working
# (the publisher, in auto-reconnect mode, and new players connect again).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

my $N = 50;

my $gw = SRTGW->new(workers => 4);
my ($pin, $pout) = $gw->ports(2);
my $p = $gw->prefix;

$gw->write_conf(srt => <<"EOF");
    route fan {
        input "srt://:$pin?mode=listener";
        output "srt://:$pout?mode=listener";
    }
EOF

$gw->start;

my $media = $gw->media(duration => 20, bitrate => '400k');
my $pub = $gw->srt_publish("srt://127.0.0.1:$pin?streamid=fan",
                           file => $media, reconnect => 1);

ok($gw->wait_route('fan', sub { $_[0]{inputs}[0]{status} eq 'live' }, 8),
   'publisher live');

my $http = $gw->http_client('/live/fan.ts');
my (@players, $api);

$gw->collect(sinks => [$http], duration => 9, events => [
    [0.5, sub {
        for my $i (1 .. $N) {
            push @players, $gw->srt_play("srt://127.0.0.1:$pout", "$p/p$i.ts");
        }
    }],
    [6, sub { $api = $gw->route('fan') }],
    [7.5, sub { $_->stop for @players }],
]);
$http->close;

my $ref = $http->{body};
my ($same, $short, @bad) = (0, 0);

for my $i (1 .. $N) {
    my $d = SRTGW::slurp("$p/p$i.ts");
    $d = substr($d, 0, length($d) - length($d) % 188);
    if (length $d < 100_000) {
        $short++;
        push @bad, "p$i: only " . length($d) . ' bytes';
        next;
    }
    # the reference may end earlier than a player when the test process
    # was busy: compare what both have
    my $at = index($ref, substr($d, 0, 752));
    my $n = $at < 0 ? 0 : length($ref) - $at;
    $n = length $d if length $d < $n;
    if ($at >= 0 && $n >= 100_000 && substr($ref, $at, $n) eq substr($d, 0, $n)
        && ts_first_pid($d) == 0)
    {
        $same++;
    } else {
        push @bad, "p$i: " . slice_divergence($d, $ref)
                   . " (reference " . length($ref) . " bytes)";
    }
}

is($same, $N, "all $N players received byte-identical slices of the "
   . 'route, starting with the PAT') or diag(join "\n", @bad[0 .. 9]);
is($short, 0, 'no player was starved');

my $conns = $api->{outputs}[0]{srt}{connections} || [];
is(scalar @$conns, $N, "API: $N player connections");
my %per;
$per{ $_->{worker} }++ for @$conns;
ok(keys %per >= 3, 'players spread over the workers: '
   . join(', ', map { "worker $_: $per{$_}" } sort keys %per));
my $drops = 0;
$drops += $_->{totals}{send_drops} for @$conns;
is($drops, 0, 'no send buffer drops');

# --- reload: listeners keep working ----------------------------------------

my @old = $gw->worker_pids;
$gw->reload;
my $deadline = time + 10;
sleep 0.2 while time < $deadline
    && grep { my $o = $_; grep { $_ == $o } $gw->worker_pids(only_current => 1) } @old;

my $j = $gw->wait_route('fan', sub {
    $_[0]{inputs}[0]{status} eq 'live'
    && $_[0]{inputs}[0]{srt}{connected} == 1 }, 15);
ok($j, 'after reload the publisher is connected again (auto-reconnect)')
    or $gw->diag_state('fan');
ok(!(grep { my $o = $_; grep { $_->{pid} == $o }
            @{ $j->{inputs}[0]{srt}{connections} || [] } } @old),
   'and it is served by a new worker');

my @after;
push @after, $gw->srt_play("srt://127.0.0.1:$pout", "$p/r$_.ts") for 1 .. 8;
sleep 3;
$_->stop for @after;
my $ok = grep { (-s "$p/r$_.ts" // 0) > 50_000 } 1 .. 8;
is($ok, 8, 'after reload 8 new players receive the stream')
    or do { diag(join ' ', map { -s "$p/r$_.ts" // 0 } 1 .. 8);
            $gw->diag_state('fan') };

# --- kill -9 a worker: its replacement listens too ----------------------------

# players connected before the kill: those of the other workers go on
my @before;
push @before, $gw->srt_play("srt://127.0.0.1:$pout", "$p/b$_.ts") for 1 .. 12;
sleep 2;
$j = $gw->route('fan');
my $pubpid = $j->{inputs}[0]{srt}{connections}[0]{pid} // 0;

# the victim: a worker with players but without the publisher
my %on;
$on{ $_->{pid} }++ for @{ $j->{outputs}[0]{srt}{connections} || [] };
my ($victim) = grep { $_ != $pubpid && $on{$_} } sort keys %on;
($victim) = grep { $_ != $pubpid } $gw->worker_pids(only_current => 1)
    unless $victim;
my $others = 0;
$others += $on{$_} for grep { $_ != $victim } keys %on;

my %size0 = map { $_ => -s "$p/b$_.ts" // 0 } 1 .. 12;
kill 'KILL', $victim;
sleep 3;
my $going = grep { (-s "$p/b$_.ts" // 0) - $size0{$_} > 40_000 } 1 .. 12;
ok($others > 0 && $going >= $others, "players of the other workers kept "
   . "receiving through the kill ($going of 12 going, $others were on "
   . "other workers)");
$_->stop for @before;

$deadline = time + 5;
while (time < $deadline) {
    my @w = $gw->worker_pids(only_current => 1);
    last if !(grep { $_ == $victim } @w) && @w >= 4;
    sleep 0.1;
}

# a publisher on the killed worker notices after its peer idle timeout (5 s)
$j = $gw->wait_route('fan', sub {
    my $c = $_[0]{inputs}[0]{srt}{connections}[0];
    $c && $c->{pid} != $victim && $_[0]{inputs}[0]{status} eq 'live' }, 20);
ok($j, 'after a worker kill the route is live, its publisher connected to '
   . 'a live worker') or $gw->diag_state('fan');

@after = ();
push @after, $gw->srt_play("srt://127.0.0.1:$pout", "$p/k$_.ts") for 1 .. 12;
sleep 3.5;
$j = $gw->route('fan');
$_->stop for @after;
$ok = grep { (-s "$p/k$_.ts" // 0) > 50_000 } 1 .. 12;
is($ok, 12, 'after the kill 12 new players receive the stream')
    or do { diag(join ' ', map { -s "$p/k$_.ts" // 0 } 1 .. 12);
            diag(explain($j)); diag($gw->error_log_tail(60)) };
my @ghosts = grep { $_->{pid} == $victim }
                  @{ $j->{outputs}[0]{srt}{connections} || [] };
is(scalar @ghosts, 0, 'API shows no connection of the killed worker');

$pub->stop;
$gw->stop(allow => [qr/exited on signal 9/]);

done_testing;
