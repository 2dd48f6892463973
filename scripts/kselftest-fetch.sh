#!/bin/sh
# Find the kernel's kselftest framework and print the directory that holds
# kselftest.h and kselftest_harness.h. Called by meson at configure time.
#
#   kselftest-fetch.sh CACHE_DIR [KSELFTEST_DIR]
#
# With KSELFTEST_DIR (meson -Dkselftest_dir=...), that tree is used as is.
# Otherwise the files are extracted once from Debian's linux-source package
# (/usr/src/linux-source-*.tar.xz, or an unpacked /usr/src/linux-source-*/)
# into CACHE_DIR; a stamp naming the tarball keeps later runs from re-extracting.
set -eu
cache=$1
given=${2:-}
files="kselftest.h kselftest_harness.h run_kselftest.sh kselftest/runner.sh kselftest/prefix.pl"
hint="install Debian's linux-source-6.1 (apt-get install linux-source-6.1, or run scripts/deps.sh) or configure with -Dkselftest_dir=/path/to/linux/tools/testing/selftests"

if [ -n "$given" ]; then
	for f in kselftest.h kselftest_harness.h; do
		if [ ! -f "$given/$f" ]; then
			echo "kselftest_dir=$given has no $f: point it at a Linux tree's tools/testing/selftests" >&2
			exit 1
		fi
	done
	(cd "$given" && pwd)
	exit 0
fi

for d in /usr/src/linux-source-6.1 /usr/src/linux-source-*; do
	if [ -f "$d/tools/testing/selftests/kselftest_harness.h" ]; then
		echo "$d/tools/testing/selftests"
		exit 0
	fi
done

tarball=""
for t in /usr/src/linux-source-6.1.tar.xz /usr/src/linux-source-*.tar.xz; do
	[ -f "$t" ] && { tarball=$t; break; }
done
if [ -z "$tarball" ]; then
	echo "kselftest framework not found: $hint" >&2
	exit 1
fi

stamp="$tarball $(stat -c %Y "$tarball")"
if [ -f "$cache/.stamp" ] && [ "$(cat "$cache/.stamp")" = "$stamp" ] &&
	[ -f "$cache/kselftest_harness.h" ]; then
	echo "$cache"
	exit 0
fi

top=$(basename "$tarball" .tar.xz)
members=""
for f in $files; do members="$members $top/tools/testing/selftests/$f"; done
rm -rf "$cache.tmp"
mkdir -p "$cache.tmp"
# --wildcards off: exact member names; missing optional members are tolerated below.
tar -xJf "$tarball" -C "$cache.tmp" --strip-components=4 $members 2>/dev/null || true
if [ ! -f "$cache.tmp/kselftest_harness.h" ] || [ ! -f "$cache.tmp/kselftest.h" ]; then
	rm -rf "$cache.tmp"
	echo "$tarball does not contain tools/testing/selftests/kselftest_harness.h: $hint" >&2
	exit 1
fi
echo "$stamp" >"$cache.tmp/.stamp"
rm -rf "$cache"
mv "$cache.tmp" "$cache"
echo "$cache"
