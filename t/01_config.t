#!/usr/bin/perl
# nginx -t: accepts a good configuration, rejects bad ones naming file:line.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use SRTGW;

my $gw = SRTGW->new(workers => 2);
my ($p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8) = $gw->ports(8);

# Each case: srt{} body; lines marked "#!" are where the error may be
# reported (the offending directive, or for a block-level error the block
# start/end).
my @bad = (
    ['URL without port', <<"EOF"],
route a {
    input udp://127.0.0.1; #!
}
EOF
    ['port out of range', <<"EOF"],
route a {
    input udp://1.2.3.4:99999; #!
}
EOF
    ['unknown query parameter', <<"EOF"],
route a {
    input udp://127.0.0.1:$p1?foo=1; #!
}
EOF
    ['output pkt_size not a multiple of 188', <<"EOF"],
route a {
    input udp://127.0.0.1:$p1;
    output udp://127.0.0.1:$p2?pkt_size=1000; #!
}
EOF
    ['multicast localaddr not an IPv4 address', <<"EOF"],
route a {
    input udp://239.255.1.1:$p1?localaddr=eth0; #!
}
EOF
    ['SSM source not an IPv4 address', <<"EOF"],
route a {
    input udp://somehost\@239.255.1.1:$p1; #!
}
EOF
    ['duplicate route names', <<"EOF"],
route a {
    input udp://127.0.0.1:$p1;
}
route a { #!
    input udp://127.0.0.1:$p2;
} #!
EOF
    ['two inputs on the same address and port', <<"EOF"],
route a {
    input udp://127.0.0.1:$p1;
}
route b { #!
    input udp://127.0.0.1:$p1; #!
} #!
EOF
    ['wildcard and specific address on the same port', <<"EOF"],
route a {
    input udp://:$p3;
}
route b { #!
    input udp://127.0.0.1:$p3; #!
} #!
EOF
    ['specific address then wildcard on the same port', <<"EOF"],
route a {
    input udp://127.0.0.1:$p4;
}
route b { #!
    input udp://0.0.0.0:$p4; #!
} #!
EOF
    ['route without input', <<"EOF"],
route a { #!
    output udp://127.0.0.1:$p2;
} #!
EOF
    ['SRT passphrase too short', <<"EOF"],
route a {
    input "srt://:$p5?passphrase=short"; #!
}
EOF
    ['SRT caller without a host', <<"EOF"],
route a {
    input udp://127.0.0.1:$p1;
    output "srt://:$p6?mode=caller"; #!
}
EOF
    ['SRT rendezvous mode', <<"EOF"],
route a {
    input "srt://127.0.0.1:$p5?mode=rendezvous"; #!
}
EOF
    ['SRT pbkeylen without passphrase', <<"EOF"],
route a {
    input "srt://:$p5?pbkeylen=16"; #!
}
EOF
    ['SRT listener on a UDP input port', <<"EOF"],
route a {
    input udp://127.0.0.1:$p1; #!
}
route b {
    input "srt://:$p1"; #!
}
EOF
    ['SRT port bound to two addresses', <<"EOF"],
route a {
    input "srt://127.0.0.1:$p5?mode=listener";
}
route b {
    input "srt://:$p5"; #!
}
EOF
    ['two SRT listener outputs of a route on one port', <<"EOF"],
route a {
    input "srt://:$p5";
    output "srt://:$p6";
    output "srt://:$p6?latency=100"; #!
}
EOF
    ['invalid publisher policy', <<"EOF"],
route a {
    input "srt://:$p5";
    publisher sometimes; #!
}
EOF
    ['unknown directive inside route', <<"EOF"],
route a {
    input udp://127.0.0.1:$p1;
    frobnicate on; #!
}
EOF
);

# the good configuration
{
    $gw->write_conf(srt => <<"EOF");
shm_size 64m;
ring_size 4m;
route demo {
    input udp://127.0.0.1:$p1;
    output udp://127.0.0.1:$p2;
    output udp://127.0.0.1:$p3?pkt_size=188&ttl=4;
}
route other_1.x-y {
    ring_size 2m;
    input rtp://127.0.0.1:$p4?rtp=on;
}
route s1 {
    input "srt://:$p5?mode=listener&passphrase=0123456789&pbkeylen=24";
    output "srt://:$p6";
    output "srt://127.0.0.1:$p7?mode=caller&streamid=#!::r=x,m=publish";
    publisher replace;
}
route s2 {
    input "srt://127.0.0.1:$p8?mode=caller&latency=500&connect_timeout=2000";
    output "srt://:$p6?mode=listener&passphrase=abcdefghijk&pbkeylen=32";
}
route s3 {
    input "srt://:$p5?streamid=ignored-on-listeners";
    publisher exclusive;
}
EOF
    my ($rc, $out) = $gw->nginx_t;
    is($rc, 0, 'nginx -t accepts a good configuration') or diag($out);
    like($out, qr/test is successful/, 'nginx -t says successful');
}

for my $case (@bad) {
    my ($name, $body) = @$case;
    my $file = $gw->write_conf(srt => "shm_size 64m;\n$body");
    # line numbers of the marked lines in the generated file
    my @lines = split /\n/, $gw->{conf_text};
    my @want = grep { $lines[$_ - 1] =~ /#!\s*$/ } 1 .. @lines;
    my ($rc, $out) = $gw->nginx_t;
    isnt($rc, 0, "nginx -t rejects: $name");
    # some messages also name the other (first) definition: any mention of
    # a marked line counts
    my @at = $out =~ /nginx\.conf:(\d+)/g;
    my %want = map { $_ => 1 } @want;
    ok(scalar(grep { $want{$_} } @at),
       "error names nginx.conf and the line (@want): $name")
        or diag("output: $out\nconfig:\n"
                . join("\n", map { sprintf '%3d %s', $_, $lines[$_ - 1] }
                       1 .. @lines));
    like($out, qr/\[emerg\]/, "an [emerg] message: $name");
}

# secrets stay out of messages
{
    $gw->write_conf(srt => <<"EOF");
route a {
    input "srt://:$p5?passphrase=TopSecretValue&pbkeylen=7";
}
EOF
    my ($rc, $out) = $gw->nginx_t;
    isnt($rc, 0, 'nginx -t rejects a bad pbkeylen');
    unlike($out, qr/TopSecretValue/, 'the passphrase is not in the message');
    like($out, qr/passphrase=\*\*\*/, 'it is shown as ***');
}

done_testing;
