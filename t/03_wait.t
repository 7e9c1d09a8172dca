#!/usr/bin/perl
# A client of a route without data is held until data comes (200), or gets
# 504 after srt_ts_wait_timeout.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($in1, $in2) = $gw->ports(2);
$gw->write_conf(srt => <<"EOF2", live => 'srt_ts_wait_timeout 2s;');
shm_size 64m;
route late {
    input udp://127.0.0.1:$in1;
}
route never {
    input udp://127.0.0.1:$in2;
}
EOF2
$gw->start;
my $media = $gw->media;
my $input = SRTGW::slurp($media);

my $t0 = time;
my $late = $gw->http_client('/live/late.ts');
my $never = $gw->http_client('/live/never.ts');
my $snd = $gw->sender(file => $media, port => $in1, delay => 1.0);
my $t_send = $t0 + 1.0;
$gw->collect(sinks => [$late, $never], duration => 5);

# the held client
is($late->status, 200, 'held client gets 200 once data comes');
ok(defined $late->{header_time} && $late->{header_time} - $t0 >= 0.8,
   sprintf('held client: no response before the input starts (headers at +%.2f s)',
           ($late->{header_time} // 0) - $t0));
ok(defined $late->{first_data} && $late->{first_data} - $t_send < 1.5,
   sprintf('held client: data within 1.5 s of the input start (+%.2f s)',
           ($late->{first_data} // 99) - $t_send));
ok(length $late->body > 100_000, 'held client: receives data ('
   . length($late->body) . ' bytes)');
ok(!$late->{eof}, 'held client: still streaming');
ok(ts_aligned($late->body), 'held client: aligned packets');
is(ts_first_pid($late->body), 0, 'held client: starts with a PAT');
ok(slice_offset($late->body, $input) >= 0, 'held client: slice of the input')
    or diag(SRTGW::slice_divergence($late->body, $input));
my ($err, undef, $d) = ts_cc_check($late->body);
is($err, 0, 'held client: no CC errors') or diag(join "\n", @$d);

# the never-fed route
is($never->status, 504, 'never-fed route: 504');
my $dt = ($never->{header_time} // 0) - $t0;
ok($dt >= 1.8 && $dt < 3.5,
   sprintf('504 after srt_ts_wait_timeout 2s (at +%.2f s)', $dt));
ok($never->{eof}, '504 response ends (connection closed)');

my $j = $gw->route('never');
is($j->{inputs}[0]{status}, 'waiting', 'API: never-fed input is waiting');
is($j->{http}{clients}, 0, 'API: no client left on the never-fed route');

$late->close;
$snd->stop;
$gw->diag_state('late') unless Test::More->builder->is_passing;
$gw->stop;
done_testing;
