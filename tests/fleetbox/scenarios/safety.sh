# SPDX-License-Identifier: GPL-2.0-only
# The runner's refusal and restore paths: a VM holder and a /dev/kvm holder
# must make it refuse without touching anything; SIGTERM in the middle of a
# run must still restore every param. First, on the kernel's default load
# (modprobe without params), the default policy must pass and kvm-selftests
# must record the kernel's params in its report.
. /fleetbox/scenarios/lib.sh
modprobe kvm && modprobe kvm_amd
section default-load
echo "release=$(uname -r)"
kvmcfgctl --policy /fleetbox/default.conf check
echo "kvmcfgctl-exit=$?"
end_section
section default-params; dump_params; end_section
kvm-selftests --dir "$selftests" -j 1 -f guest_smoke_test --json /tmp/selftests.json >/tmp/selftests.out 2>&1
echo "kvm-selftests-exit=$?" >>/tmp/selftests.out
section selftests-out; cat /tmp/selftests.out; end_section
section "file selftests.json"; cat /tmp/selftests.json; end_section
rmmod kvm_amd kvm
boot_state
section params-before; dump_params; end_section

for mode in vm dev; do
	rm -f /tmp/ready
	if [ $mode = vm ]; then kvm-hold-vm /tmp/ready & else kvm-hold-vm --dev-only /tmp/ready & fi
	holder=$!
	wait_file /tmp/ready || echo "holder did not get ready"
	section "refuse-$mode"
	echo "holder-pid=$holder"
	ls /sys/kernel/debug/kvm | grep -- - | sed 's/^/debugfs-vm: /'
	kvm-config-matrix --reload-modules --no-tests 'kvm.tdp_mmu={0,1}' 2>&1
	echo "runner-exit=$?"
	end_section
	kill $holder
	wait $holder 2>/dev/null
done
section params-after-refusals; dump_params; end_section

# A test that takes long enough to be interrupted, in a suite of its own
# as kvm-selftests reads one (flat layout: list, settings.<collection>).
mkdir -p /tmp/slow
printf '#!/bin/sh\necho 1..1\nsleep 60\necho ok 1 slow\n' >/tmp/slow/slow
chmod +x /tmp/slow/slow
echo box:slow >/tmp/slow/kselftest-list.txt
echo timeout=300 >/tmp/slow/settings.box
kvm-config-matrix --reload-modules --tests-dir /tmp/slow 'kvm.mmio_caching={1,0} x kvm_amd.npt={0,1}' \
	>/tmp/term.out 2>&1 &
runner=$!
i=0
while ! grep -q '^\[1/4\]' /tmp/term.out && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
kill -TERM $runner
wait $runner
rc=$?
section sigterm; cat /tmp/term.out; echo "runner-exit=$rc"; end_section
section params-after-sigterm; dump_params; end_section
