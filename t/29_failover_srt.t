#!/usr/bin/perl

# Failover with SRT inputs, 2 workers: an SRT listener primary (an
# encrypted publisher through srt-live-transmit) and an SRT caller backup
# that pulls from an srt-live-transmit listener.  Killing the publisher
# moves the output to the backup within failover_timeout + 100 ms with no
# priority-1 error for tscheck; a new publisher brings the route back
# after revert_after, at a keyframe, cleanly.

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
my ($sp, $bp, $bfeed, $out) = $gw->ports(4);
my $p = $gw->prefix;
my $pass = 'failover-test-secret';

$gw->write_conf(srt => <<"EOF");
route sfo {
    input "srt://:$sp?mode=listener&passphrase=$pass&pbkeylen=16";
    input "srt://127.0.0.1:$bp?mode=caller" priority=1;
    failover_timeout 300ms;
    revert_after 2s;
    timestamps continuous;
    output udp://127.0.0.1:$out;
}
EOF
$gw->start;

system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
       '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine',
       '-t', 12, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', 25,
       '-b:v', '600k', '-c:a', 'aac', '-f', 'mpegts', "$p/a.ts") == 0
    or BAIL_OUT('ffmpeg failed');

# the backup: an SRT listener of srt-live-transmit, fed by UDP, that the
# route's caller input pulls from
my $backup = $gw->spawn(cmd => ['srt-live-transmit', '-a:yes',
                                "udp://127.0.0.1:$bfeed",
                                "srt://127.0.0.1:$bp?mode=listener"],
                        err => "$p/backup.log");
sleep 0.3;
my $bsend = $gw->sender(file => "$p/a.ts", port => $bfeed, loop => 1);

my $url = "srt://127.0.0.1:$sp?streamid=sfo&passphrase=$pass&pbkeylen=16";
my $pub = $gw->srt_publish($url, file => "$p/a.ts");

my $r = $gw->wait_route('sfo', sub {
    my $in = $_[0]{inputs};
    $in->[0]{healthy} && $in->[1]{healthy} && $_[0]{active_input} eq 'in0'
}, 15);
ok($r, 'SRT publisher and SRT caller backup healthy, the publisher plays')
    or diag(explain $gw->route('sfo'));

my $rx = $gw->udp_receiver($out);
my $killed;
$gw->collect(sinks => [$rx], duration => 4,
             events => [[1.5, sub {
                 $pub->{feed}->stop if $pub->{feed};
                 $pub->stop;
                 $killed = time;
             }]]);
my $gap = SRTGW::max_gap($rx->{chunks}, $killed - 1, $killed + 2);
ok($gap < 0.4, sprintf('output gap at failover %.0f ms (timeout 300 ms)',
                       $gap * 1000));
$r = $gw->route('sfo');
is($r->{active_input}, 'in1', 'the SRT caller backup plays');
is($r->{failover}{last_switch}{reason}, 'timeout', 'reason timeout');
my ($rc, $j) = $gw->tscheck_file('failover', $rx->{body});
is($rc, 0, 'tscheck: exit 0 across the failover');
is(p1_errors($j), '', 'tscheck: no priority-1 error');

# a new publisher: back after revert_after
$pub = $gw->srt_publish($url, file => "$p/a.ts");
$rx = $gw->udp_receiver($out);
$gw->collect(sinks => [$rx], duration => 8, stop_when => sub {
    (($gw->route('sfo') || {})->{active_input} // '') eq 'in0' });
$gw->collect(sinks => [$rx], duration => 1);
$r = $gw->route('sfo');
is($r->{active_input}, 'in0', 'back on the SRT publisher');
is($r->{failover}{last_switch}{reason}, 'revert', 'reason revert');
($rc, $j) = $gw->tscheck_file('revert', $rx->{body});
is(p1_errors($j), '', 'tscheck: no priority-1 error at the revert');

$gw->stop;

done_testing;
