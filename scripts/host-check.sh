#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The main job on a KVM host: install what is missing, build, run the
# guest-driven selftest suite on this host's /dev/kvm, check the loaded KVM
# module parameters against the default policy, and print a summary.
#
#   scripts/host-check.sh [--builddir DIR]
#
# Exit status: 0 all good, 1 a selftest failed or the host violates the policy.
set -eu
cd "$(dirname "$0")/.."

builddir=build
while [ $# -gt 0 ]; do
	case "$1" in
	--builddir) builddir=$2; shift ;;
	-h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "host-check.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

scripts/deps.sh build
[ -f "$builddir/build.ninja" ] || meson setup "$builddir" >/dev/null
meson compile -C "$builddir" >/dev/null

rc=0
echo "== KVM selftests on $(uname -n) ($(uname -r)) =="
meson test -C "$builddir" --suite selftests --print-errorlogs || rc=1
suite_line=$(scripts/meson-summary.py "$builddir/meson-logs/testlog.json") || rc=1

echo
echo "== KVM parameters against the default policy =="
if [ -x "$builddir/kvmcfgd/ctl/kvmcfgctl" ]; then
	"$builddir/kvmcfgd/ctl/kvmcfgctl" check --policy kvmcfgd/policy/default.conf || rc=1
else
	echo "kvmcfgctl is not built in this tree yet: policy check not run"
fi

echo
echo "== summary =="
echo "selftests: $suite_line"
[ $rc -eq 0 ] && echo "host-check: OK" || echo "host-check: FAILED"
exit $rc
