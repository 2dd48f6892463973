#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Regenerate the committed matrix results from the fleet box:
# docs/results/fleetbox-matrix/{matrix.md,matrix.json,config-N.{json,xml,tap}}.
#
#   scripts/fleetbox-results.sh [--builddir DIR]      (default build)
#
# Builds, boots the box once with the matrix scenario (about a minute here)
# and writes the runner's outputs. Fails if the fleetbox-matrix test fails.
set -eu
cd "$(dirname "$0")/.."
builddir=build
[ "${1:-}" = --builddir ] && builddir=$2
[ -f "$builddir/build.ninja" ] || meson setup "$builddir" >/dev/null
meson compile -C "$builddir" >/dev/null
out=docs/results/fleetbox-matrix
rm -rf "$out"
KVMCFG_FLEETBOX_RESULTS=$(pwd)/$out meson test -C "$builddir" --suite fleetbox fleetbox-matrix
{
	echo "# Config matrix from the fleet box"
	echo
	echo "Kernel: Debian $(cat "$builddir/fleetbox/box/kernel-release") under QEMU/TCG \`-cpu max\` (AMD, svm+npt, no SEV)."
	echo "Regenerate with \`scripts/fleetbox-results.sh\`; see docs/fleetbox.md and docs/matrix.md."
	echo
	cat "$out/matrix.md"
} >"$out/README.md"
echo "fleetbox-results: wrote $out"
