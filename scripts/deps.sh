#!/bin/sh
# Install what kvmcfg needs to build and test on Debian 12, as root.
# Idempotent: does nothing (and touches no network) when every package is present.
#
#   scripts/deps.sh [build|test|box|all]     default: all
set -eu

build_pkgs="meson ninja-build gcc pkg-config python3 xz-utils linux-source-6.1 \
check libsystemd-dev libkmod-dev libjson-c-dev nettle-dev clang-format scdoc"
# jq: kvmcfgctl(8)'s CI example, run by test-kvmcfgctl.py; kmod: depmod for its
# fake modules directory; hyperfine: scripts/bench-startup.sh.
test_pkgs="python3-prometheus-client valgrind clang libclang-rt-14-dev jq kmod hyperfine"
# The kernel's own KVM selftests (scripts/kvm-upstream-build.sh, test
# runner-upstream-kvm): built with their Makefile against linux-libc-dev.
test_pkgs="$test_pkgs make linux-libc-dev"
# The fleet host in a box (tests/fleetbox, docs/fleetbox.md). The kernel
# itself is not installed: scripts/debian-kernel.sh apt-get downloads it,
# through a private apt state checked with debian-archive-keyring, and
# unpacks newer kernels' compressed modules with xz or zstd.
box_pkgs="busybox-static qemu-system-x86 cpio gzip kmod debian-archive-keyring xz-utils zstd"

# The systemd suite (tests/systemd: a debootstrapped guest under QEMU, the
# Debian package) and the Prometheus rule tests (docs/prometheus).
test_pkgs="$test_pkgs prometheus debootstrap qemu-system-x86 cpio dpkg-dev debhelper lintian"

case "${1:-all}" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
box) want="$box_pkgs" ;;
all) want="$build_pkgs $test_pkgs $box_pkgs" ;;
*) echo "usage: $0 [build|test|box|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty lists; refresh once, then retry on failure.
if ! apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
