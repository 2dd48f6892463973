#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs INSIDE the systemd QEMU guest (kvmcfg-e2e.service), as root, after
# multi-user.target. Exercises the installed kvmcfg units under the real
# systemd and the real kvm modules, and reports on the results channel
# (argument 1, the guest's second serial port) between markers:
#
#   @@KVMCFG-E2E-BEGIN@@
#   RESULT <check-id> PASS|FAIL|SKIP <one-line reason>
#   # <diagnostic line>
#   @@KVMCFG-E2E-END@@
#
# The host side (run-e2e.sh) turns each expected check into a TAP line: PASS
# is ok, SKIP a skip with its reason (a piece missing from the build), and
# FAIL or no report at all a failure.
set -u
chan=${1:-/dev/ttyS1}
stty -F "$chan" raw -echo 2>/dev/null || true
exec 3>"$chan"

emit() { printf '%s\n' "$*" >&3; }
diag() { printf '%s\n' "$@" | sed 's/^/# /' >&3; }
result() {
	id=$1 st=$2
	shift 2
	emit "RESULT $id $st $*"
	echo "kvmcfg-e2e: $id $st $*"
}
pass() { result "$1" PASS "${2:-}"; }
fail() { result "$1" FAIL "$2"; }
skip() { result "$1" SKIP "$2"; }
# Microseconds since the epoch, the clock journal entries carry.
now_us() { echo $(($(date +%s%N) / 1000)); }

vendor() {
	if grep -qw svm /proc/cpuinfo; then echo kvm_amd; elif grep -qw vmx /proc/cpuinfo; then echo kvm_intel; fi
}

# reload_kvm [KVM_PARAMS...]: unload the vendor module and kvm, then load kvm
# with the given params and the vendor module on top. Modprobe on a loaded
# module does nothing, so a param change always means an rmmod first.
reload_kvm() {
	v=$(vendor)
	rmmod "$v" kvm 2>/dev/null
	modprobe kvm "$@" && modprobe "$v"
}

param() { cat "/sys/module/$1/parameters/$2" 2>/dev/null; }

emit "@@KVMCFG-E2E-BEGIN@@"
diag "kernel $(uname -r), systemd $(systemctl --version | head -n 1)"

# ---- the box itself: systemd as PID 1, kvm loadable with chosen params ----
if [ "$(cat /proc/1/comm)" = systemd ] && systemctl is-active -q multi-user.target; then
	pass boot "systemd is PID 1 and multi-user.target is active"
else
	fail boot "PID 1 is $(cat /proc/1/comm); multi-user.target $(systemctl is-active multi-user.target)"
fi
diag "failed units: $(systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')"

v=$(vendor)
if [ -z "$v" ]; then
	fail kvm-reload "the guest CPU has neither svm nor vmx (QEMU -cpu max expected)"
elif ! reload_kvm tdp_mmu=0; then
	fail kvm-reload "modprobe kvm tdp_mmu=0 failed"
elif [ "$(param kvm tdp_mmu)" != N ]; then
	fail kvm-reload "kvm.tdp_mmu reads '$(param kvm tdp_mmu)' after loading with tdp_mmu=0"
elif ! reload_kvm || [ "$(param kvm tdp_mmu)" != Y ]; then
	fail kvm-reload "kvm.tdp_mmu reads '$(param kvm tdp_mmu)' after reloading with defaults"
else
	pass kvm-reload "$v reloaded with tdp_mmu=0 then default; params follow"
	# What a daemon without CAP_DAC_* can read: the params' modes and owners.
	diag "kvm params not world-readable: $(stat -c '%a:%U:%n' /sys/module/kvm*/parameters/* |
		awk -F: '$1 !~ /[4567]$/ { sub(".*/module/", "", $3); printf "%s(%s,%s) ", $3, $1, $2 }')"
fi

# ---- units: they load, and the timer is scheduled ----
units="kvmcfg-gate.service kvm-selftests.service kvm-selftests.timer kvmcfgd.service"
present=""
for u in $units; do
	[ -n "$(systemctl show -P FragmentPath "$u")" ] && present="$present $u"
done
if [ -z "$present" ]; then
	fail units-verify "none of $units is installed"
elif out=$(cd / && systemd-analyze verify --man=no $present 2>&1) && [ -z "$out" ]; then
	pass units-verify "systemd-analyze verify clean:$present"
else
	diag "$out"
	fail units-verify "systemd-analyze verify complained about:$present"
fi

if [ -z "$(systemctl show -P FragmentPath kvm-selftests.timer)" ]; then
	fail timer "kvm-selftests.timer is not installed"
elif ! systemctl enable --now kvm-selftests.timer >/dev/null 2>&1; then
	fail timer "systemctl enable --now kvm-selftests.timer failed"
else
	next=$(systemctl show -P NextElapseUSecRealtime kvm-selftests.timer)
	if systemctl is-active -q kvm-selftests.timer && [ -n "$next" ]; then
		pass timer "active, next run $next"
	else
		fail timer "state $(systemctl is-active kvm-selftests.timer), next run '$next'"
	fi
fi

# ---- the selftest service: sandboxed, it still reaches /dev/kvm and
# writes its textfile. Only the smoke test: nested KVM under TCG is slow. ----
if [ -z "$(systemctl show -P FragmentPath kvm-selftests.service)" ] || ! command -v kvm-selftests >/dev/null; then
	fail selftests-service "kvm-selftests.service or kvm-selftests is not installed"
else
	tf=/var/lib/prometheus/node-exporter/kvm_selftests.prom
	mkdir -p /var/lib/prometheus/node-exporter /etc/systemd/system/kvm-selftests.service.d
	printf '[Service]\nExecStart=\nExecStart=%s --quick --tap --jobs 1 --filter basic:guest_smoke_test --textfile %s\n' \
		"$(command -v kvm-selftests)" "$tf" >/etc/systemd/system/kvm-selftests.service.d/e2e.conf
	systemctl daemon-reload
	systemctl start kvm-selftests.service
	rc=$?
	passed=$(sed -n 's/^kvm_selftests_subtests{result="pass"} //p' "$tf" 2>/dev/null)
	smoke=$(sed -n 's/^kvm_selftests_test_failed{test="basic:guest_smoke_test"} //p' "$tf" 2>/dev/null)
	oks=$(journalctl -q -u kvm-selftests -o cat --no-pager | grep -c '^ok ')
	if [ "$rc" = 0 ] && [ "${passed:-0}" -ge 1 ] && [ "$smoke" = 0 ] && [ "$oks" -ge 1 ]; then
		pass selftests-service "$passed subtests passed under the unit's sandbox; textfile and $oks TAP ok lines in the journal"
	else
		diag "$(journalctl -q -u kvm-selftests -n 30 --no-pager)" "$(cat "$tf" 2>&1)"
		fail selftests-service "start rc=$rc, textfile pass=${passed:-none} smoke_failed=${smoke:-none}, journal ok lines $oks"
	fi
	rm -rf /etc/systemd/system/kvm-selftests.service.d
	systemctl daemon-reload
fi

. /usr/lib/kvmcfg-e2e/daemon-checks.sh

emit "@@KVMCFG-E2E-END@@"
exec 3>&-
