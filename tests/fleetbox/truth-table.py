#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The truth table: kernel x config, from the fleet box's matrix results.

    truth-table.py DIR KERNEL...

Reads DIR/KERNEL/matrix.json and DIR/KERNEL/kernel.json (written by
fleetbox.py --results for each kernel) and prints one markdown table: per
kernel and config, the params as loaded, each asked param's outcome (held,
overridden, contradicted) and every reality test's verdict, then the
evidence for every outcome that is not "held". scripts/fleetbox-results.sh
runs it; see docs/fleetbox.md.
"""
import json
import os
import re
import sys

# The tests that judge params against what the guest observes, then the rest.
REALITY = ["tdp_reality", "mmio_caching", "sev_reality"]


def short(param):
    return param.split(".", 1)[1]


def observed(top, kernel, index, param, value):
    """What a test printed about @param reading @value, or None: from
    kvm-selftests' JSON report of the config (config-N.json), else its TAP."""
    base = os.path.join(top, kernel, f"config-{index}")
    try:
        with open(base + ".json") as f:
            text = "\n".join(t.get("output") or "" for t in json.load(f)["tests"])
    except (OSError, ValueError, KeyError, TypeError):
        try:
            with open(base + ".tap") as f:
                text = f.read()
        except OSError:
            return None
    want = f"{param}={value}"
    # A kselftest harness line: "# file.c:LINE:TEST:message", under any TAP indent.
    for m in re.finditer(r"^[# ]*\S+?\.c:\d+:(\w+):(.*)$", text, re.M):
        if want in m.group(2):
            return f"{m.group(1)}: {m.group(2)}"
    return None


def cell(text):
    return str(text).replace("|", "/").replace("\n", " ")


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    top, kernels = sys.argv[1], sys.argv[2:]
    runs = []
    for k in kernels:
        try:
            with open(os.path.join(top, k, "matrix.json")) as f:
                matrix = json.load(f)
            with open(os.path.join(top, k, "kernel.json")) as f:
                kernel = json.load(f)
        except (OSError, ValueError) as e:
            print(f"truth-table: {k}: {e}", file=sys.stderr)
            return 1
        runs.append((k, kernel, matrix))
    tests = list(REALITY)
    for _, _, m in runs:
        for c in m["configs"]:
            for t in c["tests"]:
                if t["name"] not in tests:
                    tests.append(t["name"])

    out = []
    out.append("| kernel | # | config (asked) | params as loaded | outcomes | "
               + " | ".join(tests) + " |")
    out.append("|---" * (5 + len(tests)) + "|")
    evidence = []
    for k, kernel, m in runs:
        name = f"{k} {kernel['release']}"
        for c in m["configs"]:
            asked = " ".join(f"{short(p)}={v}" for p, v in c["params"].items())
            outcomes = c.get("outcomes") or []
            loaded = " ".join(f"{short(o['param'])}={o['loaded'] if o['loaded'] is not None else '(absent)'}"
                              for o in outcomes)
            not_held = [o for o in outcomes if o["outcome"] != "held"]
            oc = "; ".join((f"**{o['outcome']}** " if o["outcome"] == "contradicted"
                            else f"{o['outcome']} ") + o["param"] for o in not_held) or "all held"
            verdicts = {t["name"]: t["result"] for t in c["tests"]}
            row = [name, str(c["index"]), asked, loaded, oc]
            row += [("**FAIL**" if verdicts.get(t) == "fail" else verdicts.get(t, "-")) for t in tests]
            out.append("| " + " | ".join(cell(x) for x in row) + " |")
            for o in not_held:
                why = o["evidence"] if o["outcome"] == "contradicted" else (o["reason"] or "reason not known")
                seen = o["outcome"] == "overridden" and observed(top, k, c["index"], o["param"], o["loaded"])
                if seen:
                    why += f"; the guest agrees with the loaded value: {seen}"
                evidence.append(f"- {name}, config {c['index']} ({asked}): {o['param']} "
                                f"{o['outcome']}, asked {o['asked']}, loaded {o['loaded']}: {cell(why)}")
            for mm in c["mismatches"]:
                if mm["message"]:
                    evidence.append(f"- {name}, config {c['index']} ({asked}): the param check "
                                    f"(sysfs alone) flags {mm['param']}: {cell(mm['message'])}")
        out.append("|" + " |" * (5 + len(tests)))
    out.pop()
    out.append("")
    out.append("Held: the param reads as asked. Overridden: the kernel loaded another value and "
               "says so in sysfs; the reality tests agree with what it says. Contradicted: a "
               "reality test observed the guest doing something other than the loaded param "
               "claims, the only outcome that is the kernel's fault.")
    out.append("")
    out.append("### Evidence")
    out.append("")
    out.extend(evidence or ["Every asked param held on every kernel."])
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
