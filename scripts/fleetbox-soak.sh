#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Soak kvmcfgd in the fleet box: boot the box, reload kvm/kvm_amd N times
# with random params (some in policy, some not) while kvmcfgd runs, then
# compare the scenario's log of what it loaded with kvmcfgd's alerts.
# See docs/reliability.md ("Soak in the fleet box").
#
#   scripts/fleetbox-soak.sh [--reloads N] [--seed S] [--builddir DIR] [--kernel K]
#                            [--rss-bound KIB] [--heap-bound KIB] [--summary FILE]
#
#   --reloads N     reloads (default 300); ~1.3 s each under TCG
#   --seed S        the plan's random seed (default: from the clock, printed)
#   --builddir DIR  a configured, built meson tree (default: build)
#   --kernel K      a Debian suite (bookworm, trixie, unstable), or 'own' for
#                   $KVMCFG_BOX_KERNEL/$KVMCFG_BOX_MODULES (skips without
#                   them); default: what scripts/fleetbox-build.sh picks
#   --rss-bound K   allowed VmRSS growth in KiB (default 256)
#   --heap-bound K  allowed growth of kvmcfgd's malloc heap in KiB (default 64)
#   --summary FILE  also write the figures there
#   --workdir DIR   plan, box and serial log (default BUILDDIR/fleetbox/soak)
#   --skip REASON   say why and exit 77 (meson's skip; sanitizer builds)
#
# Exit 0: no missed alert or resolve, fds flat, RSS and heap within bounds;
# 1: the comparison failed; 2: the box or the run broke; 77: skipped
# (--skip, or qemu-system-x86_64 not installed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
reloads=300
seed=$(date +%s)
builddir=$src/build
rss_bound=256
heap_bound=64
summary=""
workdir=""
kernel=""
while [ $# -gt 0 ]; do
	case "$1" in
	--reloads) reloads=$2; shift ;;
	--seed) seed=$2; shift ;;
	--builddir) builddir=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--rss-bound) rss_bound=$2; shift ;;
	--heap-bound) heap_bound=$2; shift ;;
	--summary) summary=$2; shift ;;
	--workdir) workdir=$2; shift ;;
	--skip) echo "fleetbox-soak: SKIP $2"; exit 77 ;;
	-h | --help) sed -n '3,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
	*) echo "fleetbox-soak: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$reloads" in '' | *[!0-9]*) echo "fleetbox-soak: --reloads wants a number" >&2; exit 2 ;; esac
# One kernel, named by --kernel, for scripts/fleetbox-build.sh.
case "$kernel" in
"") ;;
own)
	[ -n "${KVMCFG_BOX_KERNEL:-}" ] ||
		{ echo "fleetbox-soak: SKIP no kernel of your own: set KVMCFG_BOX_KERNEL and KVMCFG_BOX_MODULES (docs/fleetbox.md)"; exit 77; }
	unset KVMCFG_BOX_SUITE
	;;
*)
	export KVMCFG_BOX_SUITE=$kernel
	unset KVMCFG_BOX_KERNEL KVMCFG_BOX_MODULES
	;;
esac
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "fleetbox-soak: SKIP qemu-system-x86_64 not installed (scripts/deps.sh box)"; exit 77; }
daemon=$builddir/kvmcfgd/src/kvmcfgd
[ -x "$daemon" ] || { echo "fleetbox-soak: no $daemon (meson setup $builddir && ninja -C $builddir)" >&2; exit 2; }

work=${workdir:-$builddir/fleetbox/soak}
mkdir -p "$work"
python3 "$src/tests/fleetbox/soak-check.py" plan --reloads "$reloads" --seed "$seed" >"$work/plan.txt"
echo "fleetbox-soak: $reloads reloads, seed $seed, logs in $work"
"$here/fleetbox-build.sh" --out "$work/box" \
	--bin /usr/bin/kvmcfgd="$daemon" \
	--file /fleetbox/scenarios/lib.sh="$src/tests/fleetbox/scenarios/lib.sh" \
	--file /fleetbox/scenarios/soak.sh="$src/tests/fleetbox/scenarios/soak.sh" \
	--file /fleetbox/soak-plan.txt="$work/plan.txt" || exit 2

# Boot, the run, and 4 s per reload of slack on a loaded host.
limit=$((120 + reloads * 4))
t0=$(date +%s)
rc=0
timeout "$limit" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 1 -nographic -no-reboot \
	-kernel "$work/box/vmlinuz" -initrd "$work/box/initrd.img" \
	-append "console=ttyS0 panic=-1 quiet kvmcfg.scenario=soak" \
	</dev/null >"$work/serial.log" 2>&1 || rc=$?
t1=$(date +%s)
echo "fleetbox-soak: box ran $((t1 - t0)) s (qemu exit $rc)"
if [ $rc -ne 0 ]; then
	echo "fleetbox-soak: qemu failed or timed out after $limit s; serial log $work/serial.log" >&2
	exit 2
fi
set -- check "$work/serial.log" --rss-bound "$rss_bound" --heap-bound "$heap_bound"
[ -z "$summary" ] || set -- "$@" --summary "$summary"
python3 "$src/tests/fleetbox/soak-check.py" "$@"
