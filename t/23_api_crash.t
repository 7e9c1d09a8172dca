#!/usr/bin/perl

# kill -9 of a worker in the middle of API traffic (issue 4), 2 workers.
# API route "rc" is fed by the paced UDP sender and has the output "keep"
# (and "b1", created early in the traffic).  60 changes: 30 one at a time
# (POST aN, POST bN, DELETE aN), then a burst of 20 POSTs sent at once with
# SIGKILL to the worker owning "keep" after the 12th (so some are in flight
# in that worker), then 10 more one at a time (DELETE of 7 of the burst,
# one more POST/POST/DELETE).
#
# Asserts: every acknowledged change (2xx) is in the desired state afterwards
# (a request whose answer was lost may or may not have been applied: those
# ids are not checked; a refused one changed nothing); no answer other than
# 2xx, 503, or a 404 for a DELETE whose POST went unanswered; only burst
# requests lose their answer; the database passes PRAGMA integrity_check;
# the master respawned the worker, and within 5 s "keep" and "b1" receive
# data again and the respawned worker answers GET with the same desired
# state as the other one.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

$SIG{PIPE} = 'IGNORE';

sub udp { "udp://127.0.0.1:$_[0]" }

my $gw = SRTGW->new(workers => 2);
my ($pidle, $pin, $pkeep, $pb1, $pjunk) = $gw->ports(5);
$gw->write_conf(srt => "route idle { input udp://127.0.0.1:$pidle; }");
$gw->start;
my $db = $gw->prefix . '/route_api.db';

my $keep = $gw->udp_receiver($pkeep, label => 'keep');
my $b1rx = $gw->udp_receiver($pb1, label => 'b1');
my $junk = $gw->udp_receiver($pjunk, label => 'junk');   # never read

my $r = $gw->api_req(POST => '/api/routes',
                     { id => 'rc', inputs => [{ url => udp($pin) }],
                       outputs => [{ id => 'keep', url => udp($pkeep) }] });
is($r->{status}, 201, 'POST route rc with output keep') or diag($r->{body});
ok(-s $db, 'the database file exists: PREFIX/route_api.db');

my $snd = $gw->sender(file => $gw->media(duration => 20), port => $pin, loop => 1);
ok($gw->wait_route('rc', sub { ($_[0]{inputs}[0]{status} // '') eq 'live' }, 5),
   'rc: input live');
$gw->collect(sinks => [$keep], duration => 3,
             stop_when => sub { $keep->{datagrams} >= 20 });
ok($keep->{datagrams} >= 20, 'keep receives before the crash');

# the worker to kill: the one sending "keep" (if the API says), else any
my @workers = $gw->worker_pids(only_current => 1);
is(scalar @workers, 2, 'two workers');
my $j = $gw->route('rc') || {};
my ($ko) = grep { $_->{id} eq 'keep' } @{ $j->{outputs} || [] };
my $target = $ko && ref $ko->{owner} eq 'HASH' && $ko->{owner}{pid};
$target = $workers[0] unless $target && grep { $_ == $target } @workers;
note("killing worker $target (workers @workers)");

# ---------------------------------------------------------------- traffic

# 60 changes: 30 in a row (10 times POST aN, POST bN, DELETE aN), then 20
# POSTs cN sent at once with SIGKILL to the target after the 12th (its
# share is in flight: being parsed, committed or answered, or waiting in
# its listen queue for the respawned worker), then 10 in a row again:
# DELETE c1..c7 and POST a11, POST b11, DELETE a11.  Ids are unique, so
# only the order per id matters, and the burst may run concurrently.
my (@res, $t_kill);
my $json = JSON::PP->new->canonical;

sub seq_op {
    my ($m, $path, $data, $id) = @_;
    my $t = time;
    my $ans = $gw->api_req($m, $path, $data, timeout => 5);
    push @res, { i => scalar @res, m => $m, id => $id, status => $ans->{status},
                 body => $ans->{body} // '', t => $t, t_done => time,
                 burst => 0 };
}

sub cycle {
    my ($k) = @_;
    seq_op(POST => '/api/routes/rc/outputs', { id => "a$k", url => udp($pjunk) }, "a$k");
    seq_op(POST => '/api/routes/rc/outputs',
           { id => "b$k", url => udp($k == 1 ? $pb1 : $pjunk) }, "b$k");
    seq_op(DELETE => "/api/routes/rc/outputs/a$k", undef, "a$k");
}

cycle($_) for 1 .. 10;
my $kill_at = scalar @res;

my @burst;
for my $k (1 .. 20) {
    if ($k == 13) {
        kill 'KILL', $target;
        $t_kill = time;
    }
    my $c = eval {
        $gw->http_client('/api/routes/rc/outputs', method => 'POST',
                         headers => { 'Content-Type' => 'application/json' },
                         body => $json->encode({ id => "c$k", url => udp($pjunk) }))
    };
    push @burst, [$k, $c];
}
$gw->collect(sinks => [ map { $_->[1] } grep { $_->[1] } @burst ], duration => 6,
             until_eof => 1);
for my $b (@burst) {
    my ($k, $c) = @$b;
    push @res, { i => scalar @res, m => 'POST', id => "c$k",
                 status => $c ? $c->{status} : undef,
                 body => $c ? $c->{body} : '', t => $t_kill, t_done => time,
                 burst => 1 };
    $c->close if $c;
}

seq_op(DELETE => "/api/routes/rc/outputs/c$_", undef, "c$_") for 1 .. 7;
cycle(11);
is(scalar @res, 60, '60 changes sent');

# what the answers say: per id present / absent / unknown
my %state;
my ($acked, $acked_after, $lost, $lost_seq, @odd) = (0, 0, 0, 0);
for my $x (@res) {
    my ($id, $s) = ($x->{id}, $x->{status});
    my $prev = $state{$id} // 'absent';
    if (!defined $s) {
        $lost++;
        $lost_seq++ unless $x->{burst};
        $state{$id} = 'unknown';
        note("request $x->{i} ($x->{m} $id) lost its answer");
    } elsif ($s >= 200 && $s < 300) {
        $acked++;
        $acked_after++ if $x->{i} >= $kill_at;
        $state{$id} = $x->{m} eq 'POST' ? 'present' : 'absent';
    } else {
        # refused: nothing changed
        push @odd, "request $x->{i} $x->{m} $id: $s $x->{body}"
            unless $s == 503
                || ($s == 404 && $x->{m} eq 'DELETE' && $prev eq 'unknown');
        $state{$id} = 'absent' if $s == 404 && $x->{m} eq 'DELETE';
    }
}
note("$acked of " . scalar(@res) . " changes acknowledged, $lost lost, "
     . scalar(grep { !defined $_->{status} || $_->{status} >= 300 } @res)
     . ' not acknowledged');
is($lost_seq, 0, 'every request sent one at a time got an answer');
ok($lost <= 20, "only requests of the burst lost their answer ($lost)");
is(scalar @odd, 0, 'no answer other than 2xx, 503 or an explained 404')
    or diag(join "\n", @odd);
ok($acked >= 45, "most changes acknowledged ($acked)");
ok($acked_after >= 10, "the API kept working after the kill ($acked_after "
   . 'acknowledged from request ' . $kill_at . ' on)');

# ---------------------------------------------------------------- respawn

my $deadline = time + 10;
my @now;
while (time < $deadline) {
    @now = $gw->worker_pids(only_current => 1);
    last if @now == 2 && !grep { $_ == $target } @now;
    sleep 0.05;
}
my $t_resp = time;
my %old = map { $_ => 1 } @workers;
my ($new) = grep { !$old{$_} } @now;
is(scalar @now, 2, 'two workers again');
ok(!kill(0, $target), "worker $target is gone");
ok($new, "the master respawned a worker (" . ($new // 'none') . ')');
note(sprintf('two workers again, seen %.2f s after the kill (looked for '
             . 'after the traffic)', $t_resp - $t_kill));

# data again within 5 s
$keep->reset;
$b1rx->reset;
my $b1_wanted = ($state{b1} // '') eq 'present';
$gw->collect(sinks => [$keep, $b1rx], duration => 5,
             stop_when => sub { $keep->{datagrams} >= 20
                                && (!$b1_wanted || $b1rx->{datagrams} >= 20) });
my $took = time - $t_resp;
ok($keep->{datagrams} >= 20, sprintf('keep receives again (%d datagrams, '
   . '%.2f s after the respawn)', $keep->{datagrams}, $took));
ok(!$b1_wanted || $b1rx->{datagrams} >= 20,
   "b1 (acknowledged before the kill) receives again ($b1rx->{datagrams})");
my ($err, undef, $d) = ts_cc_check($keep->body);
is($err, 0, 'keep after the respawn: no CC errors') or diag(join "\n", @$d);

# both workers: the same desired state, the acknowledged one
my (%by, %raw);
$deadline = time + 8;
my $n = 0;
my $newk = $new // 0;
while (time < $deadline && ($n < 8 || !$by{$newk} || keys %by < 2)) {
    my $ans = $gw->api('/api/routes/rc');
    my $la = $gw->last_access(qr{ GET /api/routes/rc HTTP/});
    $n++;
    next unless ($ans->{status} // 0) == 200 && $la;
    push @{ $by{ $la->{pid} } }, SRTGW::canon(SRTGW::desired_route($ans->{json}));
    $raw{ $la->{pid} } = $ans->{json};
}
ok($by{$newk}, 'the respawned worker answered GET /api/routes/rc');
ok(keys %by >= 2, 'both workers answered (' . join(' ', sort keys %by) . ')');
my %distinct = map { $_ => 1 } map { @$_ } values %by;
is(scalar keys %distinct, 1, 'every answer of both workers has the same '
   . 'desired state') or diag(join "\n", sort keys %distinct);

my $view = $raw{$newk} || (values %raw)[0] || {};
my %have = map { $_->{id} => 1 } @{ $view->{outputs} || [] };
ok($have{keep}, 'keep is still there');
my @wrong;
for my $id (sort keys %state) {
    next if $state{$id} eq 'unknown';
    push @wrong, "$id should be $state{$id}"
        if ($state{$id} eq 'present') != !!$have{$id};
}
is(scalar @wrong, 0, 'every acknowledged change is in the desired state ('
   . scalar(grep { $_ ne 'unknown' } values %state) . ' outputs checked)')
    or diag(join "\n", @wrong);

my $owner = $view->{outputs} && (grep { $_->{id} eq 'keep' } @{ $view->{outputs} })[0];
if ($owner && ref $owner->{owner} eq 'HASH') {
    ok(grep({ $_ == $owner->{owner}{pid} } @now),
       "keep is sent by a live worker ($owner->{owner}{pid})");
}

my $ic = $gw->sqlite('PRAGMA integrity_check');
is($ic && $ic->[0][0], 'ok', 'PRAGMA integrity_check: ok (nginx running)')
    or diag($gw->{sqlite_error} // SRTGW::canon($ic));

$snd->stop;
$gw->diag_state('rc') unless Test::More->builder->is_passing;
$gw->stop(allow => [qr/worker process \d+ exited on signal 9/]);

$ic = $gw->sqlite('PRAGMA integrity_check');
is($ic && $ic->[0][0], 'ok', 'PRAGMA integrity_check: ok (after stop)')
    or diag($gw->{sqlite_error} // SRTGW::canon($ic));

done_testing;
