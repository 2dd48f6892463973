# SPDX-License-Identifier: GPL-2.0-only
# Fleet-box scenario "soak" (scripts/fleetbox-soak.sh boots it): kvmcfgd runs
# while kvm/kvm_amd are reloaded once per line of /fleetbox/soak-plan.txt,
# with the params the plan names, some in policy and some not. Proves, with
# real module uevents, that no wrong load goes unalerted and no return to
# policy goes unresolved over hundreds of reloads, and that the daemon's fds
# and RSS stay flat (the bug class: a lost transition, a leak per check).
#
# Plan line: "INDEX MODE TDP_MMU MMIO_CACHING NPT" (values 0/1). MODE:
#   straight  rmmod kvm_amd kvm, then modprobe with the values;
#   visible   the same, plus a sync point while both are unloaded;
#   flash     kvm loaded with TDP_MMU/MMIO_CACHING and removed at once (once
#             the daemon has handled its uevent, before the settle check), then
#             kvm and kvm_amd loaded in policy (NPT ignored);
#   slow      like straight, but kvm_amd follows kvm only after a second,
#             past the daemon's settle delay: /dev/kvm is missing while the
#             probes are due, and they must wait for it, not alert.
# After every load the script syncs: SIGUSR1, wait for the daemon's
# "Check (SIGUSR1): ..." line and for nothing to be pending, then append
# "@@SYNC N@@" to the daemon's log
# and write what sysfs reads, the daemon's fd count and VmRSS to its own
# log. The host (tests/fleetbox/soak-check.py) replays the alerts between
# markers and compares. kvmcfgd's stderr is opened O_APPEND and it writes
# each line with one write(), so marker and alert lines never interleave.
. /fleetbox/scenarios/lib.sh
plan=/fleetbox/soak-plan.txt
log=/tmp/soak.log
dlog=/tmp/kvmcfgd.log
mkdir -p /tmp/prom
# Required=no: an unloaded module is no finding, so the unloaded sync points
# see an empty problem set and every alert resolves there.
cat >/tmp/policy.conf <<EOF
[kvm]
Required=no
tdp_mmu=Y
mmio_caching=Y

[kvm_amd]
Required=no
npt=Y
EOF
modprobe kvm && modprobe kvm_amd || { echo "initial modprobe failed"; exit 1; }
: >$dlog
: >$log
kvmcfgd --policy=/tmp/policy.conf --policy-dropins=none --textfile=/tmp/prom/kvmcfg.prom \
	--interval=1h --settle-delay=300ms --log-level=debug 2>>$dlog &
pid=$!
wait_file /tmp/prom/kvmcfg.prom || { echo "kvmcfgd wrote no textfile"; exit 1; }

# A /proc/PID/status figure in KiB (VmRSS = RssAnon + RssFile + RssShmem).
kib() { sed -n "s/^$1:[^0-9]*\([0-9]*\).*/\1/p" /proc/$pid/status; }
# Resident KiB of the malloc heap ([heap] in smaps): the daemon's own data,
# without stack or code pages a rare path faults in.
heap_kib() { awk '/^[0-9a-f]+-/ { h = $NF == "[heap]" } h && /^Rss:/ { s += $2 } END { print s + 0 }' /proc/$pid/smaps; }
pval() { cat /sys/module/$1/parameters/$2 2>/dev/null || echo -; }
nsync=0
# sync_point INDEX LABEL: returns non-zero when kvmcfgd did not answer.
# The marker goes in once the SIGUSR1 check is logged and the daemon has
# nothing more to come ("pending: none" on its last check line): the probe
# run that SIGUSR1 asks for, and one waiting for /dev/kvm, report before it.
sync_point() {
	nsync=$((nsync + 1))
	kill -USR1 $pid 2>/dev/null || { echo "sync $nsync: kvmcfgd is gone" >>$log; return 1; }
	t=0
	while [ "$(grep -c '^Check (SIGUSR1): [^,]*, [0-9]* problem' $dlog)" -lt $nsync ] ||
		! grep '^Check (' $dlog | tail -n 1 | grep -q '; pending: none\.$'; do
		t=$((t + 1))
		[ $t -gt 800 ] && { echo "sync $nsync: kvmcfgd not settled within 40 s" >>$log; return 1; }
		sleep 0.05
	done
	echo "@@SYNC $nsync@@" >>$dlog
	echo "sync $nsync $1 $2 kvm.tdp_mmu=$(pval kvm tdp_mmu) kvm.mmio_caching=$(pval kvm mmio_caching)" \
		"kvm_amd.npt=$(pval kvm_amd npt) fds=$(ls /proc/$pid/fd | wc -l)" \
		"rss=$(kib VmRSS) anon=$(kib RssAnon) file=$(kib RssFile) shmem=$(kib RssShmem)" \
		"heap=$(heap_kib)" >>$log
}

# rmmod, retried for up to 10 s: after each load kvmcfgd's reality probes
# (Verify=yes, the default) create VMs for about a second, and a module in
# use cannot be removed; an operator's reload script waits the same way.
unload() {
	for m in "$@"; do
		i=0
		until rmmod "$m" 2>/dev/null; do
			i=$((i + 1))
			[ $i -lt 100 ] || { rmmod "$m"; return; }
			sleep 0.1
		done
	done
}

t0=$(cut -d' ' -f1 /proc/uptime)
sync_point 0 loaded || exit 1
while read -r idx mode a b c <&3; do
	unload kvm_amd kvm || echo "reload $idx: rmmod failed" >>$log
	case "$mode" in
	visible)
		sync_point $idx unloaded || break
		;;
	flash)
		# Removed as soon as the daemon has handled the load's uevent
		# (its "Check (module load uevent)" line), before its settle
		# check: whether the daemon was scheduled before an immediate
		# rmmod is up to the box's scheduler, not to the daemon.
		nload=$(grep -c '^Check (module load uevent)' $dlog)
		modprobe kvm tdp_mmu=$a mmio_caching=$b
		echo "flash $idx tdp_mmu=$a mmio_caching=$b rc=$?" >>$log
		t=0
		while [ "$(grep -c '^Check (module load uevent)' $dlog)" -le "$nload" ] && [ $t -lt 200 ]; do
			t=$((t + 1))
			sleep 0.05
		done
		unload kvm
		a=1 b=1 c=1
		;;
	esac
	modprobe kvm tdp_mmu=$a mmio_caching=$b &&
		{ [ "$mode" != slow ] || sleep 1; } &&
		modprobe kvm_amd npt=$c
	echo "load $idx $mode tdp_mmu=$a mmio_caching=$b npt=$c rc=$?" >>$log
	sync_point $idx loaded || break
done 3<$plan
t1=$(cut -d' ' -f1 /proc/uptime)
kill -TERM $pid
wait $pid
echo "kvmcfgd-exit=$?"
echo "soak-seconds=$t0 $t1"
section soak-log; cat $log; end_section
# Alerts (EVENT= lines) and markers only: the debug lines stay in the box.
section alerts; grep -e ' EVENT=' -e '^@@SYNC ' $dlog | sed 's/^@@SYNC \(.*\)@@$/SYNC \1/'; end_section
section daemon-other
grep -v -e ' EVENT=' -e '^@@SYNC ' -e '^Check (' -e '^Module kvm[_a-z]* [a-z]* (uevent seqnum' $dlog | head -n 200
echo "lines=$(wc -l <$dlog)"
end_section
