# SPDX-License-Identifier: GPL-2.0-only
# Fleet-box scenario (tests/fleetbox): kvmcfgd against real module uevents,
# which no test on a host with built-in KVM can produce. Install as
# /fleetbox/scenarios/kvmcfgd.sh with kvmcfgd at /usr/bin/kvmcfgd.
#
# Three reloads: kvm with tdp_mmu=0 (a mismatch), back to defaults (it
# resolves), and a "flash": kvm loaded with mmio_caching=0 and removed at
# once, then loaded right, all within the settle delay. The flash must still
# be reported and resolved. Expected "alerts" section (param alerts), in order:
#   new tdp_mmu N / resolved tdp_mmu N / new mmio_caching N / resolved mmio_caching N
# and "kvmcfgd-exit=0"; then a uevent overflow (ENOBUFS), the "overflow"
# section counting at least 1 and kvmcfg_uevent_overflows_total >= 1 in the
# textfile, with no new alert (nothing changed). Module-level alerts ("kvm" Required=yes, not loaded)
# may come in new/resolved pairs too, when a settle check falls between an
# rmmod and the modprobe that follows (modprobe takes ~0.7 s under TCG): kvm
# really was absent then. No journald here: alerts are kvmcfgd's stderr lines.
. /fleetbox/scenarios/lib.sh
mkdir -p /tmp/prom
cat >/tmp/policy.conf <<EOF
[kvm]
Required=yes
tdp_mmu=Y
mmio_caching=Y @warn

[kvm_amd]
Required=no
npt=Y
EOF
modprobe kvm && modprobe kvm_amd
kvmcfgd --policy=/tmp/policy.conf --policy-dropins=none --textfile=/tmp/prom/kvmcfg.prom \
	--interval=1h --settle-delay=300ms --log-level=debug 2>/tmp/kvmcfgd.log &
pid=$!
wait_file /tmp/prom/kvmcfg.prom || echo "kvmcfgd wrote no textfile"
rmmod kvm_amd kvm; modprobe kvm tdp_mmu=0; modprobe kvm_amd
sleep 1
rmmod kvm_amd kvm; modprobe kvm; modprobe kvm_amd
sleep 1
rmmod kvm_amd kvm; modprobe kvm mmio_caching=0; rmmod kvm; modprobe kvm; modprobe kvm_amd
sleep 1
# Overflow: stopped, kvmcfgd cannot drain while synthetic module uevents
# pile up past its 1 MiB receive queue; on SIGCONT it must see ENOBUFS,
# say so and re-check.
kill -STOP $pid
i=0
while [ $i -lt 4000 ]; do echo add >/sys/module/kvm/uevent; i=$((i + 1)); done
kill -CONT $pid
sleep 2
kill -TERM $pid
wait $pid
echo "kvmcfgd-exit=$?"
section alerts
sed -n 's/.* EVENT=\([a-z]*\) MODULE=[^ ]* PARAM=\([a-z0-9_][a-z0-9_]*\) .* ACTUAL=\([^ ]*\) .*/\1 \2 \3/p' \
	/tmp/kvmcfgd.log
end_section
section overflow; grep -c 'uevent queue overflowed' /tmp/kvmcfgd.log; end_section
section kvmcfgd-log; grep -v '^Check (module load uevent): ok, 0 problem' /tmp/kvmcfgd.log; end_section
section textfile; grep -v '^#' /tmp/prom/kvmcfg.prom; end_section
