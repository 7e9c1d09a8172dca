#!/usr/bin/perl
# Multicast input (ASM udp://GROUP:PORT and SSM udp://SOURCE@GROUP:PORT) and
# multicast output (?ttl=1).  Runs on the host loopback when multicast works
# there; otherwise inside a private network namespace created for the test
# (the test re-runs itself with `ip netns exec`); skipped if neither works.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use IO::Select;
use Socket qw(:all);
use POSIX ();
use SRTGW qw(:all);

# quick self-test: does a multicast datagram sent on 127.0.0.1 come back?
sub mcast_works {
    my $group = '239.255.77.77';
    my $port = SRTGW::free_port();
    socket(my $r, PF_INET, SOCK_DGRAM, 0) or return 0;
    setsockopt($r, SOL_SOCKET, SO_REUSEADDR, 1);
    bind($r, pack_sockaddr_in($port, inet_aton($group))) or return 0;
    setsockopt($r, IPPROTO_IP, IP_ADD_MEMBERSHIP,
               pack_ip_mreq(inet_aton($group), inet_aton('127.0.0.1')))
        or return 0;
    socket(my $s, PF_INET, SOCK_DGRAM, 0) or return 0;
    setsockopt($s, IPPROTO_IP, IP_MULTICAST_IF, inet_aton('127.0.0.1')) or return 0;
    setsockopt($s, IPPROTO_IP, IP_MULTICAST_LOOP, pack('C', 1));
    setsockopt($s, IPPROTO_IP, IP_MULTICAST_TTL, pack('C', 1));
    my $sel = IO::Select->new($r);
    for (1 .. 3) {
        send($s, "ping", 0, pack_sockaddr_in($port, inet_aton($group))) or return 0;
        if ($sel->can_read(0.3)) {
            my $buf;
            recv($r, $buf, 100, 0);
            return 1 if $buf eq 'ping';
        }
    }
    return 0;
}

my $in_ns = $ENV{SRTGW_NETNS};

# SRTGW_FORCE_NETNS=1 exercises the namespace path even if the host works
if (!$in_ns && ($ENV{SRTGW_FORCE_NETNS} || !mcast_works())) {
    # try a private network namespace
    my $ns = "srtgw-test-$$";
    my $devnull = sub { my @c = @_; system("@c >/dev/null 2>&1") == 0 };
    if ($> != 0 || !$devnull->("ip netns add $ns")) {
        plan skip_all => 'multicast does not work on the loopback and no '
                       . 'network namespace can be created';
    }
    my $ok = $devnull->("ip netns exec $ns ip link set lo up")
          && $devnull->("ip netns exec $ns ip link set lo multicast on")
          && $devnull->("ip netns exec $ns ip route add 224.0.0.0/4 dev lo");
    my $rc = 0;
    if ($ok) {
        local $ENV{SRTGW_NETNS} = $ns;
        $rc = system('ip', 'netns', 'exec', $ns, $^X, "-I$FindBin::Bin/lib",
                     $0) >> 8;
    }
    system("ip netns delete $ns >/dev/null 2>&1");
    if (!$ok) {
        plan skip_all => 'could not configure multicast in a network namespace';
    }
    POSIX::_exit($rc);      # the child printed the TAP stream
}

if ($in_ns) {
    plan skip_all => "multicast does not work in namespace $in_ns either"
        unless mcast_works();
    note("running inside network namespace $in_ns");
} else {
    note('running on the host loopback');
}

my $gw = SRTGW->new(workers => 2);
my ($p1, $p2, $p3) = $gw->ports(3);
my ($g_in, $g_out, $g_ssm) = ('239.255.42.1', '239.255.42.2', '239.255.42.3');
# on the host the output needs its interface named (lo has no 224/4 route)
my $oif = $in_ns ? '' : '&localaddr=127.0.0.1';
my $jif = $in_ns ? '' : '?localaddr=127.0.0.1';
$gw->write_conf(srt => <<"EOF2");
shm_size 64m;
route mc {
    input udp://$g_in:$p1$jif;
    output udp://$g_out:$p2?ttl=1$oif;
}
route ssm {
    input udp://127.0.0.1\@$g_ssm:$p3$jif;
}
EOF2
$gw->start;
my $media = $gw->media;
my $input = SRTGW::slurp($media);

# a second source on the SSM group that must be filtered out: zero bytes
my $zero = $gw->prefix . '/zero.bin';
{ open my $fh, '>:raw', $zero or die $!; print $fh "\0" x (1316 * 50); }

my $udp = $gw->udp_receiver($p2, group => $g_out);
my @snd = (
    $gw->sender(file => $media, host => $g_in, port => $p1, mcast_if => '127.0.0.1'),
    $gw->sender(file => $media, host => $g_ssm, port => $p3,
                mcast_if => '127.0.0.1', bind => '127.0.0.1'),
    $gw->sender(file => $zero, host => $g_ssm, port => $p3, bitrate => 300_000,
                loop => 1, mcast_if => '127.0.0.1', bind => '127.0.0.2'),
);
sleep 1.2;
my $h1 = $gw->http_client('/live/mc.ts');
my $h2 = $gw->http_client('/live/ssm.ts');
$gw->collect(sinks => [$h1, $h2, $udp], duration => 4);

for my $s (['ASM input -> HTTP', $h1], ['SSM input -> HTTP', $h2],
           ['multicast output', $udp])
{
    my ($name, $sink) = @$s;
    my $b = $sink->body;
    ok(length $b > 100_000, "$name: data (" . length($b) . ' bytes)');
    ok(ts_aligned($b), "$name: aligned");
    is(ts_first_pid($b), 0, "$name: starts with a PAT");
    ok(slice_offset($b, $input) >= 0, "$name: contiguous slice of the input")
        or diag(SRTGW::slice_divergence($b, $input));
    my ($err, undef, $d) = ts_cc_check($b);
    is($err, 0, "$name: no CC errors") or diag(join "\n", @$d);
}

my $mc = $gw->route('mc');
is($mc->{inputs}[0]{status}, 'live', 'API mc: input live');
ok($mc->{outputs}[0]{datagrams} > 0, 'API mc: output datagrams');
is($mc->{outputs}[0]{errors}, 0, 'API mc: no output errors')
    or diag("last_errno $mc->{outputs}[0]{last_errno}");
my $ssm = $gw->route('ssm');
is($ssm->{inputs}[0]{status}, 'live', 'API ssm: input live');
is($ssm->{inputs}[0]{garbage_bytes}, 0,
   'API ssm: nothing from the other source 127.0.0.2 (source filter)');

$_->close for $h1, $h2;
$_->stop for @snd;
unless (Test::More->builder->is_passing) { $gw->diag_state($_) for qw(mc ssm) }
$gw->stop;
done_testing;
