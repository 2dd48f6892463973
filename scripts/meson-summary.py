#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Summarise meson testlog.json files as one plain line: 'N passed, N failed, N skipped'.

Counts one row per meson test (a selftest binary, a libcheck suite, ...).
--tail N first prints the last N lines of each failed test's output, so a CI
log that keeps only its end still shows why.
Exit status: 0 when nothing failed, 1 otherwise, 2 when a log is missing.
"""
import json
import sys

PASS = {"OK"}
SKIP = {"SKIP", "EXPECTEDFAIL"}
FAIL = {"FAIL", "ERROR", "TIMEOUT", "UNEXPECTEDPASS", "INTERRUPT"}


def main(argv):
    tail, logs = 0, []
    it = iter(argv)
    for a in it:
        if a == "--tail":
            try:
                tail = int(next(it, ""))
            except ValueError:
                print("meson-summary: --tail wants a number of lines", file=sys.stderr)
                return 2
        else:
            logs.append(a)
    if not logs:
        print("usage: meson-summary.py [--tail N] TESTLOG.json [...]", file=sys.stderr)
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
                out = (row.get("stdout") or "").rstrip("\n").splitlines()
                if tail > 0:
                    print(f"---- {failures[-1]}: the last {min(tail, len(out))} line(s) ----")
                    print("\n".join(out[-tail:]))
    for name in failures:
        print(f"failed: {name}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
