#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The kernel's own KVM selftests beside ours, judged by both runners (integration).

Usage: test-upstream-kvm.py RUNNER BUILD_SCRIPT SELFTESTS_BUILD_DIR FAKES_DIR

Builds the 6.1 KVM selftests from linux-source-6.1 with
scripts/kvm-upstream-build.sh (cached: a repeat only copies) into a suite
that already holds our 'basic' collection and a 'strict' one (a fake that
exits 0 without TAP, under our own settings). Runs a selection with the
kernel's run_kselftest.sh and with kvm-selftests in one run, and checks:
the same verdict for every upstream and every 'basic' test; on a PVM host
the selection covers a pass without TAP, skips, failures and a hang with
the verdicts measured there; our strict collection still fails a test
that exits 0 without results (run_kselftest.sh passes it: the documented
difference); both runners list the same collection:test entries.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

RUNNER, BUILD, SELFTESTS, FAKES = (os.path.abspath(a) for a in sys.argv[1:5])
failures = []
# The kvm collection's timeout here: the hanging test costs this much in each runner.
TIMEOUT = 5

# The selection and what each does on a PVM host (kvm_pvm; measured with both runners):
# CPL0 guest code is emulated, there is no VMX/SVM, and vmcall hangs the vCPU.
SELECTION = {
    "kvm:x86_64/cpuid_test": "pass",             # no TAP, exit 0
    "kvm:x86_64/sync_regs_test": "pass",
    "kvm:kvm_binary_stats_test": "pass",
    "kvm:x86_64/evmcs_test": "skip",             # "1..0 # SKIP", exit 4: no VMX
    "kvm:x86_64/ucna_injection_test": "skip",    # no TAP, exit 4
    "kvm:x86_64/nx_huge_pages_test.sh": "skip",  # a script (TEST_PROGS)
    "kvm:x86_64/smm_test": "fail",               # assertion, exit 254
    "kvm:x86_64/debug_regs": "fail",
    "kvm:x86_64/fix_hypercall_test": "timeout",  # vmcall: the vCPU never returns
}
OURS = ["basic:guest_smoke_test", "basic:vm_lib_test"]


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def kernel_verdicts(suite, ids):
    """run_kselftest.sh's TAP, one stream per collection (in list order, numbered from 1):
    'ok N selftests: DIR: NAME [# SKIP]', 'not ok N ... # TIMEOUT|exit=N'."""
    args = [f"{suite}/run_kselftest.sh"]
    for i in ids:
        args += ["-t", i]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60 + TIMEOUT * 4 * len(ids))
    groups = []
    for i in ids:
        coll = i.split(":")[0]
        if not groups or groups[-1][0] != coll:
            groups.append((coll, []))
        groups[-1][1].append(i)
    got, block = {}, -1
    for line in p.stdout.splitlines():
        if re.match(r"1\.\.\d+$", line):
            block += 1
            continue
        m = re.match(r"(not )?ok (\d+) selftests: \S+: \S+(?: # (\w+))?", line)
        if not m or not 0 <= block < len(groups):
            continue
        directive = (m.group(3) or "").upper()
        verdict = ("skip" if directive == "SKIP" else "pass") if not m.group(1) else \
            ("timeout" if directive == "TIMEOUT" else "fail")
        got[groups[block][1][int(m.group(2)) - 1]] = verdict
    return got, p


if not os.access("/dev/kvm", os.R_OK | os.W_OK):
    skip("no usable /dev/kvm: the KVM selftests would only skip")
if not any(f.startswith("linux-source-") and f.endswith(".tar.xz") for f in os.listdir("/usr/src")):
    skip("Debian's linux-source-6.1 is not installed (/usr/src/linux-source-6.1.tar.xz)")
for tool in ("make", "gcc", "xz", "flock"):
    if not shutil.which(tool):
        skip(f"{tool} is not installed (scripts/deps.sh)")
pvm = os.path.isdir("/sys/module/kvm_pvm")
# The build is cached where scripts/cache-dir.sh says; where that cannot be
# made (a package build's HOME=/nonexistent), in the build tree's cache instead.
cache_env = {}
default_cache = subprocess.run([os.path.join(os.path.dirname(BUILD), "cache-dir.sh")],
                               capture_output=True, text=True).stdout.strip()
try:
    os.makedirs(default_cache, exist_ok=True)
except OSError as e:
    cache_env = {"KVMCFG_CACHE_DIR": os.path.join(os.path.dirname(FAKES), "kvm-upstream-cache")}
    print(f"note  {default_cache}: {e.strerror}; caching in {cache_env['KVMCFG_CACHE_DIR']}")
build_env = dict(os.environ, **cache_env)

with tempfile.TemporaryDirectory() as suite:
    # Ours first, as installed: the basic collection with its generated settings
    # (require_tap=1), and 'strict', a test exiting 0 without TAP under them.
    for coll, files in (("basic", [f"{SELFTESTS}/{t.split(':')[1]}" for t in OURS]),
                        ("strict", [f"{FAKES}/fake_notap"])):
        os.makedirs(f"{suite}/{coll}")
        for f in files:
            shutil.copy2(f, f"{suite}/{coll}/")
        shutil.copy(f"{SELFTESTS}/settings.basic", f"{suite}/{coll}/settings")
    with open(f"{suite}/kselftest-list.txt", "w") as f:
        f.write("\n".join(OURS + ["strict:fake_notap"]) + "\n")

    build = subprocess.run([BUILD, *(["--pvm"] if pvm else []), suite],
                           capture_output=True, text=True, timeout=1200, env=build_env)
    sys.stderr.write(build.stderr)
    check(build.returncode == 0, f"{os.path.basename(BUILD)} built and installed (exit {build.returncode})")
    if build.returncode:
        sys.exit(1)
    with open(f"{suite}/kselftest-list.txt") as f:
        listed = f.read().split()
    check(listed[:3] == OURS + ["strict:fake_notap"] and "kvm:x86_64/cpuid_test" in listed,
          "the upstream tests are listed after ours, with their x86_64/ directory")
    # Again: a cache hit, and the collection's lines replaced, not doubled.
    again = subprocess.run([BUILD, *(["--pvm"] if pvm else []), suite],
                           capture_output=True, text=True, timeout=300, env=build_env)
    with open(f"{suite}/kselftest-list.txt") as f:
        check(again.returncode == 0 and "building" not in again.stderr and f.read().split() == listed,
              "a second install hits the cache and leaves the list as it was")
    for bad, code, words in ((["--jobs", "0", suite], 2, "--jobs"), ([], 2, "no DEST"),
                             (["--headers", "/nonexistent", suite], 1, "no linux/kvm.h")):
        r = subprocess.run([BUILD, *bad], capture_output=True, text=True, timeout=60)
        check(r.returncode == code and words in r.stderr,
              f"{os.path.basename(BUILD)} {' '.join(bad)}: exit {code}, says '{words}' ({r.returncode}: {r.stderr.strip()})")
    with open(f"{suite}/kvm/settings") as f:
        settings = f.read()
    check("require_tap" not in settings and "timeout=120" in settings,
          "the kvm collection keeps upstream's settings (timeout=120, no require_tap)")
    with open(f"{suite}/kvm/settings", "w") as f:
        f.write(f"timeout={TIMEOUT}\n")

    # --list: the same collection:test entries as the kernel's runner.
    ours = subprocess.run([RUNNER, "--dir", suite, "--list"], capture_output=True, text=True)
    theirs = subprocess.run([f"{suite}/run_kselftest.sh", "--list"], capture_output=True, text=True)
    check(ours.returncode == 0 and ours.stdout.split() == theirs.stdout.split(),
          "--list prints run_kselftest.sh --list's entries")

    ids = [i for i in SELECTION if i in listed]
    missing = sorted(set(SELECTION) - set(listed))
    check(not missing or not pvm, f"every selected test was built ({missing or 'all'})")
    compared = OURS + ids
    kernel, kp = kernel_verdicts(suite, compared)
    check(len(kernel) == len(compared), f"run_kselftest.sh judged all {len(compared)} tests")

    args = [RUNNER, "--dir", suite, "--jobs", "2", "--json", f"{suite}/report.json"]
    for i in compared + ["strict:fake_notap"]:
        args += ["--filter", i]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120 + TIMEOUT * len(compared))
    print(p.stdout[-3000:])
    with open(f"{suite}/report.json") as f:
        report = {t["id"]: t for t in json.load(f)["tests"]}
    check(p.returncode == 1, f"kvm-selftests exits 1 for the failures (got {p.returncode})")

    for i in compared:
        mine = report.get(i, {}).get("result")
        check(mine == kernel.get(i), f"{i}: kvm-selftests {mine}, run_kselftest.sh {kernel.get(i)}")
        if pvm and i in SELECTION:
            check(mine == SELECTION[i], f"{i}: {SELECTION[i]} on a PVM host (got {mine}: "
                  f"{report.get(i, {}).get('reason')})")
    if pvm:
        cpuid = report.get("kvm:x86_64/cpuid_test", {})
        check(not re.search(r"^(not )?ok ", cpuid.get("output", ""), re.M),
              "cpuid_test passed without printing TAP")
        check(report.get("kvm:x86_64/ucna_injection_test", {}).get("reason") == "exited 4 (KSFT_SKIP)",
              "a skip without TAP says it exited 4")
        check("Requirement not met" in (report.get("kvm:x86_64/evmcs_test", {}).get("reason") or ""),
              "a TAP skip keeps its reason")
    for i in OURS:
        check(report.get(i, {}).get("result") == "pass", f"{i}: our test passes in the same run")

    # Our strict collection: exit 0 without a result fails here, passes there.
    strict = report.get("strict:fake_notap", {})
    check(strict.get("result") == "fail" and "without reporting any test" in (strict.get("reason") or ""),
          f"strict:fake_notap fails under require_tap=1 ({strict.get('result')}: {strict.get('reason')})")
    kstrict, _ = kernel_verdicts(suite, ["strict:fake_notap"])
    check(kstrict.get("strict:fake_notap") == "pass",
          "run_kselftest.sh passes it (the difference kvm-selftests(1) documents)")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
