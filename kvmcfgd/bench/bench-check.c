// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmcfg-bench-check: how long one full check takes (read every param the
 * policy names, match, derived rules), the work kvmcfgd does on every
 * uevent and timer tick. Target: under 1 ms for about 60 params.
 *
 *   kvmcfg-bench-check [--iterations N] [--sysfs-root DIR] [--output FILE]
 *
 * Without --sysfs-root it builds a fake tree of 60 params (40 kvm, 20
 * kvm_intel) in a temporary directory (tmpfs or disk, not sysfs: the
 * syscall count is the same, the kernel side is cheaper than sysfs's
 * show() callbacks). With --sysfs-root /sys it times the real host, with a
 * policy asserting every kvm* param's current value. Writes JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checker.h"
#include "json-out.h"
#include "param.h"
#include "policy-from-host.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void put(const char *root, const char *module, const char *param, const char *value)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/module", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/module/%s", root, module);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/module/%s/parameters", root, module);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/module/%s/parameters/%s", root, module, param);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", value) < 0 || fclose(f) != 0) {
		fprintf(stderr, "kvmcfg-bench-check: cannot write %s: %m\n", path);
		exit(1);
	}
}

/* The fake tree: 40 kvm params and 20 kvm_intel params with a mix of value forms. */
static void build_tree(const char *root)
{
	static const char *const values[] = { "Y", "N", "200000", "never", "0", "-1" };
	char name[64];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "param_%02d", i);
		put(root, "kvm", name, values[i % 6]);
	}
	put(root, "kvm", "tdp_mmu", "Y");
	put(root, "kvm", "mmio_caching", "Y");
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "param_%02d", i);
		put(root, "kvm_intel", name, values[(i + 1) % 6]);
	}
	put(root, "kvm_intel", "ept", "Y");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "sysfs-root", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *root = NULL, *output = NULL;
	char tmp[] = "/tmp/kvmcfg-bench-XXXXXX", *text = NULL, **modules = NULL;
	PolicyError err = {};
	Policy *p = NULL;
	Findings *f = NULL;
	uint64_t *t, sum = 0;
	size_t n_findings = 0;
	unsigned n_rules = 0;
	long iterations = 2000, i;
	int o, fd;
	FILE *out = stdout;

	while ((o = getopt_long(argc, argv, "n:r:o:h", options, NULL)) >= 0) {
		switch (o) {
		case 'n':
			iterations = strtol(optarg, NULL, 10);
			if (iterations < 1 || iterations > 10000000) {
				fprintf(stderr, "kvmcfg-bench-check: --iterations 1..10000000\n");
				return 2;
			}
			break;
		case 'r':
			root = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			printf("kvmcfg-bench-check [--iterations N] [--sysfs-root DIR] [--output FILE]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!root) {
		if (!mkdtemp(tmp)) {
			perror("kvmcfg-bench-check: mkdtemp");
			return 1;
		}
		build_tree(tmp);
	}
	fd = open(root ? root : tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kvmcfg-bench-check: cannot open %s: %m\n", root ? root : tmp);
		return 1;
	}
	/* The policy asserts every current value: the check does all its matching work. */
	if (kvmcfg_kvm_modules_at(fd, NULL, &modules) < 0 ||
	    kvmcfg_snapshot_at(fd, (const char *const *)modules, NULL, KVMCFG_SNAPSHOT_PIN_ALL, &text,
			       &n_rules) < 0 ||
	    kvmcfg_policy_parse(&p, text, "bench.conf", &err) < 0) {
		fprintf(stderr, "kvmcfg-bench-check: policy: %s", err.text);
		return 1;
	}
	t = calloc(iterations, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < iterations; i++) {
		uint64_t a = now_ns();

		if (kvmcfg_check(p, fd, &f) < 0) {
			fprintf(stderr, "kvmcfg-bench-check: check failed\n");
			return 1;
		}
		t[i] = now_ns() - a;
		sum += t[i];
		/* Every check must pass, or we would be timing error paths. */
		if (kvmcfg_findings_verdict(f) != KVMCFG_VERDICT_OK) {
			fprintf(stderr, "kvmcfg-bench-check: verdict %s on its own snapshot\n",
				kvmcfg_verdict_to_string(kvmcfg_findings_verdict(f)));
			return 1;
		}
		n_findings = f->n;
		kvmcfg_findings_free(f);
	}
	qsort(t, iterations, sizeof(*t), cmp_u64);
	if (output && !(out = fopen(output, "w"))) {
		fprintf(stderr, "kvmcfg-bench-check: cannot write %s: %m\n", output);
		return 1;
	}
	/* Through json-c like every JSON writer: a --sysfs-root may hold any byte. */
	{
		_cleanup_(json_object_putp) struct json_object *doc = json_object_new_object();
		double median = t[iterations / 2] / 1000.0;

		if (!doc || kvmcfg_json_add(doc, "benchmark", json_object_new_string("kvmcfg-check")) < 0 ||
		    kvmcfg_json_add(doc, "sysfs_root", kvmcfg_json_new_string(root ? root : tmp)) < 0 ||
		    kvmcfg_json_add(doc, "fake_tree", json_object_new_boolean(!root)) < 0 ||
		    kvmcfg_json_add(doc, "params", json_object_new_int64(n_rules)) < 0 ||
		    kvmcfg_json_add(doc, "findings_per_check", json_object_new_int64((int64_t)n_findings)) < 0 ||
		    kvmcfg_json_add(doc, "iterations", json_object_new_int64(iterations)) < 0 ||
		    kvmcfg_json_add(doc, "mean_us", json_object_new_double(sum / 1000.0 / iterations)) < 0 ||
		    kvmcfg_json_add(doc, "median_us", json_object_new_double(median)) < 0 ||
		    kvmcfg_json_add(doc, "p99_us", json_object_new_double(
					    t[(size_t)(iterations * 0.99)] / 1000.0)) < 0 ||
		    kvmcfg_json_add(doc, "min_us", json_object_new_double(t[0] / 1000.0)) < 0 ||
		    kvmcfg_json_add(doc, "max_us", json_object_new_double(t[iterations - 1] / 1000.0)) < 0 ||
		    kvmcfg_json_add(doc, "target_us", json_object_new_int64(1000)) < 0 ||
		    kvmcfg_json_add(doc, "meets_target", json_object_new_boolean(median < 1000)) < 0 ||
		    kvmcfg_json_write(out, doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED) < 0) {
			fprintf(stderr, "kvmcfg-bench-check: cannot write the result\n");
			return 1;
		}
	}
	if (output)
		fclose(out);
	free(t);
	free(text);
	strv_free(modules);
	kvmcfg_policy_free(p);
	close(fd);
	if (!root) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "kvmcfg-bench-check: could not remove %s\n", tmp);
	}
	return 0;
}
