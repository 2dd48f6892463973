#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kvmcfgctl against this host's real /sys/module: a policy written from the
# host (snapshot) passes with exit 0, and a policy that contradicts one real
# value fails with exit 1 and a table row naming the param.
#
#   test-kvmcfgctl-host.sh KVMCFGCTL
set -eu
ctl=$1
if [ ! -d /sys/module/kvm/parameters ]; then
	echo "SKIP: /sys/module/kvm/parameters does not exist (KVM not loaded on this host)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$ctl" snapshot --output "$tmp/host.conf"
"$ctl" validate "$tmp/host.conf"
"$ctl" check --policy "$tmp/host.conf" >"$tmp/out" || {
	rc=$?
	cat "$tmp/out"
	echo "FAIL: check of the host against its own snapshot exited $rc"
	exit 1
}
grep -q '^verdict: ok' "$tmp/out" || { cat "$tmp/out"; echo "FAIL: no ok verdict"; exit 1; }
n=$(grep -c '^ok ' "$tmp/out")
echo "host passes its snapshot: $n findings ok"

# Contradict one real boolean: expect the opposite of what the host reads.
tdp=$(cat /sys/module/kvm/parameters/tdp_mmu)
case "$tdp" in
Y) want=N ;;
N) want=Y ;;
*) echo "FAIL: kvm.tdp_mmu reads '$tdp', not a boolean"; exit 1 ;;
esac
printf '[kvm]\ntdp_mmu = %s\n' "$want" >"$tmp/contra.conf"
rc=0
"$ctl" check --policy "$tmp/contra.conf" >"$tmp/out" || rc=$?
cat "$tmp/out"
if [ "$rc" != 1 ]; then
	echo "FAIL: a contradicting policy exited $rc, not 1"
	exit 1
fi
grep -Eq "^MISMATCH +critical +kvm +tdp_mmu +$want +$tdp +$tmp/contra.conf:2\$" "$tmp/out" || {
	echo "FAIL: no MISMATCH row for kvm.tdp_mmu (want $want, host has $tdp)"
	exit 1
}
grep -q '^verdict: mismatch' "$tmp/out"
echo "contradicting policy: exit 1 with a MISMATCH row"
