#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package, end to end (meson suite 'systemd'; TAP out):
#
#   tests/systemd/debian-package.sh SRCDIR BUILDDIR [SANITIZE]
#
# 1. dpkg-buildpackage -us -uc -b builds it, from a copy of the source tree
#    (the build writes debian/ and obj-*/ into the tree it runs in). The
#    package's own test run is left out (DEB_BUILD_OPTIONS=nocheck): meson
#    test runs the same suites around this one.
# 2. lintian reports no error.
# 3. It installs with dpkg -i on a clean Debian 12 (a chroot unpacked from the
#    cached systemd guest rootfs, scripts/systemd-guest-rootfs.sh), with its
#    dependencies satisfied, and then holds what it must: the daemon enabled,
#    the gate and the timer not, a valid vendor policy, units that
#    systemd-analyze verify accepts, the catalog, the man pages, the rules.
# 4. It removes cleanly.
set -u
src=$1
build=$2
sanitize=${3:-none}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}
[ "$sanitize" = none ] || skip_all "sanitizer build ($sanitize): the package is built without sanitizers; the plain build runs this test"
[ "$(id -u)" = 0 ] || skip_all "needs root (chroot, and a rootfs owned by root)"
for t in dpkg-buildpackage dh lintian debootstrap cpio chroot; do
	command -v "$t" >/dev/null || skip_all "$t is not installed (scripts/deps.sh test)"
done

work=$build/tests/systemd/debian-package
rm -rf "$work"
mkdir -p "$work/src"
n=0
failed=0
tap() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}
finish() {
	echo "1..$n"
	exit $failed
}

# ---- 1. build ----
# The tracked and untracked-but-not-ignored files: what a clean checkout
# with the local changes would hold.
(cd "$src" && git ls-files -co --exclude-standard -z 2>/dev/null) |
	(cd "$src" && xargs -0 cp --parents -t "$work/src" 2>/dev/null)
if [ ! -f "$work/src/debian/control" ]; then
	# Not a git checkout: copy everything but build trees.
	(cd "$src" && find . -mindepth 1 -maxdepth 1 ! -name 'build*' ! -name 'obj-*' ! -name .git \
		-exec cp -a {} "$work/src/" \;)
fi
t0=$(date +%s)
if (cd "$work/src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tap ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
else
	tail -n 40 "$work/build.log" | sed 's/^/# /'
	tap "not ok" "dpkg-buildpackage -us -uc -b (log: $work/build.log)"
	finish
fi
deb=$(ls "$work"/kvmcfg_*_amd64.deb)
changes=$(ls "$work"/kvmcfg_*_amd64.changes)

# ---- 2. lintian ----
lintian --tag-display-limit 0 "$changes" >"$work/lintian.log" 2>&1
grep -v '^N:' "$work/lintian.log" | grep -v 'running with root privileges' | sed 's/^/# /'
if grep -q '^E:' "$work/lintian.log"; then
	tap "not ok" "lintian: $(grep -c '^E:' "$work/lintian.log") error(s)"
else
	tap ok "lintian: no errors ($(grep -c '^W:' "$work/lintian.log") warning(s))"
fi

# ---- 3. install on a clean Debian 12 ----
rootfs=$("$src/scripts/systemd-guest-rootfs.sh") || {
	tap "not ok" "a clean Debian 12 rootfs (scripts/systemd-guest-rootfs.sh failed)"
	finish
}
root=$work/root
mkdir "$root"
(cd "$root" && cpio -id --quiet 2>/dev/null) <"$rootfs"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" /bin/sh -c "$1" 2>&1; }
if out=$(in_root "dpkg -i /tmp/$(basename "$deb")"); then
	tap ok "dpkg -i on a clean Debian 12: dependencies met, maintainer scripts ran"
else
	echo "$out" | sed 's/^/# /'
	tap "not ok" "dpkg -i on a clean Debian 12"
	finish
fi

check() {
	if out=$(in_root "$2"); then
		tap ok "$1"
	else
		echo "$out" | tail -n 20 | sed 's/^/# /'
		tap "not ok" "$1"
	fi
}
check "kvmcfgd.service enabled by the package; the gate and the timer left to the operator" \
	'test -L /etc/systemd/system/multi-user.target.wants/kvmcfgd.service &&
	 ! test -e /etc/systemd/system/libvirtd.service.requires/kvmcfg-gate.service &&
	 ! test -e /etc/systemd/system/timers.target.wants/kvm-selftests.timer'
check "the binaries run: kvmcfgctl, kvmcfgd, kvm-selftests" \
	'kvmcfgctl --version && kvmcfgd --version && kvm-selftests --version'
check "the vendor policy validates" 'kvmcfgctl validate /usr/lib/kvmcfgd/policy.conf'
check "systemd-analyze verify accepts the four units" \
	'cd / && systemd-analyze verify --man=no kvmcfgd.service kvmcfg-gate.service kvm-selftests.service kvm-selftests.timer'
check "kvmcfgd.conf is a conffile pointing at node_exporter's textfile directory" \
	'dpkg-query -W -f="\${Conffiles}" kvmcfg | grep -q /etc/kvmcfgd/kvmcfgd.conf &&
	 grep -q "^Textfile=/var/lib/prometheus/node-exporter/" /etc/kvmcfgd/kvmcfgd.conf'
check "the journal catalog is installed where journalctl reads it" \
	'journalctl --update-catalog && journalctl --list-catalog | grep -q kvmcfg'
check "man pages, Prometheus rules and the installed selftest list are in place" \
	'test -f /usr/share/man/man8/kvmcfgd.8.gz && test -f /usr/share/man/man8/kvmcfgctl.8.gz &&
	 test -f /usr/share/man/man5/kvmcfg.policy.5.gz && test -f /usr/share/man/man1/kvm-selftests.1.gz &&
	 test -f /usr/share/kvmcfg/prometheus/kvmcfg.rules.yml &&
	 test -s /usr/libexec/kvmcfg/selftests/kselftest-list.txt'

# ---- 4. remove ----
check "dpkg --purge removes it cleanly" \
	'dpkg --purge kvmcfg && ! test -e /usr/sbin/kvmcfgd && ! test -e /etc/kvmcfgd/kvmcfgd.conf'
rm -rf "$root"
finish
