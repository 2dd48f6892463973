#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# What one `kvmcfgctl check` costs as a whole process, next to the shell
# one-liner it replaces and to doing nothing, measured side by side with
# hyperfine (Debian package hyperfine; scripts/deps.sh test), plus kvmcfgd's
# resident set after its first check. Writes one JSON document.
#
#   scripts/bench-startup.sh [-b BUILDDIR] [-p POLICY] [-r RUNS] [-o OUT.json]
#
# Defaults: build, kvmcfgd/policy/default.conf, 300 runs, standard output.
# The target (issue 16): check no slower than the grep, kvmcfgd below 4 MiB.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
policy=$src/kvmcfgd/policy/default.conf
runs=300
out=-
while getopts b:p:r:o: o; do
	case $o in
	b) build=$OPTARG ;;
	p) policy=$OPTARG ;;
	r) runs=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-b BUILDDIR] [-p POLICY] [-r RUNS] [-o OUT.json]" >&2; exit 2 ;;
	esac
done
ctl=$build/kvmcfgd/ctl/kvmcfgctl
daemon=$build/kvmcfgd/src/kvmcfgd
command -v hyperfine >/dev/null || { echo "bench-startup: hyperfine is not installed (scripts/deps.sh test)" >&2; exit 77; }
[ -x "$ctl" ] && [ -x "$daemon" ] || { echo "bench-startup: build first (no $ctl or $daemon)" >&2; exit 2; }
ls -d /sys/module/kvm*/parameters >/dev/null 2>&1 || { echo "bench-startup: no /sys/module/kvm*/parameters (KVM not loaded)" >&2; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The policy may live in a developer's checkout (not root's): the benchmark
# measures the check, not the ownership rule.
export KVMCFG_POLICY_INSECURE=1
"$ctl" check --policy "$policy" >/dev/null || {
	echo "bench-startup: kvmcfgctl check --policy $policy fails here; it would measure an error path" >&2
	exit 1
}

# No shell around the commands (-N): the glob is expanded here, once.
params=$(ls -d /sys/module/kvm*/parameters/ | tr '\n' ' ')
hyperfine -N --warmup 20 --runs "$runs" --export-json "$tmp/h.json" \
	-n true "/bin/true" \
	-n grep "grep -r . $params" \
	-n check "$ctl check --policy $policy" \
	-n help "$ctl --help" >"$tmp/hyperfine.txt" 2>&1 || { cat "$tmp/hyperfine.txt" >&2; exit 1; }

# kvmcfgd after its first check (the textfile appears at its end).
"$daemon" --sysfs-root /sys --policy "$policy" --policy-dropins none --interval 1h \
	--textfile "$tmp/kvmcfg.prom" --log-target stderr 2>"$tmp/daemon.log" &
pid=$!
i=0
while [ ! -s "$tmp/kvmcfg.prom" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
rss_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
hwm_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
kill -TERM $pid
wait $pid || true
[ -s "$tmp/kvmcfg.prom" ] || { cat "$tmp/daemon.log" >&2; echo "bench-startup: kvmcfgd wrote no textfile" >&2; exit 1; }

python3 - "$tmp/h.json" "$rss_kib" "$hwm_kib" "$runs" "$policy" "$out" "$ctl" "$params" <<'PY'
import json, os, platform, sys
h, rss, hwm, runs, policy, out, ctl, params = sys.argv[1:]
argv = {"true": "/bin/true", "grep": "grep -r . " + params.strip(),
        "check": "kvmcfgctl check --policy " + os.path.basename(policy),
        "help": "kvmcfgctl --help"}
res = {r["command"]: r for r in json.load(open(h))["results"]}
us = lambda s: round(s * 1e6, 1)
doc = {
    "schema": "kvmcfg-bench-startup/1",
    "host": {"hostname": platform.node(), "kernel": platform.release(),
             "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                          if l.startswith("model name")), "?"),
             "loadavg": open("/proc/loadavg").read().split()[:3]},
    "policy": os.path.basename(policy),
    "runs": int(runs),
    "commands": {n: {"command": argv[n], "mean_us": us(r["mean"]),
                     "stddev_us": us(r["stddev"]), "median_us": us(r["median"]),
                     "min_us": us(r["min"]), "max_us": us(r["max"])}
                 for n, r in res.items()},
    "ratios_of_median": {"check_over_grep": round(res["check"]["median"] / res["grep"]["median"], 3),
                         "check_over_true": round(res["check"]["median"] / res["true"]["median"], 3),
                         "help_over_true": round(res["help"]["median"] / res["true"]["median"], 3)},
    "kvmcfgd": {"rss_kib_after_first_check": int(rss), "peak_rss_kib": int(hwm)},
    "targets": {"check_no_slower_than_grep": res["check"]["median"] <= res["grep"]["median"],
                "kvmcfgd_rss_below_4_mib": int(rss) < 4096},
}
text = json.dumps(doc, indent=2) + "\n"
if out == "-":
    sys.stdout.write(text)
else:
    open(out, "w").write(text)
PY
