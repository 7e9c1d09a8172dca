package SRTGW;

# Integration test harness for the SRT/MPEG-TS gateway (nginx dynamic modules).
#
#   my $gw = SRTGW->new(workers => 2);
#   my ($in, $out) = $gw->udp_ports(2);
#   $gw->write_conf(srt => "route demo { input udp://127.0.0.1:$in; }");
#   $gw->start;
#   my $snd = $gw->sender(file => $gw->media, port => $in);
#   my $r = $gw->http_get('/live/demo.ts', duration => 3);
#   $snd->stop;
#   $gw->stop;      # runs the error.log check as a test
#
# Core Perl modules only.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use File::Temp qw(tempdir);
use File::Spec;
use File::Copy ();
use Cwd qw(abs_path);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Socket qw(:all);
use Time::HiRes qw(time sleep);
use Test::More;

our @EXPORT_OK = qw(ts_packets ts_aligned ts_pid ts_cc_check ts_is_slice slice_divergence
                    ts_first_pid slice_offset max_gap p1_errors from_keyframe);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

our $ROOT = abs_path(File::Spec->catdir(
    (File::Spec->splitpath(abs_path(__FILE__)))[1], '..', '..'));
our $NGINX = $ENV{NGINX} || '/usr/sbin/nginx';
our $MODDIR = "$ROOT/build/modules";

my %USED_PORTS;
my @ALL;    # live harness objects, for END cleanup

sub new {
    my ($class, %o) = @_;
    my $self = bless {
        workers => $o{workers} || 2,
        prefix  => tempdir('srtgw-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{SRTGW_KEEP}),
        netns   => $o{netns},
        senders => [],
    }, $class;
    mkdir "$self->{prefix}/logs";
    # Snapshot the modules: a concurrent `make` rewrites build/modules/*.so
    # in place, which would crash running workers (SIGSEGV).
    mkdir "$self->{prefix}/modules";
    for my $m (qw(ngx_srt_module.so ngx_http_route_api_module.so)) {
        BAIL_OUT("$MODDIR/$m missing: run make first") unless -f "$MODDIR/$m";
        File::Copy::copy("$MODDIR/$m", "$self->{prefix}/modules/$m")
            or BAIL_OUT("copy $m: $!");
    }
    push @ALL, $self;
    return $self;
}

sub prefix { $_[0]{prefix} }
sub error_log { "$_[0]{prefix}/logs/error.log" }
sub access_log { "$_[0]{prefix}/logs/access.log" }
sub conf_file { "$_[0]{prefix}/nginx.conf" }

# ---------------------------------------------------------------- ports

# A port free for both UDP and TCP on 127.0.0.1 (and on the wildcard),
# taken below the kernel's ephemeral range: a port from inside it can be
# handed to an unbound UDP socket (an nginx output, a sender, ffmpeg)
# between the pick and the test's bind, and the bind then fails.
my ($EPHEMERAL_LOW) = do {
    open my $f, '<', '/proc/sys/net/ipv4/ip_local_port_range';
    my $l = $f ? <$f> : '';
    $l =~ /^\s*(\d+)/ ? $1 : 32768;
};
my $PORT_SPAN = $EPHEMERAL_LOW - 10000;
# our own walk, so a test's srand() does not make every run pick alike
my $PORT_NEXT = ($$ * 7919 + int(time * 1000)) % ($PORT_SPAN > 0 ? $PORT_SPAN : 1);

sub _port_is_free {
    my ($port) = @_;
    socket(my $u, PF_INET, SOCK_DGRAM, 0) or croak "socket: $!";
    bind($u, pack_sockaddr_in($port, INADDR_ANY)) or return 0;
    socket(my $t, PF_INET, SOCK_STREAM, 0) or croak "socket: $!";
    setsockopt($t, SOL_SOCKET, SO_REUSEADDR, 1);
    return bind($t, pack_sockaddr_in($port, INADDR_ANY)) ? 1 : 0;
}

sub free_port {
    if ($PORT_SPAN >= 2000) {
        for (1 .. 2000) {
            $PORT_NEXT = ($PORT_NEXT + 7877) % $PORT_SPAN;
            my $port = 10000 + $PORT_NEXT;
            next if $USED_PORTS{$port} || !_port_is_free($port);
            $USED_PORTS{$port} = 1;
            return $port;
        }
    }
    # no room below the ephemeral range: let the kernel pick
    for (1 .. 200) {
        socket(my $u, PF_INET, SOCK_DGRAM, 0) or croak "socket: $!";
        bind($u, pack_sockaddr_in(0, INADDR_ANY)) or next;
        my ($port) = unpack_sockaddr_in(getsockname($u));
        close $u;
        next if $USED_PORTS{$port} || $port < 10000 || !_port_is_free($port);
        $USED_PORTS{$port} = 1;
        return $port;
    }
    croak "no free port";
}

sub ports { my ($self, $n) = @_; return map { free_port() } 1 .. $n }

# ---------------------------------------------------------------- config

sub http_port {
    my $self = shift;
    $self->{http_port} ||= free_port();
    return $self->{http_port};
}

# write_conf(srt => TEXT inside srt{}, http => extra TEXT inside server{},
#            api => directives of the /api/ location (default auth off),
#            http_main => TEXT at the top of http{} (e.g. route_api_db,
#            route_api_audit_retention, route_api_max_body),
#            location_live => extra directives for /live/, workers => N)
sub write_conf {
    my ($self, %o) = @_;
    my $workers = $o{workers} || $self->{workers};
    $self->{conf_workers} = $workers;
    my $hp = $self->http_port;
    my $user = $> == 0 ? "user root;\n" : '';
    my $live = $o{live} // 'srt_ts_wait_timeout 2s;';
    my $srt = $o{srt} // '';
    my $server = $o{server} // '';
    my $listen = $o{listen} ? " $o{listen}" : '';
    # the API's own directives; tests of the API itself set jwt here
    my $api = $o{api} // 'route_api_auth off;';
    # http{}-level directives (only when given: the default text is unchanged)
    my $http_main = defined $o{http_main} ? "    $o{http_main}\n" : '';
    my $conf = <<"EOF";
worker_processes $workers;
${user}error_log logs/error.log info;
pid logs/nginx.pid;
load_module $self->{prefix}/modules/ngx_srt_module.so;
load_module $self->{prefix}/modules/ngx_http_route_api_module.so;
events { worker_connections 1024; }
srt {
$srt
}
http {
${http_main}    log_format w '\$pid \$status \$body_bytes_sent \$request';
    access_log logs/access.log w;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    server {
        listen 127.0.0.1:$hp reuseport$listen;
        location /live/ { srt_ts; $live }
        location /api/ { route_api; $api }
$server
    }
}
EOF
    $conf = $o{raw} if defined $o{raw};
    mkdir "$self->{prefix}/tmp";
    open my $fh, '>', $self->conf_file or croak $!;
    print $fh $conf;
    close $fh;
    $self->{conf_text} = $conf;
    return $self->conf_file;
}

sub _cmd {
    my ($self, @cmd) = @_;
    return $self->{netns} ? ('ip', 'netns', 'exec', $self->{netns}, @cmd)
                          : @cmd;
}

# nginx -t; returns (exit status, combined output)
sub nginx_t {
    my ($self) = @_;
    my $p = $self->{prefix};
    my @cmd = $self->_cmd($NGINX, '-t', '-p', $p, '-c', $self->conf_file);
    my $out = _run_capture(@cmd);
    return ($? >> 8, $out);
}

sub _run_capture {
    my @cmd = @_;
    my $pid = open(my $fh, '-|') // croak "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

# ---------------------------------------------------------------- start/stop

sub start {
    my ($self) = @_;
    my $p = $self->{prefix};
    unlink "$p/logs/nginx.pid";
    my $out = _run_capture($self->_cmd($NGINX, '-p', $p, '-c',
                                       $self->conf_file));
    if ($?) {
        diag("nginx failed to start: $out");
        diag($self->error_log_tail(30));
        croak "nginx start failed";
    }
    $self->{started} = 1;
    my $deadline = time + 5;
    while (time < $deadline) {
        if (-s "$p/logs/nginx.pid") {
            my $r = eval { $self->api('/api/health', timeout => 1) };
            if ($r && ref $r->{json} eq 'HASH'
                && ($r->{json}{status} // '') eq 'ok')
            {
                $self->{master} = $self->master_pid;

                # the master forks workers one by one: wait for all of them
                my $want = $self->{conf_workers} || $self->{workers};
                while (time < $deadline) {
                    my @w = $self->worker_pids(only_current => 1);
                    last if @w >= $want;
                    sleep 0.05;
                }
                return 1;
            }
        }
        sleep 0.1;
    }
    diag($self->error_log_tail(30));
    croak "nginx not ready after 5 s";
}

sub master_pid {
    my ($self) = @_;
    open my $fh, '<', "$self->{prefix}/logs/nginx.pid" or return undef;
    my $pid = <$fh>;
    chomp $pid if defined $pid;
    return $pid;
}

sub _proc_stat {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return;
    my $s = <$fh> // return;
    $s =~ /^\d+ \((.*)\) (\S) (\d+)/s or return;
    return ($1, $2, $3);
}

sub _cmdline {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/cmdline" or return '';
    local $/;
    my $c = <$fh> // '';
    $c =~ tr/\0/ /;
    return $c;
}

# worker pids: children of the master (excluding zombies), sorted
sub worker_pids {
    my ($self, %o) = @_;
    my $m = $self->{master} || $self->master_pid or return ();
    my @w;
    opendir my $d, '/proc' or return ();
    for my $pid (grep { /^\d+$/ } readdir $d) {
        my ($comm, $state, $ppid) = _proc_stat($pid);
        next unless defined $ppid && $ppid == $m && $state ne 'Z';
        next if $o{exclude_shutting_down}
            && _cmdline($pid) =~ /shutting down/;
        next if $o{only_current} && _cmdline($pid) !~ /worker process\s*$/;
        push @w, $pid;
    }
    return sort { $a <=> $b } @w;
}

# all processes whose command line mentions the prefix
sub _prefix_pids {
    my ($self) = @_;
    my @p;
    opendir my $d, '/proc' or return ();
    for my $pid (grep { /^\d+$/ } readdir $d) {
        next if $pid == $$;
        push @p, $pid if index(_cmdline($pid), $self->{prefix}) >= 0
            && _cmdline($pid) =~ /nginx/;
    }
    return @p;
}

sub reload {
    my ($self) = @_;
    my $m = $self->{master} or croak "not started";
    kill 'HUP', $m;
}

# stop(allow => [qr/.../, ...]) -> runs one ok() on the error.log
sub stop {
    my ($self, %o) = @_;
    $_->stop for @{ $self->{senders} };
    return unless $self->{started};
    $self->{started} = 0;
    my $m = $self->{master} || $self->master_pid;
    my @kids = $self->worker_pids;
    if ($m) {
        kill 'QUIT', $m;
        my $deadline = time + 5;
        while (time < $deadline) {
            last unless kill(0, $m) || grep { kill 0, $_ } @kids;
            sleep 0.05;
        }
    }
    my @left = $self->_prefix_pids;
    if (@left) {
        diag("nginx did not exit in 5 s, killing @left");
        kill 'KILL', @left;
    }
    return if $o{no_check};
    $self->check_error_log(%o);
}

sub check_error_log {
    my ($self, %o) = @_;
    my @allow = @{ $o{allow} || [] };
    my @bad;
    if (open my $fh, '<', $self->error_log) {
        while (my $l = <$fh>) {
            next unless $l =~ /\[(alert|emerg|crit)\]/;
            next if grep { $l =~ $_ } @allow;
            push @bad, $l;
        }
    }
    ok(!@bad, 'error.log has no [alert]/[emerg]/[crit] lines')
        or diag("bad error.log lines:\n", @bad[0 .. ($#bad < 20 ? $#bad : 19)]);
    return !@bad;
}

sub error_log_tail {
    my ($self, $n) = @_;
    $n ||= 40;
    open my $fh, '<', $self->error_log or return "(no error.log)";
    my @l = <$fh>;
    @l = @l[-$n .. -1] if @l > $n;
    return "--- error.log tail ---\n" . join('', @l);
}

sub error_log_grep {
    my ($self, $re) = @_;
    open my $fh, '<', $self->error_log or return ();
    return grep { $_ =~ $re } <$fh>;
}

sub diag_state {
    my ($self, $route) = @_;
    if ($route) {
        my $r = eval { $self->api("/api/routes/$route") };
        diag("API /api/routes/$route: "
             . ($r ? JSON::PP->new->canonical->pretty->encode($r->{json} // {})
                   : "unavailable: $@"));
    }
    diag($self->error_log_tail(40));
}

END {
    # stopping senders reaps them, which sets $?: keep the test's own exit
    # status (a die) for Test::More, or a death reads as "no plan", exit 254
    local $?;
    for my $s (@ALL) {
        next unless $s;
        $_->stop for @{ $s->{senders} || [] };
        if ($s->{started}) {
            my $m = $s->{master};
            kill 'QUIT', $m if $m;
            my $deadline = time + 3;
            sleep 0.05 while $m && kill(0, $m) && time < $deadline;
            my @left = $s->_prefix_pids;
            kill 'KILL', @left if @left;
        }
    }
}

# ---------------------------------------------------------------- HTTP

sub _tcp_connect {
    my ($port, %o) = @_;
    socket(my $s, PF_INET, SOCK_STREAM, 0) or croak "socket: $!";
    if ($o{rcvbuf}) {
        setsockopt($s, SOL_SOCKET, SO_RCVBUF, pack('i', $o{rcvbuf}))
            or croak "SO_RCVBUF: $!";
    }
    connect($s, pack_sockaddr_in($port, inet_aton($o{host} || '127.0.0.1')))
        or return undef;
    binmode $s;
    return $s;
}

# An HTTP client object usable with collect().
#   http_client(PATH, method => 'GET', rcvbuf => N, no_read => 1,
#               headers => {NAME => VALUE}, body => TEXT)
sub http_client {
    my ($self, $path, %o) = @_;
    my $sock = _tcp_connect($self->http_port, %o)
        or croak "connect to 127.0.0.1:" . $self->http_port . ": $!";
    my $m = $o{method} || 'GET';
    my $extra = join '', map { "$_: $o{headers}{$_}\r\n" }
                         sort keys %{ $o{headers} || {} };
    my $body = $o{body} // '';
    $extra .= "Content-Length: " . length($body) . "\r\n" if length $body;
    my $req = "$m $path HTTP/1.1\r\nHost: localhost\r\n$extra"
            . "Connection: close\r\n\r\n$body";
    syswrite($sock, $req) == length $req or croak "write: $!";
    return bless {
        kind => 'http', sock => $sock, head => '', body => '',
        status => undef, headers => {}, chunks => [], t0 => time,
        eof => 0, no_read => $o{no_read}, max => $o{max}, rate => $o{rate},
        label => $o{label} || $path,
    }, 'SRTGW::Sink';
}

# A UDP receiver (bound now) usable with collect().
#   udp_receiver(PORT, addr => '127.0.0.1', group => '239.x', source => ...)
sub udp_receiver {
    my ($self, $port, %o) = @_;
    my $addr = $o{group} || $o{addr} || '127.0.0.1';
    socket(my $s, PF_INET, SOCK_DGRAM, 0) or croak "socket: $!";
    setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, pack('i', 8 << 20));
    bind($s, pack_sockaddr_in($port, inet_aton($addr)))
        or croak "bind $addr:$port: $!";
    if ($o{group}) {
        my $mreq = pack_ip_mreq(inet_aton($o{group}),
                                inet_aton($o{iface} || '127.0.0.1'));
        setsockopt($s, IPPROTO_IP, IP_ADD_MEMBERSHIP, $mreq)
            or croak "IP_ADD_MEMBERSHIP: $!";
    }
    return bless {
        kind => 'udp', sock => $s, body => '', chunks => [], t0 => time,
        datagrams => 0, sizes => {}, label => $o{label} || "udp:$port",
    }, 'SRTGW::Sink';
}

# Run the sinks for DURATION seconds; events => [[T, CODE], ...] are run
# at T seconds after the start.  stop_when => CODE ends early when true.
sub collect {
    my ($self, %o) = @_;
    my $sl = $o{sinks} || [];      # may grow while running (events)
    my @sinks = @$sl;
    my @ev = sort { $a->[0] <=> $b->[0] } @{ $o{events} || [] };
    my $t0 = time;
    my $end = $t0 + ($o{duration} // 3);
    my $buf;
    while ((my $now = time) < $end) {
        while (@ev && $now - $t0 >= $ev[0][0]) {
            my $e = shift @ev;
            $e->[1]->();
        }
        @sinks = @$sl;
        my $sel = IO::Select->new;
        for my $s (grep { $_->{sock} && !$_->{eof} && !$_->{no_read} } @sinks) {
            # rate-limited reader (bytes/s): skip while ahead of its budget
            next if $s->{rate}
                && length($s->{head}) + length($s->{body})
                   >= $s->{rate} * ($now - $s->{t0});
            $sel->add($s->{sock});
        }
        my $wait = $end - $now;
        $wait = $ev[0][0] - ($now - $t0) if @ev && $ev[0][0] - ($now - $t0) < $wait;
        $wait = 0.05 if $wait > 0.05;
        $wait = 0 if $wait < 0;
        $wait = 0.01 if $wait > 0.01 && grep { $_->{rate} } @sinks;
        my @ready = $sel->count ? $sel->can_read($wait) : do { sleep $wait; () };
        my $t = time;
        for my $fh (@ready) {
            my ($s) = grep { $_->{sock} && $_->{sock} == $fh } @sinks;
            next unless $s;
            if ($s->{kind} eq 'udp') {
                for (1 .. 64) {
                    my $from = recv($fh, $buf, 65536, MSG_DONTWAIT);
                    last unless defined $from && length $buf;
                    $s->{datagrams}++;
                    $s->{sizes}{ length $buf }++;
                    $s->{body} .= $buf;
                    push @{ $s->{chunks} }, [$t, length $buf];
                }
            } else {
                my $n = sysread($fh, $buf, $s->{rate} ? 4096 : 262144);
                if (!$n) {
                    $s->{eof} = 1;
                    $s->{eof_time} = $t;
                    $s->{error} = "$!" unless defined $n;
                    next;
                }
                $s->_http_data($buf, $t);
                if ($s->{max} && length $s->{body} >= $s->{max}) {
                    $s->{eof} = 1;
                }
            }
        }
        last if $o{stop_when} && $o{stop_when}->();
        last if $o{until_eof} && !grep { !$_->{eof} && $_->{kind} eq 'http' } @sinks;
    }
    if ($o{run_remaining_events}) { $_->[1]->() for @ev }
    return time - $t0;
}

# Simple blocking-style helper: GET PATH for DURATION seconds.
# Returns the sink (status, headers, body, chunks, eof).
sub http_get {
    my ($self, $path, %o) = @_;
    my $c = $self->http_client($path, %o);
    $self->collect(sinks => [$c], duration => $o{duration} // 2,
                   until_eof => 1);
    $c->close;
    return $c;
}

# api(PATH, timeout => S, method => M, headers => {..}, body => TEXT)
sub api {
    my ($self, $path, %o) = @_;
    my $c = $self->http_client($path, method => $o{method},
                               headers => $o{headers}, body => $o{body});
    $self->collect(sinks => [$c], duration => $o{timeout} // 3, until_eof => 1);
    $c->close;
    my $j = eval { decode_json($c->{body}) };
    return { status => $c->{status}, json => $j, body => $c->{body},
             headers => $c->{headers} };
}

sub route {
    my ($self, $name) = @_;
    my $r = $self->api("/api/routes/$name");
    return $r->{json};
}

# wait until CODE(route json) is true, up to TIMEOUT s; returns last json
sub wait_route {
    my ($self, $name, $code, $timeout) = @_;
    my $deadline = time + ($timeout // 5);
    my $j;
    while (1) {
        $j = eval { $self->route($name) };
        return $j if $j && $code->($j);
        return undef if time > $deadline;
        sleep 0.1;
    }
}

# ---------------------------------------------------------------- API changes

# api_req(METHOD, PATH, DATA, token => JWT, headers => {..}, timeout => S)
# DATA: a Perl structure sent as JSON, or a string sent as is (undef: no
# body); Content-Type: application/json when there is a body.  Like api(),
# plus {error} when the request could not be made (then status is undef).
sub api_req {
    my ($self, $method, $path, $data, %o) = @_;
    my %h = %{ $o{headers} || {} };
    $h{Authorization} = "Bearer $o{token}" if defined $o{token};
    my $body;
    if (defined $data) {
        $body = ref $data ? JSON::PP->new->canonical->encode($data) : $data;
        $h{'Content-Type'} //= 'application/json';
    }
    my $r = eval {
        $self->api($path, method => $method, headers => \%h, body => $body,
                   timeout => $o{timeout});
    };
    return $r || { status => undef, json => undef, body => '', headers => {},
                   error => $@ || 'unknown error' };
}

# the desired-state fields of an API Route object (no counters, no status):
# id, name, enabled, source, created, updated, inputs {id url priority
# enabled}, outputs {id url enabled}
sub desired_route {
    my ($r) = @_;
    return undef unless ref $r eq 'HASH';
    my $pick = sub {
        my ($h, @k) = @_;
        return { map { exists $h->{$_} ? ($_ => $h->{$_}) : () } @k };
    };
    my $d = $pick->($r, qw(id name enabled source created updated));
    $d->{inputs} = [ map { $pick->($_, qw(id url priority enabled)) }
                     @{ $r->{inputs} || [] } ];
    $d->{outputs} = [ map { $pick->($_, qw(id url enabled)) }
                      @{ $r->{outputs} || [] } ];
    return $d;
}

# canonical JSON text of a structure (for comparisons and diagnostics)
sub canon { JSON::PP->new->canonical->allow_nonref->encode($_[0]) }

# The last line of access.log (or the last one matching RE) as
# {pid, status, bytes, request}: the log format starts with $pid, and nginx
# writes the line before it closes the connection, so right after api()
# this tells which worker answered.
sub last_access {
    my ($self, $re) = @_;
    open my $fh, '<', $self->access_log or return undef;
    my $last;
    while (my $l = <$fh>) { $last = $l if !$re || $l =~ $re }
    return undef unless defined $last;
    chomp $last;
    my ($pid, $status, $bytes, $req) = split / /, $last, 4;
    return { pid => $pid, status => $status, bytes => $bytes,
             request => $req };
}

# sqlite(SQL, db => FILE): one statement through python3's sqlite3 module
# (the sqlite3 CLI may be missing); the file must exist (it is not created).
# Returns the rows as [[col, ...], ...], or undef with the error in
# $self->{sqlite_error}.  FILE defaults to PREFIX/route_api.db.
sub sqlite {
    my ($self, $sql, %o) = @_;
    my $db = $o{db} // "$self->{prefix}/route_api.db";
    my $py = 'import sys, json, sqlite3, urllib.parse as u; '
           . 'c = sqlite3.connect("file:" + u.quote(sys.argv[1]) + "?mode=rw",'
           . ' uri=True, timeout=5); '
           . 'print(json.dumps([list(r) for r in c.execute(sys.argv[2])'
           . '.fetchall()], default=str))';
    my $out = _run_capture('/usr/bin/python3', '-c', $py, $db, $sql);
    my $rows = $? ? undef : eval { decode_json($out) };
    $self->{sqlite_error} = $rows ? undef : $out;
    return $rows;
}

# ---------------------------------------------------------------- media

# Generate (once per harness) a test file; returns its path.
#   media(duration => 20, bitrate => '600k', cbr => 0)
sub media {
    my ($self, %o) = @_;
    my $d = $o{duration} || 20;
    my $b = $o{bitrate} || '600k';
    my $key = "media-$d-$b" . ($o{cbr} ? '-cbr' : '');
    my $file = "$self->{prefix}/$key.ts";
    return $file if -s $file;
    my @rc = $o{cbr}
        ? ('-minrate', $b, '-maxrate', $b, '-bufsize', '2M',
           '-x264-params', 'nal-hrd=cbr')
        : ();
    my @cmd = ('ffmpeg', '-nostdin', '-loglevel', 'error', '-y',
               '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
               '-f', 'lavfi', '-i', 'sine=frequency=1000', '-t', $d,
               '-c:v', 'libx264', '-preset', 'ultrafast', '-g', 25,
               '-b:v', $b, @rc, '-c:a', 'aac', '-b:a', '64k',
               '-f', 'mpegts', $file);
    my $out = _run_capture(@cmd);
    croak "ffmpeg failed: $out" if $? || !-s $file;
    return $file;
}

sub slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or croak "$file: $!";
    local $/;
    return scalar <$fh>;
}

# data into a file of its own under the prefix, for a tool to read
sub _data_file {
    my ($self, $data) = @_;
    my $f = "$self->{prefix}/data-" . int(rand(1e9)) . ".ts";
    open my $fh, '>:raw', $f or croak "$f: $!";
    print $fh $data;
    close $fh or croak "$f: $!";
    return $f;
}

sub ffprobe_streams {
    my ($self, $data) = @_;
    my $f = $self->_data_file($data);
    my $out = _run_capture('ffprobe', '-v', 'error', '-show_entries',
                           'stream=codec_name', '-of', 'csv=p=0', $f);
    unlink $f;
    return ($?, $out);
}

# ffmpeg full decode; returns (ok, stderr text)
sub ffmpeg_decode {
    my ($self, $data) = @_;
    my $f = $self->_data_file($data);
    my $out = _run_capture('ffmpeg', '-nostdin', '-v', 'error', '-i', $f,
                           '-f', 'null', '-');
    my $rc = $?;
    unlink $f;
    return ($rc == 0, $out);
}

# Decodes every frame of every stream with ffprobe: its error output is
# the decoders' and the demuxer's complaints only.  Unlike ffmpeg to the
# null muxer, it has no opinion on timestamps, so data with a timeline
# jump on purpose (the segments on either side of an HLS discontinuity)
# is judged on its decoding alone.
sub ffprobe_decode {
    my ($self, $data) = @_;
    my $f = $self->_data_file($data);
    # the frames to a file, the complaints through the pipe: apart, so a
    # message cannot land inside a frame's line
    my $pid = open(my $err, '-|') // croak "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        open STDOUT, '>', "$f.frames" or POSIX::_exit(127);
        exec 'ffprobe', '-v', 'error', '-show_entries', 'frame=media_type',
             '-of', 'csv=p=0', $f or POSIX::_exit(127);
    }
    my $out = do { local $/; <$err> } // '';
    close $err;
    my $rc = $?;
    my %frames;
    if (open my $fr, '<', "$f.frames") {
        while (my $l = <$fr>) { $frames{$1}++ if $l =~ /^(\w+)/ }
        close $fr;
    }
    unlink $f, "$f.frames";
    $out =~ s/\s+\z//;
    return ($rc == 0, $out, \%frames);
}

sub file_duration {
    my ($file) = @_;
    my $out = _run_capture('ffprobe', '-v', 'error', '-show_entries',
                           'format=duration', '-of', 'csv=p=0', $file);
    return $out =~ /^([\d.]+)\s*$/m ? $1 : undef;
}

# ---------------------------------------------------------------- sender

# sender(file => F, port => P, host => '127.0.0.1', bitrate => bps,
#        rtp => 1, loop => 1, delay => s, garbage => {...}, mcast_if => IP,
#        ttl => N)
# garbage: { every => N datagrams, kinds => [qw(random prefix truncated zero)],
#            until => seconds after start (stop injecting) }
sub sender {
    my ($self, %o) = @_;
    my $file = $o{file} or croak "file";
    my $data = slurp($file);
    my $bitrate = $o{bitrate};
    unless ($bitrate) {
        my $dur = file_duration($file) || 20;
        $bitrate = length($data) * 8 / $dur;
    }
    my $pid = fork // croak "fork: $!";
    if ($pid == 0) {
        $SIG{TERM} = sub { POSIX::_exit(0) };
        eval { _sender_child($data, $bitrate, %o) };
        print STDERR "sender: $@" if $@;
        POSIX::_exit(0);
    }
    my $s = bless { pid => $pid, bitrate => $bitrate, data_len => length $data,
                    creator => $$ },
        'SRTGW::Sender';
    push @{ $self->{senders} }, $s;
    return $s;
}

sub _sender_child {
    my ($data, $bitrate, %o) = @_;
    my $host = $o{host} || '127.0.0.1';
    socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!";
    setsockopt($s, SOL_SOCKET, SO_SNDBUF, pack('i', 4 << 20));
    if ($o{mcast_if}) {
        setsockopt($s, IPPROTO_IP, IP_MULTICAST_IF, inet_aton($o{mcast_if}))
            or die "IP_MULTICAST_IF: $!";
        setsockopt($s, IPPROTO_IP, IP_MULTICAST_LOOP, pack('C', 1));
        setsockopt($s, IPPROTO_IP, IP_MULTICAST_TTL, pack('C', $o{ttl} || 1));
    }
    if ($o{bind}) {
        bind($s, pack_sockaddr_in(0, inet_aton($o{bind}))) or die "bind: $!";
    }
    my $dst = pack_sockaddr_in($o{port}, inet_aton($host));
    sleep $o{delay} if $o{delay};
    my $dg = 1316;
    my $n = int(length($data) / $dg) + (length($data) % $dg ? 1 : 0);
    my $interval = $dg * 8 / $bitrate;
    my $g = $o{garbage};
    my ($seq, $ssrc) = (int(rand(65536)), int(rand(2**31)));
    my $t0 = time;
    my $k = 0;     # datagrams sent (valid)
    my $loops = 0;
    my %ccoff;     # per-PID CC offset when looping
    my %ccdelta;
    if ($o{loop}) {
        my (%first, %last);
        for (my $i = 0; $i + 188 <= length $data; $i += 188) {
            my ($b1, $b2, $b3) = unpack('x1 C3', substr($data, $i, 4));
            my $pid = (($b1 & 0x1f) << 8) | $b2;
            next if $pid == 0x1fff || !($b3 & 0x10);
            $first{$pid} //= $b3 & 0x0f;
            $last{$pid} = $b3 & 0x0f;
        }
        $ccdelta{$_} = ($last{$_} + 1 - $first{$_}) & 0x0f for keys %first;
    }
    my $end_at = $o{duration} ? $t0 + $o{duration} : undef;
    while (1) {
        for my $i (0 .. $n - 1) {
            my $due = $t0 + $k * $interval;
            my $now = time;
            sleep($due - $now) if $due > $now;
            return if $end_at && time > $end_at;
            my $p = substr($data, $i * $dg, $dg);
            if ($loops && %ccoff) {
                for (my $j = 0; $j + 188 <= length $p; $j += 188) {
                    my ($b1, $b2, $b3) = unpack('x1 C3', substr($p, $j, 4));
                    my $pid = (($b1 & 0x1f) << 8) | $b2;
                    my $off = $ccoff{$pid} or next;
                    substr($p, $j + 3, 1) =
                        pack('C', ($b3 & 0xf0) | (($b3 + $off) & 0x0f));
                }
            }
            if ($g && (!$g->{until} || time - $t0 < $g->{until})
                && $g->{every} && $k % $g->{every} == $g->{every} - 1)
            {
                my @kinds = @{ $g->{kinds} || ['random'] };
                my $kind = $kinds[ int($k / $g->{every}) % @kinds ];
                if ($kind eq 'random') {
                    my $r = join '', map { chr(int(rand(256))) } 1 .. 1000;
                    $r =~ tr/\x47/\x48/;
                    send($s, _rtp($r, \$seq, $ssrc, $k, $o{rtp}), 0, $dst);
                } elsif ($kind eq 'zero') {
                    send($s, _rtp("\0" x 1316, \$seq, $ssrc, $k, $o{rtp}), 0, $dst);
                } elsif ($kind eq 'prefix') {
                    # garbage bytes before the valid packets of this datagram
                    my $r = join '', map { chr(int(rand(256))) } 1 .. 37;
                    $r =~ tr/\x47/\x48/;
                    $p = $r . $p;
                } elsif ($kind eq 'truncated') {
                    # valid packets followed by 100 bytes of a cut packet
                    $p = $p . substr($p, 0, 100);
                }
            }
            send($s, _rtp($p, \$seq, $ssrc, $k, $o{rtp}), 0, $dst);
            $k++;
        }
        last unless $o{loop};
        $loops++;
        $ccoff{$_} = ($ccoff{$_} // 0) + $ccdelta{$_} for keys %ccdelta;
    }
}

sub _rtp {
    my ($p, $seqr, $ssrc, $k, $on) = @_;
    return $p unless $on;
    my $seq = $$seqr;
    $$seqr = ($seq + 1) & 0xffff;
    my $ts = (int($k * 1316 * 8 / 700_000 * 90000)) & 0xffffffff;
    return pack('CCnNN', 0x80, 33, $seq, $ts, $ssrc) . $p;
}

# ---------------------------------------------------------------- processes

# Runs a command in the background (stdout/stderr to files, default
# /dev/null); the object has pid/running/stop like a sender and is stopped
# with the harness.  spawn(cmd => [...], out => FILE, err => FILE)
sub spawn {
    my ($self, %o) = @_;
    my @cmd = @{ $o{cmd} };
    my $pid = fork // croak "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $o{out} // '/dev/null' or POSIX::_exit(126);
        open STDERR, '>', $o{err} // '/dev/null' or POSIX::_exit(126);
        exec @cmd or POSIX::_exit(127);
    }
    my $p = bless { pid => $pid, creator => $$, cmd => \@cmd,
                    out => $o{out}, err => $o{err} }, 'SRTGW::Sender';
    push @{ $self->{senders} }, $p;
    return $p;
}

# A publisher: the harness's paced UDP sender (looping MEDIA) feeding
# srt-live-transmit, which calls URL.  Returns the srt-live-transmit process;
# both stop with ->stop of the returned pair's first element.
#   srt_publish(URL, file => MEDIA, tool => 'slt' | 'ffmpeg', reconnect => 1)
sub srt_publish {
    my ($self, $url, %o) = @_;
    my $file = $o{file} || $self->media;
    my $log = "$self->{prefix}/pub-" . ++$self->{nproc} . '.log';
    if (($o{tool} // 'slt') eq 'ffmpeg') {
        # ffmpeg's own SRT caller; note its latency option is in us
        return $self->spawn(
            cmd => ['ffmpeg', '-nostdin', '-loglevel', 'error', '-re',
                    '-stream_loop', '-1', '-i', $file, '-c', 'copy',
                    '-f', 'mpegts', $url],
            err => $log);
    }
    my $udp = free_port();
    my $slt = $self->spawn(
        cmd => ['srt-live-transmit', $o{reconnect} ? '-a:yes' : '-a:no',
                "udp://127.0.0.1:$udp", $url],
        out => $log, err => $log);
    sleep 0.2;
    $slt->{feed} = $self->sender(file => $file, port => $udp, loop => 1);
    return $slt;
}

# A player writing what it receives to FILE.
#   srt_play(URL, FILE, tool => 'slt' | 'ffmpeg')
sub srt_play {
    my ($self, $url, $file, %o) = @_;
    if (($o{tool} // 'slt') eq 'ffmpeg') {
        return $self->spawn(
            cmd => ['ffmpeg', '-nostdin', '-loglevel', 'error', '-y',
                    '-probesize', '400000', '-analyzeduration', '1000000',
                    '-i', $url, '-map', '0', '-c', 'copy', '-f', 'mpegts',
                    '-flush_packets', '1', $file],
            err => "$file.log");
    }
    return $self->spawn(cmd => ['srt-live-transmit', '-a:no', '-q', $url,
                                'file://con'],
                        out => $file, err => "$file.log");
}

# The lossy, delaying UDP relay of t/tools: LISTEN_PORT -> TARGET_PORT.
#   lossy_relay(LISTEN, TARGET, loss => 2, delay => 40, burst => 5)
sub lossy_relay {
    my ($self, $listen, $target, %o) = @_;
    my $bin = "$ROOT/build/tools/lossy_relay";
    BAIL_OUT("$bin missing: run make tools") unless -x $bin;
    my $stats = "$self->{prefix}/relay-$listen.json";
    my $p = $self->spawn(
        cmd => [$bin, '-l', "127.0.0.1:$listen", '-t', "127.0.0.1:$target",
                '-p', $o{loss} // 2, '-d', $o{delay} // 40,
                '-b', $o{burst} // 5, '-s', $o{seed} // 12345,
                '-o', $stats],
        out => "$stats.out", err => "$stats.err");
    $p->{stats} = $stats;
    my $deadline = time + 3;
    until (-s "$stats.out" || time > $deadline) { sleep 0.02 }
    return $p;
}

# last statistics a lossy relay wrote
sub relay_stats {
    my ($self, $p) = @_;
    open my $fh, '<', $p->{stats} or return undef;
    local $/;
    return eval { decode_json(<$fh>) };
}

# wait until CODE(json of /api/srt) is true; returns the last json
sub wait_srt {
    my ($self, $code, $timeout) = @_;
    my $deadline = time + ($timeout // 5);
    my $j;
    while (1) {
        $j = eval { $self->api('/api/srt')->{json} };
        return $j if $j && $code->($j);
        return undef if time > $deadline;
        sleep 0.1;
    }
}

# ---------------------------------------------------------------- TS helpers

sub ts_aligned {
    my ($d) = @_;
    return 0 if length($d) % 188;
    for (my $i = 0; $i < length $d; $i += 188) {
        return 0 if substr($d, $i, 1) ne "\x47";
    }
    return 1;
}

sub ts_packets {
    my ($d) = @_;
    my @p;
    push @p, substr($d, $_ * 188, 188) for 0 .. int(length($d) / 188) - 1;
    return @p;
}

sub ts_pid {
    my ($pkt) = @_;
    my ($b1, $b2) = unpack('x1 C2', $pkt);
    return (($b1 & 0x1f) << 8) | $b2;
}

sub ts_first_pid { length $_[0] >= 188 ? ts_pid($_[0]) : -1 }

# CC continuity per PID.  Returns (errors, duplicates, [descriptions]).
sub ts_cc_check {
    my ($d) = @_;
    my (%last, %dup);
    my ($err, $dups, @desc) = (0, 0);
    for (my $i = 0; $i + 188 <= length $d; $i += 188) {
        my ($sync, $b1, $b2, $b3, $aflen, $afflags)
            = unpack('C6', substr($d, $i, 6));
        my $pid = (($b1 & 0x1f) << 8) | $b2;
        next if $pid == 0x1fff;
        # discontinuity_indicator: the counter may start anew here
        delete $last{$pid} if ($b3 & 0x20) && $aflen > 0 && ($afflags & 0x80);
        next unless $b3 & 0x10;                  # no payload
        my $cc = $b3 & 0x0f;
        if (defined $last{$pid}) {
            if ($cc == $last{$pid}) {
                if ($dup{$pid}) {
                    $err++;
                    push @desc, "pid $pid cc $cc repeated again at packet "
                                . $i / 188 if @desc < 10;
                } else {
                    $dups++;
                    $dup{$pid} = 1;
                }
                next;
            }
            if ($cc != (($last{$pid} + 1) & 0x0f)) {
                $err++;
                push @desc, "pid $pid cc $last{$pid} -> $cc at packet "
                            . $i / 188 if @desc < 10;
            }
        }
        $last{$pid} = $cc;
        $dup{$pid} = 0;
    }
    return ($err, $dups, \@desc);
}

# offset of OUT inside IN (-1 if OUT is not a contiguous slice of IN)
sub slice_offset {
    my ($out, $in) = @_;
    return -1 unless length $out;
    # index() on the first 4 packets, then compare the whole
    my $probe = substr($out, 0, length $out < 752 ? length $out : 752);
    my $pos = 0;
    while ((my $at = index($in, $probe, $pos)) >= 0) {
        return $at if substr($in, $at, length $out) eq $out;
        $pos = $at + 1;
    }
    return -1;
}

sub ts_is_slice { slice_offset(@_) >= 0 }

# for a slice that is not contiguous, describe where it diverges
sub slice_divergence {
    my ($out, $in) = @_;
    my $probe = substr($out, 0, 752);
    my $at = index($in, $probe);
    return "start (first 4 packets) not found in input" if $at < 0;
    my $n = length $out;
    my ($lo, $hi) = (0, $n);      # longest matching prefix by bisection
    while ($lo < $hi) {
        my $mid = int(($lo + $hi + 1) / 2);
        if (substr($in, $at, $mid) eq substr($out, 0, $mid)) { $lo = $mid }
        else { $hi = $mid - 1 }
    }
    return sprintf("starts at input offset %d, matches for %d of %d bytes "
                   . "(packet %d of %d)", $at, $lo, $n, int($lo / 188),
                   int($n / 188));
}

# tscheck --json on BODY (saved as PREFIX/NAME.ts): (exit status, report)
sub tscheck_file {
    my ($self, $name, $body) = @_;
    my $bin = "$ROOT/build/tools/tscheck";
    my $f = "$self->{prefix}/$name.ts";
    open my $fh, '>:raw', $f or croak "$f: $!";
    print $fh $body;
    close $fh;
    my $text = _run_capture($bin, '--json', $f);
    my $rc = $? >> 8;
    my $j = eval { JSON::PP::decode_json($text) } || {};
    return ($rc, $j);
}

# the priority-1 indicators of a tscheck report that are not zero, as text
sub p1_errors {
    my $p1 = $_[0]{priority1} || {};
    return join ' ', map { "$_=$p1->{$_}" } grep { $p1->{$_} } sort keys %$p1;
}

# a capture starts anywhere: BODY from the PAT before its first key frame
# (random_access_indicator on PID 0x100), as a player joins; '' if none
sub from_keyframe {
    my ($body) = @_;
    my $last_pat = -1;
    for (my $i = 0; $i + 188 <= length $body; $i += 188) {
        my ($b1, $b2, $b3, $len, $flags) = unpack('x C C C C C',
                                                   substr($body, $i, 188));
        my $pid = (($b1 & 0x1f) << 8) | $b2;
        $last_pat = $i if $pid == 0;
        if ($pid == 0x100 && ($b3 & 0x20) && $len > 0 && ($flags & 0x40)
            && $last_pat >= 0)
        {
            return substr($body, $last_pat);
        }
    }
    return '';
}

# maximum gap (s) between consecutive data arrivals of a sink within [from,to]
sub max_gap {
    my ($chunks, $from, $to) = @_;
    my $max = 0;
    my $prev;
    for my $c (@$chunks) {
        my $t = $c->[0];
        next if defined $from && $t < $from;
        last if defined $to && $t > $to;
        $max = $t - $prev if defined $prev && $t - $prev > $max;
        $prev = $t;
    }
    return $max;
}

# ---------------------------------------------------------------- classes

package SRTGW::Sink;

use Time::HiRes qw(time);

sub _http_data {
    my ($s, $buf, $t) = @_;
    if (!defined $s->{status}) {
        $s->{head} .= $buf;
        my $i = index($s->{head}, "\r\n\r\n");
        return if $i < 0;
        my $h = substr($s->{head}, 0, $i);
        my $rest = substr($s->{head}, $i + 4);
        my @l = split /\r\n/, $h;
        my $sl = shift @l;
        $s->{status_line} = $sl;
        ($s->{status}) = $sl =~ m{^HTTP/\d\.\d (\d{3})};
        $s->{status} //= 0;
        $s->{header_time} = $t;
        for (@l) {
            my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
            $s->{headers}{ lc $k } = $v;
        }
        $buf = $rest;
        return unless length $buf;
    }
    $s->{first_data} //= $t;
    $s->{body} .= $buf;
    push @{ $s->{chunks} }, [$t, length $buf];
}

sub body { $_[0]{body} }
sub status { $_[0]{status} }

# forget what the sink received so far; a UDP sink also drops what is
# waiting in its socket
sub reset {
    my ($s) = @_;
    if ($s->{kind} eq 'udp' && $s->{sock}) {
        my $buf;
        for (1 .. 100_000) {
            my $from = recv($s->{sock}, $buf, 65536, Socket::MSG_DONTWAIT());
            last unless defined $from && length $buf;
        }
        $s->{datagrams} = 0;
        $s->{sizes} = {};
    }
    $s->{body} = '';
    $s->{chunks} = [];
    $s->{t0} = time;
    return $s;
}

# number of data arrivals after time T (and before U when given)
sub arrivals {
    my ($s, $t, $u) = @_;
    return scalar grep { $_->[0] > $t && (!defined $u || $_->[0] <= $u) }
                       @{ $s->{chunks} };
}
sub header { $_[0]{headers}{ lc $_[1] } }

sub close {
    my ($s) = @_;
    if ($s->{sock}) {
        CORE::close($s->{sock});
        $s->{sock} = undef;
    }
    $s->{eof} = 1;
}

sub DESTROY { my $s = shift; CORE::close($s->{sock}) if $s->{sock} }

package SRTGW::Sender;

use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

sub pid { $_[0]{pid} }

sub running {
    my ($s) = @_;
    return 0 unless $s->{pid};
    return waitpid($s->{pid}, WNOHANG) == 0;
}

sub stop {
    my ($s) = @_;
    $s->{feed}->stop if $s->{feed};
    my $pid = $s->{pid} or return;
    return unless $s->{creator} == $$;
    $s->{pid} = undef;
    kill 'TERM', $pid;
    my $deadline = time + 2;
    while (time < $deadline) {
        return if waitpid($pid, WNOHANG) != 0;
        sleep 0.02;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
}

sub DESTROY { $_[0]->stop if $_[0]{pid} && $_[0]{creator} == $$ }

1;
