#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scripts/debian-kernel.sh --suite against a fake archive (fake-apt.py as
# apt-get and apt-cache): the layouts of Debian's three suites (6.1's
# lib/modules + boot/vmlinuz, trixie's usr/lib/modules, unstable's split
# linux-binary/linux-modules with vmlinuz in the modules directory and .ko.xz
# modules), the private apt state with the mirror derived from the
# machine's, a cache hit without download, and a suite that cannot be
# fetched failing by name. TAP.
#
#   test-debian-kernel.sh SOURCE_DIR
set -u
src=$(cd "$1" && pwd)
here=$src/tests/fleetbox
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; sed 's/^/#   /' "$tmp/err" 2>/dev/null | tail -20; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

for t in gcc dpkg-deb xz depmod modinfo; do
	PATH=$PATH:/usr/sbin:/sbin command -v $t >/dev/null ||
		{ echo "1..0 # SKIP $t not installed"; exit 0; }
done

# The fake machine: bookworm at a mirror no real host has.
mkdir -p "$tmp/etc/apt/sources.list.d" "$tmp/bin" "$tmp/repo" "$tmp/lists"
echo "deb http://mirror.invalid/debian bookworm main" >"$tmp/etc/apt/sources.list"
echo "deb http://mirror.invalid/debian-security bookworm-security main" >>"$tmp/etc/apt/sources.list"
echo "VERSION_CODENAME=bookworm" >"$tmp/os-release"
cp "$tmp/etc/apt/sources.list" "$tmp/sources.before"
for t in apt-get apt-cache; do ln -s "$here/fake-apt.py" "$tmp/bin/$t"; done
export APT_ETC=$tmp/etc/apt OS_RELEASE=$tmp/os-release FAKE_APT_REPO=$tmp/repo \
	FAKE_APT_LISTS=$tmp/lists FAKE_APT_LOG=$tmp/apt.log PATH=$tmp/bin:$PATH:/usr/sbin:/sbin
# Never the real apt: it would go to the network.
[ "$(command -v apt-get)" = "$tmp/bin/apt-get" ] && apt-cache --version 2>&1 | grep -q "not faked" ||
	{ echo "Bail out! the fake apt is not first in PATH"; exit 1; }
: >"$tmp/apt.log"

# A module: an ELF object whose .modinfo names what it depends on.
module() { # FILE DEPENDS
	printf 'const char modinfo[] __attribute__((section(".modinfo"), used)) = "depends=%s\\0license=GPL";\n' "$2" >"$tmp/m.c"
	mkdir -p "$(dirname "$1")"
	gcc -c -o "$1" "$tmp/m.c"
}
# A package NAME from the tree in DIR.
deb() { # SUITE NAME DIR
	mkdir -p "$3/DEBIAN"
	printf 'Package: %s\nVersion: 9.9-1\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: t\n' "$2" >"$3/DEBIAN/control"
	dpkg-deb -b -Zgzip "$3" "$tmp/repo/$1/$2.deb" >/dev/null
}
# The KVM modules under MODDIR/kernel, compressed with xz when $2 is xz.
kvm_modules() { # MODDIR [xz]
	module "$1/kernel/virt/lib/irqbypass.ko" ""
	module "$1/kernel/drivers/crypto/ccp/ccp.ko" ""
	module "$1/kernel/arch/x86/kvm/kvm.ko" "irqbypass"
	module "$1/kernel/arch/x86/kvm/kvm-amd.ko" "kvm,ccp,irqbypass"
	module "$1/kernel/arch/x86/kvm/kvm-intel.ko" "kvm,irqbypass"
	module "$1/kernel/fs/unrelated.ko" ""
	(cd "$1" && find kernel -name '*.ko' | sort) >"$1/modules.order"
	if [ "${2:-}" = xz ]; then
		find "$1/kernel" -name '*.ko' -exec xz {} \;
		sed -i 's/\.ko$/.ko.xz/' "$1/modules.order"
	fi
}

# trixie: boot/vmlinuz-R, modules in usr/lib/modules (merged /usr).
r=9.9.0-trixie-amd64
mkdir -p "$tmp/repo/trixie" "$tmp/t/boot"
echo "trixie kernel" >"$tmp/t/boot/vmlinuz-$r"
kvm_modules "$tmp/t/usr/lib/modules/$r" xz
: >"$tmp/t/usr/lib/modules/$r/modules.builtin"
deb trixie "linux-image-$r" "$tmp/t"
printf 'linux-image-amd64 9.9-1 linux-image-%s\nlinux-image-%s 9.9-1\n' $r $r >"$tmp/repo/trixie/packages"

# unstable: linux-image-R is empty, linux-binary-R holds vmlinuz in the
# modules directory, linux-modules-R the modules; no modules.builtin.
u=9.9.0-unstable-amd64
mkdir -p "$tmp/repo/unstable" "$tmp/ui/usr/share/doc" "$tmp/ub/usr/lib/modules/$u"
echo "unstable kernel" >"$tmp/ub/usr/lib/modules/$u/vmlinuz"
kvm_modules "$tmp/um/usr/lib/modules/$u" xz
deb unstable "linux-image-$u" "$tmp/ui"
deb unstable "linux-binary-$u" "$tmp/ub"
deb unstable "linux-modules-$u" "$tmp/um"
printf 'linux-image-amd64 9.9-1 linux-image-%s\nlinux-image-%s 9.9-1 initramfs-tools,linux-binary-%s,linux-modules-%s\nlinux-binary-%s 9.9-1\nlinux-modules-%s 9.9-1\n' \
	$u $u $u $u $u $u >"$tmp/repo/unstable/packages"

fetch() { # SUITE: the directory in $dir, stderr in $tmp/err, exit in $rc
	dir=$("$src/scripts/debian-kernel.sh" --cache "$tmp/cache" --suite "$1" 2>"$tmp/err")
	rc=$?
}

fetch trixie
check "trixie: fetched (exit 0) into the cache" '[ $rc = 0 ] && [ "$dir" = "$tmp/cache/kernel-linux-image-$r-9.9-1" ]'
check "trixie: vmlinuz from boot/, version, suite" \
	'grep -qx "trixie kernel" "$dir/vmlinuz" && grep -qx "$r" "$dir/version" && grep -qx trixie "$dir/suite"'
check "trixie: the KVM modules and their dependencies, uncompressed, nothing else" \
	'[ "$(cd "$dir/lib/modules/$r" && find kernel -type f | sort | tr "\n" " ")" = "kernel/arch/x86/kvm/kvm-amd.ko kernel/arch/x86/kvm/kvm-intel.ko kernel/arch/x86/kvm/kvm.ko kernel/drivers/crypto/ccp/ccp.ko kernel/virt/lib/irqbypass.ko " ]'
check "trixie: depmod's modules.dep and modules.order name .ko files" \
	'grep -q "^kernel/arch/x86/kvm/kvm.ko:" "$dir/lib/modules/$r/modules.dep" && ! grep -q "\.xz" "$dir/lib/modules/$r/modules.order"'
check "trixie: a private apt state naming the suite at the machine's mirror URIs" \
	'grep -qx "deb \[signed-by=[^]]*\] http://mirror.invalid/debian trixie main" "$tmp/cache/apt-trixie/sources.list" &&
	 grep -qx "deb \[signed-by=[^]]*\] http://mirror.invalid/debian-security trixie-security main" "$tmp/cache/apt-trixie/sources.list" &&
	 ! grep -v "Dir::Etc::sourcelist=$tmp/cache/apt-trixie/sources.list" "$tmp/apt.log" | grep -q .'
check "the machine's apt sources are untouched" 'cmp -s "$tmp/etc/apt/sources.list" "$tmp/sources.before"'

: >"$tmp/apt.log"
fetch trixie
check "trixie again: a cache hit, no download and no update" \
	'[ $rc = 0 ] && grep -q "cached in" "$tmp/err" && ! grep -q -e download -e update "$tmp/apt.log"'

fetch unstable
check "unstable: fetched (exit 0): image, linux-binary and linux-modules downloaded" \
	'[ $rc = 0 ] && [ "$(grep -c "^apt-get .*download -q linux-" "$tmp/apt.log")" = 3 ]'
check "unstable: vmlinuz from the modules directory, the modules without modules.builtin" \
	'grep -qx "unstable kernel" "$dir/vmlinuz" && grep -qx "$u" "$dir/version" && grep -q "^kernel/arch/x86/kvm/kvm-amd.ko:" "$dir/lib/modules/$u/modules.dep"'
check "unstable: no -updates or -security pocket" \
	'[ "$(grep -c . "$tmp/cache/apt-unstable/sources.list")" = 1 ]'

rm -rf "$tmp/cache/kernel-"*
fetch nosuch
check "a suite the mirror lacks: exit 1, naming the suite, nothing cached" \
	'[ $rc = 1 ] && [ -z "$dir" ] && grep -q "Debian nosuch" "$tmp/err" && ! ls "$tmp/cache" | grep -q "^kernel-"'
# A suite whose kernel lacks a module: an error, never another kernel.
rm "$tmp/repo/unstable/linux-modules-$u.deb"
mkdir -p "$tmp/um2/usr/lib/modules/$u/kernel"
deb unstable "linux-modules-$u" "$tmp/um2"
fetch unstable
check "unstable without KVM modules: exit 1, naming the suite and the module" \
	'[ $rc = 1 ] && grep -q "module kvm is not in" "$tmp/err" && grep -q "the kernel of Debian unstable" "$tmp/err" && [ -z "$dir" ]'
echo "1..$n"
[ $fails = 0 ]
