#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kvm-config-matrix end to end against a fake sysfs and /proc, with
# fake-kmod.sh as modprobe/rmmod/modinfo and small TAP scripts as tests:
# refusals (built-in KVM, no --reload-modules, fd holders, a VM only
# debugfs lists), the dry run, a full 2x2x2 run with its outputs and the
# derived rule, a param the "kernel" ignores, runs via the real kvm-selftests,
# modules unloaded at the start, a deadline that must kill the test's whole
# session, SIGTERM in the middle, and a restore that fails.
#
#   test-matrix-cli.sh PATH-TO-kvm-config-matrix [PATH-TO-kvm-selftests]
set -u
bin=$1
kvm_selftests=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; sed 's/^/#   /' "$tmp/out" 2>/dev/null | head -40; }
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

mkdir -p "$tmp/tests"
printf '#!/bin/sh\necho "TAP version 13"\necho "1..1"\necho "ok 1 works"\n' >"$tmp/tests/t-pass"
printf '#!/bin/sh\necho "1..1"\necho "ok 1 sev # SKIP no SEV on this CPU"\nexit 4\n' >"$tmp/tests/t-skip"
# Sees the loaded mmio_caching the way a reality test would, from sysfs.
cat >"$tmp/tests/t-mmio" <<'T'
#!/bin/sh
echo "1..1"
if [ "$(cat "$FAKE_SYSFS/module/kvm/parameters/mmio_caching")" = Y ]; then
	echo "ok 1 mmio_caching on"
else
	echo "not ok 1 mmio_caching=N observed"; exit 1
fi
T
printf '#!/bin/sh\necho "1..1"\nsleep 30\necho "ok 1 slow"\n' >"$tmp/tests/slow"
# Like a kselftest harness: the work runs in a process group of its own.
cat >"$tmp/tests/hang" <<'T'
#!/bin/sh
echo "1..1"
python3 -c 'import os; os.setpgid(0, 0); os.execvp("sleep", ["sleep", "30"])' &
wait
echo "ok 1 hang"
T
chmod +x "$tmp/tests/"*
mkdir -p "$tmp/fast" && cp "$tmp/tests/t-pass" "$tmp/tests/t-skip" "$tmp/fast/"

run() { # args...: runs the matrix against the fake host, output in $tmp/out, rc in $rc
	"$bin" --sysfs-root "$tmp/sys" --proc-root "$tmp/proc" --modprobe "$tmp/bin/modprobe" \
		--rmmod "$tmp/bin/rmmod" --modinfo "$tmp/bin/modinfo" "$@" >"$tmp/out" 2>&1
	rc=$?
}
M='kvm.tdp_mmu={0,1} x kvm_amd.npt={0,1} x kvm.mmio_caching={0,1} x kvm_intel.ept={0,1}'

fresh
"$bin" --help >"$tmp/out" 2>&1
check "--help exits 0 and documents --reload-modules" '[ $? = 0 ] && grep -q -- --reload-modules "$tmp/out"'

run 'kvm.tdp_mmu={0,1' --dry-run
check "a bad matrix is a usage error with its column" '[ $rc = 2 ] && grep -q "matrix argument 1:1:17: expected" "$tmp/out"'

run 'kvm.tdp_mmu={0,1}' 'kvm.tdp_mmu=1' --dry-run
check "an axis given twice is refused" '[ $rc = 2 ] && grep -q "given twice" "$tmp/out"'

before=$(snapshot)
run "$M" --tests-dir "$tmp/fast"
check "without --reload-modules nothing happens (exit 3)" \
	'[ $rc = 3 ] && grep -q "needs --reload-modules" "$tmp/out" && [ "$(snapshot)" = "$before" ]'

run "$M" --tests-dir "$tmp/fast" --dry-run
check "dry run: 8 configs, ept dropped with a note, nothing changed" \
	'[ $rc = 0 ] && grep -q "plan: 8 configs" "$tmp/out" && grep -q "axis kvm_intel.ept dropped: not this CPU" "$tmp/out" && [ "$(snapshot)" = "$before" ] && [ ! -e "$tmp/sys/.calls" ]'

run 'kvm_amd.sev={0,1} x kvm.tdp_mmu=1' --no-tests --dry-run
check "kvm_amd.sev dropped without the CPU flag" '[ $rc = 0 ] && grep -q "axis kvm_amd.sev dropped: the CPU has no .sev. flag" "$tmp/out"'

# Built-in KVM: a module directory without initstate.
rm "$tmp/sys/module/kvm/initstate"
run "$M" --reload-modules --tests-dir "$tmp/fast"
check "built-in kvm: says so, exit 4, nothing done" \
	'[ $rc = 4 ] && grep -q "built into this kernel" "$tmp/out" && [ ! -e "$tmp/sys/.calls" ]'

# Someone holds a VM, someone else /dev/kvm.
fresh
mkdir -p "$tmp/proc/4242/fd" "$tmp/proc/4343/fd"
echo qemu-vm >"$tmp/proc/4242/comm"
echo kvm-open >"$tmp/proc/4343/comm"
ln -s anon_inode:kvm-vm "$tmp/proc/4242/fd/9"
ln -s /dev/kvm "$tmp/proc/4343/fd/3"
run "$M" --reload-modules --tests-dir "$tmp/fast"
check "refuses while a VM and a /dev/kvm user exist (exit 3), nothing changed" \
	'[ $rc = 3 ] && grep -q "pid 4242 (qemu-vm) holds a VM" "$tmp/out" && grep -q "pid 4343 (kvm-open) holds /dev/kvm" "$tmp/out" && [ ! -e "$tmp/sys/.calls" ]'
run "$M" --dry-run --tests-dir "$tmp/fast"
check "dry run reports that it would be refused" '[ $rc = 3 ] && grep -q "would be refused" "$tmp/out"'
# A VM only KVM's debugfs knows of (its process's fds are out of sight).
rm -rf "$tmp/proc/4242" "$tmp/proc/4343"
mkdir -p "$tmp/sys/kernel/debug/kvm/5151-12"
touch "$tmp/sys/kernel/debug/kvm/mmio_exits"
run "$M" --reload-modules --tests-dir "$tmp/fast"
check "refuses while debugfs lists a VM (exit 3)" \
	'[ $rc = 3 ] && grep -q "debugfs lists a VM of pid 5151" "$tmp/out" && [ ! -e "$tmp/sys/.calls" ]'
run 'kvm.tdp_mmu=0' --reload-modules --force --no-tests
check "--force goes ahead" '[ $rc = 0 ] && grep -q "going ahead anyway" "$tmp/out"'

# The full run.
fresh
before=$(snapshot)
run "$M" --reload-modules --tests-dir "$tmp/fast" -o "$tmp/out.d"
# The fake kernel keeps tdp_mmu=Y with npt=0: libkvmcfg's derived rule must catch it.
check "2x2x2 run: exit 1, tdp_mmu=1 npt=0 flagged by the derived rule" \
	'[ $rc = 1 ] && grep -q "^\[5/8\] kvm.tdp_mmu=1 kvm_amd.npt=0 kvm.mmio_caching=0: PARAM MISMATCH: .*TDP MMU needs EPT or NPT" "$tmp/out"'
check "8 table rows" '[ $(grep -c "^| [0-9]" "$tmp/out.d/matrix.md") = 8 ]'
check "restored: every param as before (mmio_caching=N, not the default)" \
	'grep -q "restore: ok" "$tmp/out" && [ "$(snapshot)" = "$before" ] && grep -qx N "$tmp/sys/module/kvm/parameters/mmio_caching"'
check "JSON: 8 configs, only 5 and 6 not ok, restore ok" \
	'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d[\"configs\"])==8 and [c[\"index\"] for c in d[\"configs\"] if not c[\"ok\"]]==[5,6] and d[\"restore\"][\"ok\"]" "$tmp/out.d/matrix.json"'
check "JUnit: 8 files, well-formed, 3 cases each, one skipped" \
	'python3 -c "
import sys, xml.etree.ElementTree as E
for i in range(1, 9):
    s = E.parse(sys.argv[1] + \"/config-%d.xml\" % i).getroot()[0]
    assert s.get(\"tests\") == \"3\" and s.get(\"skipped\") == \"1\", s.attrib
" "$tmp/out.d"'
check "TAP per config: params line and the skip reason" \
	'grep -q "^ok 1 params" "$tmp/out.d/config-3.tap" && grep -q "# SKIP no SEV on this CPU" "$tmp/out.d/config-3.tap"'

# A kernel that ignores mmio_caching and says so (sysfs reads Y), and the
# test sees Y too: an honest override, reported with both values, no failure.
fresh halt_poll_ns=200000
FAKE_IGNORE=mmio_caching run 'kvm.mmio_caching={0,1}' --reload-modules --tests-dir "$tmp/tests" -t t-mmio -o "$tmp/out.d"
check "ignored param: overridden, naming asked and loaded value (exit 0)" \
	'[ $rc = 0 ] && grep -q "params as loaded: kvm.mmio_caching overridden: asked 0, loaded Y" "$tmp/out" && grep -q "^| 1 | kvm.mmio_caching=0 | overridden kvm.mmio_caching: asked 0, loaded Y | pass |" "$tmp/out" && grep -q "^| 2 | kvm.mmio_caching=1 | ok | pass |" "$tmp/out"'
check "ignored param: JSON outcomes overridden then held, TAP params ok" \
	'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); o=[c[\"outcomes\"][0][\"outcome\"] for c in d[\"configs\"]]; assert o==[\"overridden\",\"held\"], o; assert d[\"configs\"][0][\"ok\"]" "$tmp/out.d/matrix.json" && grep -q "^ok 1 params" "$tmp/out.d/config-1.tap"'
# A kernel whose sysfs says one thing while the guest sees another: the
# test's failure names the param, so the param is contradicted (exit 1).
cat >"$tmp/tests/t-lie" <<'T'
#!/bin/sh
echo "1..1"
if [ "$(cat "$FAKE_SYSFS/module/kvm/parameters/mmio_caching")" = N ]; then
	echo "not ok 1 kvm.mmio_caching=N, but the guest saw cached MMIO SPTEs"; exit 1
fi
echo "ok 1 caching as the param says"
T
chmod +x "$tmp/tests/t-lie"
fresh
run 'kvm.mmio_caching={0,1}' --reload-modules --tests-dir "$tmp/tests" -t t-lie -o "$tmp/out.d"
check "lying param: contradicted with the test as evidence (exit 1)" \
	'[ $rc = 1 ] && grep -q "kvm.mmio_caching CONTRADICTED: loaded N, but t-lie: " "$tmp/out" && grep -q "^| 1 | kvm.mmio_caching=0 | \*\*MISMATCH\*\* \*\*contradicted\*\* kvm.mmio_caching" "$tmp/out" && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); o=[c[\"outcomes\"][0] for c in d[\"configs\"]]; assert [x[\"outcome\"] for x in o]==[\"contradicted\",\"held\"], o; assert \"t-lie\" in o[0][\"evidence\"]" "$tmp/out.d/matrix.json"'

# SIGTERM while a test runs: restore anyway, exit 128+15.
fresh
before=$(snapshot)
rm -f "$tmp/out"	# the wait below must not see an earlier run's output
"$bin" --sysfs-root "$tmp/sys" --proc-root "$tmp/proc" --modprobe "$tmp/bin/modprobe" \
	--rmmod "$tmp/bin/rmmod" --modinfo "$tmp/bin/modinfo" 'kvm.tdp_mmu={0,1}' \
	--reload-modules --tests-dir "$tmp/tests" -t slow >"$tmp/out" 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q "params ok" "$tmp/out"; do sleep 0.1; i=$((i + 1)); done
kill -TERM $pid
wait $pid
rc=$?
check "SIGTERM mid-test: restores, exit 143, params as before" \
	'[ $rc = 143 ] && grep -q "interrupted by signal 15" "$tmp/out" && grep -q "restore: ok" "$tmp/out" && [ "$(snapshot)" = "$before" ]'

# Nothing loaded to begin with: params come from modinfo, and the restore
# leaves both modules unloaded again.
fresh
rm -rf "$tmp/sys/module/kvm_amd" "$tmp/sys/module/kvm"
run 'kvm.tdp_mmu={0,1} x kvm_amd.npt=1' --reload-modules --no-tests
check "from unloaded modules: runs, restores to unloaded" \
	'[ $rc = 0 ] && grep -q "restore: ok" "$tmp/out" && [ ! -e "$tmp/sys/module/kvm" ] && [ ! -e "$tmp/sys/module/kvm_amd" ]'
run 'kvm.nosuch={0,1} x kvm_amd.npt=0' --dry-run --no-tests
check "from unloaded modules: a param modinfo does not list is dropped" \
	'[ $rc = 0 ] && grep -q "axis kvm.nosuch dropped: the module has no parameter" "$tmp/out"'

# A deadline kills the test's whole session, not only its process group.
fresh
start=$(date +%s)
run 'kvm.tdp_mmu=0' --reload-modules --tests-dir "$tmp/tests" -t hang --timeout 1
took=$(($(date +%s) - start))
check "a timed-out test and its other process groups are killed (took ${took}s)" \
	'[ $rc = 1 ] && [ $took -lt 10 ] && grep -q "hang.*fail: timed out after 1 s" "$tmp/out"'

# Through the installed runner: a suite directory as kvm-selftests reads it.
if [ -n "$kvm_selftests" ]; then
	mkdir -p "$tmp/suite"
	cp "$tmp/tests/t-pass" "$tmp/tests/t-skip" "$tmp/tests/t-mmio" "$tmp/suite/"
	printf 'fake:t-pass\nfake:t-skip\nfake:t-mmio\n' >"$tmp/suite/kselftest-list.txt"
	echo timeout=20 >"$tmp/suite/settings.fake"
	fresh
	run 'kvm.mmio_caching={0,1}' --reload-modules --kvm-selftests "$kvm_selftests" \
		--tests-dir "$tmp/suite" -o "$tmp/out.d"
	check "via kvm-selftests: per-test verdicts and reasons in the table (exit 1)" \
		'[ $rc = 1 ] && grep -q "^| 1 | kvm.mmio_caching=0 | ok | pass | skip | \*\*FAIL\*\* |" "$tmp/out.d/matrix.md" && grep -q "^| 2 | kvm.mmio_caching=1 | ok | pass | skip | pass |" "$tmp/out.d/matrix.md" && grep -q "t-mmio, fail: .*mmio_caching=N observed" "$tmp/out.d/matrix.md" && grep -q "t-skip, skip: no SEV on this CPU" "$tmp/out.d/matrix.md"'
	run 'kvm.mmio_caching={0,1}' --reload-modules --kvm-selftests "$kvm_selftests" \
		--tests-dir "$tmp/suite" -t t-pass -o "$tmp/out.d"
	check "via kvm-selftests: -t becomes --filter" \
		'[ $rc = 0 ] && [ "$(sed -n 1p "$tmp/out.d/matrix.md")" = "| # | config | params | t-pass |" ]'
	run 'kvm.mmio_caching=1' --reload-modules --kvm-selftests "$kvm_selftests" \
		--tests-dir "$tmp/suite" -t no-such-test
	check "via kvm-selftests: nothing run is a failure that says why" \
		'[ $rc = 1 ] && grep -q "kvm-selftests .*fail:" "$tmp/out"'
fi

# The restore's own modprobe fails (call 3: config kvm, config kvm_amd, restore kvm).
fresh
FAKE_FAIL_CALL=3 run 'kvm.tdp_mmu=0' --reload-modules --no-tests
check "a failed restore is reported (exit 5)" \
	'[ $rc = 5 ] && grep -q "RESTORE FAILED: .*modprobe kvm. failed (exit status 1)" "$tmp/out"'

echo "1..$n"
[ $fails = 0 ]
