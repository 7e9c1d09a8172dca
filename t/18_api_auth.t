#!/usr/bin/perl

# Route API authentication with JWT: HS256 with a secret, RS256 and ES256
# with a public key (keys made with openssl at test time).  No token, a bad
# signature, an expired or not-yet-valid token, alg "none", a token signed
# HS256 with the public key (algorithm confusion) and a token without a
# known role are refused with 401/403 and a JSON error; each role may read.
# route_api without route_api_auth is refused by nginx -t.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64url);

use SRTGW qw(:all);

my $gw = SRTGW->new(workers => 2);
my ($in) = $gw->ports(1);
my $p = $gw->prefix;
my $secret = 'a-shared-secret-of-at-least-32-chars!';
my $srt = "route demo { input udp://127.0.0.1:$in; }";

sub b64json { encode_base64url(JSON::PP->new->canonical->encode($_[0])) }

sub hs256 {
    my ($claims, $key, $alg) = @_;
    my $si = b64json({ alg => $alg // 'HS256', typ => 'JWT' }) . '.'
           . b64json($claims);
    return "$si." . encode_base64url(hmac_sha256($si, $key // $secret));
}

sub openssl_sign {
    my ($key, $data) = @_;
    open my $fh, '>:raw', "$p/sign.in" or die $!;
    print $fh $data;
    close $fh;
    my $sig = `openssl dgst -sha256 -sign $key $p/sign.in`;
    die "openssl dgst failed" if $?;
    return $sig;
}

# an ECDSA signature in DER (SEQUENCE of two INTEGERs) -> JWS raw r || s
sub der_to_raw {
    my ($der) = @_;
    my @b = unpack 'C*', $der;
    my $i = 2;
    $i++ if $b[1] & 0x80;
    my @out;
    for (1 .. 2) {
        $i++;                               # INTEGER tag
        my $len = $b[$i++];
        my @v = @b[$i .. $i + $len - 1];
        $i += $len;
        shift @v while @v > 32 && $v[0] == 0;
        unshift @v, 0 while @v < 32;
        push @out, @v;
    }
    return pack 'C*', @out;
}

sub pk_token {
    my ($claims, $alg, $key) = @_;
    my $si = b64json({ alg => $alg, typ => 'JWT' }) . '.' . b64json($claims);
    my $sig = openssl_sign($key, $si);
    $sig = der_to_raw($sig) if $alg eq 'ES256';
    return "$si." . encode_base64url($sig);
}

sub call {
    my ($token, %o) = @_;
    my %h = defined $token ? (Authorization => "Bearer $token") : ();
    return $gw->api($o{path} // '/api/routes', headers => \%h,
                    method => $o{method});
}

my $now = time;

# --- nginx -t: auth is never off by accident --------------------------------

$gw->write_conf(srt => $srt, api => '');
my ($rc, $out) = $gw->nginx_t;
isnt($rc, 0, 'route_api without route_api_auth is refused');
like($out, qr/needs "route_api_auth jwt;".*or, explicitly, "route_api_auth off;"/,
     'the message says what to add');

$gw->write_conf(srt => $srt, api => 'route_api_auth jwt;');
($rc, $out) = $gw->nginx_t;
isnt($rc, 0, 'jwt without a secret or key is refused');

$gw->write_conf(srt => $srt, api => 'route_api_auth jwt; route_api_jwt_secret short;');
($rc, $out) = $gw->nginx_t;
like($out, qr/at least 32 characters/, 'a short HS256 secret is refused');

# --- HS256 ------------------------------------------------------------------

$gw->write_conf(srt => $srt,
                api => "route_api_auth jwt; route_api_jwt_secret \"$secret\";");
$gw->start;

my $r = call(undef);
is($r->{status}, 401, 'no token: 401');
is($r->{json}{error}{code}, 401, 'JSON error with the code');
like($r->{json}{error}{message}, qr/Bearer/, 'and a message');
like($r->{headers}{'www-authenticate'} // '', qr/^Bearer/,
     'WWW-Authenticate: Bearer');

is(call(undef, path => '/api/health')->{status}, 200,
   'health needs no token');

for my $role (qw(viewer operator admin)) {
    $r = call(hs256({ sub => "alice-$role", role => $role, exp => $now + 600 }));
    is($r->{status}, 200, "role $role may read");
}

is(ref call(hs256({ role => 'viewer', exp => $now + 600 }))->{json}, 'ARRAY',
   'the answer is the routes');

my %bad = (
    'bad signature' => [hs256({ role => 'admin' }, 'another-secret-that-is-long-enough!'), 401],
    'expired'       => [hs256({ role => 'admin', exp => $now - 10 }), 401, qr/expired/],
    'not yet valid' => [hs256({ role => 'admin', nbf => $now + 3600 }), 401, qr/not valid yet/],
    'garbage'       => ['abc.def', 401],
    'alg none'      => [b64json({ alg => 'none', typ => 'JWT' }) . '.'
                        . b64json({ role => 'admin' }) . '.', 401],
    'HS512'         => [do {
                           my $si = b64json({ alg => 'HS512', typ => 'JWT' })
                                  . '.' . b64json({ role => 'admin' });
                           "$si." . encode_base64url(
                               Digest::SHA::hmac_sha512($si, $secret)) }, 401],
    'no role'       => [hs256({ sub => 'bob', exp => $now + 600 }), 403],
    'unknown role'  => [hs256({ role => 'root', exp => $now + 600 }), 403],
);

for my $name (sort keys %bad) {
    my ($tok, $status, $re) = @{ $bad{$name} };
    $r = call($tok);
    is($r->{status}, $status, "$name: $status");
    like($r->{json}{error}{message} // '', $re, "$name: says why") if $re;
}

$r = call(hs256({ role => 'viewer', exp => $now + 600 }), method => 'POST');
is($r->{status}, 403, 'a viewer may not change anything: 403');
$r = call(hs256({ role => 'operator', exp => $now + 600 }), method => 'POST');
is($r->{status}, 403, 'an operator may not create routes: 403');
$r = call(hs256({ role => 'admin', exp => $now + 600 }), method => 'POST');
is($r->{status}, 400, 'an admin passes authorisation (then: no body, 400)');

$gw->stop;

# --- RS256 and ES256 with public keys ---------------------------------------

for my $case (['RS256', 'genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'],
              ['ES256', 'genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256'])
{
    my ($alg, $gen) = @$case;
    my $priv = "$p/$alg.key";
    my $pub = "$p/$alg.pub";
    system("openssl $gen -out $priv 2>/dev/null") == 0 or die "openssl genpkey";
    system("openssl pkey -in $priv -pubout -out $pub 2>/dev/null") == 0
        or die "openssl pkey";

    $gw->write_conf(srt => $srt,
                    api => "route_api_auth jwt; route_api_jwt_key $pub;");
    $gw->start;

    $r = call(pk_token({ role => 'viewer', exp => $now + 600 }, $alg, $priv));
    is($r->{status}, 200, "$alg: a viewer token signed with the private key");

    my $other = "$p/$alg.other";
    system("openssl $gen -out $other 2>/dev/null") == 0 or die;
    $r = call(pk_token({ role => 'admin', exp => $now + 600 }, $alg, $other));
    is($r->{status}, 401, "$alg: signed with another key: 401");

    my $pem = SRTGW::slurp($pub);
    $r = call(hs256({ role => 'admin', exp => $now + 600 }, $pem));
    is($r->{status}, 401, "$alg: HS256 signed with the public key "
       . '(algorithm confusion): 401');

    $gw->stop;
}

# --- explicitly off ----------------------------------------------------------

$gw->write_conf(srt => $srt, api => 'route_api_auth off;');
$gw->start;
is(call(undef)->{status}, 200, 'route_api_auth off: no token needed');
$gw->stop;

done_testing;
