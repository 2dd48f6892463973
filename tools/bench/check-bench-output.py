#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run kvm-mmio-bench with a tiny budget and check its output, not its speed.

The JSON must parse (with Python's own parser, independent of the bench's
writer) and hold every path of the issue's groups (a)-(g), each either
measured with sane non-zero figures or skipped with a reason; the stats,
KVM parameters, kernel and harness sections must be there. Then --compare
must call a file against itself noise, a doctored slower copy a regression
(exit 1), and a broken file an error naming file:line:col (exit 2).

Usage: check-bench-output.py BENCH_EXE
Exit: 0 pass, 1 fail, 77 skip (no usable /dev/kvm).
"""
import json
import math
import os
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
    check(doc.get("schema") == 1, "schema is not 1")
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


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "a.json")
        r = run([exe, "--budget", "1", "--quiet", "--json", out])
        if r.returncode == 4:
            print(f"SKIP: {r.stdout.strip()} {r.stderr.strip()}")
            return 77
        if r.returncode != 0:
            print(f"bench failed with {r.returncode}:\n{r.stdout}\n{r.stderr}")
            return 1
        for name in EXPECTED:
            check(name in r.stdout, f"table does not mention {name}")
        with open(out) as f:
            doc = json.load(f)
        check_doc(doc)

        # --compare: itself is noise, a doctored 50% slower copy is a regression.
        r = run([exe, "--compare", out, out])
        verdicts = [line for line in r.stdout.splitlines() if line.endswith(("noise", "regression", "improvement"))]
        check(r.returncode == 0 and len(verdicts) == sum(p.get("status") == "ok" for p in doc["paths"]) and all(v.endswith("noise") for v in verdicts),
              f"compare with itself: exit {r.returncode}\n{r.stdout}{r.stderr}")
        slow = json.loads(json.dumps(doc))
        for p in slow["paths"]:
            if p["name"] == "mmio_write" and p["status"] == "ok":
                for k in ("median", "median_ci_lo", "median_ci_hi", "mean"):
                    p["ns"][k] *= 1.5
                p["ns"]["median_ci_lo"] = max(p["ns"]["median_ci_lo"], p["ns"]["median"] * 0.999)
        slow_path = os.path.join(tmp, "slow.json")
        with open(slow_path, "w") as f:
            json.dump(slow, f)
        r = run([exe, "--compare", out, slow_path])
        check(r.returncode == 1 and "significant regression" in r.stdout,
              f"compare with a slower copy: exit {r.returncode}\n{r.stdout}{r.stderr}")
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{\n  "tool": "kvm-mmio-bench",\n  "paths": [,]\n}\n')
        r = run([exe, "--compare", out, bad])
        check(r.returncode == 2 and f"{bad}:3:" in r.stderr,
              f"compare with broken JSON: exit {r.returncode}, stderr {r.stderr!r}")
        r = run([exe, "--paths", "nosuchpath"])
        check(r.returncode == 2 and "nosuchpath" in r.stderr, "--paths with an unknown name")

    for f in failures:
        print(f"FAIL: {f}")
    if not failures:
        print(f"ok: {len(doc['paths'])} paths, harness ratio {doc['harness'].get('ratio')}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
