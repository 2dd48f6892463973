#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Remove what kvmcfg's test cache holds that no run has used for a while:
# Debian kernels and .debs (scripts/debian-kernel.sh), upstream KVM selftest
# builds (scripts/kvm-upstream-build.sh) and systemd guest root filesystems
# (scripts/systemd-guest-rootfs.sh). Each of them touches an entry when it
# uses it, so an entry's mtime is its last use. A new kernel every few weeks
# otherwise leaves the old ones (13-20 MB each) behind for good.
#
#   scripts/cache-prune.sh [--days N] [--dry-run] [--cache DIR]
#
#   --days N     remove entries last used more than N days ago (default 30;
#                0 removes every entry)
#   --dry-run    only list what would go, with its size
#   --cache DIR  the cache (default: scripts/cache-dir.sh's answer)
#
# Kernel and .deb entries go under the fetcher's lock, upstream builds
# under their key's lock, so a run that is using one waits or is waited
# for. The suites' private apt lists (apt-SUITE) are kept: they are the
# fetcher's state, refreshed in place. Prints one line per entry and a
# total; exit 0, or 2 on bad usage.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
days=30
dry=false
cache=""
usage() {
	echo "cache-prune: $1 (see --help)" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--days)
		[ $# -ge 2 ] || usage "--days needs a number"
		case "$2" in '' | *[!0-9]*) usage "--days wants a whole number of days, not '$2'" ;; esac
		days=$2
		shift
		;;
	--dry-run) dry=true ;;
	--cache)
		[ $# -ge 2 ] || usage "--cache needs a directory"
		cache=$2
		shift
		;;
	-h | --help) sed -n '3,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
	*) usage "unknown option $1" ;;
	esac
	shift
done
[ -n "$cache" ] || cache=$("$here/cache-dir.sh")
if [ ! -d "$cache" ]; then
	echo "cache-prune: no cache at $cache, nothing to do"
	exit 0
fi

now=$(date +%s)
freed=0
kept=0
# prune ENTRY [LOCKFILE]: remove ENTRY if it is old enough, under LOCKFILE.
prune() {
	entry=$1
	lock=${2:-}
	[ -d "$entry" ] || return 0
	age=$(((now - $(stat -c %Y "$entry")) / 86400))
	if [ "$days" -gt 0 ] && [ "$age" -lt "$days" ]; then
		kept=$((kept + 1))
		return 0
	fi
	kib=$(du -sk "$entry" | cut -f1)
	if $dry; then
		echo "would remove $entry ($kib KiB, last used $age day(s) ago)"
	elif [ -n "$lock" ]; then
		# The lock file stays: a waiting fetcher holds it open.
		(flock 9 && rm -rf "$entry") 9>"$lock"
		echo "removed $entry ($kib KiB, last used $age day(s) ago)"
	else
		rm -rf "$entry"
		echo "removed $entry ($kib KiB, last used $age day(s) ago)"
	fi
	freed=$((freed + kib))
}

for e in "$cache"/kernel-* "$cache"/deb-*; do
	prune "$e" "$cache/.debian-kernel.lock"
done
for e in "$cache"/kvm-upstream/*; do
	case "$e" in *.tmp) continue ;; esac # a build in progress
	prune "$e" "$cache/kvm-upstream/.lock-$(basename "$e")"
done
for e in "$cache"/systemd-guest-*; do
	prune "$e"
done
echo "cache-prune: $($dry && echo 'would free' || echo freed) $freed KiB in $cache; kept $kept entr$([ $kept = 1 ] && echo y || echo ies) used in the last $days day(s)"
