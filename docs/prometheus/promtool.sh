#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# meson test wrapper: promtool check|test rules FILE, skipped (exit 77) with
# the reason when promtool (Debian package 'prometheus') is not installed.
set -eu
command -v promtool >/dev/null || {
	echo "SKIP: promtool not installed (Debian package prometheus; scripts/deps.sh test)"
	exit 77
}
# promtool resolves rule_files relative to the test file's directory.
exec promtool "$1" rules "$2"
