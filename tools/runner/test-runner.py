#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""kvm-selftests against fake test binaries (integration suite).

Usage: test-runner.py RUNNER FAKES_DIR

Runs the runner on the fakes (pass, fail, skip, subskip, xfail, hang, crash, detach,
malformed, notap, exit1) and checks every verdict, the killing of a hung test
and its children at the timeout, the exit codes, the JUnit XML (parsed with
xml.etree, counts recomputed from the JSON), the JSON report's host facts
against a fake sysfs tree, the --textfile for node_exporter, --tap as a
valid TAP stream, --list/--filter, and --quick/--full. Expectations come from what each fake is built to do.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

RUNNER, FAKES = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)


def run(*args, env=None, timeout=120):
    e = dict(os.environ)
    e.pop("KVMCFG_TEST_SCALE", None)
    e.update(env or {})
    t0 = time.monotonic()
    p = subprocess.run([RUNNER, "--dir", FAKES, *args], capture_output=True, text=True,
                       env=e, timeout=timeout)
    return p, time.monotonic() - t0


def alive(pid):
    """A zombie is dead: it only waits for a reaper (PID 1 here may not reap)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False  # gone; a stat read can fail with ESRCH as it goes


# Verdict of each fake (what it is built to do) and, for failures, words the reason must hold.
EXPECT = {
    "fake:fake_pass": ("pass", None),
    "fake:fake_fail": ("fail", None),
    "fake:fake_skip": ("skip", "KVM_CAP_X86_USER_SPACE_MSR"),
    "fake:fake_subskip": ("pass", None),
    "fake:fake_xfail": ("pass", None),
    "fake:fake_hang": ("timeout", "timed out after 3 s in fake.hangs"),
    "fake:fake_sleep": ("timeout", "timed out after 3 s"),
    "fake:fake_flood": ("timeout", "timed out after 3 s"),
    "fake:fake_crash": ("fail", "signal 11"),
    "fake:fake_malformed": ("fail", "planned 3"),
    "fake:fake_notap": ("fail", "without reporting any test"),
    "fake:fake_exit1": ("fail", "exited 1"),
    "fake:fake_detach": ("pass", None),
}

with tempfile.TemporaryDirectory() as tmp:
    # A fake sysfs: two kvm modules with params, one unrelated module.
    for mod, params in {"kvm": {"tdp_mmu": "N", "halt_poll_ns": "200000"},
                        "kvm_amd": {"npt": "Y"}, "nvme": {"poll_queues": "0"}}.items():
        os.makedirs(f"{tmp}/sys/module/{mod}/parameters")
        for k, v in params.items():
            with open(f"{tmp}/sys/module/{mod}/parameters/{k}", "w") as f:
                f.write(v + "\n")
    pidfile = f"{tmp}/pids"
    env = {"FAKE_PIDFILE": pidfile, "KVMCFG_SYSFS_ROOT": f"{tmp}/sys"}

    p, took = run("--timeout", "3", "--jobs", "4", "--junit", f"{tmp}/r.xml",
                  "--json", f"{tmp}/r.json", "--textfile", f"{tmp}/r.prom", env=env)
    print(p.stdout)
    check(p.returncode == 1, f"failures give exit 1 (got {p.returncode})")
    rep = json.load(open(f"{tmp}/r.json"))
    got = {t["id"]: t for t in rep["tests"]}
    check(set(got) == set(EXPECT), "every fake ran once")
    for tid, (verdict, words) in EXPECT.items():
        t = got.get(tid, {})
        check(t.get("result") == verdict, f"{tid}: {verdict} (got {t.get('result')})")
        if words:
            check(words in (t.get("reason") or ""), f"{tid}: reason names '{words}' "
                  f"(got {t.get('reason')!r})")

    # The node_exporter textfile: every line a comment or a sample whose label
    # values hold only escaped quotes, backslashes and newlines; one
    # kvm_selftests_test_failed series per test, 1 exactly for fail/timeout.
    sample = re.compile(r'([a-z_]+)(?:\{([a-z_]+)="((?:[^"\\\n]|\\["\\n])*)"\})? (\S+)$')
    failed, bad_lines = {}, []
    with open(f"{tmp}/r.prom", encoding="utf-8") as f:
        for line in f.read().splitlines():
            m = sample.match(line)
            if line.startswith(("# HELP ", "# TYPE ")):
                continue
            if not m:
                bad_lines.append(line)
            elif m[1] == "kvm_selftests_test_failed":
                failed[m[3]] = float(m[4])
    check(not bad_lines, f"textfile: every line is a comment or a sample (bad: {bad_lines})")
    check(set(failed) == set(EXPECT), f"textfile: one failed series per test (got {sorted(failed)})")
    check(all(failed.get(tid) == (1 if v in ("fail", "timeout") else 0)
              for tid, (v, _) in EXPECT.items()), f"textfile: 1 for fail/timeout only ({failed})")

    # Subtest detail.
    sub = {s["name"]: s for s in got["fake:fake_subskip"]["subtests"]}
    check(sub.get("fake.variant.skipper", {}).get("result") == "skip" and
          sub["fake.variant.skipper"]["reason"] == "no KVM_CAP_IRQCHIP here",
          "a harness skip is named from its RUN line and keeps its reason")
    xf = [s for s in got["fake:fake_xfail"]["subtests"] if s["result"] == "xfail"]
    check(len(xf) == 1 and xf[0]["reason"] == "fixed in 6.9", "TODO is an xfail with its reason")
    fail_subs = [s["name"] for s in got["fake:fake_fail"]["subtests"] if s["result"] == "fail"]
    check(fail_subs == ["fake.bad"], f"the failing subtest is named ({fail_subs})")
    check(got["fake:fake_crash"]["exit"] == {"signal": 11}, "the crash's signal is recorded")

    # The hang: killed at its timeout (+ grace), children included.
    hang = got["fake:fake_hang"]
    # It ignores SIGTERM: SIGKILL follows after the runner's 2 s grace.
    check(3.0 + 2.0 <= hang["duration"] < 3.0 + 2.0 + 2.0,
          f"the hung test was killed at its 3 s timeout + 2 s grace (took {hang['duration']:.2f} s)")
    check(3.0 <= got["fake:fake_sleep"]["duration"] < 5.0, "a slow test that obeys SIGTERM ends at its timeout")
    check(took < 30, f"the run did not wait for the hang beyond its timeout ({took:.1f} s)")
    pids = [int(x) for x in open(pidfile).read().split()]
    check(len(pids) == 3, "the hung fake reported itself and two children")
    time.sleep(0.5)
    for pid, what in zip(pids, ["the hung test", "its child in its process group",
                                "its child in a process group of its own"]):
        check(not alive(pid), f"{what} (pid {pid}) is gone")

    check(all(sum(s["duration"] for s in t["subtests"]) <= t["duration"] + 0.01 for t in rep["tests"]),
          "subtest durations add up to at most their test's")
    hung_sub = [s for s in hang["subtests"] if s["result"] == "timeout"]
    check(len(hung_sub) == 1 and hung_sub[0]["duration"] >= hang["duration"] - 0.5,
          "the timed-out subtest carries the time from its RUN line to the kill")
    fl = got["fake:fake_flood"]
    check(fl["duration"] < 5.0 and fl["output_dropped_bytes"] > 0 and len(fl["output"]) <= 1 << 20,
          f"endless output: timed out on time ({fl['duration']:.2f} s), kept output capped at 1 MiB")

    # --jobs 4: the two slow fakes ran at the same time.
    sl = got["fake:fake_sleep"]
    check(sl["started"] < hang["started"] + hang["duration"] and
          hang["started"] < sl["started"] + sl["duration"], "--jobs 4 ran tests in parallel")

    # Host facts: from the fake sysfs tree, through libkvmcfg.
    host = rep["host"]
    check(host["module_params"] == {"kvm": {"halt_poll_ns": "200000", "tdp_mmu": "N"},
                                    "kvm_amd": {"npt": "Y"}},
          f"every kvm* module param is recorded, nothing else ({host['module_params']})")
    check(host["kernel_release"] == os.uname().release, "kernel release recorded")
    check(bool(host["cpu_vendor"]) and bool(host["cpu_model"]), "CPU vendor and model recorded")
    caps = host["kvm_caps"]
    check(set(caps) == {"KVM_CAP_X86_USER_SPACE_MSR", "KVM_CAP_NOT_A_REAL_ONE", "KVM_CAP_IRQCHIP"},
          f"the capabilities skip reasons named are recorded ({sorted(caps)})")
    check(caps.get("KVM_CAP_NOT_A_REAL_ONE") == {"error": "unknown capability"},
          "an unknown capability is marked as such")

    # JUnit: parses, and its counts match the JSON's subtests.
    root = ET.parse(f"{tmp}/r.xml").getroot()
    check(root.tag == "testsuites", "JUnit root is <testsuites>")
    suites = root.findall("testsuite")
    check(len(suites) == len(rep["tests"]), "a <testsuite> per test binary")
    n_cases = sum(max(1, len(t["subtests"])) for t in rep["tests"])
    n_fail = sum(1 for t in rep["tests"] for s in t["subtests"] if s["result"] in ("fail", "timeout"))
    n_skip = sum(1 for t in rep["tests"] for s in t["subtests"] if s["result"] == "skip") + \
        sum(1 for t in rep["tests"] if not t["subtests"])
    cases = root.findall("testsuite/testcase")
    check(int(root.get("tests")) == n_cases == len(cases), f"JUnit tests={n_cases}")
    check(int(root.get("failures")) == n_fail == len(root.findall("testsuite/testcase/failure")),
          f"JUnit failures={n_fail}")
    check(int(root.get("skipped")) == n_skip == len(root.findall("testsuite/testcase/skipped")),
          f"JUnit skipped={n_skip}")
    for s in suites:
        check(int(s.get("tests")) == len(s.findall("testcase")) and
              int(s.get("failures")) == len(s.findall("testcase/failure")),
              f"JUnit suite {s.get('name')} counts match its testcases")
    props = {p.get("name"): p.get("value") for p in suites[0].findall("properties/property")}
    check(props.get("param.kvm.tdp_mmu") == "N" and "host.kernel_release" in props,
          "JUnit properties carry the host facts")
    check(any(f.get("type") == "timeout" for f in root.iter("failure")),
          "the timeout is a JUnit failure of type timeout")

    # --tap: one valid TAP stream. Every line is a plan, a result or a comment;
    # results are numbered 1..N in order and N matches the plan.
    p, _ = run("--tap", "--timeout", "1", env=env)
    lines = p.stdout.splitlines()
    check(lines[:2] == ["TAP version 13", f"1..{len(EXPECT)}"], "TAP header and plan first")
    results = [l for l in lines if re.match(r"(not )?ok ", l)]
    check(all(re.match(r"(not )?ok \d+ |#|$", l) for l in lines[2:]),
          "every other TAP line is a result or a comment")
    check([int(l.split()[2 if l.startswith("not") else 1]) for l in results] ==
          list(range(1, len(EXPECT) + 1)), "TAP results numbered 1..N")
    n_notok = sum(1 for l in results if l.startswith("not ok"))
    check(n_notok == sum(1 for v, _ in EXPECT.values() if v in ("fail", "timeout")),
          f"TAP not-ok lines = failed + timed out ({n_notok})")
    check(sum(1 for l in results if "# SKIP" in l) == 1, "TAP marks the skip")
    try:
        prove = subprocess.run(["perl", "-MTAP::Parser", "-e",
                                'my $p = TAP::Parser->new({tap => join("", <STDIN>)});'
                                '$p->run; print join(" ", scalar($p->passed), scalar($p->failed),'
                                ' $p->is_good_plan ? "good" : "bad", scalar($p->parse_errors)), "\\n"'],
                               input=p.stdout, capture_output=True, text=True)
        if prove.returncode == 0:
            passed, failed, plan, errs = prove.stdout.split()
            check(plan == "good" and errs == "0" and int(failed) == n_notok,
                  f"perl's TAP::Parser accepts the stream ({prove.stdout.strip()})")
    except FileNotFoundError:
        print("note  perl not installed: TAP::Parser cross-check not run")

    # Exit codes.
    p, _ = run("--filter", "fake_pass", "--filter", "fake:fake_x*")
    check(p.returncode == 0, f"only passes (and xfails): exit 0 (got {p.returncode})")
    p, _ = run("--filter", "*subskip", "--filter", "fake_pass")
    check(p.returncode == 0, "passes with some skipped subtests: exit 0")
    p, _ = run("--filter", "fake_skip")
    check(p.returncode == 4, f"everything skipped: exit 4 (got {p.returncode})")
    for bad in (["--jobs", "0"], ["--timeout", "x"], ["--bogus"], ["extra"],
                ["--filter", "nothing-matches"]):
        p, _ = run(*bad)
        check(p.returncode == 2 and p.stderr, f"{' '.join(bad)}: usage error, exit 2")
    p, _ = run("--filter", "notap")
    check(p.returncode == 2 and "--filter '*notap*'" in p.stderr,
          f"a bare word matching nothing suggests '*word*' ({p.stderr.strip()})")
    p, _ = run("--filter", "zzz")
    check(p.returncode == 2 and "*zzz*" not in p.stderr, "no '*word*' suggested when it matches nothing either")
    # Report paths are checked before any test runs: the hang would take 20 s.
    for opt, path in (("--junit", "/nonexistent/x.xml"), ("--json", tmp), ("--textfile", "/nonexistent/r.prom")):
        p, took = run("--filter", "fake_hang", "--timeout", "20", opt, path)
        check(p.returncode == 2 and f"{opt} {path}: cannot write there" in p.stderr and took < 10,
              f"{opt} {path}: exit 2 at once ({p.returncode}, {took:.1f} s, {p.stderr.strip()})")
    check(not [f for f in os.listdir(tmp) if ".tmp." in f], "the path check leaves no file behind")
    # The human summary gives skip reasons: whole tests and subtests.
    p, _ = run("--filter", "fake_skip", "--filter", "fake_subskip")
    summary = p.stdout.split("\nskipped:\n", 1)[-1]
    check("  fake:fake_skip: " in summary and "KVM_CAP_X86_USER_SPACE_MSR" in summary and
          "  fake:fake_subskip fake.variant.skipper: no KVM_CAP_IRQCHIP here" in summary,
          "the summary lists skip reasons")

    # kselftest's contract where the settings do not say require_tap=1 (a foreign
    # suite): the exit status decides, TAP only adds; the same fakes.
    ksft = {"fake_pass": ("pass", None), "fake_fail": ("fail", None), "fake_skip": ("skip", None),
            "fake_notap": ("pass", None), "fake_malformed": ("pass", None),
            "fake_exit1": ("fail", "exited with status 1"), "fake_crash": ("fail", "signal 11")}
    os.makedirs(f"{tmp}/ksft/foreign")
    for name in ksft:
        os.symlink(f"{FAKES}/{name}", f"{tmp}/ksft/foreign/{name}")
    with open(f"{tmp}/ksft/foreign/settings", "w") as f:
        f.write("timeout=20\n")
    with open(f"{tmp}/ksft/kselftest-list.txt", "w") as f:
        f.write("".join(f"foreign:{n}\n" for n in ksft))
    p = subprocess.run([RUNNER, "--dir", f"{tmp}/ksft", "--json", f"{tmp}/k.json"],
                       capture_output=True, text=True, env=dict(os.environ, **env))
    kgot = {t["name"]: t for t in json.load(open(f"{tmp}/k.json"))["tests"]}
    for name, (verdict, words) in ksft.items():
        t = kgot.get(name, {})
        check(t.get("result") == verdict and (not words or words in (t.get("reason") or "")),
              f"kselftest contract: {name} {verdict} (got {t.get('result')}: {t.get('reason')})")
    check(len(kgot["fake_notap"]["subtests"]) == 1, "a pass without TAP is one subtest")

    p = subprocess.run([RUNNER, "--dir", tmp], capture_output=True, text=True)
    check(p.returncode == 2 and "kselftest-list.txt" in p.stderr,
          f"no suite in --dir: exit 2, says why ({p.stderr.strip()})")
    os.makedirs(f"{tmp}/bad")
    with open(f"{tmp}/bad/kselftest-list.txt", "w") as f:
        f.write("ok:one\nno-colon-here\n")
    p = subprocess.run([RUNNER, "--dir", f"{tmp}/bad"], capture_output=True, text=True)
    check(p.returncode == 2 and "kselftest-list.txt:2:" in p.stderr,
          f"a malformed list names file:line ({p.stderr.strip()})")

    # --list and --filter.
    p, _ = run("--list", "--filter", "fake:fake_[cx]*")
    check(p.stdout.split() == ["fake:fake_xfail", "fake:fake_crash"], f"--list --filter ({p.stdout.split()})")

    # Full-only tests (full-list.txt): only with --full, or when a --filter names them.
    full_only = open(f"{FAKES}/full-list.txt").read().split()
    check(len(full_only) == 1, f"the fakes have a full-only entry ({full_only})")
    p, _ = run("--list")
    check(sorted(p.stdout.split()) == sorted(EXPECT), "--list without --full: no full-only test")
    p, _ = run("--list", "--full")
    check(p.stdout.split()[-1:] == full_only and sorted(p.stdout.split()[:-1]) == sorted(EXPECT),
          "--full --list: the suite, then the full-only tests")
    p, _ = run("--list", "--filter", "fakefull:*")
    check(p.stdout.split() == full_only, "a --filter naming a full-only test selects it without --full")
    p, _ = run("--full", "--filter", "fakefull:*", "--json", f"{tmp}/ff.json")
    ff = json.load(open(f"{tmp}/ff.json"))["tests"]
    check(p.returncode == 0 and [t["id"] for t in ff] == full_only and ff[0]["result"] == "pass",
          "--full runs the full-only test")
    check(ff[0]["timeout"] == 450, f"no settings: the default 45 s x10 ({ff[0]['timeout']})")

    # Arguments as kselftest's runner.sh passes them: KSELFTEST_<NAME>_ARGS.
    p, _ = run("--filter", "fake_pass", "--json", f"{tmp}/a.json",
               env={"KSELFTEST_FAKE_PASS_ARGS": " -t  fake.one "})
    check("# args: [-t] [fake.one]\n" in json.load(open(f"{tmp}/a.json"))["tests"][0]["output"],
          "KSELFTEST_FAKE_PASS_ARGS reaches fake_pass, split at blanks")

    # From a build tree without --dir: that tree's suite.
    # FAKES is <build>/tools/runner/fakes; the suite is <build>/selftests.
    tree = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(FAKES)))),
                        "selftests")
    p = subprocess.run([RUNNER, "--list"], capture_output=True, text=True, cwd="/")
    check(p.returncode == 0 and p.stdout.split() == open(f"{tree}/kselftest-list.txt").read().split(),
          "in a build tree, --list without --dir lists the tree's kselftest-list.txt")

    # --quick / --full reach the tests.
    p, _ = run("--filter", "fake_pass", "--json", f"{tmp}/q.json")
    out = json.load(open(f"{tmp}/q.json"))["tests"][0]["output"]
    check("KVMCFG_TEST_SCALE=1 KVMCFG_TEST_FULL= " in out, "--quick: scale 1, no full")
    p, _ = run("--full", "--filter", "fake_pass", "--json", f"{tmp}/f.json")
    rep = json.load(open(f"{tmp}/f.json"))
    check("KVMCFG_TEST_SCALE=10 KVMCFG_TEST_FULL=1 " in rep["tests"][0]["output"],
          "--full: KVMCFG_TEST_SCALE=10 KVMCFG_TEST_FULL=1")
    check(rep["tests"][0]["timeout"] == 200, "--full: settings timeout (20 s) x10")
    p, _ = run("--filter", "fake_pass", "--json", f"{tmp}/s.json", env={"KVMCFG_TEST_SCALE": "3"})
    check("KVMCFG_TEST_SCALE=3 " in json.load(open(f"{tmp}/s.json"))["tests"][0]["output"],
          "an explicit KVMCFG_TEST_SCALE wins")
    check("/fakes" in json.load(open(f"{tmp}/s.json"))["tests"][0]["output"],
          "tests run from their own directory")
    check("# ksft: skip_rc=4 timeout_rc=124 kselftest_timeout=20 kselftest_default_timeout=45\n"
          in json.load(open(f"{tmp}/s.json"))["tests"][0]["output"],
          "the environment of kselftest's runner.sh, kselftest_timeout from the settings")

    # --jobs 1: one after the other.
    p, _ = run("--jobs", "1", "--timeout", "1", "--filter", "fake_sleep", "--filter", "fake_pass",
               "--json", f"{tmp}/j1.json")
    a, b = json.load(open(f"{tmp}/j1.json"))["tests"]
    check(b["started"] >= a["started"] + a["duration"] - 0.01, "--jobs 1 runs one test at a time")

    # SIGINT: running tests and their children are killed, the run ends as a failure.
    os.unlink(pidfile)
    e = dict(os.environ, **env)
    proc = subprocess.Popen([RUNNER, "--dir", FAKES, "--filter", "fake_hang", "--timeout", "600",
                             "--json", f"{tmp}/int.json"], env=e, stdout=subprocess.PIPE, text=True)
    for _ in range(100):
        if os.path.exists(pidfile) and len(open(pidfile).read().split()) == 3:
            break
        time.sleep(0.05)
    t0 = time.monotonic()
    proc.send_signal(2)
    out, _ = proc.communicate(timeout=30)
    check(proc.returncode == 1, f"SIGINT: exit 1 (got {proc.returncode})")
    check(time.monotonic() - t0 < 5, "SIGINT: the run stopped at once, not at the timeout")
    intr = json.load(open(f"{tmp}/int.json"))
    check(intr["runner"]["interrupted"] and intr["tests"][0]["result"] == "fail" and
          "interrupted" in intr["tests"][0]["reason"], "SIGINT: the running test is an interrupted failure")
    time.sleep(0.5)
    check(not any(alive(int(x)) for x in open(pidfile).read().split()),
          "SIGINT: the test and its children are gone")

    # On a terminal: colour. `script` gives the runner a pty.
    if subprocess.run(["sh", "-c", "command -v script"], capture_output=True).returncode == 0:
        p = subprocess.run(["script", "-qec", f"{RUNNER} --dir {FAKES} --filter fake_pass", "/dev/null"],
                           capture_output=True, text=True, env=dict(os.environ, TERM="xterm"))
        check("\033[32mPASS" in p.stdout, "a terminal gets coloured results")
        p = subprocess.run(["script", "-qec", f"{RUNNER} --dir {FAKES} --filter fake_pass", "/dev/null"],
                           capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
        check("\033[" not in p.stdout, "NO_COLOR turns colour off")
    else:
        print("note  script(1) not installed: colour on a terminal not checked")

    # Plain output when not on a tty: no escape sequences.
    p, _ = run("--filter", "fake_fail")
    check("\033[" not in p.stdout and re.search(r"^\[1/1\] FAIL +fake:fake_fail", p.stdout, re.M),
          "plain live line with progress count off a tty")
    check("kvm-selftests: 1 tests: 0 passed, 1 failed" in p.stdout, "summary line")

print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
