#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kvm-config-matrix end to end against a fake sysfs and /proc, with
# fake-kmod.sh as modprobe/rmmod/modinfo and small TAP scripts as tests,
# run by the real kvm-selftests (the build tree's, found without being
# named): refusals (built-in KVM, no --reload-modules, fd holders, a VM only
# debugfs lists), the dry run (also on a host that cannot reload), a full
# 2x2x2 run with the runner's per-config reports and the derived rule, a
# param the "kernel" ignores, bytes and quotes that must not break the
# reports, modules unloaded at the start, a deadline that must kill the
# test's whole session, SIGTERM in the middle, and a restore that fails.
#
#   test-matrix-cli.sh PATH-TO-kvm-config-matrix PATH-TO-kvm-selftests
set -u
bin=$1
kvm_selftests=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/fake-host.sh"

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
# A failure whose reason holds a byte that is not UTF-8 (it once made matrix.json invalid).
cat >"$tmp/tests/t-ff" <<'T'
#!/bin/sh
echo "1..1"
printf '# x.c:1:bad:byte \377 here\nnot ok 1 bad\n'
exit 1
T
# A kernel whose sysfs says one thing while the guest sees another: the
# failure names the param, as the reality tests' do.
cat >"$tmp/tests/t-lie" <<'T'
#!/bin/sh
echo "1..1"
if [ "$(cat "$FAKE_SYSFS/module/kvm/parameters/mmio_caching")" = N ]; then
	echo "not ok 1 kvm.mmio_caching=N, but the guest saw cached MMIO SPTEs"; exit 1
fi
echo "ok 1 caching as the param says"
T
chmod +x "$tmp/tests/"*
suite "$tmp/fast" t-pass t-skip
suite "$tmp/lie" t-lie
suite "$tmp/all" t-pass t-skip t-mmio slow hang t-ff

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
check "dry run: 8 configs, ept dropped with a note, the runner's tests, nothing changed" \
	'[ $rc = 0 ] && grep -q "plan: 8 configs on AuthenticAMD (kvm_amd), 2 tests each" "$tmp/out" && grep -q "axis kvm_intel.ept dropped: not this CPU" "$tmp/out" && grep -qx "  test: fake:t-skip" "$tmp/out" && grep -q "would run with --reload-modules" "$tmp/out" && [ "$(snapshot)" = "$before" ] && [ ! -e "$tmp/sys/.calls" ]'

# No --tests-dir in a build tree: the build tree's suite as kselftest-list.txt
# names it, and none of the build's helper programs (tapwrap, test-tap).
build_root=$(cd "$(dirname "$bin")/../.." && pwd)
run 'kvm.tdp_mmu={0,1}' --dry-run
check "build tree: the tests of its kselftest-list.txt, no helper program" \
	'[ $rc = 0 ] && [ "$(sed -n "s/^  test: //p" "$tmp/out")" = "$(cat "$build_root/selftests/kselftest-list.txt")" ] && ! grep -q "tapwrap\|test-tap" "$tmp/out"'

run 'kvm_amd.sev={0,1} x kvm.tdp_mmu=1' --no-tests --dry-run
check "kvm_amd.sev dropped without the CPU flag" '[ $rc = 0 ] && grep -q "axis kvm_amd.sev dropped: the CPU has no .sev. flag" "$tmp/out"'

run "$M" --tests-dir "$tmp/fast" -t no-such-test --dry-run
check "a filter that matches no test is a usage error, before anything changes" \
	'[ $rc = 2 ] && grep -q "kvm-selftests finds no tests to run: .*exit status 2" "$tmp/out"'
run "$M" --tests-dir "$tmp/nonexistent" --reload-modules
check "no suite at --tests-dir: usage error, nothing done" \
	'[ $rc = 2 ] && grep -q "kvm-selftests finds no tests" "$tmp/out" && [ ! -e "$tmp/sys/.calls" ]'
run "$M" --reload-modules --kvm-selftests "$tmp/no-such-runner" --tests-dir "$tmp/fast"
check "a runner that cannot run is a usage error before anything changes" \
	'[ $rc = 2 ] && grep -q "cannot run $tmp/no-such-runner" "$tmp/out" && [ ! -e "$tmp/sys/.calls" ]'

# Built-in KVM: a module directory without initstate.
rm "$tmp/sys/module/kvm/initstate"
run "$M" --reload-modules --tests-dir "$tmp/fast"
check "built-in kvm: says so, exit 4, nothing done" \
	'[ $rc = 4 ] && grep -q "built into this kernel" "$tmp/out" && ! grep -q "^plan:" "$tmp/out" && [ ! -e "$tmp/sys/.calls" ]'
run "$M" --tests-dir "$tmp/fast" --dry-run
check "built-in kvm: --dry-run prints the plan anyway, then exits 4 saying why" \
	'[ $rc = 4 ] && grep -q "plan: 8 configs" "$tmp/out" && grep -qx "  test: fake:t-pass" "$tmp/out" && grep -q "built into this kernel" "$tmp/out" && grep -q "cannot run on this host" "$tmp/out" && [ ! -e "$tmp/sys/.calls" ]'

# Someone holds a VM, someone else /dev/kvm.
fresh
mkdir -p "$tmp/proc/4242/fd" "$tmp/proc/4343/fd"
echo qemu-vm >"$tmp/proc/4242/comm"
echo kvm-open >"$tmp/proc/4343/comm"
ln -s anon_inode:kvm-vm "$tmp/proc/4242/fd/9"
ln -s /dev/kvm "$tmp/proc/4343/fd/3"
run "$M" --reload-modules --tests-dir "$tmp/fast"
check "refuses while a VM and a /dev/kvm user exist (exit 3), nothing changed" \
	'[ $rc = 3 ] && grep -q "pid 4242 (qemu-vm) holds a VM" "$tmp/out" && grep -q "pid 4343 (kvm-open) holds /dev/kvm" "$tmp/out" && grep -q "nothing was done" "$tmp/out" && [ ! -e "$tmp/sys/.calls" ]'
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
check "JSON: the tests and their verdicts are kvm-selftests' own" \
	'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); c=d[\"configs\"][2]; assert [(t[\"id\"],t[\"result\"]) for t in c[\"tests\"]]==[(\"fake:t-pass\",\"pass\"),(\"fake:t-skip\",\"skip\")] and c[\"kvm_selftests\"]==dict(exit_code=0,error=None) and c[\"tests\"][1][\"reason\"]==\"no SEV on this CPU\"" "$tmp/out.d/matrix.json"'
check "per config, the runner's own reports: JUnit, JSON and TAP" \
	'python3 -c "
import json, sys, xml.etree.ElementTree as E
for i in range(1, 9):
    s = E.parse(sys.argv[1] + \"/config-%d.xml\" % i).getroot()
    assert s.get(\"tests\") == \"2\" and s.get(\"skipped\") == \"1\", s.attrib
    r = json.load(open(sys.argv[1] + \"/config-%d.json\" % i))
    assert r[\"schema_version\"] == 1 and len(r[\"tests\"]) == 2
" "$tmp/out.d" && grep -q "# SKIP no SEV on this CPU" "$tmp/out.d/config-3.tap" && grep -q "^ok 1 fake:t-pass" "$tmp/out.d/config-3.tap"'

# A kernel that ignores mmio_caching and says so (sysfs reads Y), and the
# test sees Y too: an honest override, reported with both values, no failure.
fresh halt_poll_ns=200000
FAKE_IGNORE=mmio_caching run 'kvm.mmio_caching={0,1}' --reload-modules --tests-dir "$tmp/all" -t t-mmio -o "$tmp/out.d"
check "ignored param: overridden, naming asked and loaded value (exit 0)" \
	'[ $rc = 0 ] && grep -q "params as loaded: kvm.mmio_caching overridden: asked 0, loaded Y" "$tmp/out" && grep -q "^| 1 | kvm.mmio_caching=0 | overridden kvm.mmio_caching: asked 0, loaded Y | pass |" "$tmp/out" && grep -q "^| 2 | kvm.mmio_caching=1 | ok | pass |" "$tmp/out"'
check "ignored param: JSON outcomes overridden then held, config ok" \
	'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); o=[c[\"outcomes\"][0][\"outcome\"] for c in d[\"configs\"]]; assert o==[\"overridden\",\"held\"], o; assert d[\"configs\"][0][\"ok\"]" "$tmp/out.d/matrix.json"'
# The lie: the test's failure names the param, so it is contradicted (exit 1).
fresh
run 'kvm.mmio_caching={0,1}' --reload-modules --tests-dir "$tmp/lie" -o "$tmp/out.d"
check "lying param: contradicted with the test as evidence (exit 1)" \
	'[ $rc = 1 ] && grep -q "kvm.mmio_caching CONTRADICTED: loaded N, but t-lie: " "$tmp/out" && grep -q "^| 1 | kvm.mmio_caching=0 | \*\*MISMATCH\*\* \*\*contradicted\*\* kvm.mmio_caching" "$tmp/out" && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); o=[c[\"outcomes\"][0] for c in d[\"configs\"]]; assert [x[\"outcome\"] for x in o]==[\"contradicted\",\"held\"], o; assert \"t-lie\" in o[0][\"evidence\"]" "$tmp/out.d/matrix.json"'

# Through a runner named on the command line: per-test verdicts and reasons.
fresh
run 'kvm.mmio_caching={0,1}' --reload-modules --kvm-selftests "$kvm_selftests" \
	--tests-dir "$tmp/all" -t t-pass -t t-skip -t t-mmio -o "$tmp/out.d"
check "--kvm-selftests: per-test verdicts and reasons in the table (exit 1)" \
	'[ $rc = 1 ] && grep -q "^| 1 | kvm.mmio_caching=0 | ok | pass | skip | \*\*FAIL\*\* |" "$tmp/out.d/matrix.md" && grep -q "^| 2 | kvm.mmio_caching=1 | ok | pass | skip | pass |" "$tmp/out.d/matrix.md" && grep -q "t-mmio, fail: .*mmio_caching=N observed" "$tmp/out.d/matrix.md" && grep -q "t-skip, skip: no SEV on this CPU" "$tmp/out.d/matrix.md"'

# A runner that writes no report: the config fails with what it said, and
# the report an earlier run left in the same -o DIR is not taken for it.
cat >"$tmp/bin/broken-runner" <<'T'
#!/bin/sh
case " $* " in *" --list "*) echo fake:t-pass; exit 0 ;; esac
echo "broken-runner: cannot write its report" >&2
exit 1
T
chmod +x "$tmp/bin/broken-runner"
run 'kvm.mmio_caching=1' --reload-modules --kvm-selftests "$tmp/bin/broken-runner" -o "$tmp/out.d"
check "a runner without a report fails the config, an old config-1.json is not read" \
	'[ $rc = 1 ] && [ ! -e "$tmp/out.d/config-1.json" ] && python3 -c "
import json, sys
c = json.load(open(sys.argv[1]))[\"configs\"][0]
assert c[\"tests\"] == [] and c[\"kvm_selftests\"][\"exit_code\"] == 1, c
assert \"exit status 1: broken-runner: cannot write its report\" in c[\"kvm_selftests\"][\"error\"], c
" "$tmp/out.d/matrix.json"'

# Bytes and quotes from outside: a 0xff in a failure reason, a '"' in a loaded param value.
fresh
FAKE_READBACK='halt_poll_ns=5=1"2' run 'kvm.halt_poll_ns=5' --reload-modules --tests-dir "$tmp/all" \
	-t t-ff -o "$tmp/out.d"
check "a 0xff in a reason and a quote in a param value: matrix.json and config-1.xml stay valid" \
	'[ $rc = 1 ] && python3 -c "
import json, sys, xml.etree.ElementTree as E
d = json.load(open(sys.argv[1] + \"/matrix.json\", encoding=\"utf-8\"))
c = d[\"configs\"][0]
assert c[\"mismatches\"][0][\"loaded\"] == \"1\\\"2\", c[\"mismatches\"]
assert c[\"tests\"][0][\"reason\"] == \"byte \ufffd here\", c[\"tests\"]
p = {e.get(\"name\"): e.get(\"value\") for e in E.parse(sys.argv[1] + \"/config-1.xml\").iter(\"property\")}
assert p.get(\"param.kvm.halt_poll_ns\") == \"1\\\"2\", p
" "$tmp/out.d"'

# SIGTERM while a test runs: restore anyway, exit 128+15, the test gone too.
fresh
before=$(snapshot)
rm -f "$tmp/out"	# the wait below must not see an earlier run's output
"$bin" --sysfs-root "$tmp/sys" --proc-root "$tmp/proc" --modprobe "$tmp/bin/modprobe" \
	--rmmod "$tmp/bin/rmmod" --modinfo "$tmp/bin/modinfo" 'kvm.tdp_mmu={0,1}' \
	--reload-modules --tests-dir "$tmp/all" -t slow >"$tmp/out" 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q "params ok" "$tmp/out"; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
check "SIGTERM mid-test: restores, exit 143, params as before, the test not left running" \
	'[ $rc = 143 ] && grep -q "interrupted by signal 15" "$tmp/out" && grep -q "restore: ok" "$tmp/out" && [ "$(snapshot)" = "$before" ] && ! pgrep -f "$tmp/all/slow" >/dev/null'

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
run 'kvm.tdp_mmu=0' --reload-modules --tests-dir "$tmp/all" -t hang --timeout 1
took=$(($(date +%s) - start))
check "a timed-out test and its other process groups are killed (took ${took}s)" \
	'[ $rc = 1 ] && [ $took -lt 10 ] && grep -q "hang.*timeout: timed out after 1 s" "$tmp/out"'

# The restore's own modprobe fails (call 3: config kvm, config kvm_amd, restore kvm).
fresh
FAKE_FAIL_CALL=3 run 'kvm.tdp_mmu=0' --reload-modules --no-tests
check "a failed restore is reported (exit 5)" \
	'[ $rc = 5 ] && grep -q "RESTORE FAILED: .*modprobe kvm. failed (exit status 1)" "$tmp/out"'

echo "1..$n"
[ $fails = 0 ]
