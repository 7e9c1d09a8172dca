#!/usr/bin/perl
# kill -9 the worker owning the input, then the worker owning the route
# (selector): the master respawns it, the new worker takes over, new HTTP
# clients get data at once, the UDP output pauses for less than 1 s.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($in, $out) = $gw->ports(2);
$gw->write_conf(srt => <<"EOF2");
shm_size 64m;
route demo {
    input udp://127.0.0.1:$in;
    output udp://127.0.0.1:$out;
}
EOF2
$gw->start;
my $media = $gw->media(duration => 30);
my $input = SRTGW::slurp($media);

my $udp = $gw->udp_receiver($out);
my $snd = $gw->sender(file => $media, port => $in);
sleep 1.5;
ok($gw->wait_route('demo', sub { $_[0]{inputs}[0]{status} eq 'live' }, 3),
   'input live');

my @sinks = ($udp);
my %phase = map { $_ => {} } qw(input route output);
my %next = (input => 'route', route => 'output');

my $kill = sub {
    my ($what) = @_;
    my $ph = $phase{$what};
    my $j = $gw->route('demo');
    my $pid = owner($j, $what);
    $ph->{pid} = $pid;
    $ph->{workers_before} = [ $gw->worker_pids ];
    $ph->{t_kill} = time;
    kill 'KILL', $pid;
};
my $connect = sub {
    my ($what) = @_;
    my $ph = $phase{$what};
    $ph->{t_conn} = time;
    $ph->{client} = $gw->http_client('/live/demo.ts', label => "after-$what-kill");
    push @sinks, $ph->{client};
};
my $check = sub {
    my ($what) = @_;
    my $ph = $phase{$what};
    $ph->{workers_after} = [ $gw->worker_pids ];
    $ph->{api} = $gw->route('demo');
};

sub owner {
    my ($j, $what) = @_;
    return $what eq 'input' ? $j->{inputs}[0]{owner}{pid}
         : $what eq 'output' ? $j->{outputs}[0]{owner}{pid}
         : $j->{owner}{pid};
}

my $t0 = time;
$gw->collect(sinks => \@sinks, duration => 11, events => [
    [0.5, sub { $kill->('input') }],
    [0.7, sub { $connect->('input') }],
    [3.0, sub { $check->('input') }],
    [4.0, sub { $kill->('route') }],
    [4.2, sub { $connect->('route') }],
    [6.5, sub { $check->('route') }],
    [7.5, sub { $kill->('output') }],
    [7.7, sub { $connect->('output') }],
    [10.0, sub { $check->('output') }],
]);

for my $what (qw(input route output)) {
    my $ph = $phase{$what};
    ok($ph->{pid}, "killed the $what owner (pid $ph->{pid})");
    my %before = map { $_ => 1 } @{ $ph->{workers_before} };
    my @new = grep { !$before{$_} } @{ $ph->{workers_after} };
    is(scalar @{ $ph->{workers_after} }, 2, "$what kill: 2 workers again");
    is(scalar @new, 1, "$what kill: the master respawned one worker (@new)");
    ok(!grep({ $_ == $ph->{pid} } @{ $ph->{workers_after} }),
       "$what kill: the killed pid is gone");
    my $j = $ph->{api};
    my $owner = owner($j, $what);
    ok($owner != $ph->{pid} && grep({ $_ == $owner } @{ $ph->{workers_after} }),
       "$what kill: API $what owner is a live worker ($owner)");
    is($j->{inputs}[0]{status}, 'live', "$what kill: input live again");

    my $c = $ph->{client};
    is($c->status, 200, "$what kill: new client 200");
    my $wait = ($c->{first_data} // 99) - $ph->{t_conn};
    ok($wait < 1, sprintf("$what kill: new client got data %.2f s after "
       . 'connecting (%.2f s after the kill)', $wait,
       ($c->{first_data} // 99) - $ph->{t_kill}));
    # (a client whose worker is killed by the next phase is disconnected)
    my $until = $next{$what} ? $phase{ $next{$what} }{t_kill} : time;
    ok(length $c->body > 50_000 && (!$c->{eof} || $c->{eof_time} >= $until),
       "$what kill: new client streams (" . length($c->body) . ' bytes)');
    my ($err, undef, $d) = ts_cc_check($c->body);
    is($err, 0, "$what kill: new client, no CC errors") or diag(join "\n", @$d);

    my $gap = max_gap($udp->{chunks}, $ph->{t_kill} - 1, $ph->{t_kill} + 2.5);
    ok($gap < 1, sprintf("$what kill: UDP output gap %.3f s < 1 s", $gap));
    my $after = grep { $_->[0] > $ph->{t_kill} + 0.5
                       && $_->[0] < $ph->{t_kill} + 2.5 } @{ $udp->{chunks} };
    ok($after > 50, "$what kill: UDP output flowing after the kill ($after datagrams)");
}

# not asserted (the spec says "resumes at the saved position"): how exact
# the UDP output was over the three kills
my ($err, $dup) = ts_cc_check($udp->body);
note("UDP output over the kills: CC errors $err, duplicates $dup, slice "
     . (slice_offset($udp->body, $input) >= 0 ? 'contiguous'
        : SRTGW::slice_divergence($udp->body, $input)));

$_->close for grep { $_->{kind} eq 'http' } @sinks;
$snd->stop;
unless (Test::More->builder->is_passing) {
    $gw->diag_state('demo');
}
$gw->stop(allow => [qr/worker process \d+ exited on signal 9/]);
done_testing;
