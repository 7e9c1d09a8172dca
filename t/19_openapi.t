#!/usr/bin/perl

# The OpenAPI document: served at /api/openapi.json, equal to
# docs/openapi.json, and in step with the handler: every resource and method
# of ngx_http_route_api_paths[] is documented and every documented one is
# answered (and nothing else).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;

use SRTGW qw(:all);

my $root = "$FindBin::Bin/..";
my $doc = decode_json(SRTGW::slurp("$root/docs/openapi.json"));
like($doc->{openapi}, qr/^3\./, 'docs/openapi.json is OpenAPI 3');

# the handler's table, read from the source
my $src = SRTGW::slurp("$root/ngx_route_api_module/ngx_http_route_api_module.c");
my ($table) = $src =~ /ngx_http_route_api_paths\[\] = \{(.*?)\n\};/s;
ok($table, 'found ngx_http_route_api_paths[] in the source');
my %handler;
while ($table =~ /\{\s*([A-Z_|]+),\s*"([^"]+)"/g) {
    my ($methods, $path) = ($1, $2);
    for my $m (split /\|/, $methods) {
        $m =~ s/^NGX_HTTP_//;
        next if $m eq 'HEAD';
        $handler{ lc($m) . " $path" } = 1;
    }
}
ok(keys %handler >= 5, 'the table lists ' . scalar(keys %handler)
   . ' operations');

my %documented;
for my $path (keys %{ $doc->{paths} }) {
    for my $m (keys %{ $doc->{paths}{$path} }) {
        next if $m eq 'parameters';
        $documented{"$m $path"} = 1;
    }
}

my @undocumented = grep { !$documented{$_} } sort keys %handler;
my @unhandled = grep { !$handler{$_} } sort keys %documented;
is("@undocumented", '', 'every operation the handler accepts is documented');
is("@unhandled", '', 'every documented operation is in the handler');

# live: the same document, and the documented paths answer

my $gw = SRTGW->new(workers => 2);
my ($in, $out) = $gw->ports(2);
$gw->write_conf(srt => "route demo { input udp://127.0.0.1:$in;"
                     . " output udp://127.0.0.1:$out; }");
$gw->start;

my $r = $gw->api('/api/openapi.json');
is($r->{status}, 200, 'GET /api/openapi.json');
is_deeply($r->{json}, $doc, 'served document equals docs/openapi.json');

for my $op (sort keys %documented) {
    my ($m, $path) = split ' ', $op;
    next unless $m eq 'get';
    (my $url = "/api$path") =~ s/\{id\}/demo/g;
    $url =~ s/\{iid\}/in0/g;
    $url =~ s/\{oid\}/out0/g;
    # no schedule entry exists here: the path answers, with 404
    my $want = $url =~ s/\{sid\}/1/g ? 404 : 200;
    $r = $gw->api($url);
    is($r->{status}, $want, "GET $url answers $want");
}

my $sys = $gw->api('/api/system')->{json};
is($sys->{workers}{configured}, 2, 'system: two workers configured');
is(scalar @{ $sys->{workers}{processes} }, 2, 'system: both worker processes');
ok($sys->{memory}{total} > 0 && $sys->{disk}{total} > 0
   && $sys->{cpu}{count} >= 1 && @{ $sys->{cpu}{load} } == 3,
   'system: memory, disk, CPUs and load');
ok(defined $sys->{uptime_s} && $sys->{version}, 'system: version and uptime');

is($gw->api('/api/nothing-here')->{status}, 404, 'an undocumented path: 404');
is($gw->api('/api/routes/demo/extra')->{status}, 404,
   'a longer path: 404');
$r = $gw->api('/api/routes', method => 'DELETE');
is($r->{status}, 405, 'an undocumented method: 405');
like($r->{headers}{allow} // '', qr/GET/, 'with Allow');

$gw->stop;

done_testing;
