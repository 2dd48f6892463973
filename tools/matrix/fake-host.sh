# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the matrix's shell tests: a fake AMD host (a /sys and /proc
# tree, with fake-kmod.sh as modprobe/rmmod/modinfo), a TAP reporter, and
# run() to drive kvm-config-matrix ($bin) against it. Needs $tmp and $here.
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; sed 's/^/#   /' "$tmp/out" 2>/dev/null | head -60; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# A fresh fake host: AMD with svm, kvm + kvm_amd loaded with kvm params "$@"
# (default mmio_caching=0, a value only the modprobe command line knew).
fresh() {
	rm -rf "$tmp/sys" "$tmp/proc" "$tmp/out.d"
	mkdir -p "$tmp/sys/module" "$tmp/proc/1/fd" "$tmp/bin"
	printf 'processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse svm npt\n\n' >"$tmp/proc/cpuinfo"
	echo init >"$tmp/proc/1/comm"
	ln -sf /dev/null "$tmp/proc/1/fd/0"
	for t in modprobe rmmod modinfo; do ln -sf "$here/fake-kmod.sh" "$tmp/bin/$t"; done
	export FAKE_SYSFS="$tmp/sys"
	[ $# = 0 ] && set -- mmio_caching=0
	"$tmp/bin/modprobe" kvm "$@"
	"$tmp/bin/modprobe" kvm_amd
	rm -f "$tmp/sys/.calls"
}
snapshot() { (cd "$tmp/sys/module" && grep -r . --include='*' . | grep -v initstate | sort); }

# A kselftest suite directory in the build tree's flat layout: DIR, then
# the test scripts (from $tmp/tests) of its one collection, "fake".
suite() {
	d=$1
	shift
	mkdir -p "$d"
	: >"$d/kselftest-list.txt"
	for t in "$@"; do
		cp "$tmp/tests/$t" "$d/"
		echo "fake:$t" >>"$d/kselftest-list.txt"
	done
	echo timeout=20 >"$d/settings.fake"
}

run() { # args...: runs the matrix against the fake host, output in $tmp/out, rc in $rc
	"$bin" --sysfs-root "$tmp/sys" --proc-root "$tmp/proc" --modprobe "$tmp/bin/modprobe" \
		--rmmod "$tmp/bin/rmmod" --modinfo "$tmp/bin/modinfo" "$@" >"$tmp/out" 2>&1
	rc=$?
}
