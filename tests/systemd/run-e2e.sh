#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The systemd end-to-end suite, host side (meson suite 'systemd'; TAP out).
#
#   tests/systemd/run-e2e.sh SRCDIR BUILDDIR [SANITIZE]
#
# Boots a Debian bookworm guest with systemd as PID 1 and Debian's 6.1
# kernel (kvm as modules, toggled for real) under QEMU/TCG, with this build
# installed into it (meson install --destdir), runs guest-checks.sh there as a
# unit, and asserts each check's result, read back from the guest's second
# serial port between markers. The rootfs and kernel are cached
# (scripts/systemd-guest-rootfs.sh, scripts/debian-kernel.sh); the guest
# image and both serial logs stay in BUILDDIR/tests/systemd/e2e for a look.
#
# KVMCFG_E2E_BOOT_TIMEOUT (seconds, default 480) bounds the boot.
set -u
src=$1
build=$2
sanitize=${3:-none}

# Every check the guest must report on (guest-checks.sh, daemon-checks.sh).
checks="boot kvm-reload units-verify timer selftests-service gate-blocks gate-allows daemon-ready
mismatch-journal mismatch-textfile resolved-journal reload-broken-policy contradiction-journal
reload-verify-quiet security
catalog"

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}
bail() {
	echo "Bail out! $*"
	exit 1
}

# Binaries built with ASan/UBSan need their runtimes, which the guest lacks;
# the non-sanitized pass covers the same code.
[ "$sanitize" = none ] || skip_all "sanitizer build ($sanitize): the guest has no sanitizer runtimes; the plain build runs this suite"
[ "$(id -u)" = 0 ] || skip_all "needs root (debootstrap and a guest rootfs owned by root)"
for t in qemu-system-x86_64 debootstrap cpio apt-get dpkg-deb depmod; do
	command -v "$t" >/dev/null || [ -x "/sbin/$t" ] ||
		skip_all "$t is not installed (scripts/deps.sh test)"
done

work=$build/tests/systemd/e2e
rm -rf "$work"
mkdir -p "$work"

t0=$(date +%s)
rootfs=$("$src/scripts/systemd-guest-rootfs.sh") || bail "building the guest rootfs failed"
kdir=$("$src/scripts/debian-kernel.sh") || bail "fetching Debian's kernel failed"
kver=$(cat "$kdir/version")
echo "# rootfs $rootfs, kernel $kver ($(($(date +%s) - t0)) s to prepare)"

# ---- the overlay: this build, the kvm modules, the test units ----
ov=$work/overlay
mkdir -m 0755 "$ov"
meson install -C "$build" --no-rebuild --quiet --destdir "$ov" >"$work/install.log" 2>&1 ||
	{ sed 's/^/# /' "$work/install.log"; bail "meson install --destdir failed"; }
# The guest is /usr-merged: /lib, /bin and /sbin are symlinks into /usr, and
# the kernel's cpio unpacker replaces a symlink with a directory of the same
# name. So everything goes under usr/.
for d in lib bin sbin lib64; do
	if [ -d "$ov/$d" ]; then
		mkdir -p "$ov/usr/$d"
		cp -a "$ov/$d/." "$ov/usr/$d/"
		rm -rf "${ov:?}/$d"
	fi
done
mkdir -p "$ov/usr/lib/modules"
cp -a "$kdir/lib/modules/$kver" "$ov/usr/lib/modules/"
install -D -m 0755 "$src/tests/systemd/guest-checks.sh" "$ov/usr/lib/kvmcfg-e2e/guest-checks.sh"
install -D -m 0644 "$src/tests/systemd/daemon-checks.sh" "$ov/usr/lib/kvmcfg-e2e/daemon-checks.sh"
# The daemon's message IDs, from its own header: the entries must carry them
# and the installed catalog must explain every one.
alert_h=$src/kvmcfgd/src/alert.h
{
	echo "KVMCFG_MSGID_MISMATCH=$(sed -n 's/^#define KVMCFG_MESSAGE_MISMATCH[[:space:]]*"\([0-9a-f]*\)"/\1/p' "$alert_h" 2>/dev/null)"
	echo "KVMCFG_MSGID_RESOLVED=$(sed -n 's/^#define KVMCFG_MESSAGE_RESOLVED[[:space:]]*"\([0-9a-f]*\)"/\1/p' "$alert_h" 2>/dev/null)"
	echo "KVMCFG_MSGID_CONTRADICTED=$(sed -n 's/^#define KVMCFG_MESSAGE_CONTRADICTED[[:space:]]*"\([0-9a-f]*\)"/\1/p' "$alert_h" 2>/dev/null)"
	echo "KVMCFG_MSGIDS='$(sed -n 's/^#define KVMCFG_MESSAGE_[A-Z_]*[[:space:]]*"\([0-9a-f]*\)"/\1/p' "$alert_h" 2>/dev/null | tr '\n' ' ')'"
} >"$work/expect.env"
install -D -m 0644 "$work/expect.env" "$ov/usr/lib/kvmcfg-e2e/expect.env"
install -D -m 0644 "$src/tests/systemd/kvmcfg-e2e.service" "$ov/etc/systemd/system/kvmcfg-e2e.service"
install -D -m 0644 "$src/tests/systemd/libvirtd.service" "$ov/etc/systemd/system/libvirtd.service"
mkdir -p "$ov/etc/systemd/system/multi-user.target.wants"
ln -s ../kvmcfg-e2e.service "$ov/etc/systemd/system/multi-user.target.wants/kvmcfg-e2e.service"
# Directories in the archive overwrite the modes of the guest's own.
find "$ov" -type d -exec chmod 0755 {} +

(cd "$ov" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$work/overlay.cpio" ||
	bail "packing the overlay failed"
# The kernel unpacks concatenated archives in order; later entries win.
cat "$rootfs" "$work/overlay.cpio" >"$work/initrd.cpio"

# ---- boot ----
t1=$(date +%s)
timeout "${KVMCFG_E2E_BOOT_TIMEOUT:-480}" qemu-system-x86_64 \
	-accel tcg -cpu max -m 2048 -smp 1 \
	-nodefaults -display none -no-reboot \
	-kernel "$kdir/vmlinuz" -initrd "$work/initrd.cpio" \
	-append "console=ttyS0 rdinit=/sbin/init panic=-1 loglevel=4 systemd.show_status=error" \
	-serial "file:$work/console.log" -serial "file:$work/results.log" \
	</dev/null >"$work/qemu.log" 2>&1
qrc=$?
echo "# guest ran $(($(date +%s) - t1)) s (qemu exit $qrc)"

# ---- assert ----
res=$work/results.clean
tr -d '\r' <"$work/results.log" |
	sed -n '/^@@KVMCFG-E2E-BEGIN@@$/,/^@@KVMCFG-E2E-END@@$/p' >"$res"
grep '^# ' "$res"

n=0
failed=0
tap() {
	n=$((n + 1))
	echo "$1 $n - $2"
}
if grep -qx '@@KVMCFG-E2E-END@@' "$res"; then
	tap ok "guest ran every check and reported back"
else
	tap "not ok" "guest ran every check and reported back (qemu exit $qrc; console tail follows)"
	tr -d '\r' <"$work/console.log" | tail -n 40 | sed 's/^/# console: /'
	failed=1
fi
for c in $checks; do
	line=$(grep "^RESULT $c " "$res" | tail -n 1)
	st=$(echo "$line" | cut -d' ' -f3)
	why=$(echo "$line" | cut -d' ' -f4-)
	case "$st" in
	PASS) tap ok "$c: $why" ;;
	SKIP) tap ok "$c # SKIP $why" ;;
	FAIL) tap "not ok" "$c: $why"; failed=1 ;;
	*) tap "not ok" "$c: no result from the guest"; failed=1 ;;
	esac
done
echo "1..$n"
exit $failed
