#!/usr/bin/perl

# Hostile SRT callers: a storm of handshakes with unknown, unparsable and
# forbidden streamids, a passphrase where none is set, and a second
# publisher, while a publisher streams.  The gateway keeps streaming without a gap,
# counts every refusal, logs at most one line per reason and second, and
# its workers do not spin.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($pin, $pout, $udp) = $gw->ports(3);
my $p = $gw->prefix;

$gw->write_conf(srt => <<"EOF2");
    route main {
        input "srt://:$pin?mode=listener&passphrase=the-right-passphrase";
        output "srt://:$pout?mode=listener";
    }
    route other {
        input "srt://:$pin";
    }
EOF2

$gw->start;

my $media = $gw->media(duration => 20);
my $pub = $gw->srt_publish("srt://127.0.0.1:$pin?streamid=#!::r=main,m=publish"
                           . "&passphrase=the-right-passphrase",
                           file => $media);
ok($gw->wait_route('main', sub { $_[0]{inputs}[0]{status} eq 'live' }, 8),
   'publisher live');

my @urls = (
    "srt://127.0.0.1:$pout?streamid=#!::r=nope,m=request",
    "srt://127.0.0.1:$pout?streamid=#!::r=main,m=bogus",
    "srt://127.0.0.1:$pout?streamid=main&passphrase=wrong-wrong-wrong",
    "srt://127.0.0.1:$pin?streamid=#!::r=main,m=publish",
    "srt://127.0.0.1:$pin?streamid=#!::r=other,m=request",
    "srt://127.0.0.1:$pin",
);

my $http = $gw->http_client('/live/main.ts');
my @storm;
my $t0 = time;
$gw->collect(sinks => [$http], duration => 8, events => [
    map {
        my $k = $_;
        [0.5 + $k * 0.1, sub {
            push @storm, $gw->srt_play($urls[$k % @urls], "$p/storm$k.ts")
                for 1 .. 4;
        }]
    } 0 .. 39
]);
$_->stop for @storm;
$http->close;

my $gap = max_gap($http->{chunks}, $t0 + 1);
ok($gap < 1.0, sprintf('HTTP-TS kept streaming through 160 hostile handshakes '
   . '(largest gap %.2f s)', $gap));
my ($err) = ts_cc_check($http->{body});
is($err, 0, 'and without a continuity error');

my $srt = $gw->api('/api/srt')->{json};
my $r = $srt->{rejected};
my $total = 0;
$total += $r->{$_} for keys %$r;
ok($total >= 100, "refusals counted: $total ("
   . join(', ', map { "$_ $r->{$_}" } sort keys %$r) . ')');
ok($r->{not_found} > 0 && $r->{bad_request} > 0 && $r->{forbidden} > 0
   && $r->{bad_passphrase} > 0 && $r->{conflict} > 0, 'by reason: not '
   . 'found, bad request, forbidden, bad passphrase, conflict');

my @lines = $gw->error_log_grep(qr/srt: rejected/);
ok(@lines <= 6 * 12, 'refusals logged at most once a second per reason ('
   . scalar(@lines) . ' lines)');
ok((grep { /similar not logged/ } @lines) > 0, 'the log says how many it '
   . 'held back');

is($gw->route('main')->{inputs}[0]{srt}{connected}, 1,
   'the publisher is still the one connected');

# the workers are idle again: no thread left spinning
sleep 1;
my @w = $gw->worker_pids;
my %t0 = map { $_ => cpu_ticks($_) } @w;
sleep 2;
my $max = 0;
for (@w) {
    my $d = cpu_ticks($_) - $t0{$_};
    $max = $d if $d > $max;
}
ok($max < 100, "no worker spins afterwards ($max ticks in 2 s)");

$pub->stop;
$gw->stop;

sub cpu_ticks {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $s = <$fh>;
    $s =~ s/^.*\)\s+//;
    my @f = split ' ', $s;
    return $f[11] + $f[12];      # utime + stime
}

done_testing;
