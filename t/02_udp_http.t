#!/usr/bin/perl
# UDP in -> HTTP-TS and UDP out: byte-identical slices of the input.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($in, $out) = $gw->ports(2);
$gw->write_conf(srt => <<"EOF");
shm_size 64m;
route demo {
    input udp://127.0.0.1:$in;
    output udp://127.0.0.1:$out;
}
EOF
$gw->start;

my $media = $gw->media;
my $input = SRTGW::slurp($media);

# before any data: API says waiting
my $j0 = $gw->route('demo');
is($j0->{inputs}[0]{status}, 'waiting', 'input waiting before data');

my $udp = $gw->udp_receiver($out);
my $snd = $gw->sender(file => $media, port => $in);
sleep 2.5;      # let a couple of keyframes pass: the client starts mid-stream
my $http = $gw->http_client('/live/demo.ts');
my $t0 = time;
$gw->collect(sinks => [$http, $udp], duration => 5);

is($http->status, 200, 'GET /live/demo.ts is 200');
is($http->header('content-type'), 'video/mp2t', 'content type video/mp2t');
ok(!defined $http->header('transfer-encoding'), 'no chunked encoding');
like($http->header('connection') // '', qr/close/i, 'Connection: close');
ok(!$http->{eof}, 'stream still open after 5 s');

for my $s ([HTTP => $http], [UDP => $udp]) {
    my ($name, $sink) = @$s;
    my $b = $sink->body;
    ok(length $b > 200_000, "$name: received data (" . length($b) . " bytes)");
    ok(ts_aligned($b), "$name: whole 188-byte packets with 0x47 sync");
    is(ts_first_pid($b), 0, "$name: starts with a PAT packet");
    my $off = slice_offset($b, $input);
    ok($off >= 0, "$name: contiguous byte-identical slice of the input")
        or diag(SRTGW::slice_divergence($b, $input));
    is($off % 188, 0, "$name: slice starts at a packet boundary") if $off >= 0;
    my ($err, $dup, $d) = ts_cc_check($b);
    is($err, 0, "$name: no CC errors") or diag(join "\n", @$d);
    ok(max_gap($sink->{chunks}) < 1, "$name: no gap >= 1 s");
    $sink->{offset} = $off;
}

# the HTTP client joined mid-stream: at the newest random access point,
# which is at most ~1 GOP (1 s) before the connection time, i.e. past the
# start of the file
ok($http->{offset} > 0, 'HTTP client started mid-stream, not at the file start')
    if defined $http->{offset};

# UDP output: 7 packets per datagram.  The output sends a short datagram
# rather than wait when it has caught up with the ring (by design), so:
# none larger than 1316, all whole packets, nearly all exactly 1316.
my @sizes = sort keys %{ $udp->{sizes} };
my @chunks = @{ $udp->{chunks} };
note("UDP datagram sizes: "
     . join(", ", map { "$_ x $udp->{sizes}{$_}" } @sizes)
     . "; short ones at index "
     . join(",", grep { $chunks[$_][1] != 1316 } 0 .. $#chunks));
ok(!grep({ $_ > 1316 || $_ % 188 } @sizes),
   'UDP output datagrams: whole packets, at most 1316 bytes');
ok(($udp->{sizes}{1316} // 0) >= 0.95 * $udp->{datagrams},
   'UDP output datagrams: >= 95% are 1316 bytes (7 packets)');

my ($rc, $streams) = $gw->ffprobe_streams($http->body);
like($streams, qr/h264/, 'ffprobe finds h264 in the HTTP capture');
like($streams, qr/aac/, 'ffprobe finds aac in the HTTP capture');

# HEAD
my $head = $gw->http_get('/live/demo.ts', method => 'HEAD', duration => 2);
is($head->status, 200, 'HEAD is 200');
is($head->header('content-type'), 'video/mp2t', 'HEAD content type');
is(length $head->body, 0, 'HEAD has no body');
ok($head->{eof}, 'HEAD response is complete (connection closed)');

# unknown route
my $nf = $gw->http_get('/live/nosuch.ts', duration => 2);
is($nf->status, 404, 'unknown route is 404');

# API
my $j = $gw->route('demo');
my $i0 = $j->{inputs}[0];
ok($i0->{bytes} > 0, 'API: input bytes > 0');
is($i0->{status}, 'live', 'API: input live');
ok($i0->{packets} > 0 && $i0->{datagrams} > 0, 'API: packets, datagrams');
is($i0->{cc_errors}, 0, 'API: no input CC errors');
ok($j->{outputs}[0]{datagrams} > 0, 'API: output datagrams > 0');
is($j->{outputs}[0]{drops}, 0, 'API: no output drops');
is($j->{http}{clients}, 1, 'API: one HTTP client connected');
ok($j->{http}{bytes} > 0, 'API: HTTP bytes');
is($j->{source}, 'config', 'API: source config');
for my $o ($j->{owner}, $i0->{owner}, $j->{outputs}[0]{owner}) {
    ok(grep({ $_ == $o->{pid} } $gw->worker_pids), "API owner pid $o->{pid} is a worker");
}

my $health = $gw->api('/api/health');
is($health->{status}, 200, 'health 200');
is($health->{json}{status}, 'ok', 'health ok');
is($health->{json}{workers}, 2, 'health: 2 workers');

my $list = $gw->api('/api/routes');
is(ref $list->{json}, 'ARRAY', '/api/routes is an array');
is($list->{json}[0]{name}, 'demo', '/api/routes lists demo');

my $nr = $gw->api('/api/routes/nosuch');
is($nr->{status}, 404, 'unknown route in API is 404');
ok(defined $nr->{json}{error}, 'unknown route has an error field');

# client leaves: the counter drops back
$http->close;
my $jj = $gw->wait_route('demo', sub { $_[0]{http}{clients} == 0 }, 3);
ok($jj, 'API: http.clients back to 0 after the client left')
    or diag("clients: " . $gw->route('demo')->{http}{clients});

$snd->stop;
$gw->diag_state('demo') unless Test::More->builder->is_passing;
$gw->stop;
done_testing;
