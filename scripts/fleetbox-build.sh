#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Build the fleet host in a box: a Debian kernel with KVM as modules,
# and an initramfs with busybox, kvm/kvm-amd/kvm-intel/irqbypass/ccp, and
# our binaries with their shared libraries. See docs/fleetbox.md.
#
#   scripts/fleetbox-build.sh --out DIR [--bin DEST=FILE]... [--file DEST=FILE]...
#                             [--suite SUITE | --kernel VMLINUZ --modules DIR] [--cache DIR]
#
#   --out DIR         writes DIR/vmlinuz, DIR/initrd.img, DIR/kernel-release
#   --bin DEST=FILE   an ELF program, installed at DEST with what ldd lists
#   --file DEST=FILE  any other file (scripts), installed at DEST
#   --suite SUITE     the kernel of Debian suite SUITE (bookworm: 6.1,
#                     trixie: 6.12, unstable: the newest), from
#                     scripts/debian-kernel.sh --suite (default
#                     $KVMCFG_BOX_SUITE, else the linux-image-amd64 of this
#                     machine's apt configuration)
#   --kernel, --modules   your own kernel: a bzImage and the directory that
#                     holds lib/modules/<release> or usr/lib/modules/<release>
#                     (default: $KVMCFG_BOX_KERNEL and $KVMCFG_BOX_MODULES)
#   --cache DIR       the base initramfs cache: default $KVMCFG_BOX_CACHE or
#                     ~/.cache/kvmcfg/fleetbox
#
# Debian's kernel, and busybox-static when it is not installed, come from
# scripts/debian-kernel.sh and its cache ($KVMCFG_CACHE_DIR, else
# /var/cache/kvmcfg as root, else ~/.cache/kvmcfg), shared with the systemd
# guest. The base initramfs (busybox + modules) is cached keyed on its
# inputs; only the small overlay with our binaries is rebuilt, and not even
# that when nothing changed. Needs: apt-get, dpkg-deb, depmod, cpio, gzip,
# busybox-static (scripts/deps.sh box).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")

out=""
kernel=${KVMCFG_BOX_KERNEL:-}
moddir=${KVMCFG_BOX_MODULES:-}
suite=${KVMCFG_BOX_SUITE:-}
cache=${KVMCFG_BOX_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/kvmcfg/fleetbox}
items=""
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift ;;
	--bin) items="$items bin:$2"; shift ;;
	--file) items="$items file:$2"; shift ;;
	--kernel) kernel=$2; shift ;;
	--modules) moddir=$2; shift ;;
	--suite) suite=$2; shift ;;
	--cache) cache=$2; shift ;;
	-h | --help) sed -n '3,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
	*) echo "fleetbox-build: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$out" ] || { echo "fleetbox-build: --out DIR is required" >&2; exit 2; }
for tool in depmod cpio gzip sha256sum; do
	command -v $tool >/dev/null || { echo "fleetbox-build: $tool not found (scripts/deps.sh box)" >&2; exit 1; }
done
mkdir -p "$cache" "$out"
say() { echo "fleetbox-build: $*" >&2; }

# busybox-static's binary (the initramfs has no libc for a dynamic one):
# the installed one, else the package unpacked by the fetcher, because
# installing busybox-static would replace a dynamic busybox on this host.
busybox=/bin/busybox
if [ "$(dpkg-query -W -f '${db:Status-Status}' busybox-static 2>/dev/null)" != installed ]; then
	bbdir=$("$here/debian-kernel.sh" --package busybox-static) ||
		{ echo "fleetbox-build: fetching busybox-static failed (scripts/debian-kernel.sh)" >&2; exit 1; }
	busybox=$bbdir/bin/busybox
fi

# ---- the kernel ----
if [ -n "$kernel" ]; then
	[ -n "$moddir" ] || { echo "fleetbox-build: --kernel needs --modules DIR" >&2; exit 2; }
	[ -z "$suite" ] || { echo "fleetbox-build: --kernel and --suite $suite both name a kernel" >&2; exit 2; }
	# make modules_install puts them under lib/modules, or usr/lib/modules.
	kroot=$moddir
	[ -d "$kroot/lib/modules" ] || kroot=$moddir/usr
	release=$(ls "$kroot/lib/modules" 2>/dev/null | head -n1)
	[ -n "$release" ] || { echo "fleetbox-build: no lib/modules/<release> under $moddir" >&2; exit 1; }
	kid="custom-$(cat "$kernel" "$kroot/lib/modules/$release/modules.order" 2>/dev/null | sha256sum | cut -c1-16)"
else
	# vmlinuz, version, and lib/modules/<release> with the KVM modules.
	kroot=$("$here/debian-kernel.sh" ${suite:+--suite "$suite"}) ||
		{ echo "fleetbox-build: fetching the kernel of Debian ${suite:-(apt's configuration)} failed (scripts/debian-kernel.sh)" >&2; exit 1; }
	kid=$(basename "$kroot")
	release=$(cat "$kroot/version")
	kernel=$kroot/vmlinuz
fi
[ -f "$kernel" ] || { echo "fleetbox-build: no kernel image at $kernel" >&2; exit 1; }

# ---- the base initramfs: busybox, the KVM modules, depmod ----
bbver=$($busybox 2>&1 | head -n1)
base_key=$( (echo "$kid $release $bbver"; cat "$here/fleetbox-build.sh" "$here/debian-kernel.sh" "$src/tests/fleetbox/init") |
	sha256sum | cut -c1-16)
base=$cache/base-$base_key.cpio.gz
if [ ! -f "$base" ]; then
	say "building the base initramfs ($release)"
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/proc" "$root/sys" \
		"$root/dev" "$root/tmp" "$root/run" "$root/etc" "$root/lib/modules/$release"
	cp "$busybox" "$root/bin/busybox"
	cp "$src/tests/fleetbox/init" "$root/init"
	chmod 755 "$root/init"
	for m in arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko arch/x86/kvm/kvm-intel.ko \
		virt/lib/irqbypass.ko drivers/crypto/ccp/ccp.ko; do
		f=$(ls "$kroot/lib/modules/$release/kernel/$m"* 2>/dev/null | head -n1)
		if [ -z "$f" ]; then
			# A custom kernel may have some of these built in; say which are absent.
			grep -q "/${m##*/}" "$kroot/lib/modules/$release/modules.builtin" 2>/dev/null ||
				say "note: $m is neither a module nor built in"
			continue
		fi
		mkdir -p "$root/lib/modules/$release/kernel/$(dirname "$m")"
		cp "$f" "$root/lib/modules/$release/kernel/$(dirname "$m")/"
	done
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -f "$kroot/lib/modules/$release/$f" ] && cp "$kroot/lib/modules/$release/$f" "$root/lib/modules/$release/"
	done
	depmod -b "$root" "$release"
	# A private temporary name: builds sharing the cache may race here.
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$base.$$"
	mv "$base.$$" "$base"
	rm -rf "$root"
	trap - EXIT
fi

# ---- the overlay: our binaries with their libraries, and scripts ----
# The key covers every input file's content and where it goes.
overlay_key=$(for it in $items; do
	spec=${it#*:}
	echo "$it"
	sha256sum <"${spec#*=}"
done | sha256sum | cut -c1-16)
if [ ! -f "$out/initrd.img" ] || [ "$(cat "$out/overlay-key" 2>/dev/null)" != "$base_key-$overlay_key-$kid" ]; then
	say "packing the overlay"
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	for it in $items; do
		kind=${it%%:*}
		spec=${it#*:}
		dest=${spec%%=*}
		file=${spec#*=}
		mkdir -p "$root$(dirname "$dest")"
		cp "$file" "$root$dest"
		[ "$kind" = bin ] || continue
		# Shared libraries and the dynamic loader, at the paths ldd names.
		for lib in $(ldd "$file" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$out/overlay.cpio.gz"
	rm -rf "$root"
	trap - EXIT
	# The kernel unpacks concatenated archives in order: the overlay lands on the base.
	cat "$base" "$out/overlay.cpio.gz" >"$out/initrd.img.tmp"
	mv "$out/initrd.img.tmp" "$out/initrd.img"
	echo "$base_key-$overlay_key-$kid" >"$out/overlay-key"
fi
ln -sf "$kernel" "$out/vmlinuz"
echo "$release" >"$out/kernel-release"
say "ready: $out/vmlinuz ($release), $out/initrd.img ($(du -k "$out/initrd.img" | cut -f1) KiB)"
