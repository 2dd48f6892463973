# SPDX-License-Identifier: GPL-2.0-only
# Sourced by guest-checks.sh: the checks of kvmcfgd and kvmcfg-gate (a)-(e).
if ! command -v kvmcfgctl >/dev/null; then
	skip gate-blocks "kvmcfgctl is not in this build"
	skip gate-allows "kvmcfgctl is not in this build"
fi
if ! command -v kvmcfgd >/dev/null; then
	for c in daemon-ready mismatch-journal mismatch-textfile resolved-journal reload-broken-policy security; do
		skip $c "kvmcfgd is not in this build"
	done
fi
