#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Check the C files listed in .clang-format-files against .clang-format; print
# the diff of each file that differs. Exit 0 clean, 1 differs, 77 (meson's
# skip) when clang-format is missing.
#
#   scripts/check-format.sh [--fix]
set -eu
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$fmt" ]; then
	echo "check-format: clang-format not installed (scripts/deps.sh installs it)" >&2
	exit 77
fi
fix=false
[ "${1:-}" = --fix ] && fix=true
rc=0
n=0
for pattern in $(grep -v '^#' .clang-format-files); do
	for f in $pattern; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		if $fix; then
			"$fmt" -i "$f"
		elif ! "$fmt" "$f" | diff -u "$f" - >/dev/null; then
			"$fmt" "$f" | diff -u --label "$f" --label "$f (clang-format)" "$f" - || true
			rc=1
		fi
	done
done
if [ "$n" = 0 ]; then
	echo "check-format: .clang-format-files matched no file" >&2
	exit 1
fi
[ $rc = 0 ] && echo "check-format: $n files match .clang-format"
exit $rc
