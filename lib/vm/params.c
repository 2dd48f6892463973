// SPDX-License-Identifier: GPL-2.0-only
/* Module parameters for selftests, through libkvmcfg (see kvm_params.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_params.h"
#include "param.h"
#include "test_util.h"

const char *kvm_sysfs_root(void)
{
	const char *root = getenv("KVMCFG_SYSFS_ROOT");

	return root && *root ? root : "/sys";
}

int __kvm_param_get_str(const char *module, const char *param, char **ret)
{
	return kvmcfg_param_read(kvm_sysfs_root(), module, param, ret);
}

/* Read and parse with @parse; *ret written only when both succeed. */
static int param_get_parsed(const char *module, const char *param,
			    int (*parse)(const char *s, void *ret), void *ret)
{
	char *s = NULL;
	int r;

	r = __kvm_param_get_str(module, param, &s);
	if (r < 0)
		return r;
	r = parse(s, ret);
	free(s);
	return r;
}

static int parse_bool(const char *s, void *ret)
{
	return kvmcfg_parse_bool(s, ret);
}

static int parse_int(const char *s, void *ret)
{
	return kvmcfg_parse_int(s, ret);
}

int __kvm_param_get_bool(const char *module, const char *param, bool *ret)
{
	return param_get_parsed(module, param, parse_bool, ret);
}

int __kvm_param_get_int(const char *module, const char *param, int64_t *ret)
{
	return param_get_parsed(module, param, parse_int, ret);
}

static void param_assert(int r, const char *module, const char *param)
{
	TEST_ASSERT(r == 0, "module parameter %s.%s under %s: %s", module, param, kvm_sysfs_root(),
		    r == -ENODEV ? "module not loaded" :
		    r == -ENOENT ? "no such parameter" :
		    r == -EINVAL ? "value does not parse" :
				   strerror(-r));
}

bool kvm_param_get_bool(const char *module, const char *param)
{
	bool v = false;

	param_assert(__kvm_param_get_bool(module, param, &v), module, param);
	return v;
}

int64_t kvm_param_get_int(const char *module, const char *param)
{
	int64_t v = 0;

	param_assert(__kvm_param_get_int(module, param, &v), module, param);
	return v;
}

char *kvm_param_get_str(const char *module, const char *param)
{
	char *v = NULL;

	param_assert(__kvm_param_get_str(module, param, &v), module, param);
	return v;
}
