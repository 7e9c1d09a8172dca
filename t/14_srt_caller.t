#!/usr/bin/perl

# SRT callers: the gateway pulls a stream from a remote SRT listener
# (srt-live-transmit) and pushes it to another one with AES-192, and both
# come back by themselves (capped backoff) when the remote side goes away
# and returns.  SRT in -> UDP out on the way.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($src, $feed, $push, $udp, $ffsrc, $ffsink) = $gw->ports(6);
my $pass = 'push-secret-192';
my $p = $gw->prefix;

$gw->write_conf(srt => <<"EOF");
    route pull {
        input "srt://127.0.0.1:$src?mode=caller&streamid=feed&latency=120&connect_timeout=1000";
        output udp://127.0.0.1:$udp;
        output "srt://127.0.0.1:$push?mode=caller&passphrase=$pass&pbkeylen=24";
    }
    route ff {
        input "srt://127.0.0.1:$ffsrc?mode=caller";
        output "srt://127.0.0.1:$ffsink?mode=caller";
    }
EOF

$gw->start;

my $media = $gw->media(duration => 20, bitrate => '600k');

# nothing listens yet: the callers retry with backoff
sleep 1.5;
ok(scalar $gw->error_log_grep(qr/"srt:\/\/127\.0\.0\.1:$src\?[^"]*" did not connect/),
   'pull caller: a failed attempt is logged with the reason');

sub remote_source {
    my $slt = $gw->spawn(
        cmd => ['srt-live-transmit', "udp://127.0.0.1:$feed",
                "srt://:$src?mode=listener"],
        err => "$p/src-" . time . ".log");
    sleep 0.2;
    $slt->{feed} = $gw->sender(file => $media, port => $feed, loop => 1);
    return $slt;
}

sub push_receiver {
    my ($file) = @_;
    return $gw->spawn(
        cmd => ['srt-live-transmit', '-q',
                "srt://:$push?mode=listener&passphrase=$pass&pbkeylen=24",
                'file://con'],
        out => $file, err => "$file.log");
}

my $source = remote_source();
my $rx = push_receiver("$p/push1.ts");

my $j = $gw->wait_route('pull', sub {
    $_[0]{inputs}[0]{status} eq 'live' }, 12);
ok($j, 'pull caller connected after the remote listener appeared')
    or $gw->diag_state('pull');

my $urx = $gw->udp_receiver($udp);
$gw->collect(sinks => [$urx], duration => 4);
my $u = $urx->{body};
ok(length $u > 200_000, 'SRT in -> UDP out: ' . length($u) . ' bytes');
my ($err) = ts_cc_check($u);
is($err, 0, 'UDP output has no continuity errors');

$j = $gw->route('pull');
my $in = $j->{inputs}[0]{srt}{connections}[0] || {};
is($in->{kind}, 'pull', 'API: the input connection is a pull caller');
is($in->{streamid}, 'feed', 'API: with its streamid');
my $out = $j->{outputs}[1]{srt}{connections}[0] || {};
is($out->{kind}, 'push', 'API: the output connection is a push caller');
ok(($out->{totals}{pkts_sent} // 0) > 100, 'API: push packets sent');

my $d = SRTGW::slurp("$p/push1.ts");
$d = substr($d, 0, length($d) - length($d) % 188);
ok(length $d > 200_000, 'AES-192 push receiver got ' . length($d)
   . ' bytes');
my ($perr) = ts_cc_check($d);
is($perr, 0, 'push receiver: no continuity errors');
my $tail = substr($d, -100_000);
ok(ts_is_slice(substr($tail, 0, 60_000), $u),
   'push receiver: the same bytes as the UDP output');

# --- the remote source goes away and comes back ---------------------------

$source->stop;
$j = $gw->wait_route('pull', sub { !$_[0]{inputs}[0]{srt}{connected} }, 8);
ok($j, 'pull connection closed when the source went away');
ok(scalar $gw->error_log_grep(qr/route "pull": pull .* closed/),
   'with a one-line summary');

sleep 1;
$source = remote_source();
$j = $gw->wait_route('pull', sub {
    $_[0]{inputs}[0]{srt}{connected}
    && $_[0]{inputs}[0]{status} eq 'live' }, 15);
ok($j, 'pull caller reconnected by itself') or $gw->diag_state('pull');
ok($j && $j->{inputs}[0]{srt}{connects} >= 2, 'two pull connections counted');

# --- the push receiver goes away and comes back ---------------------------

$rx->stop;
$j = $gw->wait_route('pull', sub { !$_[0]{outputs}[1]{srt}{connected} }, 8);
ok($j, 'push connection closed when the receiver went away');

$rx = push_receiver("$p/push2.ts");
$j = $gw->wait_route('pull', sub { $_[0]{outputs}[1]{srt}{connected} }, 15);
ok($j, 'push caller reconnected by itself') or $gw->diag_state('pull');
sleep 2;
ok((-s "$p/push2.ts" // 0) > 50_000, 'the new receiver gets the stream ('
   . (-s "$p/push2.ts" // 0) . ' bytes)');

$rx->stop;
$source->stop;

# --- ffmpeg as the remote listener on both sides ----------------------------

my $ffin = $gw->spawn(
    cmd => ['ffmpeg', '-nostdin', '-loglevel', 'error', '-re',
            '-stream_loop', '-1', '-i', $media, '-c', 'copy', '-f', 'mpegts',
            "srt://127.0.0.1:$ffsrc?mode=listener"],
    err => "$p/ffsrc.log");
my $ffout = $gw->spawn(
    cmd => ['ffmpeg', '-nostdin', '-loglevel', 'error', '-y',
            '-i', "srt://127.0.0.1:$ffsink?mode=listener", '-map', '0',
            '-c', 'copy', '-f', 'mpegts', "$p/ffsink.ts"],
    err => "$p/ffsink.log");

$j = $gw->wait_route('ff', sub {
    $_[0]{inputs}[0]{status} eq 'live'
    && $_[0]{outputs}[0]{srt}{connected} }, 15);
ok($j, 'pulls from an ffmpeg SRT listener and pushes to another')
    or $gw->diag_state('ff');
sleep 8;
$ffout->stop;
$ffin->stop;
my (undef, $streams) = $gw->ffprobe_streams(SRTGW::slurp("$p/ffsink.ts"));
like($streams, qr/h264/, 'the ffmpeg listener at the end received H.264');

$gw->stop;

done_testing;
