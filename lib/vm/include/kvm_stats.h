/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM binary statistics (KVM_GET_STATS_FD) for a VM or a vCPU, by name.
 *
 * The first use on a VM or vCPU opens its stats fd (kept in vm->stats_fd
 * or vcpu->stats_fd, closed by kvm_vm_free()) and caches the header and
 * descriptors, so later reads cost one pread each. A snapshot reads the
 * whole data block in one pread: take one before and one after the guest
 * does something, then ask for the delta of each stat by name. Stats that
 * move together (pf_taken and mmio_exits, say) are then read at the same
 * instant, not one syscall apart.
 *
 * Stat names are KVM's own ("pf_taken", "mmio_exits", "io_exits", ...). A
 * kernel may lack any of them: the "__" variants return -ENOENT so a test
 * can skip naming the stat; the plain variants assert.
 *
 * Only scalar stats (one u64: cumulative, instant, peak) are read by name;
 * asking for a histogram by name gives -EMSGSIZE.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct kvm_vm;
struct kvm_vcpu;

/* Cached header and descriptors of one stats fd (opaque). */
struct kvm_stats;

/* A copy of every stat of one VM or vCPU, taken at one instant. */
struct kvm_stats_snapshot {
	const struct kvm_stats *stats;
	uint64_t *data; /* the fd's data block, malloc'd */
	size_t size;	/* bytes */
};

/*
 * The stats of a VM or vCPU, opened and cached on first use. Asserts that
 * KVM_GET_STATS_FD works; check kvm_check_cap(KVM_CAP_BINARY_STATS_FD)
 * first to skip on kernels without it.
 */
struct kvm_stats *vm_stats(struct kvm_vm *vm);
struct kvm_stats *vcpu_stats(struct kvm_vcpu *vcpu);

/*
 * Parse the header and descriptors of the stats fd @fd (not taken over:
 * the caller closes it after kvm_stats_free()). -EBADMSG when the header
 * is inconsistent, -errno from pread.
 */
int kvm_stats_new(struct kvm_stats **ret, int fd);
struct kvm_stats *kvm_stats_free(struct kvm_stats *stats);

/* Number of stats, and the name of the i-th (for listing). */
unsigned int kvm_stats_count(const struct kvm_stats *stats);
const char *kvm_stats_name(const struct kvm_stats *stats, unsigned int i);
/* Whether a scalar stat called @name exists. */
bool kvm_stats_has(const struct kvm_stats *stats, const char *name);

/* Read one stat now: 0, -ENOENT (no such stat), -EMSGSIZE (histogram), -errno. */
int __kvm_stats_read(const struct kvm_stats *stats, const char *name, uint64_t *ret);

/*
 * By name, opening the stats on first use. The "__" variants do not
 * assert: -ENOENT for a stat this kernel lacks, and KVM_GET_STATS_FD's
 * -errno (-EINVAL/-ENOTTY) on kernels without binary stats.
 */
int __vm_get_stat(struct kvm_vm *vm, const char *name, uint64_t *ret);
uint64_t vm_get_stat(struct kvm_vm *vm, const char *name);
int __vcpu_get_stat(struct kvm_vcpu *vcpu, const char *name, uint64_t *ret);
uint64_t vcpu_get_stat(struct kvm_vcpu *vcpu, const char *name);

/*
 * Snapshot all stats with one pread (asserts). Release with
 * kvm_stats_snapshot_deinit(), or declare it _cleanup_(kvm_stats_snapshot_deinit).
 */
void kvm_stats_snapshot_take(const struct kvm_stats *stats, struct kvm_stats_snapshot *snap);
void kvm_stats_snapshot_deinit(struct kvm_stats_snapshot *snap);
#define vcpu_stats_snapshot(vcpu, snap) kvm_stats_snapshot_take(vcpu_stats(vcpu), snap)
#define vm_stats_snapshot(vm, snap)	kvm_stats_snapshot_take(vm_stats(vm), snap)

/* One stat's value in a snapshot: 0, -ENOENT, -EMSGSIZE. */
int __kvm_stats_snapshot_get(const struct kvm_stats_snapshot *snap, const char *name,
			     uint64_t *ret);
uint64_t kvm_stats_snapshot_get(const struct kvm_stats_snapshot *snap, const char *name);

/*
 * after - before for stat @name (asserts both snapshots come from the same
 * stats and the stat exists). Wraps modulo 2^64 like the counters do; an
 * instant stat that went down gives a huge value, so use it on cumulative
 * counters.
 */
int __kvm_stats_delta(const struct kvm_stats_snapshot *before,
		      const struct kvm_stats_snapshot *after, const char *name, uint64_t *ret);
uint64_t kvm_stats_delta(const struct kvm_stats_snapshot *before,
			 const struct kvm_stats_snapshot *after, const char *name);
