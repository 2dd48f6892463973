# SPDX-License-Identifier: GPL-2.0-only
"""The host's judge of the box's 'verify' scenario (tests/fleetbox/scenarios/verify.sh).

Under every config: each probe's verdict must match the param as loaded,
found without reading it, except the one known lie: on kernels before
v6.3 kvm.tdp_mmu stays Y with kvm_amd.npt=0 (3af15ff47c4d made it
read-only in v6.3). check --verify must report exactly that lie as
'contradicted' (exit 1) and nothing on honest configs (exit 0), and
kvmcfgd must raise the contradiction alert under the lie and none
otherwise.
"""
import json
import os
import re

CONTRADICTED = "2d708668f04f4b308c156622d298efa0"
CONFIGS = ["default", "lie61", "shadow", "runtime-on", "runtime-off"]
DAEMON_CONFIGS = ["lie61", "runtime-off"]
# Probes that must observe under every config in the box (AMD SVM+NPT).
MUST_OBSERVE = ["tdp", "mmio_caching", "ignore_msrs", "force_emulation_prefix",
                "vmware_backdoor", "nested", "sev"]


def on(value):
    return value in ("Y", "y") or (value.lstrip("-").isdigit() and int(value) != 0)


def json_after(body, first_line_prefix=None):
    """The JSON document in a section body (after any key=value lines)."""
    i = min([p for p in (body.find("["), body.find("{")) if p >= 0], default=-1)
    return json.loads(body[i:]) if i >= 0 else None


def check_verify(tap, sec, params, results=None):
    timing = []
    for name in CONFIGS:
        p = params(sec.get(f"params {name}", ""))
        if not tap.check(p.get("kvm.tdp_mmu") is not None,
                         f"{name}: kvm and kvm_amd loaded with {p.get('kvm-args')!r} / "
                         f"{p.get('amd-args')!r}", sec.get(f"params {name}", "(missing)")):
            continue
        lie = p.get("kvm.tdp_mmu") == "Y" and p.get("kvm_amd.npt") == "N"
        try:
            probes = json_after(sec.get(f"probe {name}", ""))
        except ValueError as e:
            probes = None
            tap.check(False, f"{name}: kvmcfgctl probe --json parses", str(e))
        if not probes:
            tap.check(False, f"{name}: kvmcfgctl probe printed results", sec.get(f"probe {name}"))
            continue
        by = {r["probe"]: r for r in probes}
        observed = [n for n in MUST_OBSERVE if by.get(n, {}).get("outcome") == "observed"]
        tap.check(observed == MUST_OBSERVE, f"{name}: probes {', '.join(MUST_OBSERVE)} observe",
                  json.dumps([by.get(n) for n in MUST_OBSERVE if n not in observed], indent=1))
        for r in probes:
            if r["outcome"] != "observed":
                tap.note(f"{name}: probe {r['probe']} {r['outcome']}: {r['reason']}")
            for v in r["verdicts"]:
                key = f"{v['module']}.{v['param']}"
                if key not in p:
                    continue
                expect_match = not (lie and key == "kvm.tdp_mmu")
                matches = on(p[key]) == v["on"]
                tap.check(matches == expect_match,
                          f"{name}: {key}={p[key]} {'matches' if expect_match else 'contradicts'} "
                          f"probe {r['probe']}: {v['fact']}", r["evidence"])
        body = sec.get(f"verify {name}", "")
        m = re.search(r"^exit=(\d+)$", body, re.M)
        cs = re.search(r"^centiseconds=(\d+)$", body, re.M)
        try:
            doc = json_after(body)
        except ValueError:
            doc = None
        got = sorted(f"{f['module']}.{f['param']}" for f in (doc or {}).get("findings", [])
                     if f["kind"] == "contradicted")
        want = ["kvm.tdp_mmu"] if lie else []
        tap.check(doc and m and int(m.group(1)) == (1 if lie else 0) and got == want,
                  f"{name}: check --verify exits {1 if lie else 0}, contradicted: {want or 'none'}",
                  body[:3000])
        if cs:
            timing.append({"config": name, "wall_ms": int(cs.group(1)) * 10})
    for name in DAEMON_CONFIGS:
        p = params(sec.get(f"params {name}", ""))
        lie = p.get("kvm.tdp_mmu") == "Y" and p.get("kvm_amd.npt") == "N"
        log = sec.get(f"kvmcfgd {name}", "")
        alerts = [l for l in log.splitlines() if f"MESSAGE_ID={CONTRADICTED}" in l]
        done = re.search(r"^Check \(verify\)", log, re.M)
        if lie:
            tap.check(done and len(alerts) == 1 and "PARAM=tdp_mmu" in alerts[0] and
                      "EVIDENCE=" in alerts[0],
                      f"kvmcfgd {name}: alerts kvm.tdp_mmu as contradicted, with the evidence", log)
        else:
            tap.check(done and not alerts, f"kvmcfgd {name}: probes ran, no contradiction", log)
    if timing:
        tap.note("check --verify wall time in the box: " +
                 ", ".join(f"{t['config']} {t['wall_ms']} ms" for t in timing))
    if results and timing:
        os.makedirs(results, exist_ok=True)
        with open(os.path.join(results, "fleetbox-verify-timing.json"), "w") as f:
            json.dump({"schema": "kvmcfg-verify-timing/1",
                       "label": "fleet box: Debian kernel under QEMU TCG -cpu max, nested KVM "
                                "(AMD SVM+NPT), 1 vCPU; /proc/uptime resolution 10 ms",
                       "kernel": {"release": sec.get("kernel", "").strip()},
                       "runs": timing,
                       "wall_ms_max": max(t["wall_ms"] for t in timing)}, f, indent=2)
            f.write("\n")
