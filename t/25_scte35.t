#!/usr/bin/perl

# SCTE-35 on live routes (issue 5), 2 workers, real ffmpeg media:
#
# * a route nobody marks keeps its PMT untouched;
# * POST /api/routes/ad/scte35 (splice_insert, then time_signal with a
#   segmentation descriptor): 201 with hex/base64/splice_pts/sent_at_pts;
#   in the UDP output ffprobe finds an scte_35 data stream whose packets are
#   byte-exact the API's hex, three copies, CRC valid; the PMT advertises
#   stream_type 0x86 and a CUEI registration descriptor; the first copy
#   comes about the pre-roll (4 s) before the splice point and every copy
#   before it; the output has no continuity errors; HTTP-TS carries the
#   same copies;
# * bad cues: 400 with the field, 404, 409 without a live input; nothing
#   logged for them;
# * the cue log lists the cues;
# * passthrough: the marked output fed into another route comes out with
#   the same sections, logged as seen;
# * random bytes on the SCTE-35 PID of an input: counted, nothing breaks;
# * the schedule: a cue scheduled 5 s ahead fires, its splice point is the
#   video frame that arrives at the scheduled time (within 100 ms); cancel;
#   a cue whose route is not live is reported missed, not sent; a start in
#   the past is 409; a start by offset from the start of the stream;
# * the same on a route made through the API, and on a route fed by an SRT
#   publisher;
# * scte35_heartbeat: splice_null every second, in the route's state and
#   /metrics.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use Time::HiRes qw(time sleep);

use SRTGW qw(:all);

$SIG{PIPE} = 'IGNORE';

my $gw = SRTGW->new(workers => 2);
my ($in, $out, $in2, $out2, $in3, $out3, $in4, $out4, $in5, $out5, $psrt,
    $out6) = $gw->ports(12);
my $p = $gw->prefix;

$gw->write_conf(srt => <<"EOF",
route ad {
    input udp://127.0.0.1:$in;
    output udp://127.0.0.1:$out;
}
route pass {
    input udp://127.0.0.1:$in2;
    output udp://127.0.0.1:$out2;
}
route junk {
    input udp://127.0.0.1:$in3;
    output udp://127.0.0.1:$out3;
    scte35 on;
    scte35_pid 500;
    scte35_preroll 2s;
}
route srtad {
    input "srt://:$psrt";
    output udp://127.0.0.1:$out6;
}
route hb {
    input udp://127.0.0.1:$in5;
    output udp://127.0.0.1:$out5;
    scte35 on;
    scte35_heartbeat 1s;
}
EOF
    server => '        location /metrics { route_metrics; }');
$gw->start;

my $media = $gw->media(duration => 90, bitrate => '800k');

sub req { $gw->api_req(@_) }

# ------------------------------------------------------------ TS helpers

sub crc32_mpeg2 {
    my ($d) = @_;
    my $crc = 0xffffffff;
    for my $b (unpack 'C*', $d) {
        $crc ^= $b << 24;
        for (1 .. 8) {
            $crc = $crc & 0x80000000 ? (($crc << 1) ^ 0x04c11db7) : ($crc << 1);
            $crc &= 0xffffffff;
        }
    }
    return $crc;
}

# packets of a PID: [offset, payload (after the adaptation field), pusi]
sub packets {
    my ($d) = @_;
    my @p;
    for (my $i = 0; $i + 188 <= length $d; $i += 188) {
        my ($sync, $b1, $b2, $b3) = unpack 'C4', substr($d, $i, 4);
        next unless $sync == 0x47;
        my $pid = (($b1 & 0x1f) << 8) | $b2;
        my $off = 4;
        $off += 1 + unpack('C', substr($d, $i + 4, 1)) if $b3 & 0x20;
        next unless $b3 & 0x10 && $off < 188;
        push @p, [$i, $pid, substr($d, $i + $off, 188 - $off), $b1 & 0x40];
    }
    return @p;
}

# the last complete section of a PID (PSI), or undef
sub last_section {
    my ($d, $pid) = @_;
    my @s = sections_of($d, $pid);
    return @s ? $s[-1][1] : undef;
}

sub pmt_of {
    my ($d) = @_;
    my $pat = last_section($d, 0) or return undef;
    my $pmt_pid = unpack('n', substr($pat, 10, 2)) & 0x1fff;
    my $pmt = last_section($d, $pmt_pid) or return undef;
    my $pil = unpack('n', substr($pmt, 10, 2)) & 0xfff;
    my %r = (pid => $pmt_pid, version => (unpack('C', substr($pmt, 5, 1)) >> 1) & 0x1f,
             program_info => substr($pmt, 12, $pil), streams => [],
             crc_ok => crc32_mpeg2($pmt) == 0);
    my $i = 12 + $pil;
    while ($i + 5 <= length($pmt) - 4) {
        my ($type, $epid, $eil) = unpack 'Cnn', substr($pmt, $i, 5);
        push @{ $r{streams} }, { type => $type, pid => $epid & 0x1fff };
        $i += 5 + ($eil & 0xfff);
    }
    return \%r;
}

# PTS of each video PES start: [offset, pts]
sub video_pts {
    my ($d, $vpid) = @_;
    my @v;
    for my $pk (grep { $_->[1] == $vpid && $_->[3] } packets($d)) {
        my $pl = $pk->[2];
        next unless substr($pl, 0, 3) eq "\0\0\1" && (unpack('C', substr($pl, 7, 1)) & 0x80);
        my @b = unpack 'C5', substr($pl, 9, 5);
        my $pts = (($b[0] >> 1) & 7) << 30 | $b[1] << 22 | ($b[2] >> 1) << 15
                  | $b[3] << 7 | $b[4] >> 1;
        push @v, [$pk->[0], $pts];
    }
    return @v;
}

# sections on a PID, each with the offset of its first packet
sub sections_of {
    my ($d, $pid) = @_;
    my (@s, $buf, $at);
    for my $pk (grep { $_->[1] == $pid } packets($d)) {
        if ($pk->[3]) {
            my $ptr = unpack 'C', $pk->[2];
            ($buf, $at) = (substr($pk->[2], 1 + $ptr), $pk->[0]);
        } elsif (defined $buf) {
            $buf .= $pk->[2];
        }
        next unless defined $buf && length $buf >= 3;
        my $len = 3 + (unpack('n', substr($buf, 1, 2)) & 0xfff);
        next if length $buf < $len;
        push @s, [$at, substr($buf, 0, $len)];
        undef $buf;
    }
    return @s;
}

sub write_file {
    my ($name, $data) = @_;
    open my $fh, '>:raw', "$p/$name" or die $!;
    print $fh $data;
    close $fh;
    return "$p/$name";
}

# the data packets ffprobe finds, as hex strings
sub ffprobe_data {
    my ($file) = @_;
    my $json = `ffprobe -v quiet -select_streams d -show_packets -show_data -of json '$file' 2>/dev/null`;
    my $j = eval { decode_json($json) } or return ();
    # "00000000: fc30 2500 ... 0000  .0%..." : 39 columns of hex words
    return map {
        my $h = join '', map { /^[0-9a-f]{8}: / ? substr($_, 10, 39) : () }
                         split /\n/, $_->{data} // '';
        $h =~ s/ //g;
        $h;
    } @{ $j->{packets} || [] };
}

sub capture {
    my ($port, $secs, @events) = @_;
    my $rx = $gw->udp_receiver($port);
    $gw->collect(sinks => [$rx], duration => $secs, events => \@events);
    return $rx;
}

# ------------------------------------------------ an unmarked route, clock

my $feed = $gw->sender(file => $media, port => $in, loop => 1);
my $feed_t0 = time;     # the sender's clock starts as it forks, just before

my $r;
ok($gw->wait_route('ad', sub { $_[0]{inputs}[0]{status} eq 'live' }, 8),
   'route ad is live');
sleep 1;

my $rx = capture($out, 1.5);
my $pmt = pmt_of($rx->{body});
ok($pmt && !grep({ $_->{type} == 0x86 } @{ $pmt->{streams} }),
   'a route nobody marked: its PMT has no SCTE-35 stream');
my $pmt_version0 = $pmt && $pmt->{version};
my ($vpid) = map { $_->{pid} } grep { $_->{type} == 0x1b } @{ $pmt->{streams} || [] };
ok($vpid, "the video PID is $vpid");

$r = req(POST => '/api/routes/nope/scte35', { type => 'splice_insert' });
is($r->{status}, 404, 'unknown route: 404');

my $log0 = $gw->api('/api/routes/ad/scte35/log')->{json}{cues} || [];

# ------------------------------------------------------ B: splice_insert

my $cue;
my $hc = $gw->http_client('/live/ad.ts');
$rx = $gw->udp_receiver($out);
$gw->collect(sinks => [$rx, $hc], duration => 7.5, events => [[1, sub {
    $cue = req(POST => '/api/routes/ad/scte35', {
        type => 'splice_insert', out_of_network => JSON::PP::true,
        duration => 30.0, event_id => 1001, auto_return => JSON::PP::true,
        preroll => 4.0 });
}]]);
$hc->close;

is($cue->{status}, 201, 'splice_insert: 201') or diag($cue->{body});
my $c = $cue->{json} || {};
like($c->{hex} // '', qr/^fc30[0-9a-f]+$/, 'the answer has the section in hex');
is(unpack('H*', decode_base64($c->{base64} // '')), $c->{hex},
   'and the same in base64');
is($c->{copies}, 3, 'three copies');
is($c->{decoded}{command}, 'splice_insert', 'decoded: splice_insert');
is($c->{decoded}{splice_event_id}, 1001, 'decoded: event id');
my $lead = ($c->{splice_pts} - $c->{sent_at_pts}) % 2**33;
ok(abs($lead - 4 * 90000) <= 3600,
   "splice_pts is 4 s after sent_at_pts ($lead ticks)");

my $file = write_file('ad.ts', $rx->{body});
my $streams = `ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '$file' 2>/dev/null`;
like($streams, qr/scte_35/, 'ffprobe sees an scte_35 stream');

my @data = ffprobe_data($file);
is(scalar(grep { $_ eq $c->{hex} } @data), 3,
   'ffprobe finds the three copies, byte-exact as the API returned')
    or diag("data packets: @data");

my $hfile = write_file('ad-http.ts', $hc->body);
is(scalar(grep { $_ eq $c->{hex} } ffprobe_data($hfile)), 3,
   'and in the HTTP-TS output too');

$pmt = pmt_of($rx->{body});
my ($scte) = grep { $_->{type} == 0x86 } @{ $pmt->{streams} || [] };
ok($scte, 'the PMT advertises stream_type 0x86 on PID ' . ($scte->{pid} // '-'));
like($pmt->{program_info} // '', qr/\x05\x04CUEI/,
     'with a CUEI registration descriptor in the program info loop');
ok($pmt->{crc_ok}, 'the rewritten PMT has a valid CRC');
isnt($pmt->{version}, $pmt_version0, 'and a new version number');

my @secs = sections_of($rx->{body}, $scte->{pid} // -1);
is(scalar @secs, 3, 'three sections on the SCTE-35 PID');
ok(!grep({ crc32_mpeg2($_->[1]) != 0 } @secs), 'every section has a valid CRC');

# where each copy went: the video PTS of the next frame after it
my @v = video_pts($rx->{body}, $vpid);
my @when;
for my $s (@secs) {
    my ($next) = grep { $_->[0] > $s->[0] } @v;
    push @when, $next ? ($c->{splice_pts} - $next->[1]) % 2**33 : -1;
}
ok(@when && $when[0] >= 3.7 * 90000 && $when[0] <= 4.3 * 90000,
   sprintf('the first copy comes %.2f s before the splice point', ($when[0] // 0) / 90000));
ok(!grep({ $_ <= 0 } @when), 'every copy comes before the splice point: '
   . join(', ', map { sprintf '%.2f s', $_ / 90000 } @when));
my ($cc_err, undef, $cc_desc) = ts_cc_check($rx->{body});
is($cc_err, 0, 'no continuity errors with the PMT rewritten and cues inserted')
    or diag("@$cc_desc");

# --------------------------------------------------------- C: time_signal

$rx = capture($out, 5.5, [0.5, sub {
    $cue = req(POST => '/api/routes/ad/scte35', {
        type => 'time_signal', preroll => 2.0, repeat => 2,
        segmentation => [{ type_id => 52, event_id => 7, duration => 60.0,
                           upid_type => 15, upid => 'urn:example:1' }] });
}]);
is($cue->{status}, 201, 'time_signal: 201') or diag($cue->{body});
$c = $cue->{json} || {};
is($c->{decoded}{descriptors}[0]{segmentation_type_id}, 52,
   'decoded: a segmentation descriptor of type 52');
$file = write_file('ts.ts', $rx->{body});
@data = ffprobe_data($file);
is(scalar(grep { $_ eq $c->{hex} } @data), 2,
   'ffprobe finds both copies of the time_signal, byte-exact');
($cc_err) = ts_cc_check($rx->{body});
is($cc_err, 0, 'no continuity errors');

# ---------------------------------------------------------- D: bad cues

my $logn = scalar @{ $gw->api('/api/routes/ad/scte35/log')->{json}{cues} || [] };
for my $b (['malformed JSON', '{"type":', 400, undef],
           ['no type', {}, 400, 'type'],
           ['unknown field', { type => 'splice_insert', colour => 1 }, 400, 'colour'],
           ['negative duration', { type => 'splice_insert', duration => -5 }, 400, 'duration'],
           ['bad upid', { type => 'time_signal', segmentation => [{ type_id => 52, upid_type => 12, upid => '0x1' }] },
            400, 'segmentation[0].upid'],
           ['two times', { type => 'splice_insert', in => 5, pts => 7 }, 400, undef],
           ['splice in the past', { type => 'splice_insert', pts => 0 }, undef, undef])
{
    my ($name, $body, $status, $field) = @$b;
    $r = req(POST => '/api/routes/ad/scte35', $body);
    if (defined $status) {
        is($r->{status}, $status, "$name: $status");
    } else {
        ok(($r->{status} // 0) == 409 || ($r->{status} // 0) == 201,
           "$name: 409 unless PTS 0 happens to lie ahead");
        $logn++ if ($r->{status} // 0) == 201;
    }
    is($r->{json}{error}{field}, $field, "$name: field") if $field;
}
is(scalar @{ $gw->api('/api/routes/ad/scte35/log')->{json}{cues} || [] }, $logn,
   'bad cues inserted and logged nothing');

$r = req(POST => '/api/routes/pass/scte35', { type => 'splice_insert' });
is($r->{status}, 409, 'a route without live input: 409');
like($r->{json}{error}{message} // '', qr/no video clock|not live/, 'saying why');

# ------------------------------------------------------------ E: cue log

my $log = $gw->api('/api/routes/ad/scte35/log?source=api')->{json};
my @api = @{ $log->{cues} || [] };
ok(@api >= 2, 'the cue log lists the API cues');
is($api[0]{hex}, $c->{hex}, 'newest first, with the hex');
is($api[0]{result}, 'queued', 'result queued');
is($api[0]{decoded}{command}, 'time_signal', 'and the decoded cue');
my $page = $gw->api('/api/routes/ad/scte35/log?limit=1')->{json};
is(scalar @{ $page->{cues} }, 1, 'limit=1: one cue');
ok($page->{next_cursor}, 'and a cursor to the next page');

# -------------------------------------------------------- F: passthrough

my $feed2 = $gw->sender(file => "$p/ad.ts", port => $in2);
$rx = capture($out2, 7.5);
my $pfile = write_file('pass.ts', $rx->{body});
my @first = ffprobe_data("$p/ad.ts");
my @pass = ffprobe_data($pfile);
ok(@pass >= 3 && join(',', @pass[0 .. 2]) eq join(',', @first[0 .. 2]),
   'SCTE-35 in the input passes byte-exact to the output')
    or diag("in: @first\nout: @pass");
sleep 0.5;
my $seen = $gw->api('/api/routes/pass/scte35/log?source=input')->{json}{cues} || [];
ok(scalar(grep { $_->{result} eq 'seen' && $_->{hex} eq $first[0] } @$seen) >= 1,
   'and is logged as seen in the input');

# ------------------------------------------- G: garbage on the SCTE-35 PID

{
    # every 40th packet, one more on the SCTE-35 PID: a real section with a
    # byte flipped (bad CRC), a section header with random bytes, or
    # random bytes with a random pointer field
    my $d = SRTGW::slurp("$p/ad.ts");
    my $spid = $scte->{pid};
    my $real = pack 'H*', $c->{hex};
    my ($o, $cc, $k) = ('', 0, 0);
    srand(7);
    for (my $i = 0; $i + 188 <= length $d; $i += 188) {
        $o .= substr($d, $i, 188);
        next if ($i / 188) % 40;
        my $kind = $k++ % 3;
        my $pl;
        if ($kind == 0) {
            my $bad = $real;
            substr($bad, 12, 1) = chr(ord(substr($bad, 12, 1)) ^ 0x55);
            $pl = "\0" . $bad;
        } elsif ($kind == 1) {
            $pl = "\0\xfc" . pack('n', 0x3000 | 60)
                  . pack('C*', map { int rand 256 } 1 .. 60);
        } else {
            $pl = pack 'C*', map { int rand 256 } 1 .. 184;
        }
        $pl .= "\xff" x (184 - length $pl);
        $o .= pack('CnC', 0x47, ($kind == 2 ? 0 : 0x4000) | 0x4000 | $spid,
                   0x10 | ($cc++ & 0x0f)) . substr($pl, 0, 184);
    }
    write_file('junk.ts', $o);
}
my @workers = $gw->worker_pids;
my $feed3 = $gw->sender(file => "$p/junk.ts", port => $in3);
$rx = capture($out3, 5);
ok(length $rx->{body} > 200_000, 'random bytes on the SCTE-35 PID: the route streams on');
my $junk = $gw->api('/api/routes/junk/scte35/log?source=input')->{json}{cues} || [];
ok(scalar(grep { $_->{result} =~ /^(bad_crc|invalid)$/ } @$junk) >= 1,
   'the broken sections are logged as such: '
   . join(',', map { $_->{result} } @$junk[0 .. ($#$junk < 4 ? $#$junk : 4)]));
is(join(',', $gw->worker_pids), join(',', @workers), 'no worker died');
$pmt = pmt_of($rx->{body});
ok(scalar(grep { $_->{type} == 0x86 } @{ $pmt->{streams} || [] }),
   '"scte35 on": the input\'s own SCTE-35 PID is kept in the PMT');

# ------------------------------------------------------------- H: schedule

my $t0 = time;
my $s;
$rx = $gw->udp_receiver($out);
$gw->collect(sinks => [$rx], duration => 8, events => [[0.2, sub {
    $s = req(POST => '/api/routes/ad/scte35/schedule', {
        in => 5, cue => { type => 'splice_insert', duration => 10, preroll => 2 } });
}]]);
is($s->{status}, 201, 'a cue scheduled in 5 s: 201') or diag($s->{body});
my $sid = $s->{json}{id};
is($s->{json}{state}, 'pending', 'pending');
my $entry = $gw->api("/api/routes/ad/scte35/schedule/$sid")->{json};
is($entry->{state}, 'fired', 'then fired') or diag(explain $entry);

my @sched = grep { $_->{source} eq 'schedule' }
            @{ $gw->api('/api/routes/ad/scte35/log?source=schedule')->{json}{cues} || [] };
ok(@sched, 'logged with source schedule');
my $splice = $sched[0] && $sched[0]{splice_pts};

# which frame arrived at the scheduled time, and is it the splice point?
{
    my $start_s = $s->{json}{start_ms} / 1000;
    my @vp = video_pts($rx->{body}, $vpid);
    my ($at) = sort { abs($a->[1] - $splice) <=> abs($b->[1] - $splice) } @vp;
    # byte offset -> arrival time, from the receiver's chunks
    my ($sum, $t) = (0, undef);
    for my $ch (@{ $rx->{chunks} }) {
        $sum += $ch->[1];
        if ($sum > ($at->[0] // 0)) { $t = $ch->[0]; last }
    }
    # the receiver sees it after the gateway's own latency: 150 ms leaves
    # room for a loaded machine (idle: 10-50 ms)
    ok(defined $t && abs($t - $start_s) <= 0.15,
       sprintf('the splice frame arrived %.0f ms from the scheduled time',
               defined $t ? ($t - $start_s) * 1000 : 9999));
    ok($at && abs($at->[1] - $splice) <= 3600, 'a frame at the splice PTS is in the output');

    # The gateway's own accuracy: when did the sender send that frame?  It
    # paces the media file at a constant bitrate from $feed_t0 (first loop
    # of a 90 s file: the PTS is unique there).
    my $md = SRTGW::slurp($media);
    my @mv = video_pts($md, $vpid);
    my ($mf) = sort { abs($a->[1] - $splice) <=> abs($b->[1] - $splice) } @mv;
    my $sent_at = $feed_t0 + int($mf->[0] / 1316) * 1316 * 8 / $feed->{bitrate};
    my $err_ms = ($sent_at - $start_s) * 1000;
    diag(sprintf 'scheduled splice: the frame entered the gateway %.0f ms '
                 . 'from the scheduled time', $err_ms);
    ok(abs($err_ms) <= 120 || time - $feed_t0 > 85,
       sprintf('the splice frame is the one sent at the scheduled time, '
               . 'within 3 frames on this shared machine (%.0f ms)', $err_ms));
}
$file = write_file('sched.ts', $rx->{body});
ok(scalar(grep { $_ eq $sched[0]{hex} } ffprobe_data($file)) >= 1,
   'the scheduled cue is in the output') if @sched;

$s = req(POST => '/api/routes/ad/scte35/schedule', {
    in => 60, cue => { type => 'splice_insert' } });
is($s->{status}, 201, 'another in 60 s');
$r = req(DELETE => "/api/routes/ad/scte35/schedule/$s->{json}{id}");
is($r->{status}, 200, 'cancelled');
is($r->{json}{state}, 'cancelled', 'state cancelled');
$r = req(DELETE => "/api/routes/ad/scte35/schedule/$s->{json}{id}");
is($r->{status}, 409, 'cancelling again: 409');
$r = req(DELETE => "/api/routes/pass/scte35/schedule/$sid");
is($r->{status}, 404, 'an entry of another route: 404');

my $since = $gw->route('ad')->{inputs}[0]{since};
$s = req(POST => '/api/routes/ad/scte35/schedule', {
    offset => (time * 1000 - $since) / 1000 + 30,
    cue => { type => 'splice_insert' } });
is($s->{status}, 201, 'scheduled by offset from the start of the stream');
ok(abs(($s->{json}{start_ms} // 0) - (time * 1000 + 30000)) < 1500,
   'for 30 s from now');
req(DELETE => "/api/routes/ad/scte35/schedule/$s->{json}{id}");

$r = req(POST => '/api/routes/ad/scte35/schedule', {
    start => '2001-01-01T00:00:00Z', cue => { type => 'splice_insert' } });
is($r->{status}, 409, 'a start in the past: 409');
$r = req(POST => '/api/routes/ad/scte35/schedule', {
    in => 5, cue => { type => 'splice_insert', pts => 5 } });
is($r->{status}, 400, 'a cue with a time of its own: 400');

# route "pass" is not live any more: its cue is missed, not sent
$feed2->stop;
sleep 3.5;
$s = req(POST => '/api/routes/pass/scte35/schedule', {
    in => 1, cue => { type => 'splice_insert', preroll => 0 } });
is($s->{status}, 201, 'a cue for a route that is not live');
sleep 1.6;
$entry = $gw->api("/api/routes/pass/scte35/schedule/$s->{json}{id}")->{json};
is($entry->{state}, 'missed', 'reported missed') or diag(explain $entry);
like($entry->{result} // '', qr/not live|no video clock/, 'saying why');

# ------------------------------------------------- I: a route of the API

$r = req(POST => '/api/routes', { name => 'api1',
    inputs => [{ url => "udp://127.0.0.1:$in4" }],
    outputs => [{ url => "udp://127.0.0.1:$out4" }] });
is($r->{status}, 201, 'an API route');
my $feed4 = $gw->sender(file => $media, port => $in4, loop => 1);
ok($gw->wait_route('api1', sub { $_[0]{inputs}[0]{status} eq 'live' }, 8),
   'live');
sleep 1;
$rx = capture($out4, 6, [0.3, sub {
    $cue = req(POST => '/api/routes/api1/scte35',
               { type => 'splice_insert', duration => 15, preroll => 3 });
}]);
is($cue->{status}, 201, 'a cue on the API route') or diag($cue->{body});
$file = write_file('api1.ts', $rx->{body});
is(scalar(grep { $_ eq ($cue->{json}{hex} // '') } ffprobe_data($file)), 3,
   'in its output, three copies');
$log = $gw->api('/api/routes/api1/scte35/log')->{json}{cues} || [];
is(scalar @$log, 1, 'in its cue log, under its name');
is($log->[0]{route}, 'api1', 'route api1');
$s = req(POST => '/api/routes/api1/scte35/schedule',
         { in => 120, cue => { type => 'splice_insert' } });
is($s->{status}, 201, 'scheduled on the API route');
is($gw->api("/api/routes/api1/scte35/schedule/$s->{json}{id}")->{status}, 200,
   'and found again');

# ---------------------------------------------- K: a live SRT route, one curl

my $pub = $gw->srt_publish("srt://127.0.0.1:$psrt", file => $media);
ok($gw->wait_route('srtad', sub { $_[0]{inputs}[0]{status} eq 'live' }, 10),
   'an SRT publisher is live on route srtad');
sleep 1;
$rx = capture($out6, 6, [0.3, sub {
    $cue = req(POST => '/api/routes/srtad/scte35',
               { type => 'splice_insert', duration => 30, preroll => 4 });
}]);
is($cue->{status}, 201, 'one curl call marks a break on the SRT route');
$file = write_file('srt.ts', $rx->{body});
is(scalar(grep { $_ eq ($cue->{json}{hex} // '') } ffprobe_data($file)), 3,
   'and its output carries the cue three times');
$pub->{feed}->stop if $pub->{feed};
$pub->stop;

# ------------------------------------------------------------- J: heartbeat

my $feed5 = $gw->sender(file => $media, port => $in5, loop => 1);
sleep 1;
$rx = capture($out5, 4);
$file = write_file('hb.ts', $rx->{body});
my @hb = grep { /^fc3011/ } ffprobe_data($file);
ok(@hb >= 3, 'scte35_heartbeat 1s: ' . scalar(@hb) . ' splice_null in 4 s');
is($gw->route('hb')->{scte35}{inserted} >= 3 ? 1 : 0, 1,
   'counted in the route\'s scte35 state');
like($gw->http_get('/metrics', duration => 3)->body // '',
     qr/srtgw_route_scte35_inserted_total\{route="hb"\} [1-9]/,
     'and in /metrics');

$_->stop for $feed, $feed3, $feed4, $feed5;
$gw->stop;

done_testing;
