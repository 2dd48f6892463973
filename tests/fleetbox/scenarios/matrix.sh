# SPDX-License-Identifier: GPL-2.0-only
# The config matrix for real: tdp_mmu x npt x mmio_caching, every selftest
# in the box under each through kvm-selftests (the safety scenario covers
# the runner's own way of running binaries), then the params as left.
. /fleetbox/scenarios/lib.sh
boot_state
section params-before; dump_params; end_section
section run
kvm-config-matrix --reload-modules --kvm-selftests kvm-selftests --tests-dir "$selftests" -o /tmp/matrix \
	'kvm.tdp_mmu={0,1} x kvm_amd.npt={0,1} x kvm.mmio_caching={0,1} x kvm_intel.ept={0,1}'
echo "runner-exit=$?"
end_section
section params-after; dump_params; end_section
for f in /tmp/matrix/*; do
	section "file ${f##*/}"; cat "$f"; end_section
done
