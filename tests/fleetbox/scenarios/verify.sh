# SPDX-License-Identifier: GPL-2.0-only
# The reality probes against real module reloads: a second, smaller matrix
# of configs over the params the probes judge (tdp_mmu x npt for the MMU,
# and the runtime-visible ones together), since every config costs seconds
# of boot time under TCG. Under each: the params as loaded, what every
# probe saw (kvmcfgctl probe), and check --verify with its exit code and
# wall time. Then kvmcfgd with Verify=yes under the 6.1 lie and an honest
# config. The host (fleetbox.py) judges it all.
. /fleetbox/scenarios/lib.sh
policy=/tmp/verify.conf
cat >"$policy" <<'POLICY'
[kvm]
Required = yes
tdp_mmu = any
mmio_caching = any
ignore_msrs = any
force_emulation_prefix = any
enable_vmware_backdoor = any
enable_pmu = any
[kvm_amd]
Required = no
npt = any
nested = any
sev = any
sev_es = any
POLICY

# Hundredths of a second since boot.
now_cs() { sed 's/^\([0-9]*\)\.\([0-9]*\) .*/\1\2/' /proc/uptime; }

# config NAME "KVM ARGS" "KVM_AMD ARGS"
config() {
	rmmod kvm_amd kvm 2>/dev/null
	modprobe kvm $2 && modprobe kvm_amd $3
	section "params $1"; echo "kvm-args=$2"; echo "amd-args=$3"; dump_params; end_section
	section "probe $1"; kvmcfgctl probe --json; end_section
	section "verify $1"
	t0=$(now_cs)
	kvmcfgctl check --verify --json --policy "$policy" >/tmp/verify.json
	echo "exit=$?"
	echo "centiseconds=$(($(now_cs) - t0))"
	cat /tmp/verify.json
	end_section
}

# kvmcfgd NAME: run the daemon until its first verify check (or 60 s) and print its log.
daemon() {
	kvmcfgd --verify=yes --policy "$policy" --policy-dropins=none --interval=1h \
		--log-target=stderr --log-level=debug 2>/tmp/kvmcfgd.log &
	pid=$!
	i=0
	while ! grep -q '^Check (verify)' /tmp/kvmcfgd.log && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill $pid
	wait $pid
	section "kvmcfgd $1"; cat /tmp/kvmcfgd.log; end_section
}

section kernel; uname -r; end_section
config default "" ""
config lie61 "tdp_mmu=1" "npt=0"
daemon lie61
config shadow "tdp_mmu=0 mmio_caching=0" "npt=0"
config runtime-on "ignore_msrs=1 force_emulation_prefix=1 enable_vmware_backdoor=1 enable_pmu=0 mmio_caching=1" "nested=0"
config runtime-off "ignore_msrs=0 force_emulation_prefix=0 enable_vmware_backdoor=0 enable_pmu=1" "nested=1"
daemon runtime-off
