#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Fetch (once) Debian's current 6.1 amd64 kernel, the one linux-image-amd64
# depends on, and lay out what a QEMU box needs from it. Prints the
# directory, which holds:
#
#   vmlinuz                         the kernel
#   version                         its uname -r
#   lib/modules/VERSION/...         kvm, kvm-amd, kvm-intel and their
#                                   dependencies, with modules.dep (depmod)
#
#   scripts/debian-kernel.sh [CACHE_DIR]
#
# The package is fetched with apt-get download and unpacked with dpkg-deb -x,
# never installed (installing runs initramfs and bootloader hooks on the host).
# Cached under CACHE_DIR (default as scripts/systemd-guest-rootfs.sh) by the
# package name and version.
set -eu

if [ -n "${1:-}" ]; then
	cache=$1
elif [ -n "${KVMCFG_CACHE_DIR:-}" ]; then
	cache=$KVMCFG_CACHE_DIR
elif [ "$(id -u)" = 0 ]; then
	cache=/var/cache/kvmcfg
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/kvmcfg
fi

# The metapackage names the current ABI: linux-image-6.1.0-N-amd64. A fresh
# machine may have empty package lists: refresh them once (as root).
abi() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.[0-9]+-[0-9]+-amd64$/ { print $2; exit }'
}
pkg=$(abi)
if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
	apt-get update -q >/dev/null 2>&1
	pkg=$(abi)
fi
if [ -z "$pkg" ]; then
	echo "debian-kernel.sh: apt knows no linux-image-6.1*-amd64 (run apt-get update)" >&2
	exit 1
fi
ver=$(apt-cache policy "$pkg" | awk '$1 == "Candidate:" { print $2 }')
dir="$cache/kernel-$pkg-$ver"
if [ -s "$dir/vmlinuz" ] && [ -s "$dir/version" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "$pkg=$ver" >/dev/null 2>"$work/download.err") || {
	cat "$work/download.err" >&2
	echo "debian-kernel.sh: apt-get download $pkg=$ver failed" >&2
	exit 1
}
dpkg-deb -x "$work"/"$pkg"_*.deb "$work/x"
kver=$(ls "$work/x/lib/modules")
src="$work/x/lib/modules/$kver"
out="$work/out"
mkdir -p "$out/lib/modules/$kver"
cp "$work/x/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kver" >"$out/version"
cp "$src/modules.builtin" "$src/modules.builtin.modinfo" "$src/modules.order" \
	"$out/lib/modules/$kver/"

# Copy each wanted module and, recursively, what it depends on.
want="kvm kvm-amd kvm-intel"
seen=" "
while [ -n "$want" ]; do
	set -- $want
	m=$1
	shift
	want="$*"
	case "$seen" in *" $m "*) continue ;; esac
	seen="$seen$m "
	rel=$(cd "$src" && find kernel -name "$m.ko" -o -name "$(echo "$m" | tr _ -).ko" | head -n 1)
	[ -n "$rel" ] || { echo "debian-kernel.sh: module $m not in $pkg" >&2; exit 1; }
	mkdir -p "$out/lib/modules/$kver/$(dirname "$rel")"
	cp "$src/$rel" "$out/lib/modules/$kver/$rel"
	deps=$(/sbin/modinfo -F depends "$src/$rel" | tr , ' ')
	want="$want $deps"
done
/sbin/depmod -b "$out" "$kver"

rm -rf "$dir"
mv "$out" "$dir"
echo "$dir"
