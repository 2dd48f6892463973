#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# scripts/cache-prune.sh on a fake cache: entries unused for longer than
# --days go, recent ones, builds in progress and apt state stay; --dry-run
# removes nothing; bad usage exits 2.
set -eu
prune=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
c=$t/cache
old=$(date -d '-40 days' +%Y%m%d%H%M)
mk() {
	mkdir -p "$c/$1"
	echo data >"$c/$1/f"
	[ "${2:-}" != old ] || touch -t "$old" "$c/$1"
}
mk kernel-linux-image-6.1.0-50-amd64-6.1.180-1 old
mk kernel-linux-image-6.1.0-57-amd64-6.1.192-3
mk deb-busybox-static-1 old
mk kvm-upstream/aaaaaaaaaaaaaaaa old
mk kvm-upstream/bbbbbbbbbbbbbbbb
mk kvm-upstream/cccccccccccccccc.tmp old
mk systemd-guest-0123456789abcdef old
mk apt-bookworm old
fail=0
check() {
	if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi
}
out=$("$prune" --cache "$c" --dry-run)
check "dry run lists the four old entries" "[ \$(echo \"\$out\" | grep -c '^would remove') = 4 ]"
check "dry run removes nothing" "[ -d '$c/kernel-linux-image-6.1.0-50-amd64-6.1.180-1' ]"
out=$("$prune" --cache "$c" --days 30)
echo "$out" | sed 's/^/# /'
for gone in kernel-linux-image-6.1.0-50-amd64-6.1.180-1 deb-busybox-static-1 \
	kvm-upstream/aaaaaaaaaaaaaaaa systemd-guest-0123456789abcdef; do
	check "$gone removed" "[ ! -e '$c/$gone' ]"
done
for kept in kernel-linux-image-6.1.0-57-amd64-6.1.192-3 kvm-upstream/bbbbbbbbbbbbbbbb \
	kvm-upstream/cccccccccccccccc.tmp apt-bookworm; do
	check "$kept kept" "[ -d '$c/$kept' ]"
done
check "the summary counts what was kept" "echo \"\$out\" | grep -q 'kept 2 entries'"
out=$("$prune" --cache "$c" --days 0)
check "--days 0 removes every entry" "[ ! -e '$c/kernel-linux-image-6.1.0-57-amd64-6.1.192-3' ] && [ ! -e '$c/kvm-upstream/bbbbbbbbbbbbbbbb' ]"
rc=0
"$prune" --days soon 2>/dev/null || rc=$?
check "a bad --days exits 2" "[ $rc = 2 ]"
rc=0
"$prune" --cache "$t/none"  >/dev/null || rc=$?
check "a missing cache is nothing to do" "[ $rc = 0 ]"
echo "1..14"
exit $fail
