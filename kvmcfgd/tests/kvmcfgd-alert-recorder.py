#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""AlertCommand= stand-in for the kvmcfgd integration tests.

Writes its argv and the KVMCFG_* environment (plus whether the service
manager's variables leaked) as JSON to OUTDIR/alert-<pid>.json, then
optionally sleeps (to test the timeout) and optionally ignores SIGTERM (to
test the SIGKILL that follows)."""
import json
import os
import signal
import sys
import time


def main():
    args = sys.argv[1:]
    sleep = 0.0
    if "--ignore-term" in args:
        args.remove("--ignore-term")
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "--sleep" in args:
        i = args.index("--sleep")
        sleep = float(args[i + 1])
        del args[i:i + 2]
    outdir = args[0]
    record = {
        "argv": sys.argv,
        "env": {k: v for k, v in os.environ.items() if k.startswith("KVMCFG_")},
        "leaked": [k for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC") if k in os.environ],
        "stdin_is_devnull": os.path.realpath("/proc/self/fd/0") == "/dev/null",
    }
    tmp = os.path.join(outdir, ".alert-%d.tmp" % os.getpid())
    with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
        json.dump(record, f)
    os.rename(tmp, os.path.join(outdir, "alert-%d.json" % os.getpid()))
    if sleep:
        time.sleep(sleep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
