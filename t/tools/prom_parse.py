#!/usr/bin/python3
# Parses Prometheus text exposition on stdin with the reference parser
# (python3-prometheus-client) and prints the samples as JSON:
# {"families": {name: type}, "samples": [[name, {labels}, value], ...]}.
# Exits 1 with the parser's message on invalid input.

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

try:
    families = list(text_string_to_metric_families(sys.stdin.read()))
except Exception as e:  # the parser raises ValueError and friends
    print("parse error: %s" % e, file=sys.stderr)
    sys.exit(1)

out = {"families": {}, "samples": []}
for f in families:
    out["families"][f.name] = f.type
    for s in f.samples:
        out["samples"].append([s.name, s.labels, s.value])

json.dump(out, sys.stdout)
