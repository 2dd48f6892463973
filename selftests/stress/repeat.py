#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run a kselftest binary many times in a row and fail on any run that fails.

Usage: repeat.py [--count N] [--require NAME]... EXE [ARG]...

Each run is a fresh process (fresh VM, fresh vCPU thread). A run passes when
it exits 0 and every --require'd test reports "ok" (not a skip): a
stress run that silently skipped would prove nothing. The count is
100 x KVMCFG_TEST_SCALE unless --count is given; the children run with
KVMCFG_TEST_SCALE=1, so each run is the test's ordinary size.

Prints one TAP line per run and a summary with per-run wall times.
"""
import os
import re
import statistics
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    count = None
    require = []
    while args and args[0].startswith("--"):
        if args[0] == "--count":
            count = int(args[1])
        elif args[0] == "--require":
            require.append(args[1])
        else:
            print("repeat.py: unknown option %s" % args[0], file=sys.stderr)
            return 2
        args = args[2:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    if count is None:
        count = 100 * max(1, int(os.environ.get("KVMCFG_TEST_SCALE", "1") or 1))
    env = dict(os.environ, KVMCFG_TEST_SCALE="1")

    print("TAP version 13")
    print("1..%d" % count)
    times, failed = [], 0
    for i in range(1, count + 1):
        t0 = time.monotonic()
        p = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, errors="replace", timeout=120)
        times.append(time.monotonic() - t0)
        if p.returncode == 4:
            # The whole binary skipped (no /dev/kvm, ...): pass its reason on.
            print("# SKIP: %s" % " ".join((p.stdout + p.stderr).strip().splitlines()[-1:]))
            return 77
        missing = [n for n in require
                   if not re.search(r"^ok \d+ [\w.]*\b%s\b(?! # SKIP)" % re.escape(n),
                                    p.stdout, re.M)]
        if p.returncode != 0 or missing:
            failed += 1
            print("not ok %d run %d: exit %d%s" % (i, i, p.returncode,
                  ", no pass for " + ", ".join(missing) if missing else ""))
            for line in (p.stdout + p.stderr).splitlines()[-30:]:
                print("# " + line)
        else:
            print("ok %d run %d (%.2fs)" % (i, i, times[-1]))
    print("# %d runs of %s: %d failed; wall time per run min %.2fs, median %.2fs, max %.2fs, "
          "total %.1fs" % (count, os.path.basename(args[0]), failed, min(times),
                           statistics.median(times), max(times), sum(times)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
