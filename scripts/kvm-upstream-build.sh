#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Build the kernel's own KVM selftests from Debian's kernel source package
# (linux-source-6.1, the tree meson already takes kselftest.h from) and
# install them in kselftest layout into DEST, beside an installed suite, so
# that one kvm-selftests run (and the kernel's run_kselftest.sh) runs both.
#
#   scripts/kvm-upstream-build.sh [OPTION]... DEST
#
#   --guest-flags FLAGS  extra compiler flags for every file (EXTRA_CFLAGS of the
#                        kernel's Makefile), e.g. --pvm's; default none
#   --pvm                the flags a PVM host needs: -mgeneral-regs-only (its
#                        instruction emulator rejects SSE in guest code; the
#                        tests that use floating point then fail to build)
#   --source PATH        a linux-source-*.tar.xz or an unpacked tree; default
#                        /usr/src/linux-source-X.Y.tar.xz of the running kernel,
#                        else linux-source-6.1's, else another version's
#   --headers DIR        the kernel's UAPI headers (`make headers_install`'s
#                        usr/include); default /usr/include, from the
#                        linux-libc-dev of the same version as linux-source
#   --collection NAME    the collection to install as; default kvm
#   --cache DIR          default scripts/cache-dir.sh's, under kvm-upstream/
#   --jobs N             make -j; default the usable CPUs
#   -h, --help           this text
#
# DEST gets kvm/<test> and kvm/x86_64/<test> as the Makefile builds them,
# kvm/settings (upstream's timeout=120; no require_tap: these tests are
# judged by their exit status), and kselftest-list.txt lines "kvm:<test>" and
# "kvm:x86_64/<test>" (the directory kept, so run_kselftest.sh finds them;
# 6.1's own install lists bare names and cannot), replacing earlier lines of
# the collection. When DEST has no run_kselftest.sh, the source's is copied.
# Tests that did not build are listed in kvm/not-built.txt and on stderr.
#
# The build (extraction and make: 50-90 s on 2 loaded CPUs) is cached per
# source, headers, flags and compiler; a hit only copies. Progress goes to
# stderr. Exit 1 on a failure, 2 on bad usage. Needs tar, xz, make, gcc, flock.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
me=kvm-upstream-build.sh
# Bump when the build below changes what it produces.
recipe=1

say() { echo "$me: $*" >&2; }
die() {
	say "$*"
	exit 1
}
usage() {
	say "$*"
	exit 2
}

flags=""
source=""
headers=""
collection=kvm
cache=""
jobs=$(nproc 2>/dev/null || echo 1)
dest=""
while [ $# -gt 0 ]; do
	case "$1" in
	--guest-flags | --source | --headers | --collection | --cache | --jobs)
		[ $# -ge 2 ] || usage "$1 needs a value (see --help)"
		case "$1" in
		--guest-flags) flags=$2 ;;
		--source) source=$2 ;;
		--headers) headers=$2 ;;
		--collection) collection=$2 ;;
		--cache) cache=$2 ;;
		--jobs) jobs=$2 ;;
		esac
		shift
		;;
	--pvm) flags="-mgeneral-regs-only" ;;
	-h | --help)
		sed -n '3,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	-*) usage "unknown option $1 (see --help)" ;;
	*)
		[ -z "$dest" ] || usage "one DEST only (see --help)"
		dest=$1
		;;
	esac
	shift
done
[ -n "$dest" ] || usage "no DEST (see --help)"
case "$jobs" in '' | *[!0-9]* | 0) usage "--jobs wants a positive number, not '$jobs'" ;; esac
case "$collection" in '' | *[!A-Za-z0-9_.-]*) usage "--collection wants a plain name, not '$collection'" ;; esac
for t in tar xz make gcc flock; do
	command -v $t >/dev/null || die "$t not found (scripts/deps.sh installs it)"
done

# The source: a tarball (Debian's linux-source-*) or an unpacked tree.
if [ -z "$source" ]; then
	# The running kernel's version first (a Debian 6.1 host: linux-source-6.1).
	running=$(uname -r | cut -d. -f1-2)
	for s in "/usr/src/linux-source-$running.tar.xz" /usr/src/linux-source-6.1.tar.xz \
		/usr/src/linux-source-*.tar.xz; do
		[ -f "$s" ] && { source=$s; break; }
	done
	[ -n "$source" ] || die "no /usr/src/linux-source-*.tar.xz: apt-get install linux-source-6.1 (scripts/deps.sh), or give --source"
fi
[ -e "$source" ] || die "--source $source: no such file or directory"
source=$(realpath "$source")

# The UAPI headers: the source's own version, or the build would test a
# different kernel's interface. Debian builds linux-libc-dev and
# linux-source from one source package: their versions must be equal.
if [ -z "$headers" ]; then
	headers=/usr/include
	case "$source" in
	/usr/src/linux-source-*.tar.xz)
		pkg=$(basename "$source" .tar.xz)
		src_v=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || true)
		hdr_v=$(dpkg-query -W -f '${Version}' linux-libc-dev 2>/dev/null || true)
		[ -n "$hdr_v" ] || die "linux-libc-dev is not installed: apt-get install linux-libc-dev, or give --headers"
		[ -z "$src_v" ] || [ "$src_v" = "$hdr_v" ] ||
			die "$pkg is $src_v but linux-libc-dev is $hdr_v: install the same version of both, or give --headers (make headers_install's usr/include)"
		;;
	esac
fi
[ -f "$headers/linux/kvm.h" ] || die "--headers $headers has no linux/kvm.h"
headers=$(realpath "$headers")

[ -n "$cache" ] || cache=$("$here/cache-dir.sh")/kvm-upstream
stamp_of() { stat -c '%n %s %Y' "$1"; }
key=$( {
	echo "recipe $recipe"
	stamp_of "$source"
	stamp_of "$headers/linux/kvm.h"
	echo "flags $flags"
	gcc --version | head -n 1
} | sha256sum | cut -c 1-16)
build=$cache/$key
mkdir -p "$cache" 2>/dev/null || die "cannot create the cache $cache: set KVMCFG_CACHE_DIR or give --cache"

# One build per key at a time; a finished one is never changed.
exec 9>"$cache/.lock-$key"
flock 9
if [ ! -f "$build/.done" ]; then
	t0=$(date +%s)
	rm -rf "$build.tmp"
	mkdir -p "$build.tmp/src" "$build.tmp/out"
	sel=tools/testing/selftests
	if [ -d "$source" ]; then
		top=$source
		[ -f "$top/$sel/kvm/Makefile" ] || die "--source $source has no $sel/kvm/Makefile"
	else
		say "extracting the KVM selftests from $source"
		name=$(basename "$source" .tar.xz)
		# What the KVM Makefile reads: its lib.mk, the tools headers, Build.include,
		# tools/lib/rbtree.c, rseq, and scripts/subarch.include.
		members=""
		for m in $sel/kvm $sel/lib.mk $sel/kselftest.h $sel/kselftest_harness.h \
			$sel/kselftest $sel/run_kselftest.sh $sel/rseq tools/include \
			tools/arch/x86/include tools/build tools/lib/rbtree.c scripts/subarch.include; do
			members="$members $name/$m"
		done
		# shellcheck disable=SC2086 # one word per member
		tar -xJf "$source" -C "$build.tmp/src" $members ||
			die "$source lacks the KVM selftests ($sel/kvm)"
		top=$build.tmp/src/$name
	fi
	say "building the KVM selftests (make -j$jobs${flags:+, EXTRA_CFLAGS=$flags}; log in $build/build.log)"
	# -k: some tests do not build everywhere (or with --pvm); the rest still count.
	make -C "$top/$sel/kvm" -k -j"$jobs" OUTPUT="$build.tmp/out" \
		LINUX_HDR_PATH="$headers/" KHDR_INCLUDES="" EXTRA_CFLAGS="$flags" \
		>"$build.tmp/build.log" 2>&1 || true
	# What the Makefile means to build and install, from the Makefile itself.
	# shellcheck disable=SC2016 # make's $(...), not the shell's
	printf 'kvmcfg-list:\n\t@printf "%%s\\n" $(TEST_GEN_PROGS) $(TEST_PROGS) >$(KVMCFG_LIST)\n' \
		>"$build.tmp/list.mk"
	make -s -C "$top/$sel/kvm" -f Makefile -f "$build.tmp/list.mk" OUTPUT="$build.tmp/out" \
		KVMCFG_LIST="$build.tmp/wanted" kvmcfg-list >/dev/null 2>&1 ||
		die "could not list the KVM selftests of $source"
	: >"$build.tmp/built.txt"
	: >"$build.tmp/not-built.txt"
	while read -r t; do
		rel=${t#"$build.tmp/out/"}
		if [ -x "$build.tmp/out/$rel" ]; then
			echo "$rel" >>"$build.tmp/built.txt"
		elif [ -f "$top/$sel/kvm/$rel" ]; then
			# TEST_PROGS: scripts from the source, run next to what they call.
			mkdir -p "$(dirname "$build.tmp/out/$rel")"
			cp "$top/$sel/kvm/$rel" "$build.tmp/out/$rel"
			echo "$rel" >>"$build.tmp/built.txt"
		else
			echo "$rel" >>"$build.tmp/not-built.txt"
		fi
	done <"$build.tmp/wanted"
	[ -s "$build.tmp/built.txt" ] || die "no KVM selftest built: see $build.tmp/build.log"
	cp "$top/$sel/kvm/settings" "$build.tmp/settings" 2>/dev/null || echo "timeout=120" >"$build.tmp/settings"
	mkdir -p "$build.tmp/runner/kselftest"
	cp "$top/$sel/run_kselftest.sh" "$build.tmp/runner/"
	cp "$top/$sel/kselftest/runner.sh" "$top/$sel/kselftest/prefix.pl" "$build.tmp/runner/kselftest/"
	rm -rf "$build.tmp/src"
	echo $(($(date +%s) - t0)) >"$build.tmp/build-seconds"
	touch "$build.tmp/.done"
	rm -rf "$build"
	mv "$build.tmp" "$build"
	say "built $(wc -l <"$build/built.txt") tests in $(cat "$build/build-seconds") s; not built: $(wc -l <"$build/not-built.txt")"
fi
# Its mtime says when it was last used (scripts/cache-prune.sh).
touch "$build"
exec 9>&-

# Install: the collection's files, its settings, its list lines.
mkdir -p "$dest/$collection"
dest=$(realpath "$dest")
while read -r rel; do
	mkdir -p "$(dirname "$dest/$collection/$rel")"
	cp -p "$build/out/$rel" "$dest/$collection/$rel"
done <"$build/built.txt"
# Files the listed tests run (TEST_GEN_PROGS_EXTENDED: nx_huge_pages_test.sh's binary).
for f in "$build"/out/*/* "$build"/out/*; do
	rel=${f#"$build/out/"}
	if [ -f "$f" ] && [ -x "$f" ] && [ ! -e "$dest/$collection/$rel" ]; then
		cp -p "$f" "$dest/$collection/$rel"
	fi
done
cp "$build/settings" "$dest/$collection/settings"
cp "$build/not-built.txt" "$dest/$collection/not-built.txt"
list=$dest/kselftest-list.txt
{
	[ ! -f "$list" ] || grep -v "^$collection:" "$list" || true
	sed "s|^|$collection:|" "$build/built.txt"
} >"$list.tmp"
mv "$list.tmp" "$list"
if [ ! -e "$dest/run_kselftest.sh" ]; then
	cp -r "$build/runner/." "$dest/"
fi
if [ -s "$build/not-built.txt" ]; then
	say "not built (see $build/build.log): $(tr '\n' ' ' <"$build/not-built.txt")"
fi
say "installed $(wc -l <"$build/built.txt") tests as $collection:* in $dest"
