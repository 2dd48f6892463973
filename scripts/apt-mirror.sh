#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Print the Debian mirror this machine's apt uses for SUITE (default
# bookworm): the first "deb" source whose suites include it, read from
# /etc/apt/sources.list.d/*.sources (deb822) or *.list / sources.list.
# Never a built-in host: a machine without one configured is an error.
#
#   scripts/apt-mirror.sh [SUITE]
set -eu
suite=${1:-bookworm}
etc=${APT_ETC:-/etc/apt}

# deb822 stanzas: blank-line separated, "Key: value" fields.
for f in "$etc"/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	uri=$(awk -v want="$suite" '
		function flush() {
			if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " want " ") && uris != "" && found == "") {
				split(uris, u, " "); found = u[1]
			}
			types = ""; suites = ""; uris = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		{
			key = tolower($1); sub(/:$/, "", key)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val)
			if (key == "types") types = val
			else if (key == "suites") suites = val
			else if (key == "uris") uris = val
		}
		END { flush(); if (found != "") print found }
	' "$f")
	if [ -n "$uri" ]; then
		echo "$uri"
		exit 0
	fi
done

# One-line format: deb [options] URI SUITE COMPONENT...
for f in "$etc"/sources.list "$etc"/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	uri=$(awk -v want="$suite" '
		$1 != "deb" { next }
		{
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) == want) { print $i; exit }
		}
	' "$f")
	if [ -n "$uri" ]; then
		echo "$uri"
		exit 0
	fi
done

echo "apt-mirror.sh: no 'deb' source for suite $suite in $etc/sources.list{,.d}" >&2
exit 1
