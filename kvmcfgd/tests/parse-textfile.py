#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Parse a Prometheus textfile with the reference client's parser and print
its samples as JSON lines ({"name", "labels", "value"}); exit 1 with the
parser's error if the file is not valid exposition format.

Run by integration-kvmcfgd.py under the Debian python3 that has
python3-prometheus-client (scripts/deps.sh installs it)."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    try:
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                print(json.dumps({"name": s.name, "labels": s.labels, "value": s.value}))
    except ValueError as e:
        print("invalid exposition format: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
