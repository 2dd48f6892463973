// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the policy parser and matcher, end to end. The input is a
 * policy text; whatever it holds, kvmcfg_policy_parse() must return a complete
 * policy or an error on a real line, and an accepted policy must format
 * (kvmcfg_policy_format), check against a small fake sysfs tree (kvmcfg_check:
 * every matcher runs against real values, including a non-boolean, a huge
 * integer and bytes that are not UTF-8) and serialize its findings as JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "checker.h"
#include "fake-sysfs.h"
#include "finding.h"
#include "fuzz.h"
#include "policy.h"
#include "utf8.h"

static char *sysfs_root;
static int sysfs_fd = -1;

static void sysfs_cleanup(void)
{
	if (sysfs_fd >= 0)
		close(sysfs_fd);
	fake_sysfs_free(sysfs_root);
}

static void sysfs_setup(void)
{
	int fd;

	sysfs_root = fake_sysfs_new();
	fake_sysfs_param(sysfs_root, "kvm", "tdp_mmu", "Y");
	fake_sysfs_param(sysfs_root, "kvm", "mmio_caching", "N");
	fake_sysfs_param(sysfs_root, "kvm", "halt_poll_ns", "200000");
	fake_sysfs_param(sysfs_root, "kvm", "nx_huge_pages", "never");
	fake_sysfs_param(sysfs_root, "kvm", "big", "99999999999999999999");
	fake_sysfs_param(sysfs_root, "kvm", "neg", "-5");
	fake_sysfs_param(sysfs_root, "kvm_intel", "ept", "Y");
	fake_sysfs_param(sysfs_root, "kvm_intel", "nested", "1");
	fake_sysfs_param(sysfs_root, "kvm_intel", "odd", "a|b \"q\" \xff\xfe\x01");
	fake_sysfs_param(sysfs_root, "kvm_intel", "nul", "");
	sysfs_fd = open(sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sysfs_fd < 0)
		abort();
	/* A param whose file holds a NUL: the reader's -EBADMSG path. */
	fd = openat(sysfs_fd, "module/kvm_intel/parameters/nul", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, "Y\0N\n", 4) != 4 || close(fd) < 0)
		abort();
	atexit(sysfs_cleanup);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *formatted = NULL, *json = NULL;
	PolicyError err = {};
	Findings *f = NULL;
	Policy *p = NULL;
	int r;

	if (sysfs_fd < 0)
		sysfs_setup();
	r = kvmcfg_policy_parse(&p, text, "fuzz.conf", &err);
	if (r < 0) {
		if (r != -EINVAL)
			fuzz_fail("kvmcfg_policy_parse: %d", r);
		fuzz_assert(!p);
		fuzz_assert(err.n_errors > 0);
		fuzz_assert(err.line >= 1 && err.line <= count_lines(text));
		fuzz_assert(strcmp(err.file, "fuzz.conf") == 0);
		goto out;
	}
	fuzz_assert(p && err.n_errors == 0);
	fuzz_assert(kvmcfg_policy_format(p, &formatted) == 0);

	r = kvmcfg_check(p, sysfs_fd, &f);
	fuzz_assert(r == 0);
	/* Every derived rule reports, applicable or not. */
	fuzz_assert(f->n >= kvmcfg_n_derived_rules);
	for (size_t i = 0; i < f->n; i++) {
		const Finding *x = &f->items[i];

		fuzz_assert(kvmcfg_finding_kind_to_string(x->kind));
		/* A mismatch is about a value that was read. */
		fuzz_assert(x->kind != FINDING_MISMATCH || x->actual);
		fuzz_assert(x->module && x->expected && x->message);
	}
	fuzz_assert(kvmcfg_findings_to_json(f, true, &json) == 0);
	fuzz_assert(json[0] == '{' && json[strlen(json) - 1] == '\n');
	/* JSON is UTF-8 with no raw control byte, whatever the params hold. */
	for (size_t i = 0, len = strlen(json), n; i < len; i += n) {
		n = kvmcfg_utf8_seq_len((const unsigned char *)json + i, len - i);
		fuzz_assert(n > 0);
		fuzz_assert(json[i] == '\n' || (unsigned char)json[i] >= 0x20);
	}
	(void)kvmcfg_findings_verdict(f);
out:
	free(json);
	kvmcfg_findings_free(f);
	free(formatted);
	kvmcfg_policy_free(p);
	free(text);
	return 0;
}
