// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the kernel uevent parser (kvmcfgd/src/uevent.c). The input
 * is one datagram exactly as recvmsg() would return it: not NUL-terminated
 * at the end, so any read past @size is an ASan error. Every string the
 * parser hands out must lie inside the datagram, NUL-terminated there.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "uevent.h"

static void check_inside(const uint8_t *data, size_t size, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;

	if (!s)
		return;
	fuzz_assert(p >= data && p < data + size);
	fuzz_assert(memchr(p, '\0', size - (size_t)(p - data)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *module = NULL;
	UeventModuleAction a;
	Uevent u;
	int r;

	memset(&u, 0x5a, sizeof(u));
	r = uevent_parse((const char *)data, size, &u);
	if (r < 0) {
		fuzz_assert(r == -EBADMSG || r == -EPROTONOSUPPORT);
		return 0;
	}
	fuzz_assert(u.action && u.devpath);
	check_inside(data, size, u.action);
	check_inside(data, size, u.devpath);
	check_inside(data, size, u.subsystem);
	fuzz_assert(u.devpath[0] == '/');

	a = uevent_module_action(&u, &module);
	if (a != UEVENT_MODULE_NONE) {
		fuzz_assert(module && *module && !strchr(module, '/'));
		check_inside(data, size, module);
		fuzz_assert(strcmp(u.subsystem, "module") == 0);
	}
	return 0;
}
