#!/usr/bin/perl
# nginx -t: accepts a good configuration, rejects bad ones naming file:line.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use SRTGW;

my $gw = SRTGW->new(workers => 2);
my ($p1, $p2, $p3, $p4) = $gw->ports(4);

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

done_testing;
