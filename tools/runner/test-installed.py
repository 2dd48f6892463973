#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The installed suite, run three ways that must agree (integration suite).

Usage: test-installed.py kselftest|meson|nokvm BUILD_ROOT KSELFTEST_DIR

Both modes `meson install --destdir` the build into a temporary directory and
run the installed kvm-selftests on it without --dir (it must find the suite
relative to itself). Then:

  kselftest  copies the kernel's own run_kselftest.sh and kselftest/runner.sh
             (from linux-source, KSELFTEST_DIR) next to the installed suite,
             unchanged, runs it, and checks it ran every listed test and that
             its per-test verdicts match kvm-selftests'. It also runs it on a
             layout of fake tests to show it reads our settings file: a slow
             fake must time out at settings' timeout=2.
  meson      runs `meson test --suite selftests` on the build tree and checks
             that every listed test's verdict and TAP subtest counts match
             (meson-only checks in that suite, not kselftest binaries, are
             listed and left out).
  nokvm      runs the installed suite in a mount namespace where /dev/kvm
             cannot be opened (a socket bound over it): no test may fail,
             every skip must name /dev/kvm, the report must record why
             /dev/kvm did not open, and when all skipped the exit is 4.

Expected results come from the runs themselves; nothing is hard-coded.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

MODE, BUILD, KSFT = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)


def install(dest):
    subprocess.run(["meson", "install", "-C", BUILD, "--destdir", dest, "--no-rebuild", "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    info = json.loads(subprocess.run(["meson", "introspect", "--buildoptions", BUILD],
                                     capture_output=True, text=True, check=True).stdout)
    opt = {o["name"]: o["value"] for o in info}
    prefix = dest + opt["prefix"]
    return prefix + "/" + opt["bindir"] + "/kvm-selftests", \
        prefix + "/" + opt["libexecdir"] + "/kvmcfg/selftests"


def run_runner(runner, tmp):
    env = dict(os.environ)
    env.pop("KVMCFG_TEST_SCALE", None)
    p = subprocess.run([runner, "--json", f"{tmp}/report.json"], capture_output=True, text=True,
                       env=env, cwd="/")
    print(p.stdout[-3000:], p.stderr[-2000:])
    check(p.returncode in (0, 1, 4), f"installed kvm-selftests ran (exit {p.returncode})")
    rep = json.load(open(f"{tmp}/report.json"))
    expect_rc = 1 if any(t["result"] in ("fail", "timeout") for t in rep["tests"]) else \
        4 if all(t["result"] == "skip" for t in rep["tests"]) else 0
    check(p.returncode == expect_rc, f"exit code {p.returncode} fits the verdicts ({expect_rc})")
    return rep


def layout_checks(runner, suite, rep):
    listed = open(f"{suite}/kselftest-list.txt").read().split()
    check(len(listed) > 0, f"kselftest-list.txt lists {len(listed)} test(s)")
    check(all(re.fullmatch(r"[^:/\s]+:[^:/\s]+", l) for l in listed), "every line is collection:test")
    for l in listed:
        coll, name = l.split(":")
        check(os.access(f"{suite}/{coll}/{name}", os.X_OK), f"{coll}/{name} installed, executable")
    for coll in sorted({l.split(":")[0] for l in listed}):
        settings = open(f"{suite}/{coll}/settings").read()
        check(re.search(r"^timeout=\d+$", settings, re.M) is not None, f"{coll}/settings has timeout=N")
        check(re.search(r"^require_tap=1$", settings, re.M) is not None,
              f"{coll}/settings has require_tap=1: our tests are judged strictly")
    check(sorted(t["id"] for t in rep["tests"]) == sorted(listed),
          "kvm-selftests ran exactly the listed tests")

    # The upstream KVM selftests' build script, installed beside the suite with its cache-dir.sh.
    up = subprocess.run([f"{os.path.dirname(suite)}/kvm-upstream-build.sh", "--help"],
                        capture_output=True, text=True)
    check(up.returncode == 0 and "linux-source" in up.stdout and
          os.access(f"{os.path.dirname(suite)}/cache-dir.sh", os.X_OK),
          "kvm-upstream-build.sh and cache-dir.sh installed in libexec/kvmcfg")

    # The long tests (stress): in full-list.txt only, which run_kselftest.sh never reads.
    full = open(f"{suite}/full-list.txt").read().split()
    check(len(full) > 0 and not set(full) & set(listed),
          f"full-list.txt lists {len(full)} test(s), none in kselftest-list.txt")
    for l in full:
        coll, name = l.split(":")
        check(os.access(f"{suite}/{coll}/{name}", os.X_OK), f"{coll}/{name} installed, executable")
        check(re.search(r"^timeout=\d+$", open(f"{suite}/{coll}/settings").read(), re.M) is not None,
              f"{coll}/settings has timeout=N")
    env = dict(os.environ)
    env.pop("KVMCFG_TEST_SCALE", None)
    quick = subprocess.run([runner, "--list"], capture_output=True, text=True, env=env).stdout.split()
    full_run = subprocess.run([runner, "--full", "--list"], capture_output=True, text=True,
                              env=env).stdout.split()
    check(quick == listed, "installed kvm-selftests --list: the kselftest list, no full-only test")
    check(full_run == listed + full, "installed kvm-selftests --full --list: and the full-only tests")
    return listed


def kselftest_sh(suite, *args):
    for f in ("run_kselftest.sh", "kselftest/runner.sh"):
        if not os.path.exists(f"{KSFT}/{f}"):
            print(f"SKIP: {KSFT}/{f} missing: install linux-source-6.1 (scripts/deps.sh)")
            sys.exit(77)
    os.makedirs(f"{suite}/kselftest", exist_ok=True)
    for f in ("run_kselftest.sh", "kselftest/runner.sh", "kselftest/prefix.pl"):
        if os.path.exists(f"{KSFT}/{f}"):
            shutil.copy2(f"{KSFT}/{f}", f"{suite}/{f}")
    p = subprocess.run(["sh", f"{suite}/run_kselftest.sh", *args], capture_output=True, text=True,
                       cwd="/", timeout=1800)
    print(p.stdout[-4000:], p.stderr[-2000:])
    # runner.sh's verdict lines: "ok N selftests: COLL: TEST [# SKIP]" / "not ok ... [# TIMEOUT ...]".
    res = {}
    for m in re.finditer(r"^(not ok|ok) \d+ selftests: (\S+): (\S+)(.*)$", p.stdout, re.M):
        v = "pass" if m.group(1) == "ok" else "fail"
        if "# SKIP" in m.group(4):
            v = "skip"
        if "# TIMEOUT" in m.group(4):
            v = "timeout:" + m.group(4).split("TIMEOUT", 1)[1].strip()
        res[f"{m.group(2)}:{m.group(3)}"] = v
    return p, res


def mode_kselftest(tmp, runner, suite, rep):
    listed = layout_checks(runner, suite, rep)
    p, res = kselftest_sh(suite)
    check("Warning" not in p.stdout, "run_kselftest.sh found every binary")
    check(sorted(res) == sorted(listed), f"run_kselftest.sh ran every listed test ({len(res)})")
    for t in rep["tests"]:
        mine = {"pass": "pass", "skip": "skip"}.get(t["result"], "fail")
        theirs = res.get(t["id"], "missing")
        theirs = "fail" if theirs.startswith("timeout") else theirs
        check(mine == theirs, f"{t['id']}: run_kselftest.sh says {theirs}, kvm-selftests {t['result']}")

    # Our settings format, read by the kernel's runner.sh: fakes in an installed-style tree.
    fakes = f"{BUILD}/tools/runner/fakes"
    tree = f"{tmp}/fakesuite"
    os.makedirs(f"{tree}/fake")
    want = {"fake_pass": "pass", "fake_skip": "skip", "fake_fail": "fail", "fake_sleep": "timeout:2 seconds"}
    for name in want:
        shutil.copy2(f"{fakes}/{name}", f"{tree}/fake/{name}")
    with open(f"{tree}/kselftest-list.txt", "w") as f:
        f.write("".join(f"fake:{n}\n" for n in want))
    with open(f"{BUILD}/tools/runner/fakes/settings.fake") as src:
        text = src.read()
    with open(f"{tree}/fake/settings", "w") as f:
        f.write(re.sub(r"^timeout=\d+$", "timeout=2", text, flags=re.M))
    # (Not fake_hang: runner.sh's timeout(1) neither escalates to SIGKILL nor
    # kills children, so it would wait forever; kvm-selftests does both.)
    _, res = kselftest_sh(tree)
    for name, v in want.items():
        check(res.get(f"fake:{name}") == v, f"run_kselftest.sh on fake:{name}: {v} (got {res.get('fake:' + name)})")


def mode_meson(tmp, runner, suite, rep):
    layout_checks(runner, suite, rep)
    subprocess.run(["meson", "test", "-C", BUILD, "--suite", "selftests", "--no-rebuild",
                    "--logbase", "runner-compare", "-q"], capture_output=True, text=True)
    rows = [json.loads(l) for l in open(f"{BUILD}/meson-logs/runner-compare.json") if l.strip()]
    by_name = {r["name"].split(" / ")[-1]: r for r in rows}
    # Suite 'selftests' may also hold checks that are not kselftest binaries
    # (config's reality_lying_params drives the binaries itself): not ours to run.
    listed = {t["name"] for t in rep["tests"]}
    for name in sorted(set(by_name) - listed):
        print(f"note  meson-only test {name} ({by_name[name]['result']}): not in kselftest-list.txt")
    check(listed <= set(by_name), f"meson ran every one of the {len(listed)} listed selftests")
    meson_map = {"OK": "pass", "SKIP": "skip", "EXPECTEDFAIL": "pass"}
    for t in rep["tests"]:
        row = by_name.get(t["name"])
        if not row:
            check(False, f"{t['id']}: meson ran it")
            continue
        theirs = meson_map.get(row["result"], "fail")
        mine = "fail" if t["result"] == "timeout" else t["result"]
        check(mine == theirs, f"{t['id']}: meson {row['result']}, kvm-selftests {t['result']}")
        # Subtests as meson saw them through tapwrap: count its result lines.
        out = row.get("stdout", "")
        ok = len(re.findall(r"^ok \d+(?! .*# (?i:skip))", out, re.M))
        skip = len(re.findall(r"^ok \d+.*# (?i:skip)", out, re.M))
        bad = len(re.findall(r"^not ok \d+", out, re.M))
        mine_c = [sum(1 for s in t["subtests"] if s["result"] in r)
                  for r in (("pass", "xfail"), ("skip",), ("fail", "timeout"))]
        check(mine_c == [ok, skip, bad], f"{t['id']}: subtests pass/skip/fail {mine_c} = meson {[ok, skip, bad]}")

    # The summaries, over the listed tests.
    mine = {k: rep["summary"][k] for k in ("pass", "skip")}
    mine["fail"] = rep["summary"]["fail"] + rep["summary"]["timeout"]
    theirs = {"pass": 0, "skip": 0, "fail": 0}
    for name in listed:
        theirs[meson_map.get(by_name.get(name, {}).get("result"), "fail")] += 1
    check(mine == theirs, f"summary: kvm-selftests {mine} = meson {theirs}")


def mode_nokvm(tmp, suite, runner):
    import socket
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(f"{tmp}/kvm.sock")
    script = (f'mount --bind {tmp}/kvm.sock /dev/kvm || exit 77; '
              f'{runner} --json {tmp}/nokvm.json >{tmp}/nokvm.out 2>&1; echo $? >{tmp}/nokvm.rc')
    p = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)
    if p.returncode == 77 or not os.path.exists(f"{tmp}/nokvm.rc"):
        print(f"SKIP: cannot hide /dev/kvm in a mount namespace (needs CAP_SYS_ADMIN): {p.stderr.strip()}")
        sys.exit(77)
    print(open(f"{tmp}/nokvm.out").read()[-2000:])
    rc = int(open(f"{tmp}/nokvm.rc").read())
    rep = json.load(open(f"{tmp}/nokvm.json"))
    check(rep["host"]["kvm_device"].startswith("/dev/kvm: "),
          f"the report records why /dev/kvm did not open ({rep['host']['kvm_device']})")
    check(not any(t["result"] in ("fail", "timeout") for t in rep["tests"]), "without /dev/kvm nothing fails")
    skipped = [t for t in rep["tests"] if t["result"] == "skip"]
    check(all("/dev/kvm" in (t["reason"] or "") for t in skipped),
          f"every one of the {len(skipped)} skips names /dev/kvm")
    want = 4 if len(skipped) == len(rep["tests"]) else 0
    check(rc == want, f"exit {rc}: {'everything skipped' if want == 4 else 'some passed without KVM'} -> {want}")


with tempfile.TemporaryDirectory() as tmp:
    runner, suite = install(f"{tmp}/dest")
    if MODE == "nokvm":
        mode_nokvm(tmp, suite, runner)
        print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
        sys.exit(1 if failures else 0)
    check(os.access(runner, os.X_OK), f"kvm-selftests installed at {runner}")
    rep = run_runner(runner, tmp)
    check(os.path.realpath(rep["runner"]["dir"]) == os.path.realpath(suite),
          "the installed runner found the installed suite by itself")
    {"kselftest": mode_kselftest, "meson": mode_meson}[MODE](tmp, runner, suite, rep)

print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
