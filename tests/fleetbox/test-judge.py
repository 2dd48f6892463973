#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The fleet box's judging, without a box: fleetbox.py's outcome checks and
truth-table.py on the committed results of every kernel
(docs/results/fleetbox-matrix/KERNEL/), as they are and altered into the
faults the checks exist for. TAP.

    test-judge.py SOURCE_DIR
"""
import copy
import contextlib
import importlib.util
import io
import json
import os
import subprocess
import sys

KERNELS = ("bookworm", "trixie", "unstable")


def load_fleetbox(src):
    spec = importlib.util.spec_from_file_location(
        "fleetbox", os.path.join(src, "tests", "fleetbox", "fleetbox.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def failures(fb, configs):
    """The 'not ok' lines of fleetbox.py's outcome checks on @configs."""
    tap, out = fb.Tap(), io.StringIO()
    with contextlib.redirect_stdout(out):
        fb.check_outcomes(tap, configs)
    return [l for l in out.getvalue().splitlines() if l.startswith("not ok")]


def main():
    src = sys.argv[1]
    fb = load_fleetbox(src)
    top = os.path.join(src, "docs", "results", "fleetbox-matrix")
    runs = {}
    for k in KERNELS:
        with open(os.path.join(top, k, "matrix.json")) as f:
            runs[k] = json.load(f)
    n = 0
    bad = 0

    def check(ok, what, detail=""):
        nonlocal n, bad
        n += 1
        bad += not ok
        print(f"{'ok' if ok else 'not ok'} {n} {what}")
        if not ok and detail:
            print("#   " + str(detail).replace("\n", "\n#   "))

    def outcome(k, index, param):
        c = runs[k]["configs"][index - 1]
        return next(o for o in c["outcomes"] if o["param"] == param)

    for k in KERNELS:
        f = failures(fb, runs[k]["configs"])
        check(not f, f"{k}: the committed results pass the outcome checks", f)
    # What the table must show, read from the committed outputs.
    check(all(outcome("bookworm", i, "kvm.tdp_mmu")["outcome"] == "contradicted" for i in (5, 6)),
          "6.1 (bookworm): kvm.tdp_mmu contradicted in configs 5 and 6 (tdp_mmu=1 npt=0)")
    for k in ("trixie", "unstable"):
        check(all(outcome(k, i, "kvm.tdp_mmu")["outcome"] == "overridden" and
                  outcome(k, i, "kvm.tdp_mmu")["loaded"] == "N" for i in (5, 6)),
              f"{k}: kvm.tdp_mmu overridden (loaded N) in configs 5 and 6")

    # The faults the checks exist for, made from an honest kernel's results.
    d = copy.deepcopy(runs["trixie"])
    t = next(t for t in d["configs"][4]["tests"] if t["name"] == "tdp_reality")
    t["result"], t["reason"] = "fail", "kvm.tdp_mmu=N, but the guest runs on TDP"
    f = failures(fb, d["configs"])
    check(any("contradicted exactly where" in l for l in f) and
          any("every override is honest" in l for l in f),
          "an override the guest contradicts fails the checks", f)
    d = copy.deepcopy(runs["trixie"])
    d["configs"][4]["outcomes"][0]["reason"] = None
    f = failures(fb, d["configs"])
    check(any("gives its reason" in l for l in f), "an override of tdp_mmu without its reason fails", f)
    d = copy.deepcopy(runs["bookworm"])
    next(o for o in d["configs"][4]["outcomes"] if o["param"] == "kvm.tdp_mmu")["outcome"] = "held"
    f = failures(fb, d["configs"])
    check(any("contradicted exactly where" in l for l in f), "a lie labelled held fails", f)
    d = copy.deepcopy(runs["bookworm"])
    d["configs"][0]["outcomes"].pop()
    f = failures(fb, d["configs"])
    check(any("every asked param has an outcome" in l for l in f), "a param without an outcome fails", f)

    # The truth table from the same results.
    r = subprocess.run([sys.executable, os.path.join(src, "tests", "fleetbox", "truth-table.py"), top,
                        *KERNELS], capture_output=True, text=True)
    rows = [l for l in r.stdout.splitlines() if l.startswith("| ") and l[2:3].isalpha()]
    check(r.returncode == 0 and len(rows) == 1 + 8 * len(KERNELS),
          f"truth-table.py: a header and {8 * len(KERNELS)} rows", r.stdout[-2000:] + r.stderr)
    check(any(l.startswith("| bookworm") and "**contradicted** kvm.tdp_mmu" in l for l in rows) and
          any(l.startswith("| trixie") and "overridden kvm.tdp_mmu" in l for l in rows) and
          "the guest agrees with the loaded value" in r.stdout,
          "truth-table.py: 6.1 contradicted, 6.12 overridden, with the guest's observation")
    with open(os.path.join(top, "README.md")) as f:
        check(r.stdout.strip() in f.read(), "README.md holds the table the results make "
              "(scripts/fleetbox-results.sh --table-only remakes it)")
    print(f"1..{n}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
