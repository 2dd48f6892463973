#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Build (once) a Debian bookworm rootfs with systemd as PID 1 for the QEMU
# box, packed as an uncompressed newc cpio, and print its path.
#
#   scripts/systemd-guest-rootfs.sh [CACHE_DIR]
#
# The archive is cached under CACHE_DIR (default $KVMCFG_CACHE_DIR, else
# /var/cache/kvmcfg as root, else ~/.cache/kvmcfg) in a directory named by a
# hash of every input: this script, the suite, the package list and the apt
# mirror. Change any of them and a new rootfs is built; the old one is kept
# until removed by hand. The mirror comes from this machine's apt
# configuration (scripts/apt-mirror.sh), never from a built-in host.
#
# Needs root (debootstrap), debootstrap and cpio. Takes about a minute on an
# idle 2-core machine; a cache hit takes no time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

suite=bookworm
# What the end-to-end suite needs in the guest: systemd as init, the
# journal, udev (module autoload, dev-ttyS*.device), kmod/procps for the
# checks, and the shared libraries kvmcfgd/kvmcfgctl link against.
packages="systemd,systemd-sysv,dbus,kmod,procps,udev,libkmod2,libsystemd0"

cache=${1:-$("$here/cache-dir.sh")}

mirror=$("$here/apt-mirror.sh" "$suite")
key=$( (cat "$0"; echo "$suite $packages $mirror") | sha256sum | cut -c1-16)
dir="$cache/systemd-guest-$key"
out="$dir/rootfs.cpio"
if [ -s "$out" ]; then
	# Its mtime says when it was last used (scripts/cache-prune.sh).
	touch "$dir" 2>/dev/null || true
	echo "$out"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "systemd-guest-rootfs.sh: debootstrap needs root" >&2
	exit 1
fi
for t in debootstrap cpio; do
	command -v "$t" >/dev/null || {
		echo "systemd-guest-rootfs.sh: $t not installed (scripts/deps.sh)" >&2
		exit 1
	}
done

mkdir -p "$dir"
work=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"

echo "systemd-guest-rootfs.sh: debootstrap $suite from $mirror into $dir" >&2
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
	>"$work/debootstrap.log" 2>&1; then
	tail -n 30 "$work/debootstrap.log" >&2
	[ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
	echo "systemd-guest-rootfs.sh: debootstrap failed" >&2
	exit 1
fi

# Serial getty on ttyS0 hangs up the console a test service writes to, and
# nobody logs in: mask the gettys. The guest boots from an initramfs, so
# nothing is mounted from fstab and nothing is fsck'd.
mask() { ln -sf /dev/null "$root/etc/systemd/system/$1"; }
mask serial-getty@ttyS0.service
mask getty@tty1.service
mask systemd-firstboot.service
: >"$root/etc/fstab"
echo kvmcfg-guest >"$root/etc/hostname"
# An empty machine-id: systemd makes a transient one at each boot.
: >"$root/etc/machine-id"
ln -sf /lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
# The package cache and lists are 100 MB nobody in the guest needs.
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* \
	"$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale"

(cd "$root" && find . -xdev | LC_ALL=C sort | cpio -o -H newc --quiet) >"$work/rootfs.cpio"
mv "$work/rootfs.cpio" "$out"
echo "$out"
