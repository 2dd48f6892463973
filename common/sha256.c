// SPDX-License-Identifier: GPL-2.0-only
#include <nettle/sha2.h>

#include "sha256.h"

void kvmcfg_sha256_hex(const void *data, size_t len, char hex[KVMCFG_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0xf];
	}
	hex[KVMCFG_SHA256_HEX_LEN] = '\0';
}
