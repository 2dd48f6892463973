#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""How validate and check grow with the policy size (issue 19 item 5).

  policy-scale.py KVMCFGCTL [--sizes 1000,3000,10000,30000,100000] [--repeat 3]
                  [--output FILE]

For each size N it builds a fake sysfs tree with N parameters of one module,
and a policy asserting each of them (main file plus drop-ins, each under the
1 MiB file limit), then times `kvmcfgctl validate` (its kernel review held
against the tree, --modules-dir empty) and `kvmcfgctl check`
(best of --repeat runs, wall clock). Before issue 19 both were quadratic:
10,000 rules took 0.54 s / 0.91 s, 100,000 took 46.6 s / 91 s. The JSON
gives seconds and microseconds per rule for every size, and the ratio of
the per-rule cost at the largest size to that at the smallest: about 1 for
linear growth, about 100 for quadratic growth over 1,000 -> 100,000.
With --max-ratio R it exits 1 when either ratio is above R.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

RULES_PER_FILE = 20000  # about 300 KiB of policy per file


def build(root, n):
    params = os.path.join(root, "module", "kvm", "parameters")
    os.makedirs(params)
    for i in range(n):
        with open(os.path.join(params, "p%d" % i), "w") as f:
            f.write("Y\n")
    dropins = os.path.join(root, "policy.d")
    os.makedirs(dropins)
    main = os.path.join(root, "policy.conf")
    for start in range(0, n, RULES_PER_FILE):
        path = main if start == 0 else os.path.join(dropins, "%06d.conf" % start)
        with open(path, "w") as f:
            f.write("[kvm]\n")
            f.writelines("p%d = Y\n" % i for i in range(start, min(n, start + RULES_PER_FILE)))
    return main, dropins


def best_of(repeat, argv, want_rc):
    best = None
    for _ in range(repeat):
        t0 = time.monotonic()
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t = time.monotonic() - t0
        if p.returncode != want_rc:
            sys.exit("%s: exit %d, want %d: %s" % (argv, p.returncode, want_rc,
                                                   p.stderr.decode()[:500]))
        best = t if best is None else min(best, t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kvmcfgctl")
    ap.add_argument("--sizes", default="1000,3000,10000,30000,100000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--output")
    ap.add_argument("--max-ratio", type=float)
    a = ap.parse_args()
    rows = []
    for n in [int(x) for x in a.sizes.split(",")]:
        root = tempfile.mkdtemp(prefix="kvmcfg-scale-")
        try:
            os.chmod(root, 0o755)
            main_path, dropins = build(root, n)
            common = ["--policy", main_path, "--policy-dir", dropins]
            # validate reviews the policy against the kernel: this tree's, with no
            # modules directory (sysfs only), not the running kernel's.
            mods = os.path.join(root, "no-modules")
            os.mkdir(mods)
            v = best_of(a.repeat, [a.kvmcfgctl, "validate", *common, "--sysfs-root", root,
                                   "--modules-dir", mods], 0)
            c = best_of(a.repeat, [a.kvmcfgctl, "check", *common, "--sysfs-root", root], 0)
        finally:
            shutil.rmtree(root)
        rows.append({"rules": n, "validate_s": round(v, 4), "check_s": round(c, 4),
                     "validate_us_per_rule": round(v * 1e6 / n, 2),
                     "check_us_per_rule": round(c * 1e6 / n, 2)})
        print("%7d rules: validate %.3f s, check %.3f s" % (n, v, c), file=sys.stderr)
    first, last = rows[0], rows[-1]
    doc = {
        "benchmark": "policy-scale",
        "tool": "kvmcfgd/bench/policy-scale.py",
        "host": {"machine": platform.machine(), "kernel": platform.release(),
                 "cpus": os.cpu_count()},
        "repeat": a.repeat,
        "sizes": rows,
        # Per-rule cost at the largest size over that at the smallest: ~1 is linear.
        "validate_per_rule_ratio": round(last["validate_us_per_rule"] /
                                         first["validate_us_per_rule"], 2),
        "check_per_rule_ratio": round(last["check_us_per_rule"] / first["check_us_per_rule"], 2),
    }
    text = json.dumps(doc, indent=2) + "\n"
    if a.output:
        with open(a.output, "w") as f:
            f.write(text)
    sys.stdout.write(text)
    if a.max_ratio and max(doc["validate_per_rule_ratio"], doc["check_per_rule_ratio"]) > a.max_ratio:
        sys.exit("per-rule cost grew %.1fx / %.1fx from %d to %d rules: not linear" % (
            doc["validate_per_rule_ratio"], doc["check_per_rule_ratio"], first["rules"],
            last["rules"]))


main()
