#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Does kvm-mmio-bench --compare make a CI gate that can be trusted here?

A benchmark, not a test (docs/bench.md, "Can the gate be trusted"). It makes
result files back to back, each as a gate makes them (--runs RUNS: that many
runs of the bench, each a fresh process, in one file), and counts what
--compare says:

  false alarms  PAIRS pairs of identical runs (A_i, B_i): every path that
                --compare calls significant is a false alarm;
  power         the same PAIRS with a third run D_i right after B_i that adds
                --handler-delay-ns of about 3% of the userspace-MMIO median:
                mmio_read and mmio_write must be flagged in every (B_i, D_i),
                and no kernel-handled path may be;
  sweep         other delays, SWEEP pairs each, for the smallest change the
                gate detects in every pair, as far as --max-seconds allows
                (the false-alarm and power pairs always run in full).

Each pair is judged the way a gate uses --compare: when it exits 3 (a path
inconclusive, none regressed), the newer file is made again once and
compared with the same older one; the pair's verdicts are the second
comparison's, and the first is kept under "first". The summary gives the
single-shot figures too.

The delay is sized from the first file's mmio_write median. Everything goes
to one JSON file (default docs/results/bench-gate-proof.json) with the load
average and the other KVM users at the start and end of each file, since the
host is shared.

Usage: bench-gate-proof.py [--bench EXE] [--out FILE] [--pairs N] [--sweep N]
                           [--runs N] [--rounds N] [--max-seconds S] [--keep DIR]
"""
import argparse
import datetime
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

# Paths whose every access the bench handles in userspace: a handler delay
# moves them. The others stay in the kernel and must never be flagged.
USERSPACE = {"mmio_write", "mmio_read", "mmio_new_page", "pio_cpl0", "pio_cpl3"}
MUST_FLAG = ("mmio_write", "mmio_read")
VERDICT = re.compile(r"^(\S+)\s.*\s([+-]\d+\.\d)% \[([+-]\d+\.\d), ([+-]\d+\.\d)\](?: \(abs\))?\s+"
                     r"(\d+\.\d)%\s+(noise|inconclusive|significant regression|significant improvement|"
                     r"not a KVM exit)$")


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def run_bench(exe, out, runs, rounds, delay_ns=0):
    args = [exe, "--quiet", "--no-harness", "--runs", str(runs), "--rounds", str(rounds), "--json", out]
    if delay_ns:
        args += ["--handler-delay-ns", str(delay_ns)]
    t0 = time.monotonic()
    r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode == 4:
        print("SKIP: no usable /dev/kvm")
        sys.exit(77)
    if r.returncode != 0:
        sys.exit(f"bench failed ({r.returncode}): {r.stderr}")
    with open(out) as f:
        doc = json.load(f)
    return doc, time.monotonic() - t0


def compare(exe, a, b):
    r = subprocess.run([exe, "--compare", a, b], capture_output=True, text=True)
    if r.returncode not in (0, 1, 3):
        sys.exit(f"--compare failed ({r.returncode}): {r.stderr}")
    paths = {}
    drift = None
    for line in r.stdout.splitlines():
        m = VERDICT.match(line)
        if m:
            paths[m.group(1)] = {
                "change_pct": float(m.group(2)),
                "ci_pct": [float(m.group(3)), float(m.group(4))],
                "floor_pct": float(m.group(5)),
                "verdict": m.group(6),
            }
        m = re.match(r"host drift: the control (\S+) moved ([+-]\d+\.\d)%", line)
        if m:
            drift = {"control": m.group(1), "pct": float(m.group(2))}
    return {"exit": r.returncode, "paths": paths, "host_drift": drift,
            "judged_on_runs": "judged on runs:" in r.stdout,
            "conditions_differ": "conditions differ" in r.stdout,
            "drift_past_limit": "more than the control takes out" in r.stdout}


def conditions(doc):
    c = doc.get("conditions", {})
    return {"start": c.get("start"), "end": c.get("end"), "busy": c.get("busy")}


def flagged(cmp):
    return sorted(n for n, p in cmp["paths"].items() if p["verdict"].startswith("significant"))


def caught(cmp):
    return all(cmp["paths"].get(n, {}).get("verdict") == "significant regression" for n in MUST_FLAG)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bench", default=os.path.join(here, "..", "build", "tools", "bench", "kvm-mmio-bench"))
    ap.add_argument("--out", default=os.path.join(here, "..", "docs", "results", "bench-gate-proof.json"))
    ap.add_argument("--pairs", type=int, default=10)
    ap.add_argument("--sweep", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=570,
                    help="start no sweep pair that would likely end after this")
    ap.add_argument("--runs", type=int, default=15, help="runs per file (--runs of the bench)")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--power-pct", type=float, default=3.0)
    ap.add_argument("--sweep-pct", default="5,2.5,2,1.5",
                    help="delays to sweep, largest first (the time limit cuts the smallest)")
    ap.add_argument("--keep", help="keep the result files in this directory")
    opt = ap.parse_args()

    t_start = time.monotonic()
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    load_start = loadavg()
    tmp = opt.keep or tempfile.mkdtemp(prefix="bench-gate-proof.")
    os.makedirs(tmp, exist_ok=True)
    runs = []

    def bench(name, delay_ns=0):
        path = os.path.join(tmp, name + ".json")
        doc, secs = run_bench(opt.bench, path, opt.runs, opt.rounds, delay_ns)
        runs.append({"name": name, "delay_ns": delay_ns, "seconds": round(secs, 1),
                     "conditions": conditions(doc)})
        print(f"  {name}: {secs:.1f} s, load {doc['conditions']['end']['loadavg']}", file=sys.stderr)
        return path, doc

    first_path, first = bench("A1")
    mmio_path = {p["name"]: p for p in first["paths"]}["mmio_write"]
    mmio = mmio_path.get("across_runs", mmio_path["rounds"])["median"]
    delay = int(round(mmio * opt.power_pct / 100))
    print(f"mmio_write median {mmio:.0f} ns: power delay {delay} ns ({opt.power_pct}%)", file=sys.stderr)

    def judged(old, new_name, new_path, delay_ns=0):
        """--compare old new; on exit 3, make the new run again once and compare that."""
        c = compare(opt.bench, old, new_path)
        out = {"flagged": flagged(c), **c}
        if c["exit"] == 3:
            again = bench(new_name + "-again", delay_ns)[0]
            c2 = compare(opt.bench, old, again)
            out = {"flagged": flagged(c2), **c2, "first": out}
        return out

    identical, power = [], []
    for i in range(1, opt.pairs + 1):
        a = first_path if i == 1 else bench(f"A{i}")[0]
        b = bench(f"B{i}")[0]
        d = bench(f"D{i}", delay)[0]
        identical.append({"pair": i, **judged(a, f"B{i}", b)})
        power.append({"pair": i, **judged(b, f"D{i}", d, delay)})

    sweep = []
    last_b = os.path.join(tmp, f"B{opt.pairs}.json")
    sweep_cut = False
    for pct in [float(x) for x in opt.sweep_pct.split(",") if x]:
        ns = int(round(mmio * pct / 100))
        hits = 0
        pairs = []
        for j in range(1, opt.sweep + 1):
            per_run = (time.monotonic() - t_start) / len(runs)
            if time.monotonic() - t_start + 2.5 * per_run > opt.max_seconds:
                sweep_cut = True
                break
            base = bench(f"S{pct}-{j}-base")[0]
            d = bench(f"S{pct}-{j}", ns)[0]
            c = judged(base, f"S{pct}-{j}", d, ns)
            hits += caught(c)
            pairs.append({"flagged": c["flagged"], "rerun": "first" in c,
                          "mmio_change_pct": {n: c["paths"].get(n, {}).get("change_pct") for n in MUST_FLAG}})
        if pairs:
            sweep.append({"delay_pct": pct, "delay_ns": ns, "pairs": len(pairs), "detected": hits,
                          "results": pairs})

    false_alarms = sum(len(p["flagged"]) for p in identical)
    paths_judged = sum(len(p["paths"]) for p in identical)
    power_hits = sum(caught(p) for p in power)
    def single(p):
        return p.get("first", p)  # the single-shot comparison
    single_false = sum(len(single(p)["flagged"]) for p in identical)
    single_hits = sum(caught(single(p)) for p in power)
    inconclusive = sum(1 for p in identical + power if p["exit"] == 3)
    kernel_flagged = sum(len([n for n in p["flagged"] if n not in USERSPACE]) for p in power)
    # The smallest delay that was caught in every pair, and so was every larger one.
    levels = sorted([(s["delay_pct"], s["detected"] == s["pairs"]) for s in sweep] +
                    ([(opt.power_pct, power_hits == len(power))] if power else []))
    reliable = []
    for pct, all_caught in reversed(levels):
        if not all_caught:
            break
        reliable.append(pct)
    summary = {
        "identical_pairs": len(identical),
        "comparisons_judged_on_runs": sum(p["judged_on_runs"] for p in identical + power),
        "false_alarms": false_alarms,
        "false_alarm_rate": false_alarms / paths_judged if paths_judged else None,
        "pairs_with_a_false_alarm": sum(1 for p in identical if p["flagged"]),
        "identical_pairs_with_drift_past_limit": sum(1 for p in identical if p["drift_past_limit"]),
        "power_pairs_with_drift_past_limit": sum(1 for p in power if p["drift_past_limit"]),
        "power_pairs": len(power),
        "power_delay_ns": delay,
        "power_delay_pct": opt.power_pct,
        "power_detected_pairs": power_hits,
        "power_rate": power_hits / len(power) if power else None,
        "kernel_paths_flagged_in_power_pairs": kernel_flagged,
        "identical_pairs_rerun": sum(1 for p in identical if "first" in p),
        "power_pairs_rerun": sum(1 for p in power if "first" in p),
        "pairs_still_inconclusive_after_rerun": inconclusive,
        "single_shot_false_alarms": single_false,
        "single_shot_power_detected_pairs": single_hits,
        "smallest_reliably_detected_pct": min(reliable) if reliable else None,
        "sweep_cut_short_by_time": sweep_cut,
        "seconds": round(time.monotonic() - t_start, 1),
    }
    doc = {
        "tool": "bench-gate-proof",
        "timestamp": started,
        "host": first.get("host"),
        "kernel": first.get("kernel", {}).get("release"),
        "hostname": socket.gethostname(),
        "runs_per_file": opt.runs,
        "rounds": opt.rounds,
        "min_change_pct": 2.0,
        "load_start": load_start,
        "load_end": loadavg(),
        "summary": summary,
        "identical": identical,
        "power": power,
        "sweep": sweep,
        "runs": runs,
    }
    os.makedirs(os.path.dirname(os.path.abspath(opt.out)), exist_ok=True)
    with open(opt.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(json.dumps(summary, indent=1))
    ok = false_alarms == 0 and power_hits == len(power) and kernel_flagged == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
