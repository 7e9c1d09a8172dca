#!/usr/bin/perl
# 4 workers, 12 concurrent clients of one route: all get the stream, and
# clients are spread over several workers (reuseport).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 4);
my ($in) = $gw->ports(1);
$gw->write_conf(srt => <<"EOF2");
shm_size 64m;
route demo {
    input udp://127.0.0.1:$in;
}
EOF2
$gw->start;
my @workers = $gw->worker_pids;
is(scalar @workers, 4, '4 worker processes');

my $media = $gw->media;
my $input = SRTGW::slurp($media);
my $snd = $gw->sender(file => $media, port => $in);
sleep 1.2;

my @c = map { $gw->http_client('/live/demo.ts', label => "client$_") } 1 .. 12;
$gw->collect(sinks => \@c, duration => 3);

my $peak = $gw->route('demo');
is($peak->{http}{clients}, 12, 'API: 12 clients connected');

for my $c (@c) {
    my $b = $c->body;
    my $ok = $c->status == 200 && length $b > 50_000 && !$c->{eof}
        && ts_aligned($b) && ts_first_pid($b) == 0
        && slice_offset($b, $input) >= 0 && (ts_cc_check($b))[0] == 0;
    ok($ok, "$c->{label}: 200, " . length($b) . ' bytes, aligned, PAT first, '
       . 'slice of the input, no CC errors')
        or diag("status " . ($c->status // '-') . " eof $c->{eof} aligned "
                . ts_aligned($b) . " cc " . (ts_cc_check($b))[0]);
}
$_->close for @c;

# the access log is written when the requests end
my %pids;
my $deadline = time + 5;
while (time < $deadline) {
    %pids = ();
    my $n = 0;
    if (open my $fh, '<', $gw->access_log) {
        while (<$fh>) {
            next unless m{^(\d+) 200 \d+ GET /live/demo\.ts};
            $pids{$1}++;
            $n++;
        }
    }
    last if $n >= 12;
    sleep 0.2;
}
my $n = 0;
$n += $_ for values %pids;
is($n, 12, 'access log has 12 finished /live/demo.ts requests');
ok(keys %pids >= 2, 'clients were served by at least 2 workers: '
   . join(', ', map { "$_ x $pids{$_}" } sort keys %pids));
ok(!grep({ my $p = $_; !grep { $_ == $p } @workers } keys %pids),
   'the serving pids are the worker pids');

my $j = $gw->wait_route('demo', sub { $_[0]{http}{clients} == 0 }, 3);
ok($j, 'API: http.clients back to 0');
my $j2 = $gw->route('demo');
is($j2->{http}{clients_total}, 12, 'API: clients_total 12');

$snd->stop;
$gw->diag_state('demo') unless Test::More->builder->is_passing;
$gw->stop;
done_testing;
