#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Fetch (once) Debian's 6.1 amd64 kernel, the linux-image-6.1.0-N-amd64 that
# linux-image-amd64 depends on, and keep what a QEMU guest needs from it. The
# one fetcher for both guests: the fleet box (scripts/fleetbox-build.sh) and
# the systemd guest (tests/systemd/run-e2e.sh). Prints a directory holding:
#
#   vmlinuz                  the kernel
#   version                  its uname -r
#   lib/modules/VERSION/     kvm, kvm-amd, kvm-intel and what they depend on
#                            (irqbypass, ccp), modules.builtin*, modules.order
#                            and depmod's modules.dep
#
#   scripts/debian-kernel.sh [--cache DIR] [--package NAME] [CACHE_DIR]
#
#   --cache DIR     the cache (CACHE_DIR is the same); default $KVMCFG_CACHE_DIR,
#                   else /var/cache/kvmcfg as root, else ~/.cache/kvmcfg
#   --package NAME  instead of the kernel, fetch package NAME and print the
#                   directory it is unpacked in whole (the box's busybox-static)
#   -h, --help      this text
#
# The version is apt's candidate. The .deb comes with apt-get download, and
# only from the mirror that scripts/apt-mirror.sh reads from apt's
# configuration for the suite offering it (as the systemd guest's rootfs
# does): if apt would fetch it from anywhere else, that is an error. It is unpacked
# with dpkg-deb -x, never installed (installing runs initramfs and
# bootloader hooks on the host), and not kept. The result is cached as
# CACHE_DIR/kernel-PACKAGE-VERSION (deb-PACKAGE-VERSION for --package), never
# changed once made; a hit reads only apt's local lists, no network. Stale
# lists are refreshed (apt-get update, as root) when apt has no such package
# or the download fails. Progress and errors go to stderr, the directory to
# stdout. Exit 1 on a failure, 2 on bad usage. Needs apt-get, dpkg-deb,
# modinfo, depmod (kmod) and flock.
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
while [ $# -gt 0 ]; do
	case "$1" in
	--cache | --package)
		[ $# -ge 2 ] && [ -n "$2" ] || usage "$1 needs a value (see --help)"
		if [ "$1" = --cache ]; then cache=$2; else package=$2; fi
		case "$package" in *[!a-z0-9.+-]*) usage "--package $package is not a Debian package name" ;; esac
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

# depmod and modinfo live in /sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
for t in apt-get apt-cache dpkg-deb modinfo depmod flock; do
	command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh box)"
done

# The package to fetch: the kernel linux-image-amd64 names, or --package.
target() {
	if [ -n "$package" ]; then
		echo "$package"
	else
		apt-cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.[0-9]+-[0-9]+-amd64$/ { print $2; exit }'
	fi
}
# "URI SUITE" of the first source apt offers version $2 of package $1 from.
offered_by() {
	apt-cache policy "$1" 2>/dev/null | awk -v ver="$2" '
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
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
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
		grep -q "/$m\.ko[.:]" "$dep" 2>/dev/null || return 1
	done
}
refresh() {
	[ "$(id -u)" = 0 ] || return 1
	say "refreshing apt's package lists (apt-get update)"
	err=$(apt-get update -q 2>&1 >/dev/null) || {
		echo "$err" >&2
		return 1
	}
}

if ! resolve; then
	refresh || true
	resolve || die "apt knows no ${package:-linux-image-6.1.*-amd64 for linux-image-amd64}$([ "$(id -u)" = 0 ] || echo ' (apt-get update as root)')"
fi
if finished; then
	say "$pkg $ver: cached in $dir"
	echo "$dir"
	exit 0
fi

mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || die "cannot write the cache $cache (--cache DIR)"
# One fetch at a time per cache: a second caller waits, then finds it done.
exec 9>"$cache/.debian-kernel.lock"
flock 9
work=""
trap '[ -z "$work" ] || rm -rf "$work"' EXIT

# Download $pkg=$ver into $work, from the mirror apt-mirror.sh names.
download() {
	src=$(offered_by "$pkg" "$ver")
	[ -n "$src" ] || {
		say "apt offers $pkg $ver from no configured source (apt-cache policy $pkg)"
		return 1
	}
	suite=${src#* }
	mirror=$("$here/apt-mirror.sh" "$suite") || return 1
	uri=$(cd "$work" && apt-get download --print-uris -q "$pkg=$ver" 2>/dev/null |
		sed -n "s/^'\([^']*\)' .*/\1/p" | head -n 1)
	case "$uri" in
	"${mirror%/}"/*) ;;
	*)
		say "apt would fetch $pkg $ver from '$uri', not from $mirror, the mirror scripts/apt-mirror.sh reads for $suite"
		return 1
		;;
	esac
	say "downloading $pkg $ver from $mirror ($suite): $uri"
	(cd "$work" && apt-get download -q "$pkg=$ver") >/dev/null 2>"$work/download.err" || {
		cat "$work/download.err" >&2
		say "apt-get download $pkg=$ver failed"
		# Most likely the mirror moved on from this version: worth a refresh.
		stale=1
		return 1
	}
}

# Copy module $1 and, recursively, what it depends on from $2 to $3.
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
		mkdir -p "$to/$(dirname "$rel")" && cp "$from/$rel" "$to/$rel" || return 1
		deps=$(modinfo -F depends "$from/$rel") || return 1
		todo="$todo $(echo "$deps" | tr , ' ')"
	done
}

# Unpack $work/*.deb and lay out $work/out.
unpack() {
	deb=$(ls "$work"/*.deb) || return 1
	got=$(dpkg-deb -f "$deb" Package Version | awk '{ printf "%s ", $2 }') || return 1
	[ "$got" = "$pkg $ver " ] || {
		say "$deb holds $got, not $pkg $ver"
		return 1
	}
	if [ -n "$package" ]; then
		dpkg-deb -x "$deb" "$work/out" || return 1
		: >"$work/out/.complete"
		return
	fi
	dpkg-deb -x "$deb" "$work/x" || return 1
	kver=$(ls "$work/x/lib/modules")
	case "$kver" in
	"" | *[!A-Za-z0-9._+-]*)
		say "$pkg $ver has not exactly one lib/modules/<release> ($(echo "$kver" | tr "\n" " "))"
		return 1
		;;
	esac
	from=$work/x/lib/modules/$kver
	to=$work/out/lib/modules/$kver
	mkdir -p "$to" || return 1
	[ -f "$work/x/boot/vmlinuz-$kver" ] || {
		say "$pkg $ver has no boot/vmlinuz-$kver"
		return 1
	}
	cp "$work/x/boot/vmlinuz-$kver" "$work/out/vmlinuz" || return 1
	echo "$kver" >"$work/out/version"
	cp "$from/modules.builtin" "$from/modules.builtin.modinfo" "$from/modules.order" "$to/" || return 1
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
	[ $tries -gt 0 ] && [ $stale = 1 ] && refresh && resolve || die "could not fetch $pkg $ver into $cache"
done
say "$pkg $ver: ready in $dir"
echo "$dir"
