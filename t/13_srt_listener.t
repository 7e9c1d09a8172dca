#!/usr/bin/perl

# SRT listener input and output with real peers (srt-live-transmit, ffmpeg):
# AES-256 publisher, AES-128 players, two routes on one port picked by the
# streamid, rejections with their reasons (unknown route, live publisher,
# wrong passphrase), statistics in the API, publisher reconnect, and the
# same bytes to SRT, HTTP-TS and UDP outputs.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($pin, $pout, $udp) = $gw->ports(3);
my $pub_pass = 'publisher-secret-256';
my $play_pass = 'player-secret-128';

$gw->write_conf(srt => <<"EOF");
    route main {
        input "srt://:$pin?mode=listener&passphrase=$pub_pass&pbkeylen=32";
        output "srt://:$pout?mode=listener&passphrase=$play_pass&pbkeylen=16";
        output udp://127.0.0.1:$udp;
    }
    route other {
        input "srt://:$pin?mode=listener&latency=300";
        output "srt://:$pout";
    }
    route swap {
        input "srt://:$pin";
        publisher replace;
    }
EOF

$gw->start;

my $media = $gw->media(duration => 20, bitrate => '600k');
my $media2 = $gw->media(duration => 20, bitrate => '300k');
my $p = $gw->prefix;

my $pub_url = "srt://127.0.0.1:$pin?streamid=#!::r=main,m=publish"
            . "&passphrase=$pub_pass&pbkeylen=32";
my $pub = $gw->srt_publish($pub_url, file => $media);

my $j = $gw->wait_route('main', sub {
    $_[0]{inputs}[0]{status} eq 'live' }, 8);
ok($j, 'AES-256 publisher with streamid #!::r=main,m=publish is live')
    or $gw->diag_state('main');

# --- the same bytes to HTTP-TS, UDP and AES-128 SRT players ---------------

my $http = $gw->http_client('/live/main.ts');
my $urx = $gw->udp_receiver($udp);
my ($slt1, $slt2, $ff);
my $play_url = "srt://127.0.0.1:$pout?streamid=#!::r=main,m=request"
             . "&passphrase=$play_pass&pbkeylen=16";
my $api_mid;

$gw->collect(sinks => [$http, $urx], duration => 7, events => [
    [0.5, sub {
        $slt1 = $gw->srt_play($play_url, "$p/slt1.ts");
        $slt2 = $gw->srt_play($play_url, "$p/slt2.ts");
        $ff = $gw->srt_play($play_url, "$p/ff.ts", tool => 'ffmpeg');
    }],
    [4.5, sub { $api_mid = $gw->route('main') }],
    [5.5, sub { $_->stop for $slt1, $slt2, $ff }],
]);

$http->close;
$urx->close;
my $ref = $http->{body};
ok(length $ref > 300_000, 'HTTP-TS reference received ('
   . length($ref) . ' bytes)');

for my $f ('slt1', 'slt2') {
    my $d = SRTGW::slurp("$p/$f.ts");
    $d = substr($d, 0, length($d) - length($d) % 188);
    ok(length $d > 150_000, "$f: SRT player received " . length($d)
       . ' bytes');
    ok(ts_aligned($d), "$f: whole TS packets");
    ok(ts_is_slice($d, $ref), "$f: byte-identical to the HTTP-TS output")
        or diag(slice_divergence($d, $ref));
    is(ts_first_pid($d), 0, "$f: starts with the PAT");
    my ($err) = ts_cc_check($d);
    is($err, 0, "$f: no continuity errors");
}

my $u = $urx->{body};
ok(ts_is_slice(substr($u, 0, 500_000), $ref)
   || ts_is_slice(substr($ref, 0, 300_000), $u),
   'UDP output carries the same stream');

my (undef, $streams) = $gw->ffprobe_streams(SRTGW::slurp("$p/ff.ts"));
like($streams, qr/h264/, 'ffmpeg SRT player: H.264 decoded from the stream');
like($streams, qr/aac/, 'ffmpeg SRT player: AAC too');

# --- statistics --------------------------------------------------------------

my $in = $api_mid->{inputs}[0];
is($in->{srt}{connected}, 1, 'API: one publisher connection');
my $pc = $in->{srt}{connections}[0] || {};
is($pc->{kind}, 'publisher', 'API: kind publisher');
like($pc->{peer} // '', qr/^127\.0\.0\.1:\d+$/, 'API: peer address');
is($pc->{streamid}, '#!::r=main,m=publish', 'API: streamid');
ok(($pc->{totals}{pkts_received} // 0) > 100, 'API: packets received '
   . ($pc->{totals}{pkts_received} // 'none'));
ok(defined $pc->{rtt_ms} && defined $pc->{recv_buf_ms}
   && defined $pc->{bandwidth_mbps} && defined $pc->{interval}{pkts_lost},
   'API: rtt, buffer, bandwidth, interval loss present');
ok($pc->{uptime_ms} > 3000, 'API: uptime');

my $out = $api_mid->{outputs}[0];
is($out->{srt}{connected}, 3, 'API: three players connected, from any '
   . 'worker') or diag(explain($out->{srt}));
my %workers = map { $_->{worker} => 1 } @{ $out->{srt}{connections} };
ok(($out->{srt}{connections}[0]{totals}{pkts_sent} // 0) > 100,
   'API: player packets sent');
ok($out->{bytes} > 300_000, 'API: output bytes counted over players');

my @closed = $gw->error_log_grep(
    qr/route "main": player .* closed .* sent \d+ pkts/);
ok(@closed >= 2, 'a one-line summary is logged when a player leaves');

# --- rejections ---------------------------------------------------------------

my $nope = $gw->srt_play("srt://127.0.0.1:$pout?streamid=#!::r=nope,m=request",
                         "$p/nope.ts");
my $srt = $gw->wait_srt(sub { $_[0]{rejected}{not_found} >= 1 }, 5);
ok($srt, 'unknown route rejected and counted');
ok(scalar $gw->error_log_grep(qr/rejected 127\.0\.0\.1:\d+ streamid "#!::r=nope,m=request" with 1404/),
   'unknown route logged with 1404, peer and streamid');
$nope->stop;

# no streamid on a port shared by two routes, bidirectional mode, garbage
my @odd = (
    ["srt://127.0.0.1:$pout", 'bad_request', qr/with 1400: the port serves several routes/],
    ["srt://127.0.0.1:$pout?streamid=#!::r=main,m=bidirectional", 'forbidden',
     qr/with 1405: bidirectional mode is not supported/],
    ["srt://127.0.0.1:$pout?streamid=#!::r=main,m=steal", 'bad_request',
     qr/with 1400: the streamid cannot be parsed/],
);
for my $o (@odd) {
    my ($url, $reason, $re) = @$o;
    my $before = $gw->api('/api/srt')->{json}{rejected}{$reason};
    my $pl = $gw->srt_play($url, "$p/odd.ts");
    ok($gw->wait_srt(sub { $_[0]{rejected}{$reason} > $before }, 5),
       "refused and counted as $reason: $url");
    $pl->stop;
    sleep 1.1;      # one log line per reason and second
    ok(scalar $gw->error_log_grep($re), "logged: $re");
}

my $bad = $gw->srt_play("srt://127.0.0.1:$pout?streamid=main"
                        . "&passphrase=not-the-right-one", "$p/bad.ts");
$j = $gw->wait_route('main', sub {
    ($_[0]{outputs}[0]{srt}{bad_passphrase} // 0) >= 1 }, 5);
ok($j, 'wrong player passphrase rejected and counted on the output');
ok(scalar $gw->error_log_grep(qr/streamid "main" with 1010: wrong passphrase \(route "main"/),
   'wrong passphrase logged with the route');
$bad->stop;

my $dup = $gw->srt_publish($pub_url, file => $media);
$j = $gw->wait_route('main', sub {
    ($_[0]{inputs}[0]{srt}{rejected} // 0) >= 1 }, 5);
ok($j, 'second publisher on a live route rejected');
ok(scalar $gw->error_log_grep(qr/with 1409: the route already has a live publisher/),
   'conflict logged with 1409');
$dup->stop;
is($gw->route('main')->{inputs}[0]{status}, 'live',
   'the first publisher goes on');

my $r = $gw->http_get('/live/main.ts', duration => 1.5);
ok(length $r->body > 50_000, 'route still streams after the rejections');

# --- two routes on one port, picked by the streamid -------------------------

my $pub2 = $gw->srt_publish("srt://127.0.0.1:$pin?streamid=other",
                            file => $media2);
$j = $gw->wait_route('other', sub {
    $_[0]{inputs}[0]{status} eq 'live' }, 8);
ok($j, 'bare streamid "other" publishes to the second route on the port');

my $h2 = $gw->http_client('/live/other.ts');
my $o1;
$gw->collect(sinks => [$h2], duration => 4.5, events => [
    [0.5, sub { $o1 = $gw->srt_play("srt://127.0.0.1:$pout?streamid=other",
                                   "$p/other.ts") }],
    [4, sub { $o1->stop }],
]);
$h2->close;
my $od = SRTGW::slurp("$p/other.ts");
$od = substr($od, 0, length($od) - length($od) % 188);
ok(length $od > 40_000, 'player of "other" received data');
ok(ts_is_slice($od, $h2->{body}), 'and it is the "other" stream')
    or diag(slice_divergence($od, $h2->{body}));
ok(!ts_is_slice(substr($od, 0, 20_000), $ref), 'not the "main" stream');

# --- publisher disconnect and reconnect ---------------------------------------

my $keep = $gw->http_client('/live/main.ts');
my $sp = $gw->srt_play($play_url, "$p/across.ts");
my ($size_before, $t_gone);
$gw->collect(sinks => [$keep], duration => 9, events => [
    [1.5, sub { $pub->stop; $t_gone = time }],
    [3.5, sub {
        $size_before = -s "$p/across.ts";
        $pub = $gw->srt_publish($pub_url, file => $media, tool => 'ffmpeg');
    }],
]);
$keep->close;
ok(scalar $gw->error_log_grep(qr/route "main": publisher .* closed/),
   'publisher disconnect logged with its summary');
my $after = -s "$p/across.ts";
ok($after > $size_before + 50_000, "SRT player kept across the publisher "
   . "reconnect receives the new stream ($size_before -> $after bytes)");
my @late = grep { $_->[0] > $t_gone + 3 } @{ $keep->{chunks} };
ok(@late > 10, 'HTTP-TS client kept across the reconnect gets data again');
is($gw->route('main')->{inputs}[0]{srt}{connects} >= 2, 1,
   'two publisher connections counted');
$sp->stop;
$pub->stop;

# --- wrong publisher passphrase ---------------------------------------------

sleep 0.5;
my $wp = $gw->srt_publish("srt://127.0.0.1:$pin?streamid=#!::r=main,m=publish"
                          . "&passphrase=wrong-passphrase-x", file => $media);
$j = $gw->wait_route('main', sub {
    ($_[0]{inputs}[0]{srt}{bad_passphrase} // 0) >= 1 }, 5);
ok($j, 'publisher with a wrong passphrase rejected and counted');
$wp->stop;

# --- publisher replace: a restarted encoder takes over at once -------------

my $s1 = $gw->srt_publish("srt://127.0.0.1:$pin?streamid=#!::r=swap,m=publish",
                          file => $media2);
$j = $gw->wait_route('swap', sub { $_[0]{inputs}[0]{status} eq 'live' }, 8);
ok($j, 'first publisher of "swap" live');
my $s2 = $gw->srt_publish("srt://127.0.0.1:$pin?streamid=#!::r=swap,m=publish",
                          file => $media);
$j = $gw->wait_route('swap', sub {
    $_[0]{inputs}[0]{srt}{connects} >= 2
    && $_[0]{inputs}[0]{srt}{connected} == 1 }, 8);
ok($j, 'second publisher replaced the first (publisher replace)')
    or $gw->diag_state('swap');
ok(scalar $gw->error_log_grep(qr/route "swap": publisher .* closed \(replaced by (a new|another) publisher\)/),
   'the replaced publisher is closed with the reason');
is($gw->route('swap')->{inputs}[0]{srt}{rejected}, 0, 'nothing rejected');
$s1->stop;
$s2->stop;

$pub2->stop;
$gw->stop;

done_testing;
