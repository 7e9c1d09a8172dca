#!/usr/bin/perl

# In-process inputs, 2 workers: the testsrc:// pattern plays as a route's
# only input (H.264 + AAC that ffmpeg decodes, clean for tscheck), also on
# a route made through the API; with every input down a route plays its
# slate (the built-in card, or a TS file looped with continuous
# timestamps), decodable, with no priority-1 error across the switch, and
# leaves it as soon as its input is back; an operator can put a route on
# the slate and take it off; bad slate and testsrc settings are refused.

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
my ($o1, $pa, $o2, $pb, $o3, $o4, $pc) = $gw->ports(7);
my $p = $gw->prefix;

# a 2 s clip for the file slate, and the primary's media
sub encode {
    my ($file, $secs, $src) = @_;
    system('ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi',
           '-i', "$src=size=320x180:rate=25", '-f', 'lavfi', '-i', 'sine',
           '-t', $secs, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', 25,
           '-b:v', '500k', '-c:a', 'aac', '-f', 'mpegts', $file) == 0
        or BAIL_OUT('ffmpeg failed');
}
encode("$p/a.ts", 12, 'testsrc2');
encode("$p/slate.ts", 2, 'smptebars');

# ---------------------------------------------------------------- refused

for my $bad (["input udp://127.0.0.1:$pa; slate $p/none.ts;",
              qr/slate file .*none\.ts" is not a readable file/],
             ["input udp://127.0.0.1:$pa; slate on size=10x10;",
              qr/invalid slate: invalid size "10x10"/],
             ["input udp://127.0.0.1:$pa; slate $p/slate.ts rate=25;",
              qr/with a file takes no parameters/],
             ["input udp://127.0.0.1:$pa; slate on; slate off;",
              qr/"slate" directive is duplicate/],
             ["slate on;", qr/has no "input"/],
             ["input testsrc://?rate=0;", qr/invalid rate "0"/],
             ["input testsrc://localhost;", qr/takes no host/])
{
    $gw->write_conf(srt => "route x { $bad->[0] output udp://127.0.0.1:$o1; }");
    my ($rc, $text) = $gw->nginx_t;
    ok($rc != 0 && $text =~ $bad->[1], "refused: $bad->[0]")
        or diag($text);
}

$gw->write_conf(srt => <<"EOF");
route pattern {
    input "testsrc://?size=320x180&rate=25&bitrate=400k&tone=440";
    output udp://127.0.0.1:$o1;
}
route card {
    input udp://127.0.0.1:$pa;
    slate on bitrate=300k;
    failover_timeout 300ms;
    timestamps continuous;
    output udp://127.0.0.1:$o2;
}
route loop {
    input udp://127.0.0.1:$pb;
    slate $p/slate.ts;
    failover_timeout 300ms;
    timestamps continuous;
    output udp://127.0.0.1:$o3;
}
EOF
$gw->start;

# ---------------------------------------------------------------- testsrc

my $r = $gw->wait_route('pattern', sub { $_[0]{inputs}[0]{bitrate} }, 10);
ok($r, 'the test pattern has a bit rate: '
       . (($r || {})->{inputs}[0]{bitrate} // 0))
    or diag(explain $gw->route('pattern'));

my $rx = $gw->udp_receiver($o1);
$gw->collect(sinks => [$rx], duration => 3);
ok(length $rx->{body} > 100_000,
   'the pattern plays: ' . length($rx->{body}) . ' bytes in 3 s');
my ($rc, $j) = $gw->tscheck_file('pattern', $rx->{body});
is($rc, 0, 'tscheck: exit 0 on the pattern');
is(p1_errors($j), '', 'tscheck: no priority-1 error');
my (undef, $streams) = $gw->ffprobe_streams(from_keyframe($rx->{body}));
my %codec = map { $_ => 1 } grep { length } split /\s+/, $streams;
is(join(',', sort keys %codec), 'aac,h264', 'H.264 and AAC') or diag($streams);
my ($dec, $err) = $gw->ffmpeg_decode(from_keyframe($rx->{body}));
ok($dec && $err !~ /error/i, 'ffmpeg decodes the pattern') or diag($err);
my $probe = `ffprobe -v error -select_streams v -show_entries stream=width,height -of csv=p=0 $p/pattern.ts 2>/dev/null`;
like($probe, qr/^320,180/m, 'in the size asked for');

# ---------------------------------------------------------------- slate card

my $fa = $gw->sender(file => "$p/a.ts", port => $pa, loop => 1);
$r = $gw->wait_route('card', sub {
    my $in = $_[0]{inputs};
    $in->[0]{healthy} && $in->[1]{healthy} && $_[0]{active_input} eq 'in0'
}, 10);
ok($r, 'input and slate healthy, the input plays')
    or diag(explain $gw->route('card'));
is($r->{inputs}[1]{id}, 'slate', 'the slate is the last input');
$r = $gw->wait_route('card', sub {
    (($_[0]{inputs}[1]{video} || {})->{width} // 0) == 320 }, 5);
ok($r, 'the card takes the size of the route\'s video (1280x720 first)')
    or diag(explain $gw->route('card'));
is(join('x', @{ $r->{inputs}[0]{video} || {} }{qw(width height)}), '320x180',
   'the input\'s size is in the API');
is(join('x', @{ $r->{inputs}[1]{video} || {} }{qw(width height)}), '320x180',
   'the slate\'s too');

$rx = $gw->udp_receiver($o2);
my $killed;
$gw->collect(sinks => [$rx], duration => 4,
             events => [[1.5, sub { $fa->stop; $killed = time }]]);
my $gap = SRTGW::max_gap($rx->{chunks}, $killed - 1, $killed + 2);
ok($gap < 0.4, sprintf('gap to the slate %.0f ms (timeout 300 ms)',
                       $gap * 1000));
$r = $gw->route('card');
is($r->{active_input}, 'slate', 'the slate plays');
ok($r->{failover}{no_input}, 'no_input is reported');
($rc, $j) = $gw->tscheck_file('card', $rx->{body});
is($rc, 0, 'tscheck: exit 0 across the switch to the slate');
is(p1_errors($j), '', 'tscheck: no priority-1 error');
ok($gw->error_log_grep(qr/route "card": no input has a signal, playing the slate/),
   'logged: playing the slate');

# the slate alone decodes
$rx = $gw->udp_receiver($o2);
$gw->collect(sinks => [$rx], duration => 2);
($dec, $err) = $gw->ffmpeg_decode(from_keyframe($rx->{body}));
ok($dec && $err !~ /error/i, 'ffmpeg decodes the slate') or diag($err);
(undef, $streams) = $gw->ffprobe_streams(from_keyframe($rx->{body}));
like($streams, qr/h264/, 'the slate is H.264');

# back as soon as the input is
$fa = $gw->sender(file => "$p/a.ts", port => $pa, loop => 1);
$rx = $gw->udp_receiver($o2);
$gw->collect(sinks => [$rx], duration => 4, stop_when => sub {
    ($gw->route('card') || {})->{active_input} eq 'in0' });
$r = $gw->route('card');
is($r->{active_input}, 'in0', 'off the slate when the input is back');
is($r->{failover}{last_switch}{reason}, 'restore', 'reason: restore');
ok(!$r->{failover}{no_input}, 'no_input cleared');
$gw->collect(sinks => [$rx], duration => 1);
($rc, $j) = $gw->tscheck_file('restore', $rx->{body});
is(p1_errors($j), '', 'tscheck: no priority-1 error leaving the slate');

# the gateway's own switches are in the audit log
my $au = $gw->api('/api/audit?route=card&action=route.auto_switch');
my @ev = reverse @{ ($au->{json} || {})->{events} || [] };
like(join(',', map { $_->{after}{reason} // '?' } @ev), qr/timeout,restore$/,
     'audited: to the slate and back')
    or diag(explain \@ev);
is(($ev[-1] || {})->{after}{input}, 'in0', 'the restore names its input');
ok(!grep({ ($_->{actor} // '') ne 'gateway' } @ev), 'actor gateway');

# an operator puts the route on the slate, and takes it off
my $res = $gw->api_req('POST', '/api/routes/card/switch', { input => 'slate' });
is($res->{status}, 202, 'switch to the slate: 202');
$r = $gw->wait_route('card', sub { $_[0]{active_input} eq 'slate' }, 3);
ok($r, 'on the slate by hand');
sleep 1;
is($gw->route('card')->{active_input}, 'slate',
   'manual: stays on the slate with a live input');
$res = $gw->api_req('POST', '/api/routes/card/switch', { mode => 'auto' });
is($res->{status}, 202, 'mode auto: 202');
$r = $gw->wait_route('card', sub { $_[0]{active_input} eq 'in0' }, 3);
ok($r, 'auto: back to the input');

# ---------------------------------------------------------------- file slate

my $fb = $gw->sender(file => "$p/a.ts", port => $pb, loop => 1);
$r = $gw->wait_route('loop', sub { $_[0]{inputs}[1]{healthy} }, 10);
ok($r, 'the file slate is healthy') or diag(explain $gw->route('loop'));
like($r->{inputs}[1]{url} // '', qr/^slate:.*slate\.ts$/, 'its URL names the file');
$gw->wait_route('loop', sub { $_[0]{active_input} eq 'in0' }, 10);
$fb->stop;
$r = $gw->wait_route('loop', sub { $_[0]{active_input} eq 'slate' }, 3);
ok($r, 'the file slate plays');

# 5 s of a 2 s file: two loops, with continuous timestamps
$rx = $gw->udp_receiver($o3);
$gw->collect(sinks => [$rx], duration => 5);
($rc, $j) = $gw->tscheck_file('loop', $rx->{body});
is($rc, 0, 'tscheck: exit 0 over the loops');
is(p1_errors($j), '', 'tscheck: no priority-1 error over the loops');
my $p2 = $j->{priority2} || {};
is($p2->{pcr_discontinuity} // 0, 0, 'PCR has no discontinuity at the loops')
    or diag(explain $p2);
($dec, $err) = $gw->ffmpeg_decode(from_keyframe($rx->{body}));
ok($dec && $err !~ /error/i, 'ffmpeg decodes the looped slate') or diag($err);

# ---------------------------------------------------------------- API

# an API route: a UDP primary and the test pattern as its backup
my $fc = $gw->sender(file => "$p/a.ts", port => $pc, loop => 1);
$res = $gw->api_req('POST', '/api/routes',
                    { name => 'apitest',
                      inputs => [{ id => 'main', url => "udp://127.0.0.1:$pc" },
                                 { id => 'pattern', priority => 5,
                                   url => 'testsrc://?size=320x180&bitrate=300k' }],
                      outputs => [{ url => "udp://127.0.0.1:$o4" }] });
is($res->{status}, 201, 'API route with a testsrc:// backup: 201')
    or diag(explain $res);
$r = $gw->wait_route('apitest', sub {
    my $in = $_[0]{inputs};
    $in->[0]{healthy} && $in->[1]{healthy} && $_[0]{active_input} eq 'main'
}, 10);
ok($r, 'both inputs run and are healthy, the primary plays')
    or diag(explain $gw->route('apitest'));
$rx = $gw->udp_receiver($o4);
$killed = undef;
$gw->collect(sinks => [$rx], duration => 3.5,
             events => [[1.5, sub { $fc->stop; $killed = time }]]);
$r = $gw->route('apitest');
is($r->{active_input}, 'pattern', 'the API route failed over to its backup');
$gap = SRTGW::max_gap($rx->{chunks}, $killed - 1, $killed + 1.5);
ok($gap < 0.7, sprintf('gap %.0f ms (default timeout 500 ms)', $gap * 1000));
($rc, $j) = $gw->tscheck_file('api', $rx->{body});
is(p1_errors($j), '', 'tscheck: no priority-1 error across the failover');
$res = $gw->api_req('POST', '/api/routes/apitest/switch', { input => 'main' });
is($res->{status}, 409, 'a switch to the silent primary: 409');
$res = $gw->api_req('POST', '/api/routes',
                    { name => 'apibad',
                      inputs => [{ url => 'testsrc://?size=1x1' }],
                      outputs => [{ url => "udp://127.0.0.1:$o4" }] });
is($res->{status}, 400, 'a bad testsrc:// URL: 400');
like($res->{body} // '', qr/invalid size/, 'saying why');
$res = $gw->api_req('DELETE', '/api/routes/apitest');
is($res->{status}, 204, 'the API route goes');

$gw->stop;

done_testing;
