#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The reality tests must FAIL when the params lie. Run them against a fake
# sysfs tree (KVMCFG_SYSFS_ROOT) that copies this host's KVM params with one
# value inverted at a time, and check that the subtest which holds that
# param against observed behaviour fails, naming the param and the false
# value. A case is checked only where the same subtest passes (not skips)
# with the real params, i.e. where the real params are honest and the
# behaviour is observable; otherwise it is reported as not applicable.
#
#   lying-params.sh [DIR]
#
# DIR holds the binaries tdp_reality, sev_reality (area config) and
# mmio_caching (area mmio), either flat (the build tree: build/selftests) or
# one directory per area (the installed suite, <area>/<test>). Without DIR,
# the suite this script is installed in: it lives in <suite>/config.
#
# Exit: 0 every applicable case failed as it must, 1 a lie went unnoticed
# (or a tool broke), 77 nothing was applicable (no usable /dev/kvm).
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
	sev=$(find_bin config sev_reality) || exit 1
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
	Y|y|1) echo N ;;
	*) echo Y ;;
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

# passes BINARY SUBTEST: the subtest passes (not skipped) with real params.
passes() {
	"$1" > "$out" 2>&1
	grep -q "^ok [0-9]* $2\$" "$out"
}

# lie BINARY SUBTEST MODULE PARAM VALUE: with MODULE.PARAM=VALUE in the fake
# tree, SUBTEST must fail and say "MODULE.PARAM=VALUE".
lie() {
	bin=$1 subtest=$2 module=$3 param=$4 value=$5
	mkdir -p "$fake/module/$module/parameters"
	echo "$value" > "$fake/module/$module/parameters/$param"
	checked=$((checked + 1))
	KVMCFG_SYSFS_ROOT=$fake "$bin" > "$out" 2>&1
	said=":${subtest##*.}:.*$module\.$param=$value"
	if grep -q "^not ok [0-9]* $subtest\$" "$out" && grep -q "$said" "$out"; then
		echo "ok: $module.$param=$value (a lie here) fails $subtest:"
		grep "$said" "$out" | sed -n 1p
	else
		echo "FAIL: $module.$param=$value (a lie here) did not fail $subtest with that name:"
		cat "$out"
		failed=$((failed + 1))
	fi
}

na() {
	echo "n/a: $*"
}

real_param() {
	cat "$real/module/$1/parameters/$2" 2>/dev/null
}

# invert BINARY SUBTEST MODULE PARAM: where the real MODULE.PARAM exists and
# SUBTEST passes with it, the inverted value must fail SUBTEST.
invert() {
	v=$(real_param "$3" "$4")
	if [ -z "$v" ]; then
		na "$3.$4: no such param here"
	elif passes "$1" "$2"; then
		fake_reset
		lie "$1" "$2" "$3" "$4" "$(inv "$v")"
	else
		na "$3.$4: $2 does not pass with the real params"
	fi
}

# Observed MMU and paging, and MMIO SPTE creation.
invert "$tdp" global.tdp_mmu_param kvm tdp_mmu
invert "$tdp" global.vendor_tdp_param kvm_intel ept
invert "$tdp" global.vendor_tdp_param kvm_amd npt
invert "$mmio" caching.one_page_read.stats_match_param kvm mmio_caching



# kvm_amd.sev against SEV VM creation (a fake kvm_amd where none is loaded).
v=$(real_param kvm_amd sev)
if passes "$sev" sev_init.sev.legacy_init_matches_param; then
	fake_reset
	lie "$sev" sev_init.sev.legacy_init_matches_param kvm_amd sev "$(inv "${v:-N}")"
else
	na "kvm_amd.sev: sev_init.sev.legacy_init_matches_param does not pass with the real params"
fi

echo "# $checked lies told, $failed went unnoticed"
[ "$failed" -eq 0 ] || exit 1
[ "$checked" -gt 0 ] || exit 77
exit 0
