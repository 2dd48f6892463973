#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Boot the fleet box with one scenario and check what it printed (TAP).

    fleetbox.py --source DIR --builddir DIR --scenario matrix|safety --kernel SUITE|own
                [--bin DEST=FILE]... [--file DEST=FILE]... [--results DIR] [--skip REASON]

Builds the box with scripts/fleetbox-build.sh (cached) around the kernel of
Debian suite SUITE (bookworm, trixie, unstable), or, with --kernel own, the
kernel that $KVMCFG_BOX_KERNEL and $KVMCFG_BOX_MODULES name; boots it under
QEMU/TCG, keeps the serial log in BUILDDIR/fleetbox/SCENARIO-KERNEL.log,
parses the sections the scenario printed between @@SECTION name@@ and
@@ENDSECTION@@, and asserts on them. The expectations are the same on every
kernel. --results (or $KVMCFG_FLEETBOX_RESULTS) copies the matrix outputs
there, with kernel.json: scripts/fleetbox-results.sh makes docs/results/ so.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

QEMU = "qemu-system-x86_64"
BOOT_TIMEOUT = 270  # seconds; meson's own timeout is above this


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        self.n += 1
        if not ok:
            self.failed += 1
        print(("ok" if ok else "not ok"), self.n, what, flush=True)
        if detail and not ok:
            for line in str(detail).splitlines():
                print("#   " + line)
        return ok

    def note(self, text):
        for line in str(text).splitlines():
            print("# " + line)

    def done(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def box_env(args):
    """The environment for fleetbox-build.sh: one kernel, named by --kernel."""
    env = dict(os.environ)
    if args.kernel == "own":
        env.pop("KVMCFG_BOX_SUITE", None)
    else:
        env["KVMCFG_BOX_SUITE"] = args.kernel
        env.pop("KVMCFG_BOX_KERNEL", None)
        env.pop("KVMCFG_BOX_MODULES", None)
    return env


def build_box(args, out):
    cmd = [os.path.join(args.source, "scripts", "fleetbox-build.sh"), "--out", out]
    for b in args.bin:
        cmd += ["--bin", b]
    for f in args.file:
        cmd += ["--file", f]
    scen = os.path.join(args.source, "tests", "fleetbox", "scenarios")
    for f in sorted(os.listdir(scen)):
        cmd += ["--file", f"/fleetbox/scenarios/{f}={os.path.join(scen, f)}"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=box_env(args))
    return r.returncode, r.stdout


def boot(out, scenario, log):
    cmd = [QEMU, "-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "1", "-nographic",
           "-no-reboot", "-kernel", os.path.join(out, "vmlinuz"),
           "-initrd", os.path.join(out, "initrd.img"),
           "-append", f"console=ttyS0 panic=-1 quiet kvmcfg.scenario={scenario}"]
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=BOOT_TIMEOUT)
        text, timed_out = r.stdout, False
    except subprocess.TimeoutExpired as e:
        text, timed_out = e.stdout or b"", True
    text = text.decode("utf-8", "replace").replace("\r", "")
    with open(log, "w") as f:
        f.write(text)
    return text, timed_out, time.monotonic() - t0


def sections(text):
    """name -> body of every @@SECTION name@@ ... @@ENDSECTION@@."""
    found = {}
    for m in re.finditer(r"@@SECTION (.+?)@@\n(.*?)@@ENDSECTION@@", text, re.S):
        found[m.group(1)] = m.group(2)
    return found


def params(body):
    return dict(l.split("=", 1) for l in body.splitlines() if "=" in l)


def runner_exit(body):
    m = re.search(r"^runner-exit=(\d+)$", body or "", re.M)
    return int(m.group(1)) if m else None


def diff_params(before, after):
    keys = sorted(set(before) | set(after))
    return "\n".join(f"{k}: before {before.get(k)}, after {after.get(k)}"
                     for k in keys if before.get(k) != after.get(k))


# The params each reality test judges.
# A failure must name one of them as module.param, from the test's own message.
REALITY = {"tdp_reality": ("kvm.tdp_mmu", "kvm_amd.npt", "kvm_intel.ept"),
           "mmio_caching": ("kvm.mmio_caching",),
           "sev_reality": ("kvm_amd.sev", "kvm_amd.sev_es", "kvm.mmio_caching", "kvm_amd.npt")}


def check_matrix(tap, sec, args):
    before, after = params(sec.get("params-before", "")), params(sec.get("params-after", ""))
    run = sec.get("run", "")
    rc = runner_exit(run)
    tap.note(run)
    tap.check(rc in (0, 1), f"(a) the runner ran every config to the end (exit {rc}: 0 or 1)", run)
    try:
        d = json.loads(sec.get("file matrix.json", ""))
    except ValueError as e:
        tap.check(False, "(a) matrix.json parses", e)
        return
    configs = d["configs"]
    combos = {tuple(sorted(c["params"].items())) for c in configs}
    tap.check(len(configs) == 8 and len(combos) == 8 and
              all(set(c["params"]) == {"kvm.tdp_mmu", "kvm_amd.npt", "kvm.mmio_caching"}
                  for c in configs),
              "(a) 8 distinct configs of tdp_mmu x npt x mmio_caching", json.dumps(configs)[:2000])
    tap.check(any("kvm_intel.ept dropped" in n for n in d["notes"]),
              "(a) kvm_intel.ept dropped with a note on this AMD box", d["notes"])
    errs = [(c["index"], c["load_error"]) for c in configs if c["load_error"]]
    tap.check(not errs, "(a) every config's modules unloaded and loaded", errs)
    names = sorted({t["name"] for c in configs for t in c["tests"]})
    full = all(sorted(t["name"] for t in c["tests"]) == names for c in configs)
    tap.check(full and len(names) >= 2, f"(a) every config ran all {len(names)} tests",
              [(c["index"], [t["name"] for t in c["tests"]]) for c in configs])
    notrun = [(c["index"], t["name"]) for c in configs for t in c["tests"]
              if t["result"] not in ("pass", "fail", "skip", "xfail", "timeout")]
    tap.check(not notrun, "(a) every test got a verdict", notrun)
    smoke = [(c["index"], t["result"], t["reason"]) for c in configs for t in c["tests"]
             if t["name"] == "guest_smoke_test" and t["result"] != "pass"]
    tap.check("guest_smoke_test" in names and not smoke,
              "(a) guest_smoke_test passes under every config", smoke)

    # (b) the reality tests, as found: a failure must say which param it doubts.
    for name, words in REALITY.items():
        if name not in names:
            tap.check(False, f"(b) {name} is in the box", names)
            continue
        rows = [(c["index"], c["params"], t) for c in configs for t in c["tests"]
                if t["name"] == name]
        vague = [(i, t["reason"]) for i, _, t in rows
                 if t["result"] == "fail" and not any(w in (t["reason"] or "") for w in words)]
        fails = [i for i, _, t in rows if t["result"] == "fail"]
        tap.check(not vague, f"(b) {name}: every failure names a param "
                  f"(fails in configs {fails or 'none'})", vague)
        for i, p, t in rows:
            tap.note(f"{name} config {i} {' '.join(f'{k}={v}' for k, v in p.items())}: "
                     f"{t['result']}{': ' + t['reason'] if t['reason'] else ''}")
    # Two independent judges: libkvmcfg's derived rules (from sysfs alone: a
    # param that claims what other params rule out) and the reality tests
    # (from what the guest observes). Each reality test must fail exactly in
    # the configs where a derived rule flags one of its params, and pass (or
    # skip) everywhere else. A param the kernel loaded differently from the
    # ask, saying so in sysfs, is no lie: no derived rule flags it and the
    # reality test passes. The same expectations hold on every kernel.
    for name, words in REALITY.items():
        flagged = {c["index"] for c in configs
                   if any(m["param"] in words and m["message"] for m in c["mismatches"])}
        got = {c["index"]: t["result"] for c in configs for t in c["tests"] if t["name"] == name}
        disagree = [(i, r, "flagged" if i in flagged else "not flagged") for i, r in got.items()
                    if (r == "fail") != (i in flagged)]
        tap.check(got and not disagree, f"(b) {name} fails exactly where a derived rule flags "
                  f"{'/'.join(words)} (flagged: {sorted(flagged) or 'none'})", disagree)
    check_outcomes(tap, configs)

    # (c) the restore.
    tap.check(d["restore"]["ok"], "(c) the runner reports the restore ok", d["restore"])
    tap.check(before and before == after,
              "(c) every kvm and kvm_amd param reads as before the run",
              diff_params(before, after))
    tap.check(after.get("kvm.halt_poll_ns") == "12345" and after.get("kvm.mmio_caching") == "N",
              "(c) values only the boot-time modprobe knew are back (halt_poll_ns=12345, "
              "mmio_caching=N)", after)
    results = args.results or os.environ.get("KVMCFG_FLEETBOX_RESULTS")
    if results:
        os.makedirs(results, exist_ok=True)
        with open(os.path.join(results, "kernel.json"), "w") as f:
            json.dump({"kernel": args.kernel, "release": args.release,
                       "params_before": before, "params_after": after}, f, indent=1)
            f.write("\n")
        for k, v in sec.items():
            if k.startswith("file "):
                with open(os.path.join(results, k[5:]), "w") as f:
                    f.write(v)
        tap.note(f"results written to {results}")
    tap.note(sec.get("file matrix.md", ""))


def check_outcomes(tap, configs):
    """(b) held / overridden / contradicted, as the runner classified each asked param."""
    judges = {}
    for name, words in REALITY.items():
        for w in words:
            judges.setdefault(w, []).append(name)
    missing = [(c["index"], sorted(c["params"]), [o["param"] for o in c.get("outcomes") or []])
               for c in configs
               if sorted(o["param"] for o in c.get("outcomes") or []) != sorted(c["params"])]
    tap.check(not missing, "(b) every asked param has an outcome (held, overridden, contradicted)",
              missing)
    # Contradicted exactly where a reality test that judges the param fails naming it.
    wrong = []
    for c in configs:
        tests = {t["name"]: t for t in c["tests"]}
        for o in c.get("outcomes") or []:
            fails = [n for n in judges.get(o["param"], []) if tests.get(n, {}).get("result") == "fail"
                     and re.search(re.escape(o["param"]) + r"\b", tests[n]["reason"] or "")]
            if (o["outcome"] == "contradicted") != bool(fails):
                wrong.append((c["index"], o["param"], o["outcome"], fails))
    tap.check(not wrong, "(b) a param is contradicted exactly where its reality test fails "
              "naming it", wrong)
    # An override is honest: the loaded value differs from the ask by meaning,
    # and what the guest observes agrees with it (the reality tests pass).
    dishonest = []
    for c in configs:
        tests = {t["name"]: t for t in c["tests"]}
        for o in c.get("outcomes") or []:
            if o["outcome"] != "overridden":
                continue
            if as_bool(o["asked"]) == as_bool(o["loaded"]) or any(
                    tests.get(n, {}).get("result") == "fail" for n in judges.get(o["param"], [])):
                dishonest.append((c["index"], o))
    overridden = sorted({(c["index"], o["param"]) for c in configs
                         for o in c.get("outcomes") or [] if o["outcome"] == "overridden"})
    tap.check(not dishonest, f"(b) every override is honest: loaded differs from the ask and "
              f"its reality tests pass (overridden: {overridden or 'none'})", dishonest)
    # A cleared tdp_mmu under npt=0 carries the reason the derived rule gives.
    unexplained = [(c["index"], o) for c in configs for o in c.get("outcomes") or []
                   if o["outcome"] == "overridden" and o["param"] == "kvm.tdp_mmu"
                   and c["params"].get("kvm_amd.npt") == "0"
                   and "tdp-mmu-requires-tdp" not in (o["reason"] or "")]
    tap.check(not unexplained, "(b) an overridden kvm.tdp_mmu under npt=0 gives its reason "
              "(derived rule tdp-mmu-requires-tdp)", unexplained)
    for c in configs:
        for o in c.get("outcomes") or []:
            if o["outcome"] != "held":
                tap.note(f"config {c['index']} {o['param']}: {o['outcome']} (asked {o['asked']}, "
                         f"loaded {o['loaded']}){': ' + (o['reason'] or o['evidence'] or '')}")


def as_bool(v):
    """A param value by meaning: Y/1/yes are True, N/0/no False, anything else itself."""
    if v is None:
        return None
    return {"y": True, "1": True, "yes": True, "on": True, "true": True,
            "n": False, "0": False, "no": False, "off": False, "false": False}.get(v.lower(), v)


def check_default_load(tap, sec):
    """The default policy on the kernel's default load; kvm-selftests records the params."""
    body = sec.get("default-load", "")
    tap.check(runner_exit_named(body, "kvmcfgctl") == 0,
              "kvmcfgctl check passes with the default policy on this kernel's default load", body)
    loaded = params(sec.get("default-params", ""))
    release = re.search(r"^release=(.*)$", body, re.M)
    try:
        host = json.loads(sec.get("file selftests.json", ""))["host"]
    except (ValueError, KeyError, TypeError) as e:
        tap.check(False, "kvm-selftests wrote a JSON report", f"{e}\n{sec.get('selftests-out', '')}")
        return
    recorded = {f"{m}.{p}": v for m, ps in (host.get("module_params") or {}).items()
                for p, v in ps.items()}
    want = {k: v for k, v in loaded.items() if k.split(".", 1)[0] in ("kvm", "kvm_amd")}
    differ = {k: (v, recorded.get(k)) for k, v in want.items() if recorded.get(k) != v}
    tap.check(release and host.get("kernel_release") == release.group(1) and want and not differ,
              f"kvm-selftests' JSON records this kernel ({host.get('kernel_release')}) and every "
              f"kvm/kvm_amd param as sysfs reads it ({len(want)})", differ or host)


def runner_exit_named(body, name):
    m = re.search(rf"^{name}-exit=(\d+)$", body or "", re.M)
    return int(m.group(1)) if m else None


def check_safety(tap, sec, args):
    check_default_load(tap, sec)
    before = params(sec.get("params-before", ""))
    for mode, what in (("vm", "holds a VM"), ("dev", "holds /dev/kvm open")):
        body = sec.get(f"refuse-{mode}", "")
        pid = re.search(r"holder-pid=(\d+)", body)
        tap.check(runner_exit(body) == 3 and pid and f"pid {pid.group(1)} " in body and
                  what in body and "nothing was done" in body,
                  f"refuses (exit 3) while a process {what}, naming its pid", body)
    body = sec.get("refuse-vm", "")
    pid = re.search(r"holder-pid=(\d+)", body)
    tap.check(pid and f"debugfs-vm: {pid.group(1)}-" in body,
              "a real kernel lists the held VM as kernel/debug/kvm/PID-FD, the form the "
              "runner's debugfs check reads", body)
    after = params(sec.get("params-after-refusals", ""))
    tap.check(before and before == after, "the refusals changed no param",
              diff_params(before, after))
    body = sec.get("sigterm", "")
    tap.check(runner_exit(body) == 143 and "interrupted by signal 15" in body and
              "restore: ok" in body,
              "SIGTERM mid-run: the runner restores and exits 128+15", body)
    after = params(sec.get("params-after-sigterm", ""))
    tap.check(before and before == after, "after SIGTERM every param reads as before",
              diff_params(before, after))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--scenario", required=True, choices=["matrix", "safety", "verify"])
    ap.add_argument("--kernel", required=True,
                    help="a Debian suite (bookworm, trixie, unstable) or 'own' ($KVMCFG_BOX_KERNEL)")
    ap.add_argument("--bin", action="append", default=[])
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--results")
    ap.add_argument("--skip")
    args = ap.parse_args()
    print("TAP version 13")
    if args.skip:
        print(f"1..0 # SKIP {args.skip}")
        return 0
    if not shutil.which(QEMU):
        print(f"1..0 # SKIP {QEMU} not installed (scripts/deps.sh box)")
        return 0
    if args.kernel == "own" and not os.environ.get("KVMCFG_BOX_KERNEL"):
        print("1..0 # SKIP no kernel of your own: set KVMCFG_BOX_KERNEL and KVMCFG_BOX_MODULES "
              "(docs/fleetbox.md)")
        return 0
    tap = Tap()
    out = os.path.join(args.builddir, "fleetbox", "box-" + args.kernel)
    os.makedirs(out, exist_ok=True)
    t0 = time.monotonic()
    rc, log = build_box(args, out)
    if not tap.check(rc == 0, f"the box builds ({time.monotonic() - t0:.1f} s)", log):
        return tap.done()
    with open(os.path.join(out, "kernel-release")) as f:
        args.release = f.read().strip()
    tap.note(f"kernel: {args.kernel}, {args.release}")
    log = os.path.join(args.builddir, "fleetbox", f"{args.scenario}-{args.kernel}.log")
    text, timed_out, secs = boot(out, args.scenario, log)
    end = re.search(r"@@KVMCFG-END rc=(\d+)@@", text)
    if not tap.check(end and not timed_out,
                     f"the box booted, ran '{args.scenario}' and powered off ({secs:.0f} s)",
                     f"timed out after {BOOT_TIMEOUT} s" if timed_out else text[-3000:]):
        tap.note(f"serial log: {log}")
        return tap.done()
    sec = sections(text)
    if args.scenario == "verify":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from verify_check import check_verify
        check_verify(tap, sec, params,
                     args.results or os.environ.get("KVMCFG_FLEETBOX_RESULTS"))
    else:
        (check_matrix if args.scenario == "matrix" else check_safety)(tap, sec, args)
    tap.note(f"serial log: {log}")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
