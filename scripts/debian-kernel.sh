#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Fetch (once) a Debian amd64 kernel, the linux-image-RELEASE-amd64 that
# linux-image-amd64 depends on, and keep what a QEMU guest needs from it. The
# one fetcher for both guests: the fleet box (scripts/fleetbox-build.sh) and
# the systemd guest (tests/systemd/run-e2e.sh). Prints a directory holding:
#
#   vmlinuz                  the kernel
#   version                  its uname -r
#   suite                    the Debian suite it came from (--suite only)
#   lib/modules/VERSION/     kvm, kvm-amd, kvm-intel and what they depend on
#                            (irqbypass, ccp), uncompressed, modules.builtin*,
#                            modules.order and depmod's modules.dep
#
#   scripts/debian-kernel.sh [--suite SUITE] [--cache DIR] [--package NAME] [CACHE_DIR]
#
#   --suite SUITE   the kernel of Debian suite SUITE (bookworm: 6.1, trixie:
#                   6.12, unstable: the newest), read through a private apt
#                   state in CACHE_DIR/apt-SUITE/ (see below); without it, the
#                   kernel of the machine's own apt configuration
#   --cache DIR     the cache (CACHE_DIR is the same); default $KVMCFG_CACHE_DIR,
#                   else /var/cache/kvmcfg as root, else ~/.cache/kvmcfg
#   --package NAME  instead of the kernel, fetch package NAME and print the
#                   directory it is unpacked in whole (the box's busybox-static)
#   -h, --help      this text
#
# The version is apt's candidate. The .debs come with apt-get download, and
# only from the mirror that scripts/apt-mirror.sh reads from apt's
# configuration for the suite offering it (as the systemd guest's rootfs
# does): if apt would fetch one from anywhere else, that is an error. With
# --suite, the machine's apt sources are read, never written: the private
# state's sources.list names SUITE, SUITE-updates and SUITE-security at the
# URIs apt's configuration gives for those suites, or, for a suite the
# machine does not carry, at the URIs it gives for its own release's
# (VERSION_CODENAME in /etc/os-release) suite and pockets: the same mirror.
# Newer suites' layouts are handled: modules under usr/lib/modules (merged
# /usr), compressed modules (.ko.xz, .ko.zst, .ko.gz: unpacked, as busybox
# modprobe wants), and the image split into linux-binary-RELEASE and
# linux-modules-RELEASE with vmlinuz in the modules directory. The packages
# are unpacked with dpkg-deb -x, never installed (installing runs initramfs
# and bootloader hooks on the host), and not kept. The result is cached as
# CACHE_DIR/kernel-PACKAGE-VERSION (deb-PACKAGE-VERSION for --package), never
# changed once made; a hit reads only apt's local lists, no network. Stale
# lists are refreshed (apt-get update; as root for the machine's lists) when
# apt has no such package or the download fails. A failure names the suite
# and never falls back to another kernel. Progress and errors go to stderr,
# the directory to stdout. Exit 1 on a failure, 2 on bad usage. Needs
# apt-get, dpkg-deb, modinfo, depmod (kmod), flock, and xz/zstd for
# compressed modules.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
me=debian-kernel.sh

# The modules both guests load; their dependencies come along.
want_modules="kvm kvm-amd kvm-intel"

say() { echo "$me: $*" >&2; }
die() {
	say "$*"
	exit 1
}
usage() {
	say "$*"
	exit 2
}

cache=""
package=""
suite=""
while [ $# -gt 0 ]; do
	case "$1" in
	--cache | --package | --suite)
		[ $# -ge 2 ] && [ -n "$2" ] || usage "$1 needs a value (see --help)"
		case "$1" in
		--cache) cache=$2 ;;
		--package) package=$2 ;;
		--suite) suite=$2 ;;
		esac
		case "$package" in *[!a-z0-9.+-]*) usage "--package $package is not a Debian package name" ;; esac
		case "$suite" in *[!a-z0-9-]*) usage "--suite $suite is not a Debian suite name (bookworm, trixie, unstable)" ;; esac
		shift
		;;
	-h | --help)
		sed -n '3,/^set -eu/p' "$0" | sed -n 's/^# \{0,1\}//p'
		exit 0
		;;
	-*) usage "unknown option $1 (see --help)" ;;
	*)
		[ -z "$cache" ] || usage "more than one cache directory ($cache, $1)"
		cache=$1
		;;
	esac
	shift
done
# One cache for both halves of the systemd guest and for the box.
[ -n "$cache" ] || cache=$("$here/cache-dir.sh")
# Every failure names what was asked for: a suite's kernel is never swapped
# for another one.
what=${package:-the kernel}${suite:+ of Debian $suite}

# depmod and modinfo live in /sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
for t in apt-get apt-cache dpkg-deb modinfo depmod flock; do
	command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh box)"
done

# ---- apt: the machine's own state, or a private one for --suite ----
apt_opts=""
state=""
if [ -n "$suite" ]; then
	state=$cache/apt-$suite
	case "$state" in *[[:space:]]*) die "the cache path '$cache' has white space; --suite needs one without (--cache DIR)" ;; esac
	apt_opts="-o Dir::Etc::sourcelist=$state/sources.list -o Dir::Etc::sourceparts=$state/none
		-o Dir::State::Lists=$state/lists -o Dir::Cache=$state/cache -o Dir::State::status=$state/status
		-o APT::Architecture=amd64 -o APT::Architectures=amd64 -o Debug::NoLocking=1"
fi
# shellcheck disable=SC2086 # apt_opts is a word list without white space in its words
apt_cache() { apt-cache $apt_opts "$@"; }
# shellcheck disable=SC2086
apt_get() { apt-get $apt_opts "$@"; }

# The machine's mirror for suite $1: its own source for that suite, else,
# for a suite it does not carry, its source for the same pocket of its own
# release (bookworm-security's URI for trixie-security). Never a built-in host.
mirror_for() {
	"$here/apt-mirror.sh" "$1" 2>/dev/null && return
	# $OS_RELEASE: another os-release file (the tests' fake machine).
	own=$(. "${OS_RELEASE:-/etc/os-release}" 2>/dev/null && echo "${VERSION_CODENAME:-}")
	[ -n "$own" ] || return 1
	case "$1" in
	*-*) "$here/apt-mirror.sh" "$own-${1#*-}" 2>/dev/null ;;
	*) "$here/apt-mirror.sh" "$own" 2>/dev/null ;;
	esac
}
# Write the private state's sources.list: SUITE and its pockets where a mirror is known.
private_sources() {
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -f "$keyring" ] || die "$what: no $keyring to check the archive's signatures (apt-get install debian-archive-keyring)"
	main=$(mirror_for "$suite") ||
		die "$what: apt's configuration names no Debian mirror to derive $suite's from (scripts/apt-mirror.sh)"
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/none" ||
		die "cannot write the private apt state $state (--cache DIR)"
	: >"$state/status"
	{
		echo "deb [signed-by=$keyring] $main $suite main"
		case "$suite" in
		unstable | sid | experimental) ;;
		*) for pocket in updates security; do
			m=$(mirror_for "$suite-$pocket") && echo "deb [signed-by=$keyring] $m $suite-$pocket main"
		done ;;
		esac
	} >"$state/sources.list.new"
	mv "$state/sources.list.new" "$state/sources.list"
}
refresh() {
	if [ -n "$suite" ]; then
		private_sources
		say "reading Debian $suite's package lists into $state (apt-get update)"
	else
		[ "$(id -u)" = 0 ] || return 1
		say "refreshing apt's package lists (apt-get update)"
	fi
	err=$(apt_get update -q 2>&1 >/dev/null) || {
		echo "$err" >&2
		return 1
	}
	# apt-get update says "W: Failed to fetch" and still exits 0.
	case "$err" in *"Failed to fetch"* | *"is not signed"* | *"does not have a Release file"*)
		echo "$err" >&2
		return 1 ;;
	esac
}

# The package to fetch: the kernel linux-image-amd64 names, or --package.
target() {
	if [ -n "$package" ]; then
		echo "$package"
	else
		apt_cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9][^ ]*-amd64$/ { print $2; exit }'
	fi
}
# The packages that hold the kernel: the image, plus, where the image is
# split (unstable), the linux-binary-* and linux-modules-* it depends on.
parts() {
	echo "$pkg"
	[ -n "$package" ] && return
	apt_cache depends "$pkg=$ver" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-(binary|modules)-[0-9]/ { print $2 }' | sort -u
}
# "URI SUITE" of the first source apt offers version $2 of package $1 from.
offered_by() {
	apt_cache policy "$1" 2>/dev/null | awk -v ver="$2" '
		/^  Version table:/ { table = 1; next }
		!table { next }
		(NF == 2 && $2 ~ /^-?[0-9]+$/) || (NF == 3 && $1 == "***") {
			this = (NF == 3) ? $2 : $1; next
		}
		this == ver && NF >= 4 && $NF == "Packages" { split($3, s, "/"); print $2, s[1]; exit }'
}
# Sets pkg, ver and dir from apt's lists; false when apt does not know them.
resolve() {
	pkg=$(target)
	[ -n "$pkg" ] || return 1
	ver=$(apt_cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	if [ -n "$package" ]; then
		# As in .deb file names: an epoch's colon would trouble paths.
		dir=$cache/deb-$pkg-$(echo "$ver" | sed 's/:/%3a/')
	else
		dir=$cache/kernel-$pkg-$ver
	fi
}
# A finished directory: everything it must hold is there.
finished() {
	if [ -n "$package" ]; then
		[ -f "$dir/.complete" ]
		return
	fi
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/version" ] || return 1
	dep=$dir/lib/modules/$(cat "$dir/version")/modules.dep
	for m in $want_modules; do
		grep -q "/$m\.ko:" "$dep" 2>/dev/null || return 1
	done
}

if [ -n "$suite" ] && [ ! -s "$state/sources.list" ]; then
	refresh || die "could not read Debian $suite's package lists from the mirror (above)"
fi
if ! resolve; then
	refresh || true
	resolve || die "apt knows no ${package:-linux-image-*-amd64 for linux-image-amd64}${suite:+ in Debian $suite}$([ -n "$suite" ] || [ "$(id -u)" = 0 ] || echo ' (apt-get update as root)')"
fi
if finished; then
	# Its mtime says when it was last used (scripts/cache-prune.sh).
	touch "$dir" 2>/dev/null || true
	say "$pkg $ver${suite:+ ($suite)}: cached in $dir"
	echo "$dir"
	exit 0
fi

mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || die "cannot write the cache $cache (--cache DIR)"
# One fetch at a time per cache: a second caller waits, then finds it done.
exec 9>"$cache/.debian-kernel.lock"
flock 9
work=""
trap '[ -z "$work" ] || rm -rf "$work"' EXIT

# Download every part of $pkg=$ver into $work, from the mirror apt-mirror.sh names.
download() {
	for part in $(parts); do
		src=$(offered_by "$part" "$ver")
		[ -n "$src" ] || {
			say "apt offers $part $ver from no configured source (apt-cache policy $part)"
			return 1
		}
		from_suite=${src#* }
		mirror=$(mirror_for "$from_suite") || {
			say "apt's configuration names no mirror for $from_suite (scripts/apt-mirror.sh)"
			return 1
		}
		uri=$(cd "$work" && apt_get download --print-uris -q "$part=$ver" 2>/dev/null |
			sed -n "s/^'\([^']*\)' .*/\1/p" | head -n 1)
		case "$uri" in
		"${mirror%/}"/*) ;;
		*)
			say "apt would fetch $part $ver from '$uri', not from $mirror, the mirror apt's configuration gives for $from_suite"
			return 1
			;;
		esac
		say "downloading $part $ver from $mirror ($from_suite): $uri"
		(cd "$work" && apt_get download -q "$part=$ver") >/dev/null 2>"$work/download.err" || {
			cat "$work/download.err" >&2
			say "apt-get download $part=$ver failed"
			# Most likely the mirror moved on from this version: worth a refresh.
			stale=1
			return 1
		}
	done
}

# Copy module $1 and, recursively, what it depends on from $2 to $3,
# uncompressed (busybox modprobe reads plain .ko files).
copy_modules() {
	from=$2
	to=$3
	todo=$1
	seen=" "
	while [ -n "$todo" ]; do
		set -- $todo
		m=$1
		shift
		todo="$*"
		case "$seen" in *" $m "*) continue ;; esac
		seen="$seen$m "
		# Module names say _ where file names may say -.
		dash=$(echo "$m" | tr _ -)
		under=$(echo "$m" | tr - _)
		rel=$(cd "$from" && find kernel \( -name "$dash.ko*" -o -name "$under.ko*" \) | head -n 1)
		[ -n "$rel" ] || {
			say "module $m is not in $pkg $ver"
			return 1
		}
		plain=${rel%.ko*}.ko
		mkdir -p "$to/$(dirname "$rel")" || return 1
		case "$rel" in
		*.ko) cp "$from/$rel" "$to/$plain" ;;
		*.ko.xz) xz -dc "$from/$rel" >"$to/$plain" ;;
		*.ko.zst) zstd -qdc "$from/$rel" >"$to/$plain" ;;
		*.ko.gz) gzip -dc "$from/$rel" >"$to/$plain" ;;
		*) say "module $rel: unknown compression"; false ;;
		esac || {
			say "cannot unpack $rel (xz-utils, zstd)"
			return 1
		}
		deps=$(modinfo -F depends "$to/$plain") || return 1
		todo="$todo $(echo "$deps" | tr , ' ')"
	done
}

# Unpack $work/*.deb and lay out $work/out.
unpack() {
	if [ -n "$package" ]; then
		deb=$(ls "$work"/*.deb) || return 1
		got=$(dpkg-deb -f "$deb" Package Version | awk '{ printf "%s ", $2 }') || return 1
		[ "$got" = "$pkg $ver " ] || {
			say "$deb holds $got, not $pkg $ver"
			return 1
		}
		dpkg-deb -x "$deb" "$work/out" || return 1
		: >"$work/out/.complete"
		return
	fi
	for deb in "$work"/*.deb; do
		dpkg-deb -x "$deb" "$work/x" || return 1
	done
	# Modules under lib/modules, or usr/lib/modules (merged /usr: trixie on).
	mods=""
	for d in lib/modules usr/lib/modules; do
		[ -d "$work/x/$d" ] && mods="$mods $d"
	done
	set -- $mods
	[ $# = 1 ] || {
		say "$pkg $ver has modules in neither or both of lib/modules and usr/lib/modules (${mods:-none})"
		return 1
	}
	kver=$(ls "$work/x/$1")
	case "$kver" in
	"" | *[!A-Za-z0-9._+-]*)
		say "$pkg $ver has not exactly one $1/<release> ($(echo "$kver" | tr "\n" " "))"
		return 1
		;;
	esac
	from=$work/x/$1/$kver
	to=$work/out/lib/modules/$kver
	mkdir -p "$to" || return 1
	# vmlinuz in /boot, or in the modules directory (linux-binary-*: unstable).
	image=""
	for f in "$work/x/boot/vmlinuz-$kver" "$from/vmlinuz"; do
		[ -f "$f" ] && image=$f && break
	done
	[ -n "$image" ] || {
		say "$pkg $ver has no boot/vmlinuz-$kver nor $1/$kver/vmlinuz"
		return 1
	}
	cp "$image" "$work/out/vmlinuz" || return 1
	echo "$kver" >"$work/out/version"
	[ -z "$suite" ] || echo "$suite" >"$work/out/suite"
	# Not every package ships them all (unstable's has no modules.builtin*).
	for f in modules.builtin modules.builtin.modinfo; do
		[ ! -f "$from/$f" ] || cp "$from/$f" "$to/" || return 1
	done
	# modules.order names the files as shipped; ours are uncompressed.
	[ ! -f "$from/modules.order" ] ||
		sed 's/\.ko\.\(xz\|zst\|gz\)$/.ko/' "$from/modules.order" >"$to/modules.order" || return 1
	copy_modules "$want_modules" "$from" "$to" || return 1
	depmod -b "$work/out" "$kver"
}

# Under the lock: maybe another caller made it, maybe the lists are stale.
tries=2
until finished; do
	stale=0
	work=$(mktemp -d "$cache/.fetch.XXXXXX")
	if download && unpack; then
		rm -rf "$dir"
		mv "$work/out" "$dir"
		rm -rf "$work"
		work=""
		break
	fi
	rm -rf "$work"
	work=""
	tries=$((tries - 1))
	[ $tries -gt 0 ] && [ $stale = 1 ] && refresh && resolve || die "could not fetch $what ($pkg $ver) into $cache"
done
say "$pkg $ver${suite:+ ($suite)}: ready in $dir"
echo "$dir"
