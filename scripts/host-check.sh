#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The main job on a KVM host: install what is missing, build, run the
# guest-driven selftest suite on this host's /dev/kvm, check the loaded KVM
# module parameters against the default policy and, through the reality
# probes, against what KVM does (kvmcfgctl check --verify), and print a summary.
#
#   scripts/host-check.sh [--builddir DIR]
#
# Exit status: 0 all good, 1 a selftest failed (or every one skipped) or the
# host violates the policy, a param contradicts behaviour or cannot be verified.
# Reports: BUILDDIR/meson-logs/kvm-selftests.{xml,json}.
set -eu
cd "$(dirname "$0")/.."

builddir=build
while [ $# -gt 0 ]; do
	case "$1" in
	--builddir) builddir=$2; shift ;;
	-h | --help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "host-check.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

scripts/deps.sh build
[ -f "$builddir/build.ninja" ] || meson setup "$builddir" >/dev/null
meson compile -C "$builddir" >/dev/null

rc=0
echo "== KVM selftests on $(uname -n) ($(uname -r)) =="
# kvm-selftests from the build tree runs the build tree's suite; its reports
# (with the host's KVM params) land next to meson's logs.
logs="$builddir/meson-logs"
mkdir -p "$logs"
{
	src=0
	"$builddir/tools/runner/kvm-selftests" --junit "$logs/kvm-selftests.xml" \
		--json "$logs/kvm-selftests.json" || src=$?
	echo "$src" >"$logs/kvm-selftests.rc"
} | tee "$logs/kvm-selftests.log"
src=$(cat "$logs/kvm-selftests.rc")
suite_line=$(sed -n 's/^kvm-selftests: \([0-9]* tests: .*\)$/\1/p' "$logs/kvm-selftests.log" | tail -n 1)
case "$src" in
0) ;;
4) suite_line="$suite_line (every test skipped: nothing was tested on this host)"; rc=1 ;;
*) rc=1 ;;
esac
[ -n "$suite_line" ] || suite_line="kvm-selftests exited $src without a summary"

echo
echo "== KVM parameters against the default policy, verified by behaviour =="
if [ -x "$builddir/kvmcfgd/ctl/kvmcfgctl" ]; then
	# kvmcfgctl refuses policy files that others own or may write (like
	# sshd's StrictModes). A checkout need not be owned by the user running
	# this: then check a private copy of the repo's default policy.
	policy=kvmcfgd/policy/default.conf
	if [ "$(stat -c %u "$policy")" != "$(id -u)" ] || [ -n "$(find "$policy" -perm /022)" ]; then
		policy=$(mktemp "${TMPDIR:-/tmp}/kvmcfg-default-policy.XXXXXX")
		trap 'rm -f "$policy"' EXIT
		cp kvmcfgd/policy/default.conf "$policy"
		chmod 0644 "$policy"
		echo "(checking a private copy of kvmcfgd/policy/default.conf: the checkout is not ours)"
	fi
	"$builddir/kvmcfgd/ctl/kvmcfgctl" check --verify --policy "$policy" || rc=1
else
	echo "kvmcfgctl is not built in this tree yet: policy check not run"
fi

echo
echo "== summary =="
echo "selftests: $suite_line"
[ $rc -eq 0 ] && echo "host-check: OK" || echo "host-check: FAILED"
exit $rc
