#!/usr/bin/perl
# Turns a text file into a C header defining one string constant:
#   tools/c_string.pl NAME < FILE > HEADER
# Used to compile docs/openapi.json into the API module.
use strict;
use warnings;
my $name = shift or die "usage: $0 NAME < FILE > HEADER\n";
local $/;
my $text = <STDIN>;
print "/* generated from docs/openapi.json by tools/c_string.pl: do not edit */\n\n";
print "static const char  $name\[\] =\n";
for my $line (split /(?<=\n)/, $text) {
    (my $l = $line) =~ s/(["\\])/\\$1/g;
    $l =~ s/\n/\\n/g;
    print "    \"$l\"\n";
}
print "    ;\n";
