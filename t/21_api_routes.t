#!/usr/bin/perl

# The writable route API (issue 4): CRUD round trips on API routes next to a
# route from nginx.conf, with 2 workers.
#
# * POST /api/routes creates r1 (201, Location, ids in0/out0, source api);
#   GET lists the config route first; both workers give the same desired
#   fields (access.log tells which worker answered).
# * With r1 fed by the paced UDP sender: its UDP output carries clean TS and
#   /live/r1.ts streams; PATCH enabled=false stops the output within 1 s
#   (status "disabled"), enabled=true resumes it; POST a second output (out1)
#   which receives, DELETE it (204) and it stops, out0 uninterrupted
#   meanwhile; PUT replaces out0's url (the new destination receives, the old
#   one stops); PATCH of the input priority; out0 moved to route r2; PUT of a
#   route creates it (201) then replaces it (200).
# * Bad input: malformed JSON, not an object, wrong type, unknown field,
#   missing url, invalid id, bad srt:// and host names and broken URLs, UDP port
#   conflicts, duplicate ids and names, any change of the config route, unknown
#   ids, wrong methods (405 + Allow), a body over route_api_max_body (413):
#   each with the right status and {"error":{code,message[,field]}}, and
#   nothing changed (routes and audit log compared before/after).
# * Audit log (route_api_audit_retention 20): every successful change, newest
#   first, with its fields; the route/action/actor/from/to filters; pages of
#   5 following next_cursor visit each event once; after more than 20
#   changes only the newest 20 are kept.
# * DELETE /api/routes/r2: 204, then 404, and /live/r2.ts 404.
# * Roles (a second nginx with JWT HS256): no token 401, viewer reads but may
#   not change (403), operator changes outputs but not routes, admin may do
#   everything; the audit log names the token's sub.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64url);
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

$SIG{PIPE} = 'IGNORE';

my $T = JSON::PP::true;
my $F = JSON::PP::false;

my $gw = SRTGW->new(workers => 2);
my ($pcfg, $pco, $p1, $p2, $p3, $p4, $p5, $p6, $pbad) = $gw->ports(9);
sub udp { "udp://127.0.0.1:$_[0]" }

$gw->write_conf(
    srt => <<"EOF",
route cfg {
    input udp://127.0.0.1:$pcfg;
    output udp://127.0.0.1:$pco;
}
EOF
    http_main => 'route_api_audit_retention 20; route_api_max_body 1k;');
$gw->start;
my $db = $gw->prefix . '/route_api.db';

# ---------------------------------------------------------------- helpers

sub canon { SRTGW::canon(@_) }
sub desired { SRTGW::desired_route(@_) }

sub req { $gw->api_req(@_) }

# Successful changes, oldest first, as the audit log should have them:
# {action, route, resource, result}; each may be a string or a regexp.
my @expect;

# mut(METHOD, PATH, DATA, STATUS, ACTION, ROUTE, RESOURCE): one change that
# must succeed with STATUS; recorded for the audit checks.
sub mut {
    my ($m, $path, $data, $status, $action, $route, $resource) = @_;
    my $r = req($m, $path, $data);
    is($r->{status}, $status, "$m $path: $status")
        or diag("answer: " . ($r->{body} // '') . ($r->{error} // ''));
    push @expect, { action => $action, route => $route,
                    resource => $resource, result => $status, what => "$m $path" }
        if ($r->{status} // 0) == $status;
    return $r;
}

sub routes_list {
    my $r = $gw->api('/api/routes');
    return undef unless ($r->{status} // 0) == 200 && ref $r->{json} eq 'ARRAY';
    return $r->{json};
}

# the desired state of all routes, as one comparable text
sub snapshot {
    my $l = routes_list() or return 'unavailable';
    return canon([ map { desired($_) } @$l ]);
}

sub ids { [ map { $_->{id} } @{ $_[0] || [] } ] }

# GET PATH until both workers have answered several times; returns
# { pid => [canonical desired view, ...] }.  access.log says which worker.
sub views {
    my ($path, $proj, $timeout) = @_;
    my %by;
    my $n = 0;
    my $deadline = time + ($timeout // 6);
    while (time < $deadline && ($n < 8 || keys %by < 2)) {
        my $r = $gw->api($path);
        my $la = $gw->last_access(qr{ GET \Q$path\E HTTP/});
        $n++;
        next unless ($r->{status} // 0) == 200 && $la;
        push @{ $by{ $la->{pid} } }, canon($proj->($r->{json}));
    }
    return \%by;
}

sub same_views {
    my ($name, $by, $want) = @_;
    my @pids = sort keys %$by;
    ok(@pids >= 2, "$name: answered by both workers (@pids)");
    my @diff = grep { $_ ne $want } map { @{ $by->{$_} } } @pids;
    is(scalar @diff, 0, "$name: every answer of every worker has the same "
       . 'desired fields') or diag("want $want\ngot  $diff[0]");
}

# whole TS packets, datagrams of at most 1316 bytes, no CC errors
sub check_ts {
    my ($s, $name, $min) = @_;
    my $b = $s->body;
    ok($s->{datagrams} >= ($min // 20), "$name: received "
       . "$s->{datagrams} datagrams");
    ok(!grep({ $_ > 1316 || $_ % 188 } keys %{ $s->{sizes} }),
       "$name: datagrams of whole 188-byte packets");
    ok(length $b && ts_aligned($b), "$name: TS with 0x47 sync every 188 bytes");
    my ($err, undef, $d) = ts_cc_check($b);
    is($err, 0, "$name: no CC errors") or diag(join "\n", @$d);
}

sub error_ok {
    my ($r, $status, $name, %o) = @_;
    is($r->{status}, $status, "$name: $status")
        or diag("answer: " . ($r->{body} // '') . ($r->{error} // ''));
    my $e = ref $r->{json} eq 'HASH' ? $r->{json}{error} : undef;
    ok(ref $e eq 'HASH' && defined $e->{code} && $e->{code} == $status
       && defined $e->{message} && !ref $e->{message}
       && length $e->{message},
       "$name: JSON error with code $status and a message")
        or diag("body: " . ($r->{body} // ''));
    is(ref $e eq 'HASH' ? $e->{field} : undef, $o{field},
       "$name: field $o{field}") if defined $o{field};
    # (a field is not required here, but if there is one it is this)
    is($e->{field}, $o{field_if}, "$name: field $o{field_if}")
        if defined $o{field_if} && ref $e eq 'HASH' && defined $e->{field};
    like(ref $e eq 'HASH' ? $e->{message} // '' : '', $_, "$name: message")
        for @{ $o{message} || [] };
}

sub wait_until {
    my ($timeout, $code) = @_;
    my $deadline = time + $timeout;
    while (1) {
        my $v = $code->();
        return $v if $v;
        return undef if time > $deadline;
        sleep 0.1;
    }
}

sub output_of {
    my ($route, $id) = @_;
    my $j = $gw->route($route) or return undef;
    my ($o) = grep { $_->{id} eq $id } @{ $j->{outputs} || [] };
    return $o;
}

# ---------------------------------------------------------------- start

my $a0 = $gw->api('/api/audit');
is($a0->{status}, 200, 'GET /api/audit on a new database: 200');
is_deeply($a0->{json}{events}, [], 'no events yet');
ok(exists $a0->{json}{next_cursor} && !defined $a0->{json}{next_cursor},
   'next_cursor null');

my $l0 = routes_list();
is_deeply(ids($l0), ['cfg'], 'GET /api/routes: only the config route');
is($l0->[0]{source}, 'config', 'cfg: source config');

# which worker answered: the pid in access.log is the one /api/health says
my $h = $gw->api('/api/health');
my $la = $gw->last_access(qr{ GET /api/health HTTP/});
is($la && $la->{pid}, $h->{json}{pid},
   'access.log names the worker that answered (pid of /api/health)');

# ---------------------------------------------------------------- create r1

my $rx2 = $gw->udp_receiver($p2, label => "out0 $p2");
my $r = mut(POST => '/api/routes',
            { name => 'r1', inputs => [{ url => udp($p1) }],
              outputs => [{ url => udp($p2) }] },
            201, 'route.create', 'r1', '/routes/r1');
my $j = $r->{json} || {};
like($r->{headers}{location} // '', qr{^(?:https?://[^/]+)?/api/routes/r1$},
     'Location: /api/routes/r1');
is($j->{id}, 'r1', 'id r1');
is($j->{name}, 'r1', 'name r1');
is($j->{source}, 'api', 'source api');
ok(JSON::PP::is_bool($j->{enabled}) && $j->{enabled}, 'enabled true');
is($j->{inputs}[0]{id}, 'in0', 'input id in0');
is($j->{inputs}[0]{url}, udp($p1), 'input url');
is($j->{inputs}[0]{priority}, 0, 'input priority 0');
ok($j->{inputs}[0]{enabled}, 'input enabled');
is($j->{outputs}[0]{id}, 'out0', 'output id out0');
is($j->{outputs}[0]{url}, udp($p2), 'output url');
ok($j->{outputs}[0]{enabled}, 'output enabled');
ok(($j->{created} // 0) > 1.6e12 && ($j->{updated} // 0) >= $j->{created},
   'created and updated in unix ms');
my $r1_desired = canon(desired($j));

my $l1 = routes_list();
is_deeply(ids($l1), [qw(cfg r1)], 'GET /api/routes: cfg, then r1');
is_deeply([map { $_->{source} } @{ $l1 || [] }], [qw(config api)],
          'sources config, api');

same_views('GET /api/routes/r1', views('/api/routes/r1', \&desired),
           $r1_desired);

# ---------------------------------------------------------------- stream

my $media = $gw->media(duration => 20);
my $snd = $gw->sender(file => $media, port => $p1, loop => 1);
ok($gw->wait_route('r1', sub { ($_[0]{inputs}[0]{status} // '') eq 'live' }, 5),
   'r1: input live');
$gw->collect(sinks => [$rx2], duration => 2);
check_ts($rx2, 'out0', 50);

my $http = $gw->http_get('/live/r1.ts', duration => 2.5);
is($http->status, 200, 'GET /live/r1.ts: 200');
ok(length $http->body > 50_000, '/live/r1.ts streams ('
   . length($http->body) . ' bytes)');
ok(ts_aligned($http->body), '/live/r1.ts: whole TS packets');
my ($cce, undef, $ccd) = ts_cc_check($http->body);
is($cce, 0, '/live/r1.ts: no CC errors') or diag(join "\n", @$ccd);

# disable / enable out0
$rx2->reset;
$r = mut(PATCH => '/api/routes/r1/outputs/out0', { enabled => $F },
         200, 'output.update', 'r1', '/routes/r1/outputs/out0');
my $t = time;
is($r->{json}{id}, 'out0', 'PATCH answers the output');
ok(JSON::PP::is_bool($r->{json}{enabled}) && !$r->{json}{enabled},
   'enabled false');
$gw->collect(sinks => [$rx2], duration => 2.5);
is($rx2->arrivals($t + 1), 0, 'disabled out0 stopped within 1 s')
    or diag("last datagram " . ($rx2->{chunks}[-1][0] - $t) . " s after the 200");
ok(wait_until(3, sub { ((output_of('r1', 'out0') || {})->{status} // '')
                       eq 'disabled' }),
   'out0 status "disabled"');

$rx2->reset;
mut(PATCH => '/api/routes/r1/outputs/out0', { enabled => $T },
    200, 'output.update', 'r1', '/routes/r1/outputs/out0');
$t = time;
$gw->collect(sinks => [$rx2], duration => 3,
             stop_when => sub { $rx2->{datagrams} >= 20 });
ok($rx2->{datagrams} >= 20 && $rx2->{chunks}[0][0] - $t < 2,
   'enabled again: out0 resumes within 2 s');
$rx2->reset;
$gw->collect(sinks => [$rx2], duration => 1.5);
check_ts($rx2, 'out0 after enable');
ok(wait_until(3, sub { ((output_of('r1', 'out0') || {})->{status} // '')
                       eq 'live' }),
   'out0 status "live" again');

# a second output, then delete it; out0 goes on meanwhile
my $rx3 = $gw->udp_receiver($p3, label => "out1 $p3");
$rx2->reset;
$r = mut(POST => '/api/routes/r1/outputs', { url => udp($p3) },
         201, 'output.create', 'r1', '/routes/r1/outputs/out1');
is($r->{json}{id}, 'out1', 'the new output is out1 (first free id)');
like($r->{headers}{location} // '',
     qr{^(?:https?://[^/]+)?/api/routes/r1/outputs/out1$},
     'Location: /api/routes/r1/outputs/out1');
$gw->collect(sinks => [$rx2, $rx3], duration => 2);
check_ts($rx3, 'out1');
is_deeply(ids(($gw->route('r1') || {})->{outputs}), [qw(out0 out1)],
          'r1 has out0 and out1');

$r = mut(DELETE => '/api/routes/r1/outputs/out1', undef,
         204, 'output.delete', 'r1', '/routes/r1/outputs/out1');
$t = time;
is($r->{body}, '', '204 without a body');
$gw->collect(sinks => [$rx2, $rx3], duration => 2.5);
is($rx3->arrivals($t + 1), 0, 'deleted out1 stopped within 1 s');
is(req(GET => '/api/routes/r1/outputs/out1')->{status}, 404,
   'GET of the deleted output: 404');
check_ts($rx2, 'out0 across the add and delete of out1', 100);
my $gap = max_gap($rx2->{chunks});
ok($gap < 0.5, sprintf('out0 not interrupted by the add/delete of out1 '
   . '(max gap %.3f s)', $gap));

# replace out0: new destination
my $rx4 = $gw->udp_receiver($p4, label => "out0 $p4");
$r = mut(PUT => '/api/routes/r1/outputs/out0', { url => udp($p4) },
         200, 'output.replace', 'r1', '/routes/r1/outputs/out0');
$t = time;
is($r->{json}{url}, udp($p4), 'PUT: the new url');
ok($r->{json}{enabled}, 'PUT: enabled (default)');
$rx2->reset;
$gw->collect(sinks => [$rx2, $rx4], duration => 2.5);
check_ts($rx4, 'out0 at its new url');
is($rx2->arrivals($t + 1), 0, 'the old url gets nothing 1 s after the PUT');

# input priority
$r = mut(PATCH => '/api/routes/r1/inputs/in0', { priority => 5 },
         200, 'input.update', 'r1', '/routes/r1/inputs/in0');
is($r->{json}{priority}, 5, 'PATCH input: priority 5');
my $in = req(GET => '/api/routes/r1/inputs');
is_deeply(ids($in->{json}), ['in0'], 'GET /routes/r1/inputs');
is(req(GET => '/api/routes/r1/inputs/in0')->{json}{priority}, 5,
   'GET input: priority 5');
$rx4->reset;
$gw->collect(sinks => [$rx4], duration => 1.5);
check_ts($rx4, 'out0 after the priority change');

# second API route; move out0 there
$r = mut(POST => '/api/routes', { id => 'r2', inputs => [{ url => udp($p5) }] },
         201, 'route.create', 'r2', '/routes/r2');
is($r->{json}{name}, 'r2', 'r2: name defaults to the id');
is_deeply($r->{json}{outputs}, [], 'r2: no outputs');

$r = mut(POST => '/api/routes/r1/outputs/out0/move', { route => 'r2' },
         200, 'output.move', qr/^r[12]$/,
         qr{^/routes/r[12]/outputs/out0(?:/move)?$});
$t = time;
is($r->{json}{id}, 'out0', 'move answers the output');
is($r->{json}{url}, udp($p4), 'with its url');
is_deeply(ids(($gw->route('r1') || {})->{outputs}), [], 'out0 left r1');
is_deeply(ids(($gw->route('r2') || {})->{outputs}), ['out0'], 'out0 is in r2');
is(req(GET => '/api/routes/r2/outputs/out0')->{json}{url}, udp($p4),
   'GET /routes/r2/outputs/out0');
is(req(GET => '/api/routes/r1/outputs/out0')->{status}, 404,
   'GET /routes/r1/outputs/out0: 404');
$rx4->reset;
$gw->collect(sinks => [$rx4], duration => 2.5);
is($rx4->arrivals($t + 1), 0, 'the moved output follows r2 (no data there)');

# PUT of a route: creates, then replaces
$r = mut(PUT => '/api/routes/r3', { name => 'third', inputs => [{ url => udp($p6) }] },
         201, qr/^route\.(?:create|replace)$/, 'r3', '/routes/r3');
is($r->{json}{id}, 'r3', 'PUT creates r3');
$r = mut(PUT => '/api/routes/r3',
         { id => 'r3', name => 'third-b', enabled => $F,
           inputs => [{ id => 'a', url => udp($p6), priority => 3 }] },
         200, 'route.replace', 'r3', '/routes/r3');
is($r->{json}{name}, 'third-b', 'PUT replaces the name');
ok(!$r->{json}{enabled}, 'and enabled');
is_deeply(ids($r->{json}{inputs}), ['a'], 'and the inputs');
ok(wait_until(3, sub { (($gw->route('r3') || {})->{inputs}[0]{status} // '')
                       eq 'disabled' }),
   'input of a disabled route: status "disabled"');
mut(DELETE => '/api/routes/r3', undef, 204, 'route.delete', 'r3', '/routes/r3');

same_views('GET /api/routes', views('/api/routes',
           sub { [ map { desired($_) } @{ $_[0] } ] }), snapshot());

# ---------------------------------------------------------------- bad input

my $before = snapshot();
my $audit_before = $gw->api('/api/audit?limit=1000')->{json} || {};
my $nbig = '{"name":"big","inputs":[],"pad":"' . ('x' x 2048) . '"}';
my $ro = [qr/nginx\.conf/, qr/read-only/];

my @bad = (
    ['malformed JSON', POST => '/api/routes', '{"name": "x",', 400],
    ['body an array', POST => '/api/routes', '[]', 400],
    ['body a string', POST => '/api/routes/r1/outputs', '"udp://127.0.0.1:1"', 400],
    ['empty body', POST => '/api/routes/r1/outputs', undef, 400],
    ['wrong type (route body)', POST => '/api/routes',
     { name => 'bad1', outputs => [{ url => udp($pbad), enabled => 'yes' }] },
     400, field => 'outputs[0].enabled'],
    ['wrong type (PATCH)', PATCH => '/api/routes/r2/outputs/out0',
     { enabled => 'yes' }, 400, field => 'enabled'],
    ['priority out of range', PATCH => '/api/routes/r1/inputs/in0',
     { priority => 1001 }, 400, field => 'priority'],
    ['unknown field (route)', POST => '/api/routes',
     { name => 'bad2', colour => 'red' }, 400, field => 'colour'],
    ['unknown field (output)', POST => '/api/routes/r1/outputs',
     { url => udp($pbad), colour => 'red' }, 400, field => 'colour'],
    ['missing url (output)', POST => '/api/routes/r1/outputs',
     { enabled => $T }, 400, field => 'url'],
    ['missing url (route input)', POST => '/api/routes',
     { name => 'bad3', inputs => [{ priority => 1 }] }, 400,
     field => 'inputs[0].url'],
    ['neither id nor name', POST => '/api/routes', { enabled => $T }, 400],
    ['invalid id "a b"', POST => '/api/routes', { id => 'a b' }, 400,
     field => 'id'],
    ['invalid output id "a b"', POST => '/api/routes/r1/outputs',
     { id => 'a b', url => udp($pbad) }, 400, field => 'id'],
    ['invalid name', PATCH => '/api/routes/r1', { name => 'a/b' }, 400,
     field => 'name'],
    ['srt:// rendezvous output', POST => '/api/routes/r1/outputs',
     { url => "srt://127.0.0.1:$pbad?mode=rendezvous" }, 400, field => 'url',
     message => [qr{invalid URL}]],
    ['srt:// multicast input', POST => '/api/routes',
     { name => 'bad4', inputs => [{ url => "srt://239.1.2.3:$pbad" }] },
     400, field => 'inputs[0].url', message => [qr/SRT needs a unicast address/]],
    ['host name in a URL', POST => '/api/routes/r1/outputs',
     { url => 'udp://example.invalid:1234' }, 400, field => 'url'],
    ['localhost in an input URL', POST => '/api/routes/r1/inputs',
     { url => "udp://localhost:$pbad" }, 400, field => 'url'],
    ['invalid URL "udp://"', POST => '/api/routes/r1/outputs',
     { url => 'udp://' }, 400, field => 'url'],
    ['not a URL (PUT)', PUT => '/api/routes/r1/outputs/out9',
     { url => 'hello' }, 400, field => 'url'],
    ['port of the config input', POST => '/api/routes',
     { name => 'bad5', inputs => [{ url => udp($pcfg) }] }, 409],
    ['port of the config input, any address', POST => '/api/routes/r1/inputs',
     { url => "udp://:$pcfg" }, 409],
    ["port of r1's input", POST => '/api/routes',
     { name => 'bad6', inputs => [{ url => udp($p1) }] }, 409],
    ['POST of r1 again', POST => '/api/routes',
     { name => 'r1', inputs => [{ url => udp($pbad) }] }, 409],
    ['name of the config route', POST => '/api/routes',
     { id => 'x1', name => 'cfg' }, 409],
    ['id of the config route', POST => '/api/routes', { name => 'cfg' }, 409],
    ['rename to a name in use', PATCH => '/api/routes/r2', { name => 'r1' }, 409],
    ['duplicate output id', POST => '/api/routes/r2/outputs',
     { id => 'out0', url => udp($pbad) }, 409],
    ['repeated output id in a route', POST => '/api/routes',
     { name => 'bad7', outputs => [{ id => 'o', url => udp($pbad) },
                                   { id => 'o', url => udp($pbad) }] }, 409],
    ['PATCH config route', PATCH => '/api/routes/cfg', { enabled => $F }, 409,
     message => $ro],
    ['PUT config route', PUT => '/api/routes/cfg',
     { name => 'cfg', inputs => [{ url => udp($pbad) }] }, 409, message => $ro],
    ['DELETE config route', DELETE => '/api/routes/cfg', undef, 409,
     message => $ro],
    ['POST input to config route', POST => '/api/routes/cfg/inputs',
     { url => udp($pbad) }, 409, message => $ro],
    ['PATCH config input', PATCH => '/api/routes/cfg/inputs/in0',
     { priority => 1 }, 409, message => $ro],
    ['DELETE config input', DELETE => '/api/routes/cfg/inputs/in0', undef, 409,
     message => $ro],
    ['POST output to config route', POST => '/api/routes/cfg/outputs',
     { url => udp($pbad) }, 409, message => $ro],
    ['PUT config output', PUT => '/api/routes/cfg/outputs/out0',
     { url => udp($pbad) }, 409, message => $ro],
    ['PATCH config output', PATCH => '/api/routes/cfg/outputs/out0',
     { enabled => $F }, 409, message => $ro],
    ['DELETE config output', DELETE => '/api/routes/cfg/outputs/out0', undef,
     409, message => $ro],
    ['move out of the config route', POST => '/api/routes/cfg/outputs/out0/move',
     { route => 'r1' }, 409, message => $ro],
    ['move into the config route', POST => '/api/routes/r2/outputs/out0/move',
     { route => 'cfg' }, 409, message => $ro],
    ['unknown route (GET)', GET => '/api/routes/nosuch', undef, 404],
    ['unknown route (PATCH)', PATCH => '/api/routes/nosuch', { enabled => $F }, 404],
    ['unknown route (DELETE)', DELETE => '/api/routes/nosuch', undef, 404],
    ['unknown route (POST output)', POST => '/api/routes/nosuch/outputs',
     { url => udp($pbad) }, 404],
    ['unknown output (GET)', GET => '/api/routes/r1/outputs/nosuch', undef, 404],
    ['unknown output (PATCH)', PATCH => '/api/routes/r2/outputs/nosuch',
     { enabled => $F }, 404],
    ['unknown output (DELETE)', DELETE => '/api/routes/r2/outputs/nosuch',
     undef, 404],
    ['unknown input (DELETE)', DELETE => '/api/routes/r1/inputs/nosuch', undef, 404],
    ['unknown output (move)', POST => '/api/routes/r2/outputs/nosuch/move',
     { route => 'r1' }, 404],
    ['unknown target of a move', POST => '/api/routes/r2/outputs/out0/move',
     { route => 'nosuch' }, 404, field_if => 'route'],
    ['DELETE /routes', DELETE => '/api/routes', undef, 405, allow => [qw(GET POST)]],
    ['POST /routes/r1', POST => '/api/routes/r1', { name => 'r1' }, 405,
     allow => [qw(GET PUT PATCH DELETE)]],
    ['PATCH /routes/r1/outputs', PATCH => '/api/routes/r1/outputs',
     { enabled => $F }, 405, allow => [qw(GET POST)]],
    ['GET .../move', GET => '/api/routes/r2/outputs/out0/move', undef, 405,
     allow => ['POST']],
    ['DELETE /audit', DELETE => '/api/audit', undef, 405, allow => ['GET']],
    ['body over route_api_max_body', POST => '/api/routes', $nbig, 413],
    ['audit limit=0', GET => '/api/audit?limit=0', undef, 400, field => 'limit'],
    ['audit limit=1001', GET => '/api/audit?limit=1001', undef, 400,
     field => 'limit'],
    ['audit limit=abc', GET => '/api/audit?limit=abc', undef, 400,
     field => 'limit'],
    ['audit from=abc', GET => '/api/audit?from=abc', undef, 400, field => 'from'],
);

for my $c (@bad) {
    my ($name, $m, $path, $data, $status, %o) = @$c;
    $r = req($m, $path, $data);
    error_ok($r, $status, "$name ($m $path)", %o);
    for my $meth (@{ $o{allow} || [] }) {
        like($r->{headers}{allow} // '', qr/\b$meth\b/, "$name: Allow has $meth");
    }
    my $now = snapshot();
    is($now, $before, "$name: nothing changed")
        or diag("before $before\nafter  $now");
}

my $audit_after = $gw->api('/api/audit?limit=1000')->{json} || {};
is(canon($audit_after->{events}), canon($audit_before->{events}),
   'failed changes are not in the audit log');

# ---------------------------------------------------------------- audit

sub iso_ms {
    my ($ms) = @_;
    my @t = gmtime(int($ms / 1000));
    return sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', $t[5] + 1900,
                   $t[4] + 1, @t[3, 2, 1, 0], $ms % 1000);
}

sub matches {
    my ($v, $want) = @_;
    return ref $want eq 'Regexp' ? defined $v && $v =~ $want
                                 : defined $v && $v eq $want;
}

sub audit {
    my ($q) = @_;
    my $r = $gw->api('/api/audit' . ($q ? "?$q" : ''));
    return $r;
}

# all pages of a query with LIMIT per page; returns (events, pages, ok)
sub audit_pages {
    my ($q, $limit) = @_;
    my (@ev, @sizes);
    my $cursor;
    for (1 .. 100) {
        my $qq = join '&', grep { length } $q, "limit=$limit",
                           defined $cursor ? "cursor=$cursor" : '';
        my $r = audit($qq);
        return (\@ev, \@sizes, 0) unless ($r->{status} // 0) == 200;
        push @ev, @{ $r->{json}{events} || [] };
        push @sizes, scalar @{ $r->{json}{events} || [] };
        $cursor = $r->{json}{next_cursor};
        return (\@ev, \@sizes, 1) unless defined $cursor;
    }
    return (\@ev, \@sizes, 0);
}

sub check_events {
    my ($name, $events, $want) = @_;       # both newest first
    is(scalar @$events, scalar @$want, "$name: " . scalar(@$want) . ' events');
    my @bad;
    for my $i (0 .. $#$want) {
        my ($e, $w) = ($events->[$i] || {}, $want->[$i]);
        for my $k (qw(action route resource result)) {
            push @bad, "event $i ($w->{what}): $k " . ($e->{$k} // 'null')
                       . " (want $w->{$k})" unless matches($e->{$k}, $w->{$k});
        }
    }
    is(scalar @bad, 0, "$name: action, route, resource and result of each")
        or diag(join "\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);
}

my $all = audit('limit=1000');
is($all->{status}, 200, 'GET /api/audit?limit=1000');
my $ev = $all->{json}{events} || [];
ok(!defined $all->{json}{next_cursor}, 'one page: next_cursor null');
check_events('audit log', $ev, [ reverse @expect ]);

my @fieldbad;
my $tnow = time;
for my $i (0 .. $#$ev) {
    my $e = $ev->[$i];
    my $what = "event $i ($e->{action})";
    push @fieldbad, "$what: seq" unless ($e->{seq} // '') =~ /^\d+$/;
    push @fieldbad, "$what: seq not below the previous"
        if $i && ($e->{seq} // 0) >= ($ev->[$i - 1]{seq} // 0);
    push @fieldbad, "$what: ts_ms" unless ($e->{ts_ms} // '') =~ /^\d+$/
        && abs($e->{ts_ms} / 1000 - $tnow) < 600;
    push @fieldbad, "$what: ts_ms after the previous (newer) one"
        if $i && ($e->{ts_ms} // 0) > ($ev->[$i - 1]{ts_ms} // 0);
    push @fieldbad, "$what: time " . ($e->{time} // 'null')
        unless ($e->{time} // '') eq iso_ms($e->{ts_ms} // 0);
    push @fieldbad, "$what: actor " . ($e->{actor} // 'null')
        unless ($e->{actor} // '') eq '-';
    push @fieldbad, "$what: addr " . ($e->{addr} // 'null')
        unless ($e->{addr} // '') eq '127.0.0.1';
    my $act = $e->{action} // '';
    if ($act =~ /\.create$/ || ($act =~ /\.replace$/ && ($e->{result} // 0) == 201)) {
        push @fieldbad, "$what: before not null" if defined $e->{before};
        push @fieldbad, "$what: after not an object" if ref $e->{after} ne 'HASH';
    } elsif ($act =~ /\.delete$/) {
        push @fieldbad, "$what: before not an object" if ref $e->{before} ne 'HASH';
        push @fieldbad, "$what: after not null" if defined $e->{after};
    } else {
        push @fieldbad, "$what: before/after not objects"
            if ref $e->{before} ne 'HASH' || ref $e->{after} ne 'HASH';
        # (a moved output may look the same before and after)
        push @fieldbad, "$what: before equals after"
            if $act ne 'output.move' && canon($e->{before}) eq canon($e->{after});
    }
}
is(scalar @fieldbad, 0, 'audit events: seq, ts_ms, time, actor "-", addr, '
   . 'before/after') or diag(join "\n", @fieldbad);

my ($dis) = grep { ($_->{action} // '') eq 'output.update' } reverse @$ev;
ok($dis && ref $dis->{before} eq 'HASH' && ref $dis->{after} eq 'HASH'
   && $dis->{before}{enabled} && !$dis->{after}{enabled},
   'the disable event: enabled true before, false after')
    or diag(canon($dis));

# filters: the answer is exactly the matching part of the whole log
sub seqs { join ',', map { $_->{seq} // 'null' } @{ $_[0] } }
my @oldest = reverse @$ev;
my ($from, $to) = map { $_->{ts_ms} } @oldest[3, 7];
for my $f (['route=r2', sub { ($_[0]{route} // '') eq 'r2' }],
           ['route=r1', sub { ($_[0]{route} // '') eq 'r1' }],
           ['action=output.update', sub { $_[0]{action} eq 'output.update' }],
           ['route=r1&action=output.update',
            sub { ($_[0]{route} // '') eq 'r1' && $_[0]{action} eq 'output.update' }],
           ['actor=-', sub { 1 }],
           ['actor=nobody', sub { 0 }],
           ["from=$from", sub { $_[0]{ts_ms} >= $from }],
           ["to=$to", sub { $_[0]{ts_ms} <= $to }],
           ["from=$from&to=$to", sub { $_[0]{ts_ms} >= $from && $_[0]{ts_ms} <= $to }])
{
    my ($q, $sel) = @$f;
    my $want = [ grep { $sel->($_) } @$ev ];
    my $got = audit("$q&limit=1000");
    is($got->{status}, 200, "audit?$q: 200");
    is(seqs($got->{json}{events} || []), seqs($want),
       "audit?$q: the " . scalar(@$want) . ' matching events');
}
ok(scalar(grep { ($_->{route} // '') eq 'r2' } @$ev) >= 1
   && scalar(grep { $_->{ts_ms} >= $from && $_->{ts_ms} <= $to } @$ev) >= 5,
   'the filters selected something');

my ($pev, $psz, $pok) = audit_pages('', 5);
ok($pok, 'pages of 5 end with next_cursor null');
ok(!grep({ $_ > 5 } @$psz), 'no page has more than 5 events (' . "@$psz" . ')');
ok(@$psz >= 3, 'at least 3 pages');
is(seqs($pev), seqs($ev), 'the pages visit each event once, newest first');

($pev, undef, $pok) = audit_pages('route=r1', 2);
is(seqs($pev), seqs([ grep { ($_->{route} // '') eq 'r1' } @$ev ]),
   'pages of 2 with a filter');

# retention 20: more changes than that
for my $k (1 .. 10) {
    mut(PATCH => '/api/routes/r2/outputs/out0', { enabled => $k % 2 ? $F : $T },
        200, 'output.update', 'r2', '/routes/r2/outputs/out0');
    mut(PATCH => '/api/routes/r1', { name => $k % 2 ? 'r1x' : 'r1' },
        200, 'route.update', 'r1', '/routes/r1');
}
ok(@expect > 20, scalar(@expect) . ' successful changes so far');
($pev, $psz, $pok) = audit_pages('', 5);
ok($pok, 'retention: all pages read');
is(scalar @$pev, 20, 'retention: the log holds the newest 20 events');
is(($pev->[0] || {})->{action}, 'route.update', 'the newest is the last change');
is(($pev->[0] || {})->{after}{name}, 'r1', 'with its after state')
    if ref(($pev->[0] || {})->{after}) eq 'HASH';
check_events('retention', $pev, [ (reverse @expect)[0 .. 19] ]);
my %uniq = map { ($_->{seq} // '') => 1 } @$pev;
is(scalar keys %uniq, scalar @$pev, 'retention: no event twice');

my $tabs = $gw->sqlite("SELECT name FROM sqlite_master WHERE type = 'table' "
                       . "AND name LIKE '%audit%'");
if ($tabs && @$tabs == 1) {
    my $n = $gw->sqlite("SELECT count(*) FROM \"$tabs->[0][0]\"");
    ok($n && $n->[0][0] <= 20, "table $tabs->[0][0] holds at most 20 rows ("
       . ($n ? $n->[0][0] : 'unreadable') . ')');
} else {
    note('no single audit table found in the database: '
         . canon($tabs) . ' ' . ($gw->{sqlite_error} // ''));
}

# ---------------------------------------------------------------- delete r2

$r = mut(DELETE => '/api/routes/r2', undef, 204, 'route.delete', 'r2', '/routes/r2');
is($r->{body}, '', 'DELETE route: no body');
is(req(GET => '/api/routes/r2')->{status}, 404, 'GET /api/routes/r2: 404');
is_deeply(ids(routes_list()), [qw(cfg r1)], 'GET /api/routes: cfg, r1');
my $newest = (audit('limit=1')->{json}{events} || [])->[0] || {};
ok(($newest->{action} // '') eq 'route.delete' && ($newest->{route} // '') eq 'r2'
   && ref $newest->{before} eq 'HASH' && !defined $newest->{after},
   'audit: route.delete r2 with before, after null');
my $gone = wait_until(6, sub {
    my $c = $gw->http_get('/live/r2.ts', duration => 3);
    ($c->status // 0) == 404 });
ok($gone, '/live/r2.ts: 404 after the delete');

my $h2 = $gw->http_get('/live/r1.ts', duration => 2);
ok(($h2->status // 0) == 200 && length $h2->body > 30_000,
   '/live/r1.ts still streams after all the changes');

$snd->stop;
$gw->diag_state('r1') unless Test::More->builder->is_passing;
$gw->stop;
my $ic = $gw->sqlite('PRAGMA integrity_check');
is($ic && $ic->[0][0], 'ok', 'PRAGMA integrity_check: ok')
    or diag($gw->{sqlite_error});

# ---------------------------------------------------------------- roles

my $secret = 'a-shared-secret-of-at-least-32-chars!';

sub b64json { encode_base64url(JSON::PP->new->canonical->encode($_[0])) }

sub hs256 {
    my ($claims) = @_;
    my $si = b64json({ alg => 'HS256', typ => 'JWT' }) . '.' . b64json($claims);
    return "$si." . encode_base64url(hmac_sha256($si, $secret));
}

my $g2 = SRTGW->new(workers => 2);
my ($q1, $q2, $q3) = $g2->ports(3);
$g2->write_conf(srt => "route cfg { input udp://127.0.0.1:$q1; }",
                api => "route_api_auth jwt; route_api_jwt_secret \"$secret\";");
$g2->start;

my $exp = int(time) + 600;    # NumericDate as an integer, as t/18 does
my %tok = (viewer   => hs256({ sub => 'vera', role => 'viewer', exp => $exp }),
           operator => hs256({ sub => 'otto', role => 'operator', exp => $exp }),
           admin    => hs256({ sub => 'ada', role => 'admin', exp => $exp }));

my @roles = (
    [undef, GET => '/api/routes', undef, 401],
    [undef, POST => '/api/routes', { name => 'r9', inputs => [{ url => udp($q2) }] }, 401],
    [viewer => GET => '/api/routes', undef, 200],
    [viewer => GET => '/api/audit', undef, 200],
    [viewer => POST => '/api/routes', { name => 'r9', inputs => [{ url => udp($q2) }] }, 403],
    [operator => POST => '/api/routes', { name => 'r9', inputs => [{ url => udp($q2) }] }, 403],
    [admin => POST => '/api/routes', { name => 'r9', inputs => [{ url => udp($q2) }] }, 201],
    [viewer => GET => '/api/routes/r9', undef, 200],
    [viewer => POST => '/api/routes/r9/outputs', { url => udp($q3) }, 403],
    [operator => POST => '/api/routes/r9/outputs', { url => udp($q3) }, 201],
    [viewer => PATCH => '/api/routes/r9/outputs/out0', { enabled => $F }, 403],
    [viewer => DELETE => '/api/routes/r9/outputs/out0', undef, 403],
    [operator => PATCH => '/api/routes/r9/outputs/out0', { enabled => $F }, 200],
    [operator => PATCH => '/api/routes/r9', { enabled => $F }, 403],
    [operator => PUT => '/api/routes/r9', { name => 'r9' }, 403],
    [operator => DELETE => '/api/routes/r9', undef, 403],
    [admin => DELETE => '/api/routes/r9/outputs/out0', undef, 204],
    [admin => PATCH => '/api/routes/r9', { enabled => $F }, 200],
    [admin => DELETE => '/api/routes/r9', undef, 204],
    [viewer => GET => '/api/routes/r9', undef, 404],
);
my %sub = (viewer => 'vera', operator => 'otto', admin => 'ada');
my @acted;
for my $c (@roles) {
    my ($role, $m, $path, $data, $status) = @$c;
    my $who = $role // 'no token';
    $r = $g2->api_req($m, $path, $data, defined $role ? (token => $tok{$role}) : ());
    is($r->{status}, $status, "$who: $m $path: $status")
        or diag($r->{body});
    if ($status >= 400) {
        is(ref $r->{json} eq 'HASH' && $r->{json}{error}{code}, $status,
           "$who: $m $path: JSON error");
    }
    push @acted, $sub{$role} if $m ne 'GET' && $status < 300;
}

$r = $g2->api_req(GET => '/api/audit?limit=1000', undef, token => $tok{viewer});
my $gev = $r->{json}{events} || [];
is_deeply([ reverse map { $_->{actor} } @$gev ], \@acted,
          'audit: each change with the sub of its token, refusals not recorded');
is_deeply([ reverse map { $_->{action} } @$gev ],
          [qw(route.create output.create output.update output.delete
              route.update route.delete)], 'audit: the actions');
$r = $g2->api_req(GET => '/api/audit?actor=otto', undef, token => $tok{viewer});
is_deeply([ map { $_->{action} } @{ $r->{json}{events} || [] } ],
          [qw(output.update output.create)], 'audit?actor=otto');

$g2->stop;

done_testing;
