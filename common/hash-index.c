// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>

#include "hash-index.h"

uint64_t kvmcfg_hash_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--) {
		h ^= *c++;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static void insert(KvmcfgIndexSlot *slots, size_t cap, uint64_t hash, size_t pos_plus_1)
{
	size_t i = (size_t)(hash ^ (hash >> 32)) & (cap - 1);

	while (slots[i].pos_plus_1)
		i = (i + 1) & (cap - 1);
	slots[i] = (KvmcfgIndexSlot){ hash, pos_plus_1 };
}

int kvmcfg_index_add(KvmcfgIndex *ix, uint64_t hash, size_t pos)
{
	if ((ix->n + 1) * 2 > ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 16, i;
		KvmcfgIndexSlot *slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		for (i = 0; i < ix->cap; i++)
			if (ix->slots[i].pos_plus_1)
				insert(slots, cap, ix->slots[i].hash, ix->slots[i].pos_plus_1);
		free(ix->slots);
		ix->slots = slots;
		ix->cap = cap;
	}
	insert(ix->slots, ix->cap, hash, pos + 1);
	ix->n++;
	return 0;
}

size_t kvmcfg_index_find(const KvmcfgIndex *ix, uint64_t hash,
			 bool (*eq)(size_t pos, const void *key, const void *userdata),
			 const void *key, const void *userdata)
{
	size_t i;

	if (!ix->cap)
		return KVMCFG_INDEX_NONE;
	for (i = (size_t)(hash ^ (hash >> 32)) & (ix->cap - 1); ix->slots[i].pos_plus_1;
	     i = (i + 1) & (ix->cap - 1))
		if (ix->slots[i].hash == hash && eq(ix->slots[i].pos_plus_1 - 1, key, userdata))
			return ix->slots[i].pos_plus_1 - 1;
	return KVMCFG_INDEX_NONE;
}

void kvmcfg_index_done(KvmcfgIndex *ix)
{
	free(ix->slots);
	*ix = (KvmcfgIndex){ 0 };
}
