#!/usr/bin/perl
# A reload that removes a route while a client streams it: the old worker
# keeps serving the clients of routes that still exist (their ring is still
# written by the new workers), closes the client of the removed route once
# its ring is no longer fed (within two 5 s heartbeats), and then exits.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($in_keep, $in_gone) = $gw->ports(2);
my $keep_conf = <<"EOF2";
shm_size 64m;
route keep {
    input udp://127.0.0.1:$in_keep;
}
EOF2
$gw->write_conf(srt => $keep_conf . <<"EOF2");
route gone {
    input udp://127.0.0.1:$in_gone;
}
EOF2
$gw->start;
my @old = $gw->worker_pids;

my $media = $gw->media(duration => 25);
my $input = SRTGW::slurp($media);
my $s1 = $gw->sender(file => $media, port => $in_keep);
my $s2 = $gw->sender(file => $media, port => $in_gone);
sleep 1.5;

my $keep = $gw->http_client('/live/keep.ts', label => 'keep');
my $gone = $gw->http_client('/live/gone.ts', label => 'gone');
my $t_reload;

$gw->collect(sinks => [$keep, $gone], duration => 15, events => [
    [1, sub {
        $gw->write_conf(srt => $keep_conf);
        $gw->reload;
        $t_reload = time;
    }],
]);

is($keep->status, 200, 'keep client: 200');
is($gone->status, 200, 'gone client: 200');
ok($gone->{eof}, 'the client of the removed route was closed');
my $after = $gone->{eof} ? $gone->{eof_time} - $t_reload : -1;
ok($after > 0 && $after < 12,
   sprintf('... %.1f s after the reload (two heartbeats at most)', $after));
ok(!$keep->{eof}, 'the client of the kept route still streams');

my $b = $keep->body;
ok(SRTGW::ts_is_slice($b, $input), 'keep client: byte-identical slice')
    or diag(SRTGW::slice_divergence($b, $input));
my ($cc_err) = SRTGW::ts_cc_check($b);
is($cc_err, 0, 'keep client: no continuity errors');
my $gap = SRTGW::max_gap([ @{ $keep->{chunks} }, [time, 0] ],
                         $keep->{t0} + 0.5);
ok($gap < 1, sprintf('keep client: max gap %.2f s', $gap));

sleep 0.5;
my @still = grep { kill 0, $_ } @old;
my $alive_old = grep { SRTGW::_cmdline($_) =~ /nginx/ } @still;
is($alive_old, 1, 'one old worker still serves the kept client');

$keep->close;
my $deadline = time + 12;
while (time < $deadline) {
    last unless grep { kill(0, $_) && SRTGW::_cmdline($_) =~ /nginx/ } @old;
    sleep 0.2;
}
ok(!(grep { kill(0, $_) && SRTGW::_cmdline($_) =~ /nginx/ } @old),
   'old workers exit once their clients are gone');

ok($gw->error_log_grep(qr/no longer fed, closing a client/),
   'error.log: the client of the removed route was closed at info level');

$gw->stop;

done_testing;
