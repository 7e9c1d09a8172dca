#!/usr/bin/perl

# srt:// endpoints on routes made through the API (issue 4), 2 workers:
#
# * an API route whose listener input shares the SRT port of a route in
#   nginx.conf: a publisher naming it in the streamid reaches its UDP
#   output, one naming none still reaches the nginx.conf route; deleting
#   the API route closes its publisher, the other one goes on;
# * an API route with a listener output on a port of its own (players in
#   either worker, with and without streamid) and a push caller output to
#   srt-live-transmit: both receive clean TS; DELETE of the listener output
#   closes its player and the port; PATCH enabled=false of the push output
#   stops it;
# * an API route with a pull caller input: live, its UDP output receives,
#   and again after the owner worker is killed;
# * bad input: SRT multicast, host names, an SRT listener on a UDP input's
#   port, on nginx.conf's SRT port with another address, two listener
#   outputs of one route on one port, a move that would make two: 400/409
#   with the field, nothing stored.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

$SIG{PIPE} = 'IGNORE';

my $gw = SRTGW->new(workers => 2);
my ($pcfg, $ucfg, $pnew, $prx, $psrc, $pfeed, $pfeed2, $u1, $u3, $pnew2,
    $pnew3) = $gw->ports(11);
my $p = $gw->prefix;
sub udp { "udp://127.0.0.1:$_[0]" }

$gw->write_conf(srt => <<"EOF");
route cfg {
    input "srt://:$pcfg";
    output udp://127.0.0.1:$ucfg;
}
EOF
$gw->start;

my $media = $gw->media(duration => 20, bitrate => '600k');

sub req { $gw->api_req(@_) }

sub received {
    my ($port, $secs) = @_;
    my $rx = $gw->udp_receiver($port);
    $gw->collect(sinks => [$rx], duration => $secs // 3);
    return $rx->{body};
}

sub wait_for {
    my ($code, $timeout) = @_;
    my $deadline = time + $timeout;
    until ($code->()) {
        return 0 if time > $deadline;
        sleep 0.1;
    }
    return 1;
}

# ------------------------------------------- A: on the SRT port of nginx.conf

my $r = req(POST => '/api/routes', {
    name => 'a1', inputs => [{ url => "srt://:$pcfg" }],
    outputs => [{ url => udp($u1) }] });
is($r->{status}, 201, 'a1 with a listener input on the SRT port of nginx.conf')
    or diag($r->{body});

my $pub = $gw->srt_publish("srt://127.0.0.1:$pcfg?streamid=#!::r=a1,m=publish",
                           file => $media);
my $j = $gw->wait_route('a1', sub { $_[0]{inputs}[0]{status} eq 'live' }, 10);
ok($j, 'a1: the publisher naming it in the streamid is live')
    or $gw->diag_state('a1');
is($j && $j->{inputs}[0]{srt}{connections}[0]{kind}, 'publisher',
   'a1: the API shows the publisher connection');

my $d = received($u1);
ok(length $d > 100_000, 'a1: SRT in -> UDP out: ' . length($d) . ' bytes');
is((ts_cc_check($d))[0], 0, 'a1: no continuity errors');

# the route of nginx.conf stays the port's default for callers naming none
my $cpub = $gw->srt_publish("srt://127.0.0.1:$pcfg", file => $media);
$j = $gw->wait_route('cfg', sub { $_[0]{inputs}[0]{status} eq 'live' }, 10);
ok($j, 'a publisher without streamid still reaches the nginx.conf route');
$d = received($ucfg, 2);
ok(length $d > 50_000, 'and its output receives: ' . length($d) . ' bytes');

# ------------------------- B: a listener output on a port of its own, a push

my $feed = $gw->sender(file => $media, port => $pfeed, loop => 1);
my $push_rx = $gw->spawn(
    cmd => ['srt-live-transmit', '-q', "srt://:$prx?mode=listener",
            'file://con'],
    out => "$p/push.ts", err => "$p/push.log");

$r = req(POST => '/api/routes', {
    name => 'a2', inputs => [{ url => udp($pfeed) }],
    outputs => [{ id => 'play', url => "srt://:$pnew?latency=120" },
                { id => 'push', url => "srt://127.0.0.1:$prx" }] });
is($r->{status}, 201, 'a2 with an SRT listener output and a push caller')
    or diag($r->{body});

sleep 0.5;
my $play1 = $gw->srt_play("srt://127.0.0.1:$pnew", "$p/play1.ts");
my $play2 = $gw->srt_play("srt://127.0.0.1:$pnew?streamid=#!::r=a2,m=request",
                          "$p/play2.ts");
ok(wait_for(sub { (-s "$p/play1.ts" // 0) > 150_000
                  && (-s "$p/play2.ts" // 0) > 150_000
                  && (-s "$p/push.ts" // 0) > 150_000 }, 10),
   'a2: both players and the push receiver get the stream')
    or diag(join ' ', map { "$_: " . (-s "$p/$_" // 0) }
                          qw(play1.ts play2.ts push.ts));

for my $f (qw(play1.ts play2.ts push.ts)) {
    my $data = SRTGW::slurp("$p/$f");
    is((ts_cc_check($data))[0], 0, "a2: $f has no continuity errors");
}

$j = $gw->route('a2');
my ($play) = grep { $_->{id} eq 'play' } @{ $j->{outputs} || [] };
is(join(',', sort map { "$_->{kind}/$_->{endpoint}" }
              @{ $play->{srt}{connections} || [] }),
   'player/play,player/play',
   'a2: the API shows the two players on the listener output')
    or diag(explain $play);

# ------------------------------------------------------ C: a pull caller input

my $remote = $gw->spawn(
    cmd => ['srt-live-transmit', "udp://127.0.0.1:$pfeed2",
            "srt://:$psrc?mode=listener"],
    err => "$p/remote.log");
sleep 0.2;
my $feed2 = $gw->sender(file => $media, port => $pfeed2, loop => 1);

$r = req(POST => '/api/routes', {
    name => 'a3', inputs => [{ url => "srt://127.0.0.1:$psrc" }],
    outputs => [{ url => udp($u3) }] });
is($r->{status}, 201, 'a3 with a pull caller input') or diag($r->{body});

$j = $gw->wait_route('a3', sub { $_[0]{inputs}[0]{status} eq 'live' }, 10);
ok($j, 'a3: the pull caller is live') or $gw->diag_state('a3');
is($j && $j->{inputs}[0]{srt}{connections}[0]{kind}, 'pull',
   'a3: the API shows the pull connection');
$d = received($u3);
ok(length $d > 100_000, 'a3: pulled SRT -> UDP out: ' . length($d) . ' bytes');

# --------------------------------------------------------------- D: removals

$r = req(DELETE => '/api/routes/a2/outputs/play');
is($r->{status}, 204, 'DELETE of the listener output');
ok(wait_for(sub { !$play1->running && !$play2->running }, 5),
   'its players are closed');
ok(scalar $gw->error_log_grep(qr/player .* closed \(removed by the API\)/),
   'the log says why');

my $late = $gw->srt_play("srt://127.0.0.1:$pnew", "$p/late.ts");
sleep 3;
is(-s "$p/late.ts" // 0, 0, 'the port is not served any more');
$late->stop;

my $s0 = -s "$p/push.ts";
sleep 1;
ok((-s "$p/push.ts") > $s0, 'the push output went on meanwhile');

$r = req(PATCH => '/api/routes/a2/outputs/push', { enabled => JSON::PP::false });
is($r->{status}, 200, 'PATCH enabled=false of the push output');
sleep 1;
$s0 = -s "$p/push.ts";
sleep 1.5;
is(-s "$p/push.ts", $s0, 'the push output stopped');

$r = req(DELETE => '/api/routes/a1');
is($r->{status}, 204, 'DELETE of a1 with a live publisher');
ok(wait_for(sub { !$pub->running }, 5)
   || $gw->error_log_grep(qr/publisher .* closed \(removed by the API\)/),
   'its publisher is closed');
$pub->stop;
$pub->{feed}->stop if $pub->{feed};

# the publisher of the nginx.conf route on the same port goes on
$d = received($ucfg, 2);
ok(length $d > 50_000, 'the nginx.conf route on that port still receives: '
   . length($d) . ' bytes');

# -------------------------------------------------- E: the pull after a crash

my @before = $gw->worker_pids;
kill 'KILL', @before;
ok(wait_for(sub {
    my @now = $gw->worker_pids;
    @now == 2 && !grep { my $o = $_; grep { $_ == $o } @now } @before
}, 10), 'both workers respawned after SIGKILL');
# (srt-live-transmit listens again once it gave up the dead peer)
my @after = $gw->worker_pids;
$j = $gw->wait_route('a3', sub {
    my $c = $_[0]{inputs}[0]{srt}{connections}[0] or return 0;
    return grep { $_ == $c->{pid} } @after;
}, 20);
ok($j, 'a3: the respawned owner pulls again');
$d = received($u3, 2);
ok(length $d > 50_000, 'a3: its output receives: ' . length($d) . ' bytes')
    or diag(explain $gw->route('a3'));

# ------------------------------------------------------------ F: bad input

my $snap = SRTGW::canon([ map { SRTGW::desired_route($_) }
                          @{ $gw->api('/api/routes')->{json} } ]);

my @bad = (
    ['SRT multicast', POST => '/api/routes/a3/outputs',
     { url => 'srt://239.1.1.1:5000' }, 400, qr/unicast/],
    ['SRT host name', POST => '/api/routes/a3/outputs',
     { url => 'srt://example.com:5000' }, 400, qr/host names/],
    ['SRT listener on a UDP input port', POST => '/api/routes/a3/outputs',
     { url => "srt://:$pfeed" }, 409, qr/UDP port $pfeed is used by the input/],
    ['SRT listener, other address than nginx.conf', POST => '/api/routes/a3/outputs',
     { url => "srt://127.0.0.1:$pcfg?mode=listener" }, 409,
     qr/SRT port $pcfg listens on another address in nginx.conf/],
    ['UDP input on an API SRT port', POST => '/api/routes',
     { name => 'bad1', inputs => [{ url => "udp://:$pnew2" }] }, 409,
     qr/UDP port $pnew2 is used by the SRT listener output/],
);

# a listener output for the last case, and for the next two
$r = req(POST => '/api/routes/a3/outputs', { id => 'l1', url => "srt://:$pnew2" });
is($r->{status}, 201, 'a3: a listener output on a new port') or diag($r->{body});
$r = req(POST => '/api/routes', { name => 'a4',
    outputs => [{ id => 'm1', url => "srt://:$pnew2" },
                { id => 'm2', url => "srt://:$pnew3" }] });
is($r->{status}, 201, 'a4 shares that port (another route)') or diag($r->{body});
$snap = SRTGW::canon([ map { SRTGW::desired_route($_) }
                       @{ $gw->api('/api/routes')->{json} } ]);

push @bad,
    ['two listener outputs of a route on a port', POST => '/api/routes/a3/outputs',
     { id => 'l9', url => "srt://:$pnew2?latency=300" }, 409,
     qr/route "a3" already has the SRT listener output "l1" on port $pnew2/],
    ['a move that would make two', POST => '/api/routes/a4/outputs/m1/move',
     { route => 'a3' }, 409, qr/already has the SRT listener output/];

for my $b (@bad) {
    my ($name, $m, $path, $data, $status, $msg) = @$b;
    $r = req($m, $path, $data);
    is($r->{status}, $status, "$name: $status") or diag($r->{body});
    like($r->{json}{error}{message} // '', $msg, "$name: message")
        or diag($r->{body});
}

is(SRTGW::canon([ map { SRTGW::desired_route($_) }
                  @{ $gw->api('/api/routes')->{json} } ]),
   $snap, 'bad requests changed nothing');

# a4's players: the port shared by two routes wants a streamid
my $p4 = $gw->srt_play("srt://127.0.0.1:$pnew2?streamid=#!::r=a4,m=request",
                       "$p/p4.ts");
my $p3 = $gw->srt_play("srt://127.0.0.1:$pnew2?streamid=a3", "$p/p3.ts");
ok(wait_for(sub { (-s "$p/p3.ts" // 0) > 50_000 }, 8),
   'a3 plays on the port shared with a4');
is(-s "$p/p4.ts" // 0, 0, 'a4 (no input) sends nothing');
$_->stop for $p3, $p4;

$_->stop for grep { $_ } $feed, $feed2, $remote, $push_rx, $cpub;
$cpub->{feed}->stop if $cpub->{feed};

$gw->stop(allow => [qr/exited on signal 9/]);

done_testing;
