#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kvm-config-matrix as a new user meets it: `meson install --destdir` the
# build, then run the installed kvm-config-matrix with neither --tests-dir
# nor --kvm-selftests, on a fake host (fake-host.sh; this host cannot
# reload its built-in KVM). It must find the installed kvm-selftests beside
# itself, which finds the installed per-area suite, and every test of
# kselftest-list.txt must run under every config, from the installed tree.
#
#   test-matrix-installed.sh BUILD_ROOT
set -u
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/fake-host.sh"

meson install -C "$build" --destdir "$tmp/dest" --no-rebuild --quiet >/dev/null || exit 1
eval "$(meson introspect --buildoptions "$build" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print("prefix=%s bindir=%s libexecdir=%s" % (o["prefix"], o["bindir"], o["libexecdir"]))')"
bin=$tmp/dest$prefix/$bindir/kvm-config-matrix
suite_dir=$tmp/dest$prefix/$libexecdir/kvmcfg/selftests
check "installed: kvm-config-matrix, kvm-selftests beside it, the suite's list" \
	'[ -x "$bin" ] && [ -x "$tmp/dest$prefix/$bindir/kvm-selftests" ] && [ -s "$suite_dir/kselftest-list.txt" ]'

fresh
run 'kvm.mmio_caching={0,1}' --dry-run
check "dry run lists every installed test" \
	'[ $rc = 0 ] && [ "$(sed -n "s/^  test: //p" "$tmp/out")" = "$(cat "$suite_dir/kselftest-list.txt")" ]'

cd /
run 'kvm.mmio_caching={0,1}' --reload-modules -o "$tmp/out.d"
check "the run ends (exit 0 or 1: the verdicts are the tests' own) and restores" \
	'[ $rc = 0 -o $rc = 1 ] && grep -q "restore: ok" "$tmp/out"'
check "every installed test ran under both configs, from the installed tree, with a verdict" \
	'python3 -c "
import json, sys
listed = open(sys.argv[1] + \"/kselftest-list.txt\").read().split()
d = json.load(open(sys.argv[2] + \"/matrix.json\"))
assert len(d[\"configs\"]) == 2
for c in d[\"configs\"]:
    assert [t[\"id\"] for t in c[\"tests\"]] == listed, (c[\"index\"], c[\"tests\"])
    assert all(t[\"result\"] in (\"pass\", \"fail\", \"skip\", \"xfail\", \"timeout\") for t in c[\"tests\"])
    r = json.load(open(sys.argv[2] + \"/config-%d.json\" % c[\"index\"]))
    assert r[\"runner\"][\"dir\"] == sys.argv[1], r[\"runner\"][\"dir\"]
    assert all(t[\"path\"] == sys.argv[1] + \"/\" + t[\"collection\"] + \"/\" + t[\"name\"] for t in r[\"tests\"])
" "$(cd "$suite_dir" && pwd -P)" "$tmp/out.d"'

echo "1..$n"
[ $fails = 0 ]
