#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Print kvmcfg's cache directory for downloaded and built test guests (the
# Debian kernel, the systemd guest's root filesystem): $KVMCFG_CACHE_DIR if
# set, else /var/cache/kvmcfg for root, else $XDG_CACHE_HOME/kvmcfg
# (~/.cache/kvmcfg). The one definition; scripts/debian-kernel.sh and
# scripts/systemd-guest-rootfs.sh ask it. Does not create the directory.
set -eu
if [ -n "${KVMCFG_CACHE_DIR:-}" ]; then
	echo "$KVMCFG_CACHE_DIR"
elif [ "$(id -u)" = 0 ]; then
	echo /var/cache/kvmcfg
else
	echo "${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/kvmcfg"
fi
