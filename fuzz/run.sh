#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Long fuzz runs (docs/fuzzing.md): build the libFuzzer targets with clang,
# ASan and UBSan in BUILDDIR, then run each TARGET for SECONDS, JOBS at a
# time, each on a working copy of its seed corpus (new inputs never land in
# the source tree). Crashes go to WORKDIR/<target>/crash-*; the last lines
# of each log are the figures to report.
#
#   fuzz/run.sh [-t SECONDS] [-j JOBS] [-b BUILDDIR] [-w WORKDIR] [TARGET...]
#
# Defaults: 600 s, 2 jobs, build-fuzz, /var/tmp/kvmcfg-fuzz, every target.
set -eu
cd "$(dirname "$0")/.."

secs=600 jobs=2 builddir=build-fuzz work=/var/tmp/kvmcfg-fuzz
while getopts t:j:b:w:h o; do
	case $o in
	t) secs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	b) builddir=$OPTARG ;;
	w) work=$OPTARG ;;
	*) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
targets=${*:-$(ls fuzz/corpus)}

if [ ! -f "$builddir/build.ninja" ]; then
	CC=clang meson setup "$builddir" -Dfuzzers=true -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null
fi
for t in $targets; do
	ninja -C "$builddir" "fuzz/fuzz-$t" >/dev/null
done

run_one() {
	t=$1
	mkdir -p "$work/$t/corpus"
	cp -n fuzz/corpus/"$t"/* "$work/$t/corpus/" 2>/dev/null || true
	dict=
	[ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
	start=$(date +%s)
	rc=0
	# -timeout: one input may take 10 s at most (a hang is a finding too).
	"$builddir/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 $dict -artifact_prefix="$work/$t/" \
		"$work/$t/corpus" >"$work/$t/log" 2>&1 || rc=$?
	echo "$t: exit $rc after $(($(date +%s) - start)) s;" \
		"$(grep -E '^#[0-9]+' "$work/$t/log" | tail -1)" >>"$work/summary"
}

mkdir -p "$work"
: >"$work/summary"
n=0
for t in $targets; do
	run_one "$t" &
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		wait
		n=0
	fi
done
wait
cat "$work/summary"
ls "$work"/*/crash-* "$work"/*/leak-* "$work"/*/timeout-* 2>/dev/null && exit 1
exit 0
