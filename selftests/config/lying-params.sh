#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The reality tests must FAIL when the params lie, and fail on exactly the
# param they judge. Run them against a fake sysfs tree (KVMCFG_SYSFS_ROOT)
# that copies this host's KVM params with one value inverted at a time, and
# check that
#  - the subtest that holds that param against observed behaviour fails
#    with the judge's contradiction, "MODULE.PARAM=VALUE, but ..." (a line
#    only a failure prints: "MODULE.PARAM=VALUE matches: ..." is the pass);
#  - every subtest of that binary that fails under the lie names the same
#    "MODULE.PARAM=VALUE": no other param is blamed.
# A case is checked only where the same subtest passes (not skips) with the
# honest value, i.e. where the behaviour is observable here; otherwise it is
# reported as not applicable, with the subtest's skip reason. A param this
# host does not have (kvm_amd.* on a PVM host) is faked: first with the
# value the behaviour implies (off), which must pass, then the lie (on).
#
set -u

bindir=${1:-$(dirname "$0")/..}

# find_bin AREA NAME: DIR/NAME (build tree) or DIR/AREA/NAME (installed).
find_bin() {
	for b in "$bindir/$2" "$bindir/$1/$2"; do
		if [ -f "$b" ] && [ -x "$b" ]; then
			echo "$b"
			return 0
		fi
	done
	echo "error: neither $bindir/$2 nor $bindir/$1/$2 is an executable (run ninja first)" >&2
	return 1
}
tdp=$(find_bin config tdp_reality) && mmio=$(find_bin mmio mmio_caching) &&
	sev=$(find_bin config sev_reality) && msrs=$(find_bin config ignore_msrs_reality) &&
	fep=$(find_bin config force_emulation_prefix_reality) &&
	vmw=$(find_bin config vmware_backdoor_reality) && pmu=$(find_bin config pmu_reality) &&
	nested=$(find_bin config nested_reality) || exit 1
real=${KVMCFG_SYSFS_ROOT:-/sys}
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is not usable here"
	exit 77
fi

fake=$(mktemp -d)
out=$(mktemp)
trap 'rm -rf "$fake" "$out"' EXIT INT TERM
checked=0 failed=0

inv() {
	case $1 in
	Y|y) echo N ;;
	N|n) echo Y ;;
	0) echo 1 ;;
	*) echo 0 ;;
	esac
}

# Fresh fake tree: every readable param of kvm and the vendor modules.
fake_reset() {
	rm -rf "$fake/module"
	for m in "$real"/module/kvm "$real"/module/kvm_*; do
		[ -d "$m/parameters" ] || continue
		mkdir -p "$fake/module/${m##*/}/parameters"
		for p in "$m"/parameters/*; do
			[ -r "$p" ] && cat "$p" > "$fake/module/${m##*/}/parameters/${p##*/}" 2>/dev/null
		done
	done
	return 0
}

# set_param MODULE PARAM VALUE in a fresh fake tree.
set_param() {
	fake_reset
	mkdir -p "$fake/module/$1/parameters"
	echo "$3" > "$fake/module/$1/parameters/$2"
}

real_param() {
	cat "$real/module/$1/parameters/$2" 2>/dev/null
}

# check BINARY SUBTEST MODULE PARAM: with the honest value (the real one,
# or N faked where the host has none) SUBTEST must pass; with the inverted
# value it must fail naming MODULE.PARAM=VALUE, and so must every other
# subtest that fails.
check() {
	bin=$1 subtest=$2 module=$3 param=$4
	v=$(real_param "$module" "$param")
	how=real
	if [ -z "$v" ]; then
		v=N
		how="faked (not on this host)"
	fi
	set_param "$module" "$param" "$v"
	KVMCFG_SYSFS_ROOT=$fake "$bin" > "$out" 2>&1
	if ! grep -q "^ok [0-9]* $subtest\$" "$out"; then
		why=$(grep "^ok [0-9]* .*# SKIP" "$out" | grep -F "$subtest" | sed -n 1p)
		[ -n "$why" ] || why=$(grep "SKIP" "$out" | sed -n 1p)
		echo "n/a: $module.$param=$v ($how): $subtest does not pass with it${why:+ ($why)}"
		return 0
	fi
	lie_value=$(inv "$v")
	set_param "$module" "$param" "$lie_value"
	checked=$((checked + 1))
	KVMCFG_SYSFS_ROOT=$fake "$bin" > "$out" 2>&1
	said="$module\.$param=$lie_value, but "
	if ! grep -q "^not ok [0-9]* $subtest\$" "$out" || ! grep -q ":${subtest##*.}:.*$said" "$out"; then
		echo "FAIL: $module.$param=$lie_value (a lie here) did not fail $subtest with \"$said\":"
		cat "$out"
		failed=$((failed + 1))
		return 0
	fi
	blamed=ok
	for t in $(sed -n 's/^not ok [0-9]* \([^ ]*\)$/\1/p' "$out"); do
		if ! grep -q ":${t##*.}:.*$module\.$param=$lie_value" "$out"; then
			echo "FAIL: under the lie $module.$param=$lie_value, $t failed without naming it:"
			cat "$out"
			failed=$((failed + 1))
			blamed=no
			break
		fi
	done
	[ $blamed = ok ] || return 0
	echo "ok: $module.$param=$lie_value (a lie here) fails $subtest:"
	grep ":${subtest##*.}:.*$said" "$out" | sed -n 1p
}

# Observed MMU and paging, and MMIO SPTE creation.
check "$tdp" global.tdp_mmu_param kvm tdp_mmu
check "$tdp" global.vendor_tdp_param kvm_intel ept
check "$tdp" global.vendor_tdp_param kvm_amd npt
check "$mmio" caching.one_page_read.stats_match_param kvm mmio_caching
# SEV VM types accepted, or refused because SEV is off.
check "$sev" sev_init.sev.legacy_init_matches_param kvm_amd sev
check "$sev" sev_init.sev_es.legacy_init_matches_param kvm_amd sev_es
check "$sev" global.probe_sev_snp_param kvm_amd sev_snp
# #GP, #UD and the backdoor port; CPUID offered to guests.
check "$msrs" global.ignore_msrs_param kvm ignore_msrs
check "$fep" global.force_emulation_prefix_param kvm force_emulation_prefix
check "$vmw" global.enable_vmware_backdoor_param kvm enable_vmware_backdoor
check "$pmu" global.enable_pmu_param kvm enable_pmu
check "$nested" global.vendor_nested_param kvm_intel nested
check "$nested" global.vendor_nested_param kvm_amd nested

echo "# $checked lies told, $failed went unnoticed"
[ "$failed" -eq 0 ] || exit 1
[ "$checked" -gt 0 ] || exit 77
exit 0
