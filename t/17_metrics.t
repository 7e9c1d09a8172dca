#!/usr/bin/perl

# Prometheus metrics (location /metrics { route_metrics; }): the text
# exposition parses with the reference parser (python3-prometheus-client),
# every family has HELP and TYPE, any worker answers with the totals of all
# workers, and inputs, outputs, HTTP clients, SRT connections, worker
# processes and the host are there.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use IPC::Open2;
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($in, $out, $srt) = $gw->ports(3);
my $p = $gw->prefix;

$gw->write_conf(
    srt => <<"EOF",
    route tv {
        input udp://127.0.0.1:$in;
        output udp://127.0.0.1:$out;
        output "srt://:$srt?mode=listener";
    }
    route "quiet" {
        input udp://127.0.0.1:${\ SRTGW::free_port()};
    }
EOF
    server => '        location /metrics { route_metrics; }');

$gw->start;

my $media = $gw->media(duration => 20);
my $snd = $gw->sender(file => $media, port => $in, loop => 1);
ok($gw->wait_route('tv', sub { $_[0]{inputs}[0]{status} eq 'live' }, 5),
   'input live');

my $player = $gw->srt_play("srt://127.0.0.1:$srt", "$p/player.ts");
my $client = $gw->http_client('/live/tv.ts');
$gw->collect(sinks => [$client], duration => 2.5);

sub scrape {
    my $r = $gw->http_get('/metrics', duration => 3);
    my $pid = open2(my $from, my $to, '/usr/bin/python3',
                    "$FindBin::Bin/tools/prom_parse.py");
    print $to $r->body;
    close $to;
    local $/;
    my $json = <$from>;
    waitpid $pid, 0;
    my $rc = $? >> 8;
    return ($r, $rc, $rc ? undef : decode_json($json));
}

sub value {
    my ($m, $name, %labels) = @_;
    for my $s (@{ $m->{samples} }) {
        next unless $s->[0] eq $name;
        next if grep { ($s->[1]{$_} // '') ne $labels{$_} } keys %labels;
        return $s->[2];
    }
    return undef;
}

my ($r, $rc, $m) = scrape();
is($r->status, 200, 'GET /metrics: 200');
like($r->header('content-type'), qr{^text/plain; version=0\.0\.4},
     'Prometheus text content type');
is($rc, 0, 'the reference parser accepts the exposition');

my $body = $r->body;
my %help = map { $_ => 1 } $body =~ /^# HELP (\S+)/mg;
my %type = map { $_ => 1 } $body =~ /^# TYPE (\S+)/mg;
my @names = keys %{ { map { $_ => 1 } $body =~ /^(srtgw_\w+)[{ ]/mg } };
my @nohelp = grep { !$help{$_} || !$type{$_} } @names;
is(scalar @nohelp, 0, 'every metric has HELP and TYPE') or diag("@nohelp");

is(value($m, 'srtgw_input_up', route => 'tv', input => 'in0', kind => 'udp'),
   1, 'input up');
is(value($m, 'srtgw_input_up', route => 'quiet'), 0, 'silent input down');
ok(value($m, 'srtgw_input_bytes_total', route => 'tv') > 100_000,
   'input bytes');
ok(value($m, 'srtgw_input_bitrate_bits_per_second', route => 'tv') > 100_000,
   'input bitrate');
is(value($m, 'srtgw_input_cc_errors_total', route => 'tv'), 0,
   'no CC errors');
ok(value($m, 'srtgw_output_packets_total', route => 'tv', output => 'out0',
         kind => 'udp') > 500, 'UDP output packets');
ok(value($m, 'srtgw_output_bytes_total', route => 'tv', output => 'out1',
         kind => 'srt') > 50_000, 'SRT output bytes');
is(value($m, 'srtgw_route_http_clients', route => 'tv'), 1,
   'one HTTP-TS client, whichever worker has it');
is(value($m, 'srtgw_srt_connections', route => 'tv', kind => 'player'), 1,
   'one SRT player');
ok(defined value($m, 'srtgw_srt_rtt_seconds', route => 'tv', kind => 'player'),
   'SRT RTT of the player');
ok(defined value($m, 'srtgw_srt_flight_packets', route => 'tv'),
   'SRT flight size');
ok(defined value($m, 'srtgw_srt_send_buffer_seconds', route => 'tv'),
   'SRT send buffer');
ok(defined value($m, 'srtgw_srt_rejected_total', reason => 'not_found'),
   'SRT refusals by reason');
my @procs = grep { $_->[0] eq 'srtgw_process_cpu_seconds_total' }
                 @{ $m->{samples} };
is(scalar @procs, 2, 'CPU of both workers');
ok(value($m, 'srtgw_system_memory_bytes', state => 'total') > 0,
   'host memory');
ok(defined value($m, 'srtgw_system_load', period => '1m'), 'host load');

# any worker: counters never go back whichever worker answers

my ($prev, $back, %pids) = (0, 0);
for (1 .. 8) {
    my ($rr, $rc2, $mm) = scrape();
    my $v = value($mm, 'srtgw_input_bytes_total', route => 'tv') // -1;
    $back++ if $v < $prev;
    $prev = $v;
    $pids{ $_->[1]{pid} }++ for grep { $_->[0] eq 'srtgw_process_cpu_seconds_total' }
                                    @{ $mm->{samples} };
    $gw->collect(sinks => [$client], duration => 0.2);
}
is($back, 0, 'input bytes never decrease across 8 scrapes of either worker');
my %by = map { (split ' ')[0] => 1 } grep { m{GET /metrics} } do {
    open my $fh, '<', $gw->access_log or die; <$fh> };
ok(keys %by >= 2, 'scrapes were answered by ' . scalar(keys %by)
   . ' different workers');

$client->close;
$player->stop;
$snd->stop;
$gw->stop;

done_testing;
