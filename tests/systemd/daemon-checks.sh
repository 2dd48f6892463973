# SPDX-License-Identifier: GPL-2.0-only
# Sourced by guest-checks.sh (which defines emit/diag/pass/fail/skip,
# reload_kvm, param, now_us): the checks of kvmcfgd and kvmcfg-gate under the
# real systemd, (a)-(e) of the issue. Values the daemon defines (message IDs,
# textfile path) come from /usr/lib/kvmcfg-e2e/expect.env, written by the
# host from the daemon's own sources, so a daemon that changes them without
# the test noticing fails here.

# shellcheck source=/dev/null
[ -f /usr/lib/kvmcfg-e2e/expect.env ] && . /usr/lib/kvmcfg-e2e/expect.env

policy=/etc/kvmcfgd/policy.conf
# A policy this guest meets at boot (6.1 with NPT: tdp_mmu=Y).
good_policy='[kvm]
Required=yes
tdp_mmu = Y
'

# journal_wait ID SINCE_US MODULE PARAM TIMEOUT_S: print the first journal
# entry (export format) with MESSAGE_ID=ID, MODULE and PARAM since SINCE_US,
# waiting up to TIMEOUT_S. Returns 1 when none came.
journal_wait() {
	jw_deadline=$(($(date +%s) + $5))
	while :; do
		jw_out=$(journalctl -q -o export --output-fields=MESSAGE,MODULE,PARAM,EXPECTED,ACTUAL,SEVERITY --since "@$(($2 / 1000000)).$(printf %06d $(($2 % 1000000)))" \
			"MESSAGE_ID=$1" "MODULE=$3" "PARAM=$4" 2>/dev/null | sed '/^$/q')
		if [ -n "$jw_out" ]; then
			printf '%s\n' "$jw_out"
			return 0
		fi
		[ "$(date +%s)" -ge "$jw_deadline" ] && return 1
		sleep 0.1
	done
}
field() { printf '%s\n' "$1" | sed -n "s/^$2=//p" | head -n 1; }

have_ctl=yes
command -v kvmcfgctl >/dev/null || have_ctl=
have_daemon=yes
[ -n "$(systemctl show -P FragmentPath kvmcfgd.service)" ] || have_daemon=

mkdir -p /etc/kvmcfgd
printf '%s' "$good_policy" >"$policy"

# The textfile the daemon writes: --textfile in the unit's ExecStart, else
# Textfile= in kvmcfgd.conf, else one set here. node_exporter's package
# would create the directory.
textfile_path() {
	systemctl show -P ExecStart kvmcfgd.service |
		sed -n 's/.*--textfile[= ]\([^ ;]*\).*/\1/p' | head -n 1
	sed -n 's/^[ \t]*Textfile[ \t]*=[ \t]*\([^ \t]*\).*/\1/p' /etc/kvmcfgd/kvmcfgd.conf 2>/dev/null
}
mkdir -p /var/lib/prometheus/node-exporter
if [ -n "$have_daemon" ] && [ -z "$(textfile_path)" ]; then
	printf '[Daemon]\nTextfile=/var/lib/prometheus/node-exporter/kvmcfg.prom\n' >>/etc/kvmcfgd/kvmcfgd.conf
fi
mismatch_metric=kvmcfg_mismatch

# ---- (a) enable --now reaches active (running): with Type=notify that is READY=1 ----
if [ -z "$have_daemon" ]; then
	for c in daemon-ready mismatch-journal mismatch-textfile resolved-journal reload-broken-policy \
		contradiction-journal security; do
		skip "$c" "kvmcfgd.service is not in this build"
	done
else
	type=$(systemctl show -P Type kvmcfgd.service)
	if ! out=$(systemctl enable --now kvmcfgd.service 2>&1); then
		diag "$out" "$(journalctl -q -u kvmcfgd -n 20 --no-pager)"
		fail daemon-ready "systemctl enable --now kvmcfgd failed"
	else
		st="$(systemctl show -P ActiveState kvmcfgd) $(systemctl show -P SubState kvmcfgd)"
		case "$type" in notify | notify-reload) ;; *) type="$type (not notify: READY=1 unproven)" ;; esac
		if [ "$st" = "active running" ] && case "$type" in notify*) true ;; *) false ;; esac; then
			pass daemon-ready "Type=$type, $st, status '$(systemctl show -P StatusText kvmcfgd)'"
		else
			diag "$(journalctl -q -u kvmcfgd -n 20 --no-pager)"
			fail daemon-ready "Type=$type, state '$st'"
		fi
	fi

	# ---- (b) a violating reload is reported within 1 s, and resolved ----
	# The clock starts when kvm's load returns: the daemon hears its "add"
	# uevent then, while the vendor module still loads.
	v=$(vendor)
	t_reloads=$(now_us)
	rmmod "$v" kvm
	t_before=$(now_us)
	modprobe kvm tdp_mmu=0
	t_load=$(now_us)
	modprobe "$v"
	diag "kvm loaded with tdp_mmu=0 (tdp_mmu reads $(param kvm tdp_mmu)); modprobe kvm took $(((t_load - t_before) / 1000)) ms"
	if ent=$(journal_wait "$KVMCFG_MSGID_MISMATCH" "$t_before" kvm tdp_mmu 10); then
		ts=$(field "$ent" __REALTIME_TIMESTAMP)
		lat=$((ts - t_load))
		exp=$(field "$ent" EXPECTED)
		act=$(field "$ent" ACTUAL)
		diag "mismatch entry:" "$(printf '%s\n' "$ent" | grep -v '^_' | head -n 30)"
		if [ "$act" = N ] && [ -n "$exp" ] && [ "$lat" -le 1000000 ]; then
			pass mismatch-journal "MODULE=kvm PARAM=tdp_mmu EXPECTED=$exp ACTUAL=$act, logged $(((ts - t_before) / 1000)) ms after modprobe started, $((lat / 1000)) ms from its return"
		else
			fail mismatch-journal "EXPECTED='$exp' ACTUAL='$act', $((lat / 1000)) ms after the load (limit 1000 ms)"
		fi
	else
		diag "$(journalctl -q -u kvmcfgd -n 20 --no-pager)"
		fail mismatch-journal "no entry with MESSAGE_ID=$KVMCFG_MSGID_MISMATCH MODULE=kvm PARAM=tdp_mmu within 10 s"
	fi
	tf=$(textfile_path | head -n 1)
	# The sandbox must let kernel uevents in: the daemon counts them.
	uevents=$(sed -n 's/^kvmcfg_module_uevents_total //p' "$tf" 2>/dev/null)
	if [ "${uevents:-0}" -lt 1 ]; then
		diag "$(head -n 40 "$tf" 2>&1)"
		fail mismatch-textfile "'$tf' counts ${uevents:-no} module uevents: none reached kvmcfgd under its sandbox"
	# The alerting series has the identity labels; the value read is in the _info one.
	elif grep -E "^$mismatch_metric\{module=\"kvm\",param=\"tdp_mmu\",rule=\"policy\",severity=\"[a-z]+\"\} 1\$" "$tf" >/dev/null 2>&1 &&
		grep -E "^${mismatch_metric}_info\{[^}]*module=\"kvm\"[^}]*param=\"tdp_mmu\"[^}]*actual=\"N\"[^}]*\} 1\$" "$tf" >/dev/null 2>&1; then
		pass mismatch-textfile "$uevents module uevents seen; $(grep -E "^${mismatch_metric}_info\{" "$tf" | grep tdp_mmu | head -n 1)"
	else
		diag "$(head -n 30 "$tf" 2>&1)"
		fail mismatch-textfile "'$tf' has no $mismatch_metric{module=kvm,param=tdp_mmu,...} 1 with ${mismatch_metric}_info{...,actual=N} 1"
	fi

	# Putting it back: a "resolved" entry for kvm.tdp_mmu (kvmcfgd may send it
	# at the unload, when the mismatching value goes away), and in the end
	# no mismatch left in the textfile or the daemon's status.
	t_before=$(now_us)
	reload_kvm
	if ent=$(journal_wait "$KVMCFG_MSGID_RESOLVED" "$t_before" kvm tdp_mmu 10); then
		i=0
		while [ $i -lt 50 ] && grep -q "^$mismatch_metric{.*param=\"tdp_mmu\"" "$tf" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		status=$(systemctl show -P StatusText kvmcfgd)
		if grep -q "^$mismatch_metric{.*param=\"tdp_mmu\"" "$tf" 2>/dev/null; then
			diag "$(grep "^$mismatch_metric{" "$tf")" "$(journalctl -q -u kvmcfgd -n 30 --no-pager)"
			fail resolved-journal "resolved entry came, but $tf still lists the tdp_mmu mismatch"
		else
			pass resolved-journal "$(field "$ent" MESSAGE); textfile clear; status '$status'"
		fi
	else
		diag "$(journalctl -q -u kvmcfgd -n 20 --no-pager)"
		fail resolved-journal "no entry with MESSAGE_ID=$KVMCFG_MSGID_RESOLVED MODULE=kvm PARAM=tdp_mmu within 10 s of restoring tdp_mmu=Y"
	fi

	# ---- (c) reload with a broken policy keeps the old one and says why ----
	printf '[kvm]\ntdp_mmu = Y\nthis line is not a key\n' >"$policy"
	t_before=$(now_us)
	systemctl reload kvmcfgd.service
	rl=$?
	sleep 1
	errs=$(journalctl -q -u kvmcfgd --since "@$((t_before / 1000000))" --no-pager -o cat | grep -F "$policy:3" | head -n 3)
	# The old policy still asserts tdp_mmu: a violating reload is reported.
	t_before=$(now_us)
	reload_kvm tdp_mmu=0
	if ent=$(journal_wait "$KVMCFG_MSGID_MISMATCH" "$t_before" kvm tdp_mmu 10); then old=yes; else old=; fi
	st=$(systemctl is-active kvmcfgd)
	reload_kvm
	journal_wait "$KVMCFG_MSGID_RESOLVED" "$t_before" kvm tdp_mmu 10 >/dev/null
	if [ "$st" = active ] && [ -n "$errs" ] && [ -n "$old" ]; then
		pass reload-broken-policy "still active, old policy in force, logged: $(echo "$errs" | head -n 1)"
	else
		diag "$(journalctl -q -u kvmcfgd -n 20 --no-pager)"
		fail reload-broken-policy "reload rc=$rl, state $st, error naming $policy:3 logged: ${errs:-no}, old policy in force: ${old:-no}"
	fi
	printf '%s' "$good_policy" >"$policy"
	systemctl reload kvmcfgd.service

	# ---- Verify=yes under the unit's sandbox: the 6.1 lie is contradicted ----
	# tdp_mmu=1 with the vendor's TDP off: 6.1 keeps tdp_mmu=Y, which the
	# policy wants, while the guests run on shadow paging. Only the probes
	# (small VMs through the /dev/kvm the unit lets in) can tell.
	v=$(vendor)
	case $v in kvm_amd) tdp_off=npt=0 ;; *) tdp_off=ept=0 ;; esac
	rmmod "$v" kvm
	t_before=$(now_us)
	modprobe kvm tdp_mmu=1 && modprobe "$v" "$tdp_off"
	if [ "$(param kvm tdp_mmu)" != Y ]; then
		skip contradiction-journal "this kernel loads tdp_mmu=$(param kvm tdp_mmu) with $tdp_off: no lie to catch (v6.3+)"
	elif ent=$(journal_wait "$KVMCFG_MSGID_CONTRADICTED" "$t_before" kvm tdp_mmu 60); then
		i=0
		while [ $i -lt 50 ] && ! grep -q '^kvmcfg_param_contradicted{module="kvm",param="tdp_mmu"} 1$' "$tf"; do
			sleep 0.1
			i=$((i + 1))
		done
		if grep -q '^kvmcfg_param_contradicted{module="kvm",param="tdp_mmu"} 1$' "$tf"; then
			pass contradiction-journal "$(field "$ent" MESSAGE)"
		else
			diag "$(grep contradicted "$tf" 2>&1)"
			fail contradiction-journal "journal entry came, but $tf has no kvmcfg_param_contradicted for kvm.tdp_mmu"
		fi
	else
		diag "$(journalctl -q -u kvmcfgd -n 30 --no-pager)"
		fail contradiction-journal "no entry with MESSAGE_ID=$KVMCFG_MSGID_CONTRADICTED MODULE=kvm PARAM=tdp_mmu within 60 s of tdp_mmu=1 $tdp_off"
	fi
	t_before=$(now_us)
	reload_kvm
	journal_wait "$KVMCFG_MSGID_RESOLVED" "$t_before" kvm tdp_mmu 60 >/dev/null

	# ---- module reloads alert no 'unverified' while /dev/kvm comes back ----
	# kvm.ko loads before the vendor module that creates /dev/kvm: the
	# probes wait for it instead of reporting every param unverified.
	unv=$(journalctl -q -u kvmcfgd --since "@$((t_reloads / 1000000))" --no-pager -o cat |
		grep 'could not be verified' | grep -c 'cannot open /dev/kvm' || true)
	if [ "$unv" = 0 ]; then
		pass reload-verify-quiet "no param alerted unverified for a missing /dev/kvm across the reloads above"
	else
		diag "$(journalctl -q -u kvmcfgd --since "@$((t_reloads / 1000000))" --no-pager -o cat | grep 'could not be verified' | head -n 5)"
		fail reload-verify-quiet "$unv 'could not be verified' line(s) for a missing /dev/kvm across module reloads"
	fi

	# ---- (e) the installed unit's exposure ----
	exposure=$(systemd-analyze security --no-pager kvmcfgd.service 2>/dev/null |
		sed -n 's/.*Overall exposure level for kvmcfgd.service: \([0-9.]*\).*/\1/p')
	if [ -z "$exposure" ]; then
		fail security "systemd-analyze security printed no exposure level"
	elif awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
		pass security "exposure $exposure <= 2.0"
	else
		diag "$(systemd-analyze security --no-pager kvmcfgd.service 2>&1 | grep -v '^  ✓' | head -n 40)"
		fail security "exposure $exposure > 2.0"
	fi
fi

# ---- the journal catalog explains every MESSAGE_ID the daemon uses ----
if [ -z "${KVMCFG_MSGIDS:-}" ]; then
	fail catalog "the host found no KVMCFG_MESSAGE_* IDs in kvmcfgd/src/alert.h"
else
	journalctl --update-catalog 2>/dev/null
	listed=$(journalctl --list-catalog --no-pager 2>/dev/null)
	missing=""
	for id in $KVMCFG_MSGIDS; do
		echo "$listed" | grep -q "^$id " || missing="$missing $id"
	done
	# And journalctl -x shows it under a real mismatch entry from (b).
	explained=$(journalctl -x -q --no-pager -n 1 "MESSAGE_ID=$KVMCFG_MSGID_MISMATCH" 2>/dev/null |
		grep -c '^░░')
	if [ -n "$missing" ]; then
		fail catalog "no catalog entry for:$missing"
	elif [ -n "$have_daemon" ] && [ "$explained" -lt 1 ]; then
		diag "$(journalctl -x -q --no-pager -n 1 "MESSAGE_ID=$KVMCFG_MSGID_MISMATCH" 2>&1)"
		fail catalog "journalctl -x shows no catalog text under the mismatch entry"
	else
		pass catalog "journalctl --list-catalog has all of $(echo $KVMCFG_MSGIDS | wc -w) kvmcfgd message IDs; -x adds $explained lines to a mismatch entry"
	fi
fi

# ---- (d) the gate holds a VM launcher while the config is wrong ----
if [ -z "$have_ctl" ] || [ -z "$(systemctl show -P FragmentPath kvmcfg-gate.service)" ]; then
	skip gate-blocks "kvmcfgctl or kvmcfg-gate.service is not in this build"
	skip gate-allows "kvmcfgctl or kvmcfg-gate.service is not in this build"
else
	# The shipped [Install] makes libvirtd.service (a stand-in here) require it.
	systemctl enable kvmcfg-gate.service >/dev/null 2>&1
	reload_kvm tdp_mmu=0
	t_before=$(now_us)
	if systemctl start libvirtd.service 2>/dev/null; then
		fail gate-blocks "libvirtd.service started with kvm.tdp_mmu=$(param kvm tdp_mmu) against the policy"
	else
		why=$(journalctl -q -u kvmcfg-gate --since "@$((t_before / 1000000))" --no-pager -o cat | grep -m 1 tdp_mmu)
		lv=$(systemctl is-active libvirtd.service)
		if [ "$lv" != active ] && [ -n "$why" ]; then
			pass gate-blocks "libvirtd.service $lv; gate journal: $why"
		else
			diag "$(journalctl -q -u kvmcfg-gate -n 20 --no-pager)"
			fail gate-blocks "libvirtd.service $lv; gate journal naming tdp_mmu: ${why:-none}"
		fi
	fi
	# Fixed, starting the launcher again runs the failed gate again first.
	reload_kvm
	gate_before=$(systemctl is-active kvmcfg-gate.service)
	if systemctl start libvirtd.service 2>/dev/null && systemctl is-active -q kvmcfg-gate.service; then
		pass gate-allows "gate was $gate_before; libvirtd.service started after kvmcfg-gate passed (tdp_mmu=$(param kvm tdp_mmu))"
	else
		diag "$(journalctl -q -u kvmcfg-gate -n 20 --no-pager)"
		fail gate-allows "libvirtd.service $(systemctl is-active libvirtd.service), gate $(systemctl is-active kvmcfg-gate.service)"
	fi
fi
