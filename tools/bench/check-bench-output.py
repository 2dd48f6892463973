#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run kvm-mmio-bench with a tiny budget and check its output, not its speed.

The JSON must parse (with Python's own parser, independent of the bench's
writer) and hold every path of the issue's groups (a)-(g), each either
measured with sane non-zero figures or skipped with a reason; the stats,
KVM parameters, kernel, host, run conditions and harness sections must be
there, and --json - must put the JSON alone on stdout. Then --compare must
call a file against itself noise, a doctored slower copy a regression (exit
1), a doctored copy with drift inside the run inconclusive (exit 3), and a
broken file an error naming file:line:col (exit 2). Last, a small power
check of the gate: 8 runs (--runs) with --handler-delay-ns of 50% of the
userspace-MMIO median against 8 without must flag mmio_write and
mmio_read and no in-kernel path, judged on runs, and the --runs JSON must
hold every run (the full proof is scripts/bench-gate-proof.py).

Usage: check-bench-output.py BENCH_EXE
Exit: 0 pass, 1 fail, 77 skip (no usable /dev/kvm).
"""
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile

# The paths the issue asks for, by group; a path dropped from the bench fails here.
EXPECTED = {
    "mmio_write": "a", "mmio_read": "a",
    "mmio_new_page": "b", "coalesced_new_page": "b",
    "coalesced": "c",
    "ioeventfd_datamatch": "d", "ioeventfd_wildcard": "d",
    "lapic_read": "e",
    "pio_cpl0": "f", "pio_cpl3": "f",
    "cpuid": "g",
}
STATS = ["exits", "mmio_exits", "io_exits", "pf_taken", "pf_emulate",
         "pf_mmio_spte_created", "insn_emulation"]
KERNEL_HANDLED = {"coalesced", "coalesced_new_page", "ioeventfd_datamatch", "ioeventfd_wildcard",
                  "lapic_read", "cpuid"}
SUMMARY = ["n", "median", "p90", "p99", "mean", "ci95", "median_ci_lo", "median_ci_hi",
           "stddev", "min", "max"]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def positive(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def check_summary(where, s, upper):
    if not check(isinstance(s, dict), f"{where}: not an object"):
        return
    for k in SUMMARY:
        check(k in s, f"{where}: no {k}")
    if not all(k in s for k in SUMMARY):
        return
    check(positive(s["n"]), f"{where}: n = {s['n']}")
    for k in ("median", "p90", "p99", "mean", "min", "max"):
        check(positive(s[k]), f"{where}.{k} = {s[k]} is not positive")
    # A median this high means a stuck path; the tail may be long (the host is shared).
    check(s["median"] < upper, f"{where}.median = {s['median']} not below {upper}")
    check(s["min"] <= s["median"] <= s["p90"] <= s["p99"] <= s["max"],
          f"{where}: min <= median <= p90 <= p99 <= max violated: {s}")
    check(s["min"] <= s["mean"] <= s["max"], f"{where}: mean outside [min, max]")
    check(s["ci95"] is not None and s["ci95"] >= 0, f"{where}: ci95 = {s['ci95']}")
    check(s["min"] <= s["median_ci_lo"] <= s["median"] <= s["median_ci_hi"] <= s["max"],
          f"{where}: median CI [{s['median_ci_lo']}, {s['median_ci_hi']}] does not hold the median")


def check_doc(doc):
    check(doc.get("tool") == "kvm-mmio-bench", "tool is not kvm-mmio-bench")
    check(doc.get("schema") == 3, "schema is not 3")
    host = doc.get("host", {})
    check(host.get("hostname") == socket.gethostname(), f"hostname {host.get('hostname')}")
    with open("/proc/cpuinfo") as f:
        cpuinfo = f.read()
    for key, field in (("cpu_model", "model name"), ("microcode", "microcode")):
        m = re.search(rf"^{field}\s*: (.*)$", cpuinfo, re.M)
        check(host.get(key) == (m.group(1) if m else None), f"host {key} = {host.get(key)!r}")
    cond = doc.get("conditions", {})
    for when in ("start", "end"):
        at = cond.get(when, {})
        load = at.get("loadavg")
        check(isinstance(load, list) and len(load) == 3 and all(x >= 0 for x in load),
              f"conditions.{when}.loadavg = {load}")
        check(isinstance(at.get("kvm_users"), int) and at["kvm_users"] >= 0,
              f"conditions.{when}.kvm_users = {at.get('kvm_users')}")
    check(isinstance(cond.get("busy"), bool), "conditions.busy is not a bool")
    check(not cond.get("busy") or bool(cond.get("busy_reason")), "busy without a reason")
    kernel = doc.get("kernel", {})
    check(bool(kernel.get("release")), "no kernel release")
    check(kernel.get("release") == os.uname().release,
          f"kernel release {kernel.get('release')} is not this kernel's {os.uname().release}")
    tsc_khz = doc.get("tsc_khz")
    check(positive(tsc_khz), f"tsc_khz = {tsc_khz}")
    params = doc.get("kvm_params", {})
    check("kvm" in params and len(params["kvm"]) > 0, "no kvm module parameters")
    for mod, ps in params.items():
        check(mod == "kvm" or mod.startswith("kvm_"), f"module {mod} is not a kvm* module")
        # Each value must match sysfs as read now (params are read-only at runtime).
        for name, value in ps.items():
            path = f"/sys/module/{mod}/parameters/{name}"
            try:
                with open(path) as f:
                    actual = f.read().rstrip("\n")
            except OSError:
                continue
            check(value == actual, f"{mod}.{name} = {value!r}, sysfs says {actual!r}")

    paths = {p.get("name"): p for p in doc.get("paths", [])}
    for name, group in EXPECTED.items():
        p = paths.get(name)
        if not check(p is not None, f"path {name} missing"):
            continue
        check(p.get("group") == group, f"{name}: group {p.get('group')}, expected {group}")
        check(p.get("cpl") in (0, 3), f"{name}: cpl {p.get('cpl')}")
        if p.get("status") == "skipped":
            check(bool(p.get("skip_reason")), f"{name}: skipped without a reason")
            continue
        if not check(p.get("status") == "ok", f"{name}: status {p.get('status')}"):
            continue
        check(positive(p.get("accesses")) and positive(p.get("batches")),
              f"{name}: accesses {p.get('accesses')} batches {p.get('batches')}")
        check(p["accesses"] % p["batches"] == 0, f"{name}: accesses not a whole number of batches")
        check(isinstance(p.get("converged"), bool), f"{name}: converged not a bool")
        # Per access: more than nothing, a median under 10 ms.
        check_summary(f"{name}.ns", p.get("ns"), 1e7)
        check_summary(f"{name}.cycles", p.get("cycles"), 1e7 * tsc_khz / 1e6)
        check_summary(f"{name}.host_ns", p.get("host_ns"), 1e7)
        check(p["ns"]["n"] == p["accesses"], f"{name}: {p['ns']['n']} samples for {p['accesses']} accesses")
        check(p["host_ns"]["n"] == p["batches"], f"{name}: host samples != batches")
        r = p.get("rounds", {})
        check(r.get("n") == doc.get("rounds") and len(r.get("medians", [])) == r.get("n"),
              f"{name}: {r.get('n')} rounds, {len(r.get('medians', []))} medians, run had {doc.get('rounds')}")
        check(all(positive(x) for x in r.get("medians", [])), f"{name}: a round median is not positive")
        check(positive(r.get("median")) and r["ci_lo"] <= r["median"] <= r["ci_hi"],
              f"{name}: rounds median {r.get('median')} outside its CI")
        vs = r.get("vs_control")
        check(vs is not None and vs.get("control") in ("lapic_read", "ioeventfd_datamatch"),
              f"{name}: no control ({vs})")
        # ns and cycles are the same samples at the vCPU's TSC rate.
        if positive(p["ns"]["median"]) and positive(tsc_khz):
            ratio = p["cycles"]["median"] / p["ns"]["median"] / (tsc_khz / 1e6)
            check(abs(ratio - 1) < 0.01, f"{name}: cycles/ns disagrees with tsc_khz ({ratio})")
        stats = p.get("stats_per_access", {})
        for s in STATS:
            check(s in stats, f"{name}: stat {s} not reported (absent must be null)")
            v = stats.get(s)
            check(v is None or (isinstance(v, (int, float)) and v >= 0), f"{name}: stat {s} = {v}")
        # Every path here leaves the guest at least once per access, one way or another.
        if stats.get("exits") is not None and name != "cpuid":
            check(stats["exits"] >= 1, f"{name}: {stats['exits']} exits per access")
        if stats.get("mmio_exits") is not None and name in ("mmio_write", "mmio_read", "mmio_new_page"):
            check(stats["mmio_exits"] >= 1, f"{name}: {stats['mmio_exits']} mmio_exits per access")

    h = doc.get("harness", {})
    if check("path" in h, f"harness not measured: {h.get('skip_reason')}"):
        check_summary("harness.bench_ns", h.get("bench_ns"), 1e7)
        check_summary("harness.raw_ns", h.get("raw_ns"), 1e7)
        check(positive(h.get("ratio")), f"harness ratio {h.get('ratio')}")


def check_runs_doc(doc, runs):
    """A --runs document: the single-run layout, plus the runs and each path's across_runs."""
    check(len(doc.get("runs", [])) == runs, f"--runs {runs}: {len(doc.get('runs', []))} runs in the JSON")
    for p in doc["paths"]:
        if p.get("status") != "ok":
            continue
        a = p.get("across_runs", {})
        check(a.get("n") == runs and len(a.get("medians", [])) == runs,
              f"--runs: {p['name']}: across_runs {a}")
        if p["name"] != "lapic_read":
            vc = a.get("vs_control", {})
            check(vc.get("control") == "lapic_read" and len(vc.get("values", [])) == runs and
                  all(positive(v) for v in vc["values"]), f"--runs: {p['name']}: vs_control {vc}")
        check(p["rounds"]["n"] == runs * doc["rounds"], f"--runs: {p['name']}: pooled rounds {p['rounds']['n']}")
    for i, r in enumerate(doc.get("runs", [])):
        check(positive(r.get("wall_s")) and r.get("paths"), f"--runs: run {i + 1} incomplete")


def power_check(exe, tmp):
    """A known 50% change on the userspace paths is caught, and only there.

    Both sides are made as a gate makes them, with --runs (8 runs of 6
    rounds: the fewest runs --compare judges on), so this also runs the
    multi-run code on real KVM. 50%, not the 3% of the full proof
    (scripts/bench-gate-proof.py): a CI host can be busy. Judged as a gate
    judges: on exit 3 (inconclusive) the delayed side is made again once."""
    # Two userspace paths; the in-kernel control (lapic_read) comes along by itself.
    args = [exe, "--quiet", "--no-harness", "--runs", "8", "--rounds", "6",
            "--paths", "mmio_write,mmio_read,ioeventfd_datamatch"]
    base, slow = os.path.join(tmp, "base.json"), os.path.join(tmp, "delay.json")
    r = run(args + ["--json", base])
    if not check(r.returncode == 0, f"power check base run: {r.returncode} {r.stderr}"):
        return
    with open(base) as f:
        doc = json.load(f)
    check_runs_doc(doc, 8)
    median = {p["name"]: p for p in doc["paths"]}["mmio_write"]["across_runs"]["median"]
    for attempt in (1, 2):
        r = run(args + ["--handler-delay-ns", str(int(median * 0.50)), "--json", slow])
        if not check(r.returncode == 0, f"power check delayed run: {r.returncode} {r.stderr}"):
            return
        r = run([exe, "--compare", base, slow])
        if r.returncode != 3:
            break
    check("judged on runs: A has 8, B 8" in r.stdout, f"power check not judged on runs:\n{r.stdout}")
    verdicts = {line.split()[0]: line for line in r.stdout.splitlines()
                if line.endswith(("noise", "regression", "improvement", "inconclusive"))}
    for name in ("mmio_write", "mmio_read"):
        check(verdicts.get(name, "").endswith("significant regression"),
              f"power check: {name} not flagged after a 50% handler delay:\n{r.stdout}")
    # Not called either way (noise, or inconclusive on a noisy host).
    for name in ("ioeventfd_datamatch", "lapic_read"):
        check(verdicts.get(name, "").endswith(("noise", "inconclusive")),
              f"power check: in-kernel {name} flagged after a handler delay:\n{r.stdout}")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "a.json")
        r = run([exe, "--budget", "2", "--rounds", "4", "--quiet", "--json", out])
        if r.returncode == 4:
            print(f"SKIP: {r.stdout.strip()} {r.stderr.strip()}")
            return 77
        if r.returncode != 0:
            print(f"bench failed with {r.returncode}:\n{r.stdout}\n{r.stderr}")
            return 1
        for name in EXPECTED:
            check(name in r.stdout, f"table does not mention {name}")
        for head in ("median (ns)", "95% CI (ns)", "p99 (ns)", "pf_mmio_spte_created", "insn_emulation"):
            check(head in r.stdout, f"table has no column {head!r}")
        with open(out) as f:
            doc = json.load(f)
        check_doc(doc)

        # --json -: stdout is the JSON and nothing else; the table goes to stderr.
        r = run([exe, "--budget", "1", "--rounds", "2", "--paths", "a", "--no-harness", "--json", "-"])
        try:
            json.loads(r.stdout)
            alone = True
        except ValueError as e:
            alone = False
            check(False, f"--json -: stdout is not one JSON document ({e}): {r.stdout[:200]!r}")
        if alone:
            check("median (ns)" in r.stderr, "--json -: the table is not on stderr")
        check(" ps" not in r.stderr, "progress mentions picoseconds")

        # --compare: itself is noise, a doctored 50% slower copy is a regression.
        r = run([exe, "--compare", out, out])
        verdicts = [line for line in r.stdout.splitlines()
                    if line.endswith(("noise", "regression", "improvement", "not a KVM exit"))]
        check(r.returncode == 0 and len(verdicts) == sum(p.get("status") == "ok" for p in doc["paths"]) and
              all(v.endswith(("noise", "not a KVM exit")) for v in verdicts) and
              "warning: judged on rounds: A has 1 run, B 1" in r.stdout,
              f"compare with itself: exit {r.returncode}\n{r.stdout}{r.stderr}")
        slow = json.loads(json.dumps(doc))
        for p in slow["paths"]:
            if p["name"] == "mmio_write" and p["status"] == "ok":
                p["rounds"]["medians"] = [x * 1.5 for x in p["rounds"]["medians"]]
        slow_path = os.path.join(tmp, "slow.json")
        with open(slow_path, "w") as f:
            json.dump(slow, f)
        r = run([exe, "--compare", out, slow_path])
        check(r.returncode == 1 and "significant regression" in r.stdout,
              f"compare with a slower copy: exit {r.returncode}\n{r.stdout}{r.stderr}")
        # A noisy B: mmio_write 8% slower in its second half only. The
        # change is past --min-change but within B's own drift (the floor):
        # neither passed nor called, inconclusive, exit status 3.
        def synthetic(doc, scale):
            d = json.loads(json.dumps(doc))
            for p in d["paths"]:
                if p.get("status") == "ok":
                    base = p["rounds"]["medians"][0]
                    p["rounds"]["medians"] = [base * (1 + 0.001 * (i % 5)) * scale(p["name"], i)
                                              for i in range(40)]
            return d
        pa = os.path.join(tmp, "steady.json")
        pb = os.path.join(tmp, "noisy.json")
        with open(pa, "w") as f:
            json.dump(synthetic(doc, lambda n, i: 1), f)
        with open(pb, "w") as f:
            json.dump(synthetic(doc, lambda n, i: 1.08 if n == "mmio_write" and i >= 20 else 1), f)
        r = run([exe, "--compare", pa, pb])
        line = [l for l in r.stdout.splitlines() if l.startswith("mmio_write ")]
        check(r.returncode == 3 and line and line[0].endswith("inconclusive") and
              "1 inconclusive" in r.stdout and "run B again" in r.stdout,
              f"compare with a noisy copy: exit {r.returncode}\n{r.stdout}{r.stderr}")
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{\n  "tool": "kvm-mmio-bench",\n  "paths": [,]\n}\n')
        r = run([exe, "--compare", out, bad])
        check(r.returncode == 2 and f"{bad}:3:" in r.stderr,
              f"compare with broken JSON: exit {r.returncode}, stderr {r.stderr!r}")
        r = run([exe, "--paths", "nosuchpath"])
        check(r.returncode == 2 and "nosuchpath" in r.stderr, "--paths with an unknown name")
        power_check(exe, tmp)

    for f in failures:
        print(f"FAIL: {f}")
    if not failures:
        print(f"ok: {len(doc['paths'])} paths, harness ratio {doc['harness'].get('ratio')}, power check passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
