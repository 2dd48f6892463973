#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Every test: install what is missing, build, run all meson test suites, and
# end with the plain line "N passed, N failed, N skipped".
#
#   scripts/test-all.sh [--builddir DIR] [--werror] [--sanitize] [--suite NAME]...
#
# Idempotent; a second run with nothing changed only re-runs the tests.
set -eu
cd "$(dirname "$0")/.."

builddir=build
setup_args=""
suites=""
while [ $# -gt 0 ]; do
	case "$1" in
	--builddir) builddir=$2; shift ;;
	--werror) setup_args="$setup_args -Dwerror=true" ;;
	--sanitize) setup_args="$setup_args -Db_sanitize=address,undefined -Db_lundef=false" ;;
	--suite) suites="$suites --suite $2"; shift ;;
	-h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "test-all.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

scripts/deps.sh all

if [ -f "$builddir/build.ninja" ]; then
	# Re-apply options so an existing tree matches what was asked for.
	meson configure "$builddir" $setup_args >/dev/null
else
	meson setup "$builddir" $setup_args >"$builddir.setup.log" 2>&1 || {
		cat "$builddir.setup.log" >&2
		exit 1
	}
	rm -f "$builddir.setup.log"
fi
meson compile -C "$builddir"

# UBSan: abort on the first report so it cannot pass silently.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# The box on a kernel of your own runs only when KVMCFG_BOX_KERNEL names one
# (docs/fleetbox.md); without it those tests would only skip.
if [ -z "$suites" ] && [ -z "${KVMCFG_BOX_KERNEL:-}" ]; then
	suites="--no-suite fleetbox-own"
fi
rc=0
meson test -C "$builddir" --print-errorlogs $suites || rc=$?
scripts/meson-summary.py "$builddir/meson-logs/testlog.json" || rc=1
exit $rc
