/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The conditions a benchmark ran under: which host (name, CPU model and
 * microcode) and how busy it was (load average at the start and the end,
 * other processes using KVM). A gate compares two runs; when they ran
 * under different conditions, --compare says so next to its verdicts.
 *
 * The parsers are pure (text in); the collectors read under a proc root
 * so tests can point them at a fake tree.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct bench_load {
	bool valid;
	double avg1, avg5, avg15;
};

/* What a busy host looks like at one moment. */
struct bench_busy {
	struct bench_load load;
	int kvm_users; /* other processes holding /dev/kvm or a KVM VM; -1 unknown */
};

struct bench_conditions {
	char *hostname, *cpu_model, *microcode;
	unsigned int ncpus; /* online CPUs */
	struct bench_busy start, end;
};

void bench_conditions_deinit(struct bench_conditions *c);

/* "0.52 0.58 0.59 1/123 4567" -> the three averages; -EINVAL if malformed. */
int bench_parse_loadavg(const char *text, struct bench_load *ret);

/*
 * The first "model name" and "microcode" of /proc/cpuinfo text; either
 * output is NULL when the field is absent. 0, or -EINVAL for NULL @text.
 */
int bench_parse_cpuinfo(const char *text, char **model, char **microcode);

/*
 * Processes under @proc_root other than @self with an fd on /dev/kvm or on
 * a KVM VM or vCPU (anon_inode:kvm-vm, anon_inode:kvm-vcpu:N). Returns the
 * count, or -errno when @proc_root cannot be listed.
 */
int bench_count_kvm_users(const char *proc_root, pid_t self);

/* Fill @b from @proc_root now (fields that cannot be read stay invalid / -1). */
void bench_busy_sample(const char *proc_root, struct bench_busy *b);

/* Host identity from @proc_root and uname; 0 or -ENOMEM. */
int bench_conditions_identify(const char *proc_root, struct bench_conditions *c);

/*
 * Whether the host was busy at either end of the run: a 1-minute load
 * average above the number of CPUs (the vCPU thread had to wait for one),
 * or another process using KVM. Writes why into @why (may be empty).
 */
bool bench_conditions_busy(const struct bench_conditions *c, char *why, size_t len);
