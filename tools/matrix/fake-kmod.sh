#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A stand-in for modprobe, rmmod and modinfo (by the name it is called with,
# or the first argument) that edits a fake sysfs tree at $FAKE_SYSFS, so
# test-matrix-cli.sh can drive kvm-config-matrix through whole runs on any
# host. It models what the runner relies on: modprobe of a loaded module
# does nothing, rmmod of kvm fails while kvm_amd uses it, bool params read
# back as Y/N. Knobs:
#   FAKE_IGNORE=param      the kernel ignores this param (always default)
#   FAKE_FAIL_CALL=N       the Nth modprobe (counted in $FAKE_SYSFS/.calls) fails
#   FAKE_READBACK=p=a=v    kvm's param p, when loaded as p=a, reads back as v
set -eu
tool=$(basename "$0")
case "$tool" in fake-kmod.sh) tool=$1; shift ;; esac
root=${FAKE_SYSFS:?}/module

defaults() {
	case "$1" in
	kvm) echo "tdp_mmu=Y mmio_caching=Y halt_poll_ns=200000" ;;
	kvm_amd) echo "npt=Y sev=N nested=1" ;;
	*) echo "fake-kmod: module $1 not found" >&2; exit 1 ;;
	esac
}

setparam() { # module name value
	v=$3
	case "$v" in 1 | y | Y | yes | on) v=Y ;; 0 | n | N | no | off) v=N ;; esac
	case "$2" in halt_poll_ns | nested) v=$3 ;; esac
	printf '%s\n' "$v" >"$root/$1/parameters/$2"
}

case "$tool" in
modprobe)
	m=$1; shift
	n=$(($(cat "$FAKE_SYSFS/.calls" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$FAKE_SYSFS/.calls"
	if [ "${FAKE_FAIL_CALL:-0}" = "$n" ]; then
		echo "modprobe: ERROR: could not insert '$m': Operation not permitted" >&2
		exit 1
	fi
	[ -d "$root/$m" ] && exit 0
	[ "$m" = kvm_amd ] && [ ! -d "$root/kvm" ] && "$0" kvm
	mkdir -p "$root/$m/parameters"
	echo live >"$root/$m/initstate"
	for kv in $(defaults "$m"); do setparam "$m" "${kv%%=*}" "${kv#*=}"; done
	for kv in "$@"; do
		p=${kv%%=*}
		[ -f "$root/$m/parameters/$p" ] || { echo "$m: unknown parameter '$p' ignored" >&2; continue; }
		[ "$p" = "${FAKE_IGNORE:-}" ] && continue
		setparam "$m" "$p" "${kv#*=}"
		rb=${FAKE_READBACK:-}
		if [ "$m" = kvm ] && [ -n "$rb" ] && [ "$kv" = "${rb%=*}" ]; then
			printf '%s\n' "${rb##*=}" >"$root/kvm/parameters/$p"
		fi
	done
	;;
rmmod)
	m=$1
	[ -d "$root/$m" ] || { echo "rmmod: ERROR: Module $m is not currently loaded" >&2; exit 1; }
	if [ "$m" = kvm ] && [ -d "$root/kvm_amd" ]; then
		echo "rmmod: ERROR: Module kvm is in use by: kvm_amd" >&2
		exit 1
	fi
	rm -rf "${root:?}/$m"
	;;
modinfo)
	[ "$1" = -F ] && [ "$2" = parm ] || exit 2
	for kv in $(defaults "$3"); do echo "${kv%%=*}:a fake parameter (bool)"; done
	;;
*) echo "fake-kmod: unknown tool $tool" >&2; exit 2 ;;
esac
