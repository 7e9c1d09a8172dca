#!/usr/bin/perl

# Input failover: a route with a primary and a backup UDP input (the
# backup on other PIDs and another program number), 2 workers, ffmpeg
# media.  Killing the primary's sender moves the output to the backup
# within failover_timeout + 100 ms with continuity counters that go on,
# the discontinuity indicator set, the route's PIDs kept (remapped) and
# no priority-1 error for tscheck; the primary's return is followed by a
# revert after revert_after; 20 manual switches through the API keep the
# output valid; a garbage or too slow backup is never chosen; bad
# requests and bad directives get clear errors.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

my $tscheck = "$FindBin::Bin/../build/tools/tscheck";
plan skip_all => "$tscheck missing: run make tools" unless -x $tscheck;

my $gw = SRTGW->new(workers => 2);
my ($pa, $pb, $out, $qa, $qg, $qs, $out2) = $gw->ports(7);
my $p = $gw->prefix;

# bad directives first: nginx -t names them
for my $bad (["input udp://127.0.0.1:$pa priority=x;", qr/priority=N/],
             ["input udp://127.0.0.1:$pa; failover_timeout 50ms;",
              qr/failover_timeout.*100ms/],
             ["input udp://127.0.0.1:$pa; timestamps smooth;",
              qr/continuous/],
             ["input udp://127.0.0.1:$pa; input udp://127.0.0.1:$pa;",
              qr/conflicts|twice/])
{
    $gw->write_conf(srt => "route x { $bad->[0] output udp://127.0.0.1:$out; }");
    my ($rc, $text) = $gw->nginx_t;
    ok($rc != 0 && $text =~ $bad->[1], "refused: $bad->[0]")
        or diag($text);
}

$gw->write_conf(srt => <<"EOF",
route fo {
    input udp://127.0.0.1:$pa;
    input udp://127.0.0.1:$pb priority=5;
    failover_timeout 300ms;
    revert_after 2s;
    switch_wait 1s;
    output udp://127.0.0.1:$out;
}
route bad {
    input udp://127.0.0.1:$qa;
    input udp://127.0.0.1:$qg priority=1;
    input udp://127.0.0.1:$qs priority=2;
    failover_timeout 300ms;
    failover_min_bitrate 500k;
    output udp://127.0.0.1:$out2;
}
EOF
    server => '        location /metrics { route_metrics; }');
$gw->start;

# two programs as two encoders make them: B on other PIDs and program
sub encode {
    my ($file, $src, @extra) = @_;
    system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
           '-i', "$src=size=320x240:rate=25", '-f', 'lavfi', '-i', 'sine',
           '-t', 12, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', 25,
           '-b:v', '800k', '-c:a', 'aac', '-muxrate', '2M', @extra,
           '-f', 'mpegts', $file) == 0 or BAIL_OUT('ffmpeg failed');
}
encode("$p/a.ts", 'testsrc2');
encode("$p/b.ts", 'smptebars', '-mpegts_service_id', 7,
       '-mpegts_pmt_start_pid', 0x1500, '-mpegts_start_pid', 0x300);

my $fa = $gw->sender(file => "$p/a.ts", port => $pa, loop => 1);
my $fb = $gw->sender(file => "$p/b.ts", port => $pb, loop => 1);

my $r = $gw->wait_route('fo', sub {
    my $in = $_[0]{inputs};
    $in->[0]{healthy} && $in->[1]{healthy}
}, 10);
ok($r, 'both inputs healthy') or diag(explain $gw->route('fo'));
is($r->{active_input}, 'in0', 'the preferred input plays');
is($r->{inputs}[1]{priority}, 5, 'priority shown');

# ---------------------------------------------------------------- failover

sub packets {
    my ($body) = @_;
    my @p;
    for (my $i = 0; $i + 188 <= length $body; $i += 188) {
        push @p, substr($body, $i, 188);
    }
    return @p;
}

sub pid_of { my ($b1, $b2) = unpack('x C C', $_[0]); (($b1 & 0x1f) << 8) | $b2 }

sub di_set {
    my ($b3, $len, $flags) = unpack('x3 C C C', $_[0]);
    return ($b3 & 0x20) && $len > 0 && ($flags & 0x80);
}

my $rx = $gw->udp_receiver($out);
my $killed;
$gw->collect(sinks => [$rx], duration => 5,
             events => [[2, sub { $fa->stop; $killed = time }]]);

my $gap = SRTGW::max_gap($rx->{chunks}, $killed - 1, $killed + 2);
ok($gap < 0.4, sprintf('output gap at failover %.0f ms (timeout 300 ms)',
                       $gap * 1000));

$r = $gw->route('fo');
is($r->{active_input}, 'in1', 'the backup plays');
is($r->{failover}{last_switch}{reason}, 'timeout', 'switch reason timeout');
is($r->{failover}{timeouts}, 1, 'one failover counted');
ok(defined $r->{failover}{last_switch}{gap_ms},
   "gap in the API: $r->{failover}{last_switch}{gap_ms} ms");

my @pk = packets($rx->{body});
my %pids = map { pid_of($_) => 1 } @pk;
is_deeply([sort { $a <=> $b } grep { $_ != 0x1fff } keys %pids],
          [0, 0x11, 0x100, 0x101, 0x1000],
          "the route's PIDs only (backup remapped; SDT passes): "
          . join(' ', map { sprintf '0x%x', $_ } sort { $a <=> $b } keys %pids));
my @di = grep { di_set($_) } @pk;
ok(scalar(grep { pid_of($_) == 0x100 } @di) >= 1,
   'discontinuity indicator on the video PID after the switch');
my ($rc, $j) = $gw->tscheck_file('failover', $rx->{body});
is($rc, 0, 'tscheck: exit 0 across the failover');
my $p1 = $j->{priority1} || {};
is(scalar(grep { $p1->{$_} } keys %$p1), 0, 'tscheck: no priority-1 error')
    or diag(explain $j);

# program number stays 1 (the route's), PMT still on 0x1000
my ($pmt) = grep { pid_of($_) == 0 } @pk[int(@pk / 2) .. $#pk];
ok($pmt && unpack('x13 n', $pmt) == 1, 'PAT keeps program 1');

# ---------------------------------------------------------------- revert

$fa = $gw->sender(file => "$p/a.ts", port => $pa, loop => 1);
$rx = $gw->udp_receiver($out);
$gw->collect(sinks => [$rx], duration => 6);
$r = $gw->route('fo');
is($r->{active_input}, 'in0', 'back on the primary after revert_after');
is($r->{failover}{reverts}, 1, 'one revert counted');
($rc, $j) = $gw->tscheck_file('revert', $rx->{body});
$p1 = $j->{priority1} || {};
is(scalar(grep { $p1->{$_} } keys %$p1), 0, 'tscheck: revert is clean')
    or diag(explain $j);
ok(SRTGW::max_gap($rx->{chunks}) < 0.2,
   sprintf('no gap at the revert (%.0f ms)',
           SRTGW::max_gap($rx->{chunks}) * 1000));

# ---------------------------------------------------------------- manual

my $res = $gw->api_req('POST', '/api/routes/fo/switch', { input => 'in9' });
is($res->{status}, 404, 'unknown input: 404');
$res = $gw->api_req('POST', '/api/routes/fo/switch', { mode => 'sideways' });
is($res->{status}, 400, 'bad mode: 400');
$res = $gw->api_req('POST', '/api/routes/fo/switch', '{');
is($res->{status}, 400, 'bad JSON: 400');
$res = $gw->api_req('POST', '/api/routes/nope/switch', { input => 'in0' });
is($res->{status}, 404, 'unknown route: 404');

$rx = $gw->udp_receiver($out);
my ($ok, $want) = (0, 'in1');
my @sinks = ($rx);
for my $n (1 .. 20) {
    my $t0 = time;
    my $s = $gw->api_req('POST', '/api/routes/fo/switch', { input => $want });
    last unless ($s->{status} // 0) == 202;
    $gw->collect(sinks => \@sinks, duration => 3, stop_when => sub {
        state_active() eq $want
    });
    $ok++ if state_active() eq $want;
    $want = $want eq 'in1' ? 'in0' : 'in1';
}
sub state_active { my $x = $gw->route('fo'); $x ? $x->{active_input} // '' : '' }
is($ok, 20, '20 manual switches done');
$gw->collect(sinks => [$rx], duration => 1);
($rc, $j) = $gw->tscheck_file('manual', $rx->{body});
$p1 = $j->{priority1} || {};
is(scalar(grep { $p1->{$_} } keys %$p1), 0,
   'tscheck: no priority-1 error over 20 manual switches')
    or diag(explain $j);
is($rc, 0, 'tscheck: exit 0');
%pids = map { pid_of($_) => 1 } packets($rx->{body});
ok(!grep({ $_ >= 0x300 && $_ < 0x1000 || $_ >= 0x1500 && $_ < 0x1fff }
         keys %pids), 'no backup PID on the output');

$r = $gw->route('fo');
is($r->{failover}{mode}, 'manual', 'mode manual after a manual switch');
is($r->{failover}{manual}, 20, 'manual switches counted');

# manual: no revert, even with the primary healthy
$res = $gw->api_req('POST', '/api/routes/fo/switch', { input => 'in1' });
$gw->wait_route('fo', sub { $_[0]{active_input} eq 'in1' }, 3);
sleep 3;
is(state_active(), 'in1', 'manual mode holds the backup past revert_after');
$res = $gw->api_req('POST', '/api/routes/fo/switch', { mode => 'auto' });
is($res->{status}, 202, 'mode auto: 202');
ok($gw->wait_route('fo', sub { $_[0]{active_input} eq 'in0' }, 6),
   'auto mode reverts to the primary');

# a silent input cannot be taken
$fb->stop;
sleep 0.8;
$res = $gw->api_req('POST', '/api/routes/fo/switch', { input => 'in1' });
is($res->{status}, 409, 'switch to a silent input: 409');
like($res->{body}, qr/no signal/, 'reason given');

my $m = $gw->http_get('/metrics')->body;
like($m, qr/^srtgw_route_switches_total\{route="fo",reason="timeout"\} 1$/m,
     'metrics: switches by reason');
like($m, qr/^srtgw_input_active\{route="fo",input="in0",kind="udp"\} 1$/m,
     'metrics: the active input');

# ---------------------------------------------------------------- bad backups

my $ga = $gw->sender(file => "$p/a.ts", port => $qa, loop => 1);
my $gg = $gw->sender(file => "$p/a.ts", port => $qg, loop => 1,
                     garbage => { every => 1, kinds => ['random'] });
my $gs = $gw->sender(file => "$p/a.ts", port => $qs, loop => 1,
                     bitrate => 150_000);
ok($gw->wait_route('bad', sub { $_[0]{inputs}[0]{healthy} }, 10),
   'bad: primary healthy');
sleep 2;
$r = $gw->route('bad');
ok(!$r->{inputs}[1]{healthy}, 'garbage backup: not healthy');
ok(!$r->{inputs}[2]{healthy}, 'slow backup: not healthy '
   . "($r->{inputs}[2]{bitrate} bit/s)");
$ga->stop;
sleep 1.5;
$r = $gw->route('bad');
is($r->{active_input}, 'in0', 'no bad backup chosen');
is($r->{failover}{switches}, 0, 'no switch');
ok($r->{failover}{no_input}, 'no_input reported');
ok($gw->error_log_grep(qr/route "bad": no input has a signal/),
   'logged: no input has a signal');

$gg->stop;
$gs->stop;
$fa->stop;

ok(!$gw->error_log_grep(qr/\[(alert|emerg|crit)\]/), 'no alert in the log');

$gw->stop;

done_testing;
