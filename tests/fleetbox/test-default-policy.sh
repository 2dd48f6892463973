#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The default policy on each kernel's default load, without a box: every
# kvm and kvm_amd param as the fleet box read it after a plain modprobe on
# Debian's 6.1, 6.12 and newest kernel (tests/fleetbox/default-load/*.params)
# becomes a fake sysfs tree, and kvmcfgctl check with
# kvmcfgd/policy/default.conf must pass on each: params one kernel lacks
# (allow_unsafe_mappings before 6.x) are "absent" alternatives, and
# force_emulation_prefix matches by meaning whether it reads N or 0. The
# same tree with the debug knob on, in that kernel's own type, must fail. TAP.
#
#   test-default-policy.sh SOURCE_DIR KVMCFGCTL
set -u
src=$1
ctl=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
check() { # WHAT COMMAND...
	what=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok $n $what"
	else
		fails=$((fails + 1))
		echo "not ok $n $what"
		sed 's/^/#   /' "$tmp/out" | tail -15
	fi
}
# A sysfs tree at $1 from "module.param=value" lines in $2 (comments skipped).
tree() {
	rm -rf "$1"
	grep -v '^#' "$2" | while IFS= read -r line; do
		mp=${line%%=*}
		mkdir -p "$1/module/${mp%%.*}/parameters"
		printf '%s\n' "${line#*=}" >"$1/module/${mp%%.*}/parameters/${mp#*.}"
	done
}
policy=$src/kvmcfgd/policy/default.conf
for f in "$src"/tests/fleetbox/default-load/*.params; do
	k=$(basename "$f" .params)
	rel=$(sed -n '1s/^# Debian [a-z]* \([^:]*\):.*/\1/p' "$f")
	tree "$tmp/sys" "$f"
	check "$k ($rel): the default policy passes on the default load" \
		"$ctl" --sysfs-root "$tmp/sys" --policy "$policy" check
	# The test knob turned on, in the type this kernel gives it.
	p=$tmp/sys/module/kvm/parameters/force_emulation_prefix
	case "$(cat "$p")" in
	N) echo Y >"$p" ;;
	*) echo 1 >"$p" ;;
	esac
	check "$k ($rel): force_emulation_prefix on ($(cat "$p")) fails the check, naming it" \
		sh -c '! "$0" --sysfs-root "$1" --policy "$2" check >"$3" 2>&1; s=$?; cat "$3"; [ $s = 0 ] && grep -q force_emulation_prefix "$3"' \
		"$ctl" "$tmp/sys" "$policy" "$tmp/neg"
done
# A kernel of the boolean era: the same knob off reads N, and must pass too.
tree "$tmp/sys" "$src/tests/fleetbox/default-load/bookworm.params"
echo N >"$tmp/sys/module/kvm/parameters/force_emulation_prefix"
check "force_emulation_prefix as a boolean (N) passes too" \
	"$ctl" --sysfs-root "$tmp/sys" --policy "$policy" check
echo "1..$n"
[ $fails = 0 ]
