/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SHA-256 (FIPS 180-4) of a buffer, as 64 lower-case hex digits. For
 * identifying text (kvmcfgd's kvmcfg_policy_info{sha256=...}), not for
 * security decisions. Computed by nettle (libnettle, no dependencies of its
 * own) rather than libcrypto, so kvmcfgd does not map libcrypto (and its
 * start-up cost and resident pages) for one digest per policy load. Pure.
 */
#pragma once

#include <stddef.h>

#define KVMCFG_SHA256_HEX_LEN 64

/* Digest of @len bytes at @data into @hex (KVMCFG_SHA256_HEX_LEN + 1 bytes, NUL-terminated). */
void kvmcfg_sha256_hex(const void *data, size_t len, char hex[KVMCFG_SHA256_HEX_LEN + 1]);
