#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The alert rules against the textfiles the real writers produce.

kvmcfgd runs against a fake sysfs tree whose kvm.tdp_mmu violates a policy,
and kvm-selftests runs the runner's fake tests (one passes, one fails), each
writing its node_exporter textfile. Then:

  1. promtool check metrics accepts both files;
  2. every kvmcfg_* / kvm_selftests_* metric the rules read is in them;
  3. promtool test rules, fed the real series, fires KvmParamMismatch with
     the daemon's own labels and KvmSelftestsFailed for the failed test only.

So a metric or label renamed in the daemon or the runner fails here, not in
production. Exit 77 (skip) without promtool.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def series(path):
    """(name, labels text, value) of each sample line in a textfile."""
    out = []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line.strip())
        if not m:
            fail(f"{path}: not a sample line: {line!r}")
        out.append((m.group(1), m.group(2) or "", m.group(3)))
    return out


def labels(text):
    return dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', text))


def kvmcfgd_textfile(kvmcfgd, tmp):
    sysfs = os.path.join(tmp, "sys")
    os.makedirs(os.path.join(sysfs, "module", "kvm", "parameters"))
    with open(os.path.join(sysfs, "module", "kvm", "parameters", "tdp_mmu"), "w") as f:
        f.write("N\n")
    policy = os.path.join(tmp, "policy.conf")
    with open(policy, "w") as f:
        f.write("[kvm]\nRequired = yes\ntdp_mmu = Y\n")
    out = os.path.join(tmp, "kvmcfg.prom")
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    # A fake tree: the reality probes would judge it against this host's KVM.
    p = subprocess.Popen([kvmcfgd, "--sysfs-root", sysfs, "--policy", policy,
                          "--policy-dropins", "none", "--textfile", out,
                          "--log-target", "stderr", "--verify=no"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while not os.path.exists(out) and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=10)
    if not os.path.exists(out):
        fail(f"kvmcfgd wrote no textfile within 10 s; stderr:\n{err}")
    return out


def verify_textfile(kvmcfgd, tmp):
    """kvmcfgd with Verify=yes on this host's real kvm params with
    kvm.tdp_mmu inverted, until kvmcfg_param_contradicted is written; None
    where there is no usable KVM to probe."""
    real = "/sys/module/kvm/parameters"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK) or not os.path.exists(real + "/tdp_mmu"):
        return None
    d = os.path.join(tmp, "vsys", "module", "kvm", "parameters")
    os.makedirs(d)
    for n in os.listdir(real):
        try:
            v = open(os.path.join(real, n)).read()
        except OSError:
            continue
        if n == "tdp_mmu":
            v = "N\n" if v.strip() == "Y" else "Y\n"
        open(os.path.join(d, n), "w").write(v)
    policy = os.path.join(tmp, "vpolicy.conf")
    with open(policy, "w") as f:
        f.write("[kvm]\ntdp_mmu = any\n")
    out = os.path.join(tmp, "kvmcfg-verify.prom")
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    p = subprocess.Popen([kvmcfgd, "--sysfs-root", os.path.join(tmp, "vsys"), "--policy", policy,
                          "--policy-dropins", "none", "--textfile", out,
                          "--log-target", "stderr", "--verify=yes"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and p.poll() is None:
        if os.path.exists(out) and "kvmcfg_param_contradicted{" in open(out).read():
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=10)
    if not os.path.exists(out) or "kvmcfg_param_contradicted{" not in open(out).read():
        fail(f"kvmcfgd --verify=yes wrote no kvmcfg_param_contradicted sample within 30 s "
             f"for an inverted kvm.tdp_mmu; stderr:\n{err}")
    return out


def runner_textfile(runner, fakes, tmp):
    out = os.path.join(tmp, "kvm_selftests.prom")
    r = subprocess.run([runner, "--dir", fakes, "--jobs", "1", "--filter", "fake:fake_pass",
                        "--filter", "fake:fake_fail", "--textfile", out],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 1 or not os.path.exists(out):
        fail(f"kvm-selftests on fake_pass+fake_fail: exit {r.returncode} (want 1), "
             f"textfile {'written' if os.path.exists(out) else 'missing'}\n{r.stdout}{r.stderr}")
    return out


def yaml_str(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    kvmcfgd, runner, fakes, rules = sys.argv[1:5]
    promtool = shutil.which("promtool")
    if not promtool:
        print("SKIP: promtool not installed (Debian package prometheus; scripts/deps.sh test)")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="kvmcfg-metrics-")
    try:
        files = [kvmcfgd_textfile(kvmcfgd, tmp), runner_textfile(runner, fakes, tmp)]
        vfile = verify_textfile(kvmcfgd, tmp)
        for f in files + ([vfile] if vfile else []):
            r = subprocess.run([promtool, "check", "metrics"], stdin=open(f),
                               capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"promtool check metrics {os.path.basename(f)}:\n{r.stdout}{r.stderr}")
            print(f"ok: promtool check metrics {os.path.basename(f)}")
        samples = series(files[0]) + series(files[1])
        if vfile:
            samples += [x for x in series(vfile) if x[0] == "kvmcfg_param_contradicted"]
        names = {n for n, _, _ in samples}

        used = set(re.findall(r"\b((?:kvmcfg|kvm_selftests)_[a-z_]+)\b", open(rules).read()))
        if not vfile:
            # Only a probe on a real KVM produces it; kvmcfg.rules.test.yml covers its rule.
            print("note: no usable /dev/kvm here: kvmcfg_param_contradicted not produced, "
                  "its rule not held against a real series")
            used.discard("kvmcfg_param_contradicted")
        missing = sorted(used - names)
        if missing:
            fail(f"the rules read metrics no writer produces: {', '.join(missing)}")
        print(f"ok: the rules' metrics are all written: {', '.join(sorted(used))}")

        # The real series, held for 10 minutes, into a promtool test.
        inputs, mismatch, failed, info, contradicted = [], [], [], {}, []
        for n, lab, v in samples:
            if n not in used:
                continue
            lbl = labels(lab)
            lbl.update(instance="h1", job="node")
            sel = n + "{" + ", ".join(f'{k}="{v2}"' for k, v2 in sorted(lbl.items())) + "}"
            vals = "0+60x10" if n.endswith("_timestamp_seconds") else f"{v}x10"
            inputs.append(f"      - series: {yaml_str(sel)}\n        values: '{vals}'")
            if n == "kvmcfg_mismatch" and v == "1":
                mismatch.append(lbl)
            if n == "kvmcfg_mismatch_info":
                info[(lbl["module"], lbl["param"], lbl["rule"])] = lbl
            if n == "kvm_selftests_test_failed" and v == "1":
                failed.append(lbl)
            if n == "kvmcfg_param_contradicted" and v == "1":
                contradicted.append(lbl)
        if not mismatch or not failed:
            fail(f"expected a kvmcfg_mismatch and a failed test: {len(mismatch)} and {len(failed)}")

        # Labels must match exactly, and so must the annotations: they are
        # what a pager shows, rendered here from the real labels.
        def exp(alert, lbls, extra, annotations):
            out = [f"      - eval_time: 5m\n        alertname: {alert}\n        exp_alerts:"]
            for lbl in lbls:
                d = dict(lbl, alertname=alert, **extra(lbl))
                out.append("          - exp_labels:\n" + "\n".join(
                    f"              {k}: {yaml_str(v2)}" for k, v2 in sorted(d.items())))
                out.append("            exp_annotations:\n" + "\n".join(
                    f"              {k}: {yaml_str(v2)}" for k, v2 in annotations(lbl).items()))
            return "\n".join(out)

        sev = lambda lbl: {"severity": "critical" if lbl.get("severity") == "critical" else "warning"}
        # The description joins kvmcfg_mismatch_info (value, expectation, policy line).
        i = lambda l: info[(l["module"], l["param"], l["rule"])]
        mismatch_ann = lambda l: {
            "summary": f"KVM param {l['module']}.{l['param']} violates the policy on h1",
            "description": f"{l['module']}.{l['param']} is {i(l)['actual']} but the policy "
                           f"({i(l)['origin']}) expects {i(l)['expected']}. VMs started now run "
                           "with the wrong KVM configuration. "
                           "`kvmcfgctl check` on the host shows every finding and "
                           "`journalctl -x -u kvmcfgd` explains the fix.",
        }
        contradicted_ann = lambda l: {
            "summary": f"KVM param {l['module']}.{l['param']} contradicts what KVM does on h1",
            "description": f"{l['module']}.{l['param']} does not describe the running KVM: a probe "
                           "VM saw it behave otherwise. `kvmcfgctl check --verify` on the host "
                           "shows the evidence and `journalctl -x -u kvmcfgd` explains the fix.",
        }
        failed_ann = lambda l: {
            "summary": f"KVM selftest {l['test']} failed on h1",
            "description": f"The daily quick suite (kvm-selftests.timer) failed {l['test']}. "
                           "`journalctl -u kvm-selftests` holds its TAP output.",
        }
        test = ("rule_files:\n  - " + os.path.abspath(rules) + "\nevaluation_interval: 1m\n"
                "tests:\n  - interval: 1m\n    input_series:\n" + "\n".join(inputs) +
                "\n    alert_rule_test:\n" +
                exp("KvmParamMismatch", mismatch, sev, mismatch_ann) + "\n" +
                exp("KvmSelftestsFailed", failed, lambda lbl: {"severity": "warning"}, failed_ann) + "\n" +
                (exp("KvmParamContradicted", contradicted, lambda lbl: {"severity": "critical"},
                     contradicted_ann) + "\n" if vfile else "") +
                "      - eval_time: 5m\n        alertname: KvmcfgCheckStale\n        exp_alerts: []\n"
                "      - eval_time: 5m\n        alertname: KvmcfgPolicyReloadFailed\n        exp_alerts: []\n"
                "      - eval_time: 5m\n        alertname: KvmSelftestsStale\n        exp_alerts: []\n")
        path = os.path.join(tmp, "contract.test.yml")
        with open(path, "w") as f:
            f.write(test)
        r = subprocess.run([promtool, "test", "rules", path], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"promtool test rules on the real series:\n{r.stdout}{r.stderr}\n{test}")
        if vfile:
            print(f"ok: KvmParamContradicted fires for {len(contradicted)} real contradiction")
        print(f"ok: KvmParamMismatch fires for {len(mismatch)} real mismatch, "
              f"KvmSelftestsFailed for {[l['test'] for l in failed]}, nothing stale")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
