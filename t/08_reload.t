#!/usr/bin/perl
# nginx -s reload (SIGHUP) twice while two HTTP clients and a UDP receiver
# stream: the clients keep receiving from the old workers (same shm ring),
# the input is taken over by the new workers without loss.

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
my @w0 = $gw->worker_pids;
my $media = $gw->media;
my $input = SRTGW::slurp($media);

my $udp = $gw->udp_receiver($out);
my $snd = $gw->sender(file => $media, port => $in);
sleep 1.5;
my @h = map { $gw->http_client('/live/demo.ts', label => "client$_") } 1, 2;
my $t0 = time;
my (@w1, $t_r1, $t_r2);
$gw->collect(sinks => [@h, $udp], duration => 8, events => [
    [2.0, sub { $t_r1 = time; $gw->reload }],
    [4.0, sub { @w1 = $gw->worker_pids(only_current => 1); $t_r2 = time;
                $gw->reload }],
]);
my $t_end = time;

for my $c (@h) {
    my $b = $c->body;
    my $n = $c->{label};
    is($c->status, 200, "$n: 200");
    ok(!$c->{eof}, sprintf("$n: not disconnected by the reloads%s",
       $c->{eof} ? sprintf(' (EOF at +%.2f s, reloads at +%.2f, +%.2f)',
                           $c->{eof_time} - $t0, $t_r1 - $t0, $t_r2 - $t0)
                 : ''));
    my $last = @{ $c->{chunks} } ? $c->{chunks}[-1][0] : 0;
    ok($last > $t_end - 1, sprintf("$n: still receiving at the end "
       . '(last data at +%.2f s of %.2f)', $last - $t0, $t_end - $t0));
    my $gap = max_gap([ @{ $c->{chunks} }, [$t_end, 0] ], $t0 + 0.5);
    ok($gap < 1, sprintf("$n: no gap >= 1 s (max %.2f s)", $gap));
    ok(ts_aligned(substr($b, 0, length($b) - length($b) % 188)),
       "$n: aligned");
    my ($err, undef, $d) = ts_cc_check($b);
    is($err, 0, "$n: no CC errors") or diag(join "\n", @$d);
    ok(slice_offset($b, $input) >= 0, "$n: contiguous slice of the input")
        or diag(SRTGW::slice_divergence($b, $input));
}

# UDP output keeps going after both reloads
{
    my $b = $udp->body;
    my $after = grep { $_->[0] > $t_r2 + 1 } @{ $udp->{chunks} };
    ok($after > 50, "UDP output: datagrams after the second reload ($after)");
    my $gap = max_gap([ @{ $udp->{chunks} }, [$t_end, 0] ], $t0);
    ok($gap < 1, sprintf('UDP output: no gap >= 1 s (max %.2f s)', $gap));
    my ($err, $dup, $d) = ts_cc_check($b);
    is($err, 0, 'UDP output: no CC errors across the reloads')
        or diag(join "\n", @$d);
    ok(slice_offset($b, $input) >= 0,
       'UDP output: contiguous slice of the input across the reloads')
        or diag(SRTGW::slice_divergence($b, $input));
}

# new workers, and the API names them as owners
my @w2 = $gw->worker_pids(only_current => 1);
my %old = map { $_ => 1 } @w0, @w1;
is(scalar @w2, 2, 'two current workers');
ok(!grep({ $old{$_} } @w2), "new worker pids after the reloads (@w0 -> @w1 -> @w2)");
my $j = $gw->wait_route('demo', sub {
    my $j = shift;
    my @o = ($j->{owner}{pid}, $j->{inputs}[0]{owner}{pid},
             map { $_->{owner}{pid} } @{ $j->{outputs} });
    !grep { my $p = $_; !grep { $_ == $p } @w2 } @o;
}, 3);
ok($j, 'API: route, input and output owners are new worker pids')
    or diag(explain($gw->route('demo')));
$j ||= $gw->route('demo');
is($j->{inputs}[0]{status}, 'live', 'API: input live after the reloads');
is($j->{inputs}[0]{cc_errors}, 0, 'API: no input CC errors (no datagram lost)');

$_->close for @h;
my $jc = $gw->wait_route('demo', sub { $_[0]{http}{clients} == 0 }, 3);
ok($jc, 'API: http.clients back to 0 once the clients left')
    or diag('clients: ' . $gw->route('demo')->{http}{clients});

# old workers exit once their clients left
my $deadline = time + 5;
my @left;
while (time < $deadline) {
    my %cur = map { $_ => 1 } $gw->worker_pids;
    @left = grep { $cur{$_} } @w0, @w1;
    last unless @left;
    sleep 0.1;
}
ok(!@left, 'old workers exited after their clients left') or diag("left: @left");

$snd->stop;
unless (Test::More->builder->is_passing) {
    $gw->diag_state('demo');
    diag(join '', $gw->error_log_grep(qr/\[alert\]|open socket|aborting|handed over|started in/));
}
$gw->stop;
done_testing;
