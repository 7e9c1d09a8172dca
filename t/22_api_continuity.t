#!/usr/bin/perl

# Continuity of an API route while it is being changed (issue 4): route "tv"
# fed by the paced UDP sender at the media's own (realtime) bitrate, with two
# consumers that must never notice anything: a UDP output "keep" and an
# HTTP-TS client on /live/tv.ts.  Meanwhile 50 API changes on the same route,
# one every 0.3 s: add an output, disable it, enable it, PUT a new url, move
# it to another API route and back, delete it (7 per cycle).  The API calls
# are read by the same collect() loop as the consumers (non-blocking), so a
# slow answer cannot look like a gap in the streams.
#
# Asserts: every call answered 2xx (the expected one); on both "keep" and the
# HTTP client no CC error and no arrival gap over 100 ms during the change
# window; "keep" counters in GET went up with no drops; the changed outputs
# did receive data; the final desired state is as expected.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

$SIG{PIPE} = 'IGNORE';

my $T = JSON::PP::true;
my $F = JSON::PP::false;
sub udp { "udp://127.0.0.1:$_[0]" }

my $gw = SRTGW->new(workers => 2);
my ($pidle, $pin, $pin2, $pkeep, $pa, $pb) = $gw->ports(6);
$gw->write_conf(srt => "route idle { input udp://127.0.0.1:$pidle; }");
$gw->start;
my $media = $gw->media(duration => 20);

my $r = $gw->api_req(POST => '/api/routes',
                     { id => 'tv', inputs => [{ url => udp($pin) }],
                       outputs => [{ id => 'keep', url => udp($pkeep) }] });
is($r->{status}, 201, 'POST route tv with output keep') or diag($r->{body});
$r = $gw->api_req(POST => '/api/routes',
                  { id => 'other', inputs => [{ url => udp($pin2) }] });
is($r->{status}, 201, 'POST route other') or diag($r->{body});

my $keep = $gw->udp_receiver($pkeep, label => 'keep');
my $ra = $gw->udp_receiver($pa, label => 'temporary A');
my $rb = $gw->udp_receiver($pb, label => 'temporary B');
my $snd = $gw->sender(file => $media, port => $pin, loop => 1);
ok($gw->wait_route('tv', sub { ($_[0]{inputs}[0]{status} // '') eq 'live' }, 5),
   'tv: input live');

sub keep_stats {
    my $j = $gw->route('tv') or return {};
    my ($o) = grep { $_->{id} eq 'keep' } @{ $j->{outputs} || [] };
    return $o || {};
}

# ---------------------------------------------------------------- the changes

my @ops;
for my $k (1 .. 8) {
    my $o = "/api/routes/tv/outputs/t$k";
    push @ops,
        [POST => '/api/routes/tv/outputs', { id => "t$k", url => udp($pa) }, 201],
        [PATCH => $o, { enabled => $F }, 200],
        [PATCH => $o, { enabled => $T }, 200],
        [PUT => $o, { url => udp($pb) }, 200],
        [POST => "$o/move", { route => 'other' }, 200],
        [POST => "/api/routes/other/outputs/t$k/move", { route => 'tv' }, 200],
        [DELETE => $o, undef, 204];
}
splice @ops, 50;      # 7 cycles and the POST of t8 (which stays)

my $start = 1.5;      # s into the collection: the HTTP client is streaming
my $step = 0.3;
my $dur = $start + @ops * $step + 1.5;

my $http = $gw->http_client('/live/tv.ts', label => 'HTTP-TS');
my @sinks = ($keep, $http, $ra, $rb);
my (@res, $cur);
my $next = 0;
my $t0;
my $json = JSON::PP->new->canonical;

sub finish {
    my ($now) = @_;
    my $c = $cur->{sink};
    $cur->{t_done} = $c->{eof_time} // $now;
    $cur->{status} = $c->{status};
    $cur->{body} = $c->{body};
    $c->close;
    $cur = undef;
}

# runs every 20 ms: one call at a time, each not before its slot
my $pump = sub {
    my $now = time;
    if ($cur) {
        return unless $cur->{sink}{eof} || $now - $cur->{t_sent} > 3;
        finish($now);
    }
    return if $next >= @ops || $now - $t0 < $start + $next * $step;
    my ($m, $path, $data) = @{ $ops[$next] };
    my $body = defined $data ? $json->encode($data) : undef;
    my $c = eval {
        $gw->http_client($path, method => $m, body => $body,
                         headers => { 'Content-Type' => 'application/json' })
    };
    $res[$next] = { i => $next, t_sent => $now, error => $@ };
    if ($c) {
        $cur = $res[$next];
        $cur->{sink} = $c;
        push @sinks, $c;
    }
    $next++;
};

my $before = keep_stats();
$t0 = time;
$gw->collect(sinks => \@sinks, duration => $dur,
             events => [ map { [$_ * 0.02, $pump] } 0 .. int($dur / 0.02) ]);
if ($cur) {
    $gw->collect(sinks => [$cur->{sink}], duration => 3, until_eof => 1);
    finish(time);
}
my $after = keep_stats();

# ---------------------------------------------------------------- results

is($next, scalar @ops, 'all ' . scalar(@ops) . ' API calls were made');
my @bad;
for my $i (0 .. $#ops) {
    my ($m, $path, undef, $want) = @{ $ops[$i] };
    my $s = $res[$i] && $res[$i]{status};
    push @bad, "call $i $m $path: " . ($s // 'no answer') . " (want $want) "
               . ($res[$i] ? $res[$i]{body} // $res[$i]{error} // '' : '')
        unless defined $s && $s == $want;
}
is(scalar @bad, 0, 'every API call answered 2xx (the expected status)')
    or diag(join "\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);
my @slow = grep { $_->{t_done} && $_->{t_done} - $_->{t_sent} > $step }
           grep { defined } @res;
note(scalar(@slow) . ' calls took longer than ' . $step . ' s');

my $w0 = $res[0] ? $res[0]{t_sent} : $t0 + $start;
my $w1 = ($res[-1] && $res[-1]{t_done}) || time;
note(sprintf('change window %.1f s', $w1 - $w0));

is($http->status, 200, 'HTTP client: 200');
ok(!$http->{eof}, 'HTTP client: still connected at the end');
for my $s ([keep => $keep], ['HTTP client' => $http]) {
    my ($name, $sink) = @$s;
    my $b = $sink->body;
    ok(length $b > 500_000, "$name: received " . length($b) . ' bytes');
    ok(ts_aligned($b), "$name: whole TS packets");
    my ($err, $dup, $d) = ts_cc_check($b);
    is($err, 0, "$name: no CC errors") or diag(join "\n", @$d);
    my $in_window = $sink->arrivals($w0, $w1);
    ok($in_window > ($w1 - $w0) * 10, "$name: $in_window arrivals during "
       . 'the changes');
    my $gap = max_gap($sink->{chunks}, $w0, $w1);
    ok($gap < 0.1, sprintf("$name: no gap over 100 ms during the changes "
       . '(max %.3f s)', $gap));
}
ok(!grep({ $_ > 1316 || $_ % 188 } keys %{ $keep->{sizes} }),
   'keep: datagrams of whole packets');

ok(defined $before->{bytes} && defined $after->{bytes}
   && $after->{bytes} > $before->{bytes} + 500_000,
   'keep: bytes in GET went up (' . ($before->{bytes} // 'none') . ' -> '
   . ($after->{bytes} // 'none') . ')')
    or diag('before ' . SRTGW::canon($before) . "\nafter " . SRTGW::canon($after));
is($after->{drops}, 0, 'keep: no drops');
is($after->{status}, 'live', 'keep: live');

ok($ra->{datagrams} > 0, "the added outputs sent to their url ($ra->{datagrams})");
ok($rb->{datagrams} > 0, "the replaced urls got data ($rb->{datagrams})");

my $tv = $gw->route('tv') || {};
is_deeply([ sort map { $_->{id} } @{ $tv->{outputs} || [] } ], [qw(keep t8)],
          'tv ends with keep and t8');
is_deeply([ map { $_->{id} } @{ ($gw->route('other') || {})->{outputs} || [] } ],
          [], 'other ends without outputs');
is(scalar @{ ($gw->api('/api/audit?limit=1000')->{json} || {})->{events} || [] },
   2 + @ops, 'the audit log has the 2 route creations and the 50 changes');

$http->close;
$snd->stop;
$gw->diag_state('tv') unless Test::More->builder->is_passing;
$gw->stop;

done_testing;
