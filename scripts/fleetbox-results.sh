#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Regenerate the committed truth table from the fleet box: for each kernel,
# docs/results/fleetbox-matrix/KERNEL/{matrix.md,matrix.json,kernel.json,
# config-N.{json,tap,xml}}, and docs/results/fleetbox-matrix/README.md,
# one table kernel x config (params as loaded, outcomes, reality verdicts,
# evidence) made by tests/fleetbox/truth-table.py.
#
#   scripts/fleetbox-results.sh [--builddir DIR] [--table-only] [KERNEL...]
#
#   --builddir DIR  the meson build tree (default build)
#   --table-only    no box: remake README.md from the kernels' committed outputs
#   KERNEL          Debian suites (default: bookworm trixie unstable)
#
# Builds, boots the box once per kernel with the matrix scenario (about 80 s
# each here) and writes the runner's outputs. Fails if a fleetbox-matrix
# test fails; the table is then not rewritten.
set -eu
cd "$(dirname "$0")/.."
builddir=build
boot=1
while [ $# -gt 0 ]; do
	case "$1" in
	--builddir) builddir=$2; shift 2 ;;
	--table-only) boot=0; shift ;;
	-*) echo "fleetbox-results: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- bookworm trixie unstable
out=docs/results/fleetbox-matrix
if [ $boot = 1 ]; then
	[ -f "$builddir/build.ninja" ] || meson setup "$builddir" >/dev/null
	meson compile -C "$builddir" >/dev/null
	for k in "$@"; do
		rm -rf "${out:?}/$k"
		KVMCFG_FLEETBOX_RESULTS=$(pwd)/$out/$k meson test -C "$builddir" --no-rebuild "fleetbox-matrix-$k"
	done
fi
{
	echo "# The truth table: kernels x configs in the fleet box"
	echo
	echo "Debian's kernels under QEMU/TCG \`-cpu max\` (AMD, svm+npt, no SEV), each"
	echo "reloaded under every config of \`kvm.tdp_mmu={0,1} x kvm_amd.npt={0,1} x kvm.mmio_caching={0,1}\`."
	echo "Regenerate with \`scripts/fleetbox-results.sh\`; see docs/fleetbox.md and docs/matrix.md."
	echo "Each kernel's own outputs (matrix.json; per config kvm-selftests' JSON report with the params it read, TAP and JUnit) are in its directory."
	echo
	python3 tests/fleetbox/truth-table.py "$out" "$@"
} >"$out/README.md.tmp"
mv "$out/README.md.tmp" "$out/README.md"
echo "fleetbox-results: wrote $out/README.md ($*)"
