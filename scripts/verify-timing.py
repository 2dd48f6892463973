#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""How long `kvmcfgctl check --verify` takes: the boot gate runs it.

    scripts/verify-timing.py KVMCFGCTL POLICY OUT.json [--runs N] [--label TEXT]

Runs `check --verify --json` N times (default 10) against this host's /sys
and /dev/kvm with POLICY, and `kvmcfgctl probe --json` once for the time of
each probe, and writes OUT.json (schema "kvmcfg-verify-timing/1"): the
kernel, the wall time of each run in ms with min/median/max, the exit
codes, and each probe's outcome and elapsed time. Also run inside the fleet
box (tests/fleetbox) with the box's kernel.
"""
import json
import os
import statistics
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    runs, label = 10, ""
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    if "--label" in args:
        i = args.index("--label")
        label = args[i + 1]
        del args[i:i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    ctl, policy, out = args
    times, codes = [], []
    for _ in range(runs):
        t0 = time.monotonic()
        p = subprocess.run([ctl, "check", "--verify", "--json", "--policy", policy],
                           capture_output=True, text=True)
        times.append(round((time.monotonic() - t0) * 1000, 1))
        codes.append(p.returncode)
        if p.returncode not in (0, 1, 3):
            sys.exit(f"kvmcfgctl check --verify failed ({p.returncode}): {p.stderr}")
    last = json.loads(p.stdout)
    probes = json.loads(subprocess.run([ctl, "probe", "--json"], capture_output=True,
                                       text=True, check=True).stdout)
    u = os.uname()
    doc = {
        "schema": "kvmcfg-verify-timing/1",
        "label": label,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "kernel": {"release": u.release, "machine": u.machine},
        "cpus": os.cpu_count(),
        "policy": os.path.basename(policy),
        "runs": runs,
        "wall_ms": times,
        "wall_ms_min": min(times),
        "wall_ms_median": statistics.median(times),
        "wall_ms_max": max(times),
        "exit_codes": codes,
        "verdict": last["verdict"],
        "verify_findings": [
            {"kind": f["kind"], "module": f["module"], "param": f["param"],
             "message": f["message"]}
            for f in last["findings"] if f.get("probe")
        ],
        "probes": [
            {"probe": r["probe"], "outcome": r["outcome"],
             "elapsed_ms": round(r["elapsed_us"] / 1000, 1)}
            for r in probes
        ],
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"{out}: check --verify median {doc['wall_ms_median']} ms "
          f"(min {doc['wall_ms_min']}, max {doc['wall_ms_max']}) over {runs} runs")


if __name__ == "__main__":
    main()
