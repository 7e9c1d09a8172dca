#!/usr/bin/perl
# HTTP-TS over TLS (listen ... ssl, self-signed certificate made here):
#  - a client reading at full speed receives a byte-identical slice;
#  - a client limited to 20 KB/s (the stream is ~80 KB/s) makes SSL_write
#    block again and again: every retry is made from the request's own
#    backlog copy (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER), so the stream it
#    receives stays a byte-identical slice and nothing is logged at crit.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my $p = $gw->prefix;
my ($in) = $gw->ports(1);

my $out = `openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout $p/key.pem -out $p/cert.pem 2>&1`;
ok(-s "$p/cert.pem", 'self-signed certificate') or diag($out);

$gw->write_conf(srt => <<"EOF2",
shm_size 64m;
route tls {
    input udp://127.0.0.1:$in;
}
EOF2
    listen => 'ssl',
    server => "ssl_certificate $p/cert.pem;\n"
              . "ssl_certificate_key $p/key.pem;\n");

# the harness polls the API over plain HTTP: serve it on a second port
my $api_port = SRTGW::free_port();
{
    my $conf = SRTGW::slurp($gw->conf_file);
    $conf =~ s{(\n    server \{)}{\n    server { listen 127.0.0.1:$api_port; location /api/ { route_api; route_api_auth off; } }$1};
    open my $fh, '>', $gw->conf_file or die $!;
    print $fh $conf;
    close $fh;
    $gw->{http_port_tls} = $gw->http_port;
    $gw->{http_port} = $api_port;
}

$gw->start;

my $media = $gw->media(duration => 14);
my $input = SRTGW::slurp($media);
my $snd = $gw->sender(file => $media, port => $in);
sleep 1.5;

my $url = "https://127.0.0.1:$gw->{http_port_tls}/live/tls.ts";
my %pids;
for my $c ([fast => []], [slow => ['--limit-rate', '20k']]) {
    my ($name, $extra) = @$c;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        exec 'curl', '-sk', '--max-time', '6', @$extra, '-o',
            "$p/$name.ts", $url;
        POSIX::_exit(127);
    }
    $pids{$name} = $pid;
}
waitpid $_, 0 for values %pids;

for my $name (qw(fast slow)) {
    my $body = -e "$p/$name.ts" ? SRTGW::slurp("$p/$name.ts") : '';
    my $n = int(length($body) / 188);
    ok($n > 50, "$name TLS client received data ($n packets)");
    ok(SRTGW::ts_aligned($body), "$name TLS client: packet-aligned");
    ok(SRTGW::ts_is_slice($body, $input),
       "$name TLS client: byte-identical slice of the input")
        or diag(SRTGW::slice_divergence($body, $input));
}

my $fast = int((-s "$p/fast.ts" // 0) / 188);
my $slow = int((-s "$p/slow.ts" // 0) / 188);
ok($slow < $fast, "the rate-limited client got less ($slow < $fast packets)");

$snd->stop;
$gw->stop;
ok($gw->check_error_log, 'no alert, crit or emerg in error.log');

done_testing;
