/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A hash index over an array the caller owns: it maps a 64-bit hash to
 * positions in that array, and the caller's equality callback decides which
 * candidate is the one. Positions only ever get added, as arrays that only
 * grow (a policy's rules, a check's reads) need; the index never copies or
 * frees keys. Open addressing with linear probing, kept at most half full.
 * Issue 19: one linear scan per rule made validate and check quadratic in
 * the policy size (100,000 rules: 46 s and 91 s).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct KvmcfgIndexSlot {
	uint64_t hash;
	size_t pos_plus_1; /* 0: empty */
} KvmcfgIndexSlot;

typedef struct KvmcfgIndex {
	KvmcfgIndexSlot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;   /* positions indexed */
} KvmcfgIndex;

#define KVMCFG_INDEX_NONE SIZE_MAX

/* FNV-1a over @len bytes, continuing from @h (start with KVMCFG_HASH_INIT). */
#define KVMCFG_HASH_INIT UINT64_C(0xcbf29ce484222325)
uint64_t kvmcfg_hash_bytes(uint64_t h, const void *p, size_t len);

/* Add @pos under @hash. 0 or -ENOMEM. */
int kvmcfg_index_add(KvmcfgIndex *ix, uint64_t hash, size_t pos);

/*
 * The first position under @hash for which @eq(@pos, @key) holds, or
 * KVMCFG_INDEX_NONE.
 */
size_t kvmcfg_index_find(const KvmcfgIndex *ix, uint64_t hash,
			 bool (*eq)(size_t pos, const void *key, const void *userdata),
			 const void *key, const void *userdata);

void kvmcfg_index_done(KvmcfgIndex *ix);
