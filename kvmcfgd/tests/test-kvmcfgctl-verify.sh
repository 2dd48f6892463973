#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kvmcfgctl check --verify on this host's real /dev/kvm:
#  - the host's own params (a snapshot policy) have no contradiction: exit 0;
#  - for every param a probe judges here, a fake sysfs tree that inverts it
#    (all else copied from the host) gives exit 1 with a CONTRADICTED row
#    for exactly that param, and the evidence in the JSON;
#  - a probe that cannot finish (--probe-timeout=1) leaves its params
#    UNVERIFIED: exit 3, and exit 0 with --allow-unverified.
#
#   test-kvmcfgctl-verify.sh KVMCFGCTL
set -u
ctl=$1
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ] || [ ! -d /sys/module/kvm/parameters ]; then
	echo "SKIP: no usable /dev/kvm with a kvm module here"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}

# Every probe-judged param the host has, as "any" rules: only --verify judges.
: >"$tmp/policy.conf"
for mp in kvm.tdp_mmu kvm.mmio_caching kvm.ignore_msrs kvm.force_emulation_prefix \
	kvm.enable_vmware_backdoor kvm.enable_pmu kvm_intel.ept kvm_intel.nested kvm_amd.npt \
	kvm_amd.nested kvm_amd.sev kvm_amd.sev_es kvm_amd.sev_snp; do
	m=${mp%%.*} p=${mp#*.}
	[ -r "/sys/module/$m/parameters/$p" ] || continue
	printf '[%s]\n%s = any\n' "$m" "$p" >>"$tmp/policy.conf"
done

rc=0
"$ctl" check --verify --policy "$tmp/policy.conf" >"$tmp/honest" || rc=$?
cat "$tmp/honest"
[ "$rc" = 0 ] || fail "the host's real params exited $rc under --verify, not 0"
grep -q '^CONTRADICTED' "$tmp/honest" && fail "a real param reported contradicted"

fake_tree() {
	rm -rf "$tmp/sys"
	for dir in /sys/module/kvm /sys/module/kvm_*; do
		[ -d "$dir/parameters" ] || continue
		mkdir -p "$tmp/sys/module/${dir##*/}/parameters"
		for f in "$dir"/parameters/*; do
			cat "$f" >"$tmp/sys/module/${dir##*/}/parameters/${f##*/}" 2>/dev/null
		done
	done
}

lies=0
# The params verified here: those with a policy row ("recorded": any) and no
# "skipped"/"UNVERIFIED" row.
for mp in $(sed -n 's/^\(ok\|recorded\)  *critical  *\([a-z_]*\)  *\([a-z_]*\) .*/\2.\3/p' "$tmp/honest"); do
	m=${mp%%.*} p=${mp#*.}
	grep -Eq "^skipped +info +$m +$p " "$tmp/honest" && continue
	v=$(cat "/sys/module/$m/parameters/$p")
	case $v in
	Y) lie=N ;; N) lie=Y ;; 0) lie=1 ;; *) lie=0 ;;
	esac
	fake_tree
	echo "$lie" >"$tmp/sys/module/$m/parameters/$p"
	rc=0
	"$ctl" check --verify --policy "$tmp/policy.conf" --sysfs-root "$tmp/sys" >"$tmp/out" || rc=$?
	[ "$rc" = 1 ] || { cat "$tmp/out"; fail "$m.$p=$lie (a lie) exited $rc, not 1"; }
	rows=$(grep -c '^CONTRADICTED' "$tmp/out")
	grep -Eq "^CONTRADICTED +critical +$m +$p " "$tmp/out" && [ "$rows" = 1 ] ||
		{ cat "$tmp/out"; fail "$m.$p=$lie: expected one CONTRADICTED row, for it alone"; }
	grep -q "$m\.$p=$lie, but " "$tmp/out" || fail "$m.$p=$lie: no 'but <behaviour>' message"
	"$ctl" check --verify --json --policy "$tmp/policy.conf" --sysfs-root "$tmp/sys" >"$tmp/json"
	python3 - "$tmp/json" "$m" "$p" <<'PY' || fail "$m.$p: JSON lacks the contradiction's probe/evidence"
import json, sys
d = json.load(open(sys.argv[1]))
c = [f for f in d["findings"] if f["kind"] == "contradicted"]
assert d["verdict"] == "mismatch", d["verdict"]
assert len(c) == 1 and c[0]["module"] == sys.argv[2] and c[0]["param"] == sys.argv[3], c
assert c[0]["probe"] and c[0]["evidence"] and c[0]["evidence"] in c[0]["message"], c[0]
PY
	echo "ok: $m.$p=$lie (a lie) is contradicted: $(grep "$m\.$p=$lie, but" "$tmp/out" | sed 's/^ *//')"
	lies=$((lies + 1))
done
[ "$lies" -gt 0 ] || fail "no param could be verified on this host"

rc=0
"$ctl" check --verify --probe-timeout=1 --policy "$tmp/policy.conf" >"$tmp/out" || rc=$?
[ "$rc" = 3 ] || { cat "$tmp/out"; fail "probes killed at 1 ms exited $rc, not 3"; }
grep -Eq '^UNVERIFIED +critical .*' "$tmp/out" || fail "no UNVERIFIED row"
grep -q 'timed out after 1 ms' "$tmp/out" || fail "unverified without the reason"
grep -q '^verdict: unverified' "$tmp/out" || fail "verdict is not 'unverified'"
rc=0
"$ctl" check --verify --allow-unverified --probe-timeout=1 --policy "$tmp/policy.conf" \
	>"$tmp/out" || rc=$?
[ "$rc" = 0 ] || { cat "$tmp/out"; fail "--allow-unverified exited $rc, not 0"; }
grep -Eq '^UNVERIFIED +info ' "$tmp/out" || fail "--allow-unverified hid the unverified rows"
echo "ok: $lies lies contradicted; unverified exits 3, 0 with --allow-unverified"
