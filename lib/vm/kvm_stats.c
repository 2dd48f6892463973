// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM binary stats: one parse of the header and descriptors per stats fd,
 * then reads by name (see kvm_stats.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm_stats.h"
#include "kvm_util.h"

#define KVM_STATS_DATA_MAX (1U << 20)

struct kvm_stats {
	int fd; /* borrowed */
	struct kvm_stats_header hdr;
	char *descs; /* num_desc descriptors of desc_size bytes */
	size_t desc_size;
	size_t data_size; /* bytes from hdr.data_offset */
};

static const struct kvm_stats_desc *desc_at(const struct kvm_stats *stats, unsigned int i)
{
	return (const struct kvm_stats_desc *)(stats->descs + i * stats->desc_size);
}

/* pread all of @size or fail: the stats file is small and never short. */
static int pread_full(int fd, void *buf, size_t size, off_t off)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, (char *)buf + done, size - done, off + done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EBADMSG;
		done += n;
	}
	return 0;
}

int kvm_stats_new(struct kvm_stats **ret, int fd)
{
	struct kvm_stats *stats;
	unsigned int i;
	int r;

	stats = calloc(1, sizeof(*stats));
	if (!stats)
		return -ENOMEM;
	stats->fd = fd;
	r = pread_full(fd, &stats->hdr, sizeof(stats->hdr), 0);
	if (r < 0)
		goto fail;
	/* The descriptor count and name size bound the allocation below. */
	if (stats->hdr.num_desc == 0 || stats->hdr.num_desc > 65536 || stats->hdr.name_size == 0 ||
	    stats->hdr.name_size > 4096) {
		r = -EBADMSG;
		goto fail;
	}
	stats->desc_size = sizeof(struct kvm_stats_desc) + stats->hdr.name_size;
	stats->descs = malloc(stats->desc_size * stats->hdr.num_desc);
	if (!stats->descs) {
		r = -ENOMEM;
		goto fail;
	}
	r = pread_full(fd, stats->descs, stats->desc_size * stats->hdr.num_desc,
		       stats->hdr.desc_offset);
	if (r < 0)
		goto fail;
	for (i = 0; i < stats->hdr.num_desc; i++) {
		struct kvm_stats_desc *d =
			(struct kvm_stats_desc *)(stats->descs + i * stats->desc_size);
		size_t end = d->offset + (size_t)d->size * sizeof(uint64_t);

		/* Names are NUL-padded to name_size; force termination anyway. */
		d->name[stats->hdr.name_size - 1] = '\0';
		if (d->offset % sizeof(uint64_t) || d->size == 0) {
			r = -EBADMSG;
			goto fail;
		}
		if (end > stats->data_size)
			stats->data_size = end;
	}
	/* KVM's blocks are a few KiB; a huge one means a corrupt header. */
	if (stats->data_size > KVM_STATS_DATA_MAX) {
		r = -EBADMSG;
		goto fail;
	}
	*ret = stats;
	return 0;
fail:
	kvm_stats_free(stats);
	return r;
}

struct kvm_stats *kvm_stats_free(struct kvm_stats *stats)
{
	if (!stats)
		return NULL;
	free(stats->descs);
	free(stats);
	return NULL;
}

unsigned int kvm_stats_count(const struct kvm_stats *stats)
{
	return stats->hdr.num_desc;
}

const char *kvm_stats_name(const struct kvm_stats *stats, unsigned int i)
{
	return i < stats->hdr.num_desc ? desc_at(stats, i)->name : NULL;
}

/* The descriptor of scalar stat @name: 0, -ENOENT or -EMSGSIZE. */
static int stats_find(const struct kvm_stats *stats, const char *name,
		      const struct kvm_stats_desc **ret)
{
	unsigned int i;

	for (i = 0; i < stats->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = desc_at(stats, i);

		if (strcmp(d->name, name))
			continue;
		if (d->size != 1)
			return -EMSGSIZE;
		*ret = d;
		return 0;
	}
	return -ENOENT;
}

bool kvm_stats_has(const struct kvm_stats *stats, const char *name)
{
	const struct kvm_stats_desc *d;

	return stats_find(stats, name, &d) == 0;
}

int __kvm_stats_read(const struct kvm_stats *stats, const char *name, uint64_t *ret)
{
	const struct kvm_stats_desc *d;
	uint64_t v;
	int r;

	r = stats_find(stats, name, &d);
	if (r < 0)
		return r;
	r = pread_full(stats->fd, &v, sizeof(v), stats->hdr.data_offset + d->offset);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

/* Open @obj_fd's stats fd and parse it once, caching both in *fd / *stats. */
static int stats_open(int obj_fd, int *fd, struct kvm_stats **stats)
{
	if (*stats)
		return 0;
	if (*fd < 0) {
		int r = ioctl(obj_fd, KVM_GET_STATS_FD, NULL);

		if (r < 0)
			return -errno;
		*fd = r;
	}
	return kvm_stats_new(stats, *fd);
}

static struct kvm_stats *stats_or_fail(int r, struct kvm_stats *stats, const char *what)
{
	TEST_ASSERT(r == 0, "%s stats (KVM_GET_STATS_FD, needs KVM_CAP_BINARY_STATS_FD): %s", what,
		    strerror(-r));
	return stats;
}

struct kvm_stats *vm_stats(struct kvm_vm *vm)
{
	int r = stats_open(vm->fd, &vm->stats_fd, &vm->stats);

	return stats_or_fail(r, vm->stats, "VM");
}

struct kvm_stats *vcpu_stats(struct kvm_vcpu *vcpu)
{
	int r = stats_open(vcpu->fd, &vcpu->stats_fd, &vcpu->stats);

	return stats_or_fail(r, vcpu->stats, "vCPU");
}

static uint64_t stat_or_fail(int r, uint64_t v, const char *what, const char *name)
{
	TEST_ASSERT(r == 0, "%s stat \"%s\": %s", what, name,
		    r == -ENOENT ? "this kernel has no such stat" : strerror(-r));
	return v;
}

int __vm_get_stat(struct kvm_vm *vm, const char *name, uint64_t *ret)
{
	int r = stats_open(vm->fd, &vm->stats_fd, &vm->stats);

	return r < 0 ? r : __kvm_stats_read(vm->stats, name, ret);
}

uint64_t vm_get_stat(struct kvm_vm *vm, const char *name)
{
	uint64_t v = 0;
	int r = __vm_get_stat(vm, name, &v);

	return stat_or_fail(r, v, "VM", name);
}

int __vcpu_get_stat(struct kvm_vcpu *vcpu, const char *name, uint64_t *ret)
{
	int r = stats_open(vcpu->fd, &vcpu->stats_fd, &vcpu->stats);

	return r < 0 ? r : __kvm_stats_read(vcpu->stats, name, ret);
}

uint64_t vcpu_get_stat(struct kvm_vcpu *vcpu, const char *name)
{
	uint64_t v = 0;
	int r = __vcpu_get_stat(vcpu, name, &v);

	return stat_or_fail(r, v, "vCPU", name);
}

void kvm_stats_snapshot_take(const struct kvm_stats *stats, struct kvm_stats_snapshot *snap)
{
	uint64_t *data = malloc(stats->data_size);
	int r;

	TEST_ASSERT(data, "out of memory");
	r = pread_full(stats->fd, data, stats->data_size, stats->hdr.data_offset);
	TEST_ASSERT(r == 0, "reading %zu bytes of stats data: %s", stats->data_size, strerror(-r));
	*snap = (struct kvm_stats_snapshot){ .stats = stats,
					     .data = data,
					     .size = stats->data_size };
}

void kvm_stats_snapshot_deinit(struct kvm_stats_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->data);
	*snap = (struct kvm_stats_snapshot){};
}

int __kvm_stats_snapshot_get(const struct kvm_stats_snapshot *snap, const char *name, uint64_t *ret)
{
	const struct kvm_stats_desc *d;
	int r;

	TEST_ASSERT(snap->stats && snap->data, "stats snapshot was never taken");
	r = stats_find(snap->stats, name, &d);
	if (r < 0)
		return r;
	*ret = snap->data[d->offset / sizeof(uint64_t)];
	return 0;
}

uint64_t kvm_stats_snapshot_get(const struct kvm_stats_snapshot *snap, const char *name)
{
	uint64_t v = 0;
	int r = __kvm_stats_snapshot_get(snap, name, &v);

	return stat_or_fail(r, v, "snapshot", name);
}

int __kvm_stats_delta(const struct kvm_stats_snapshot *before,
		      const struct kvm_stats_snapshot *after, const char *name, uint64_t *ret)
{
	uint64_t a, b;
	int r;

	TEST_ASSERT(before->stats == after->stats,
		    "stats delta of \"%s\" across snapshots of different VMs or vCPUs", name);
	r = __kvm_stats_snapshot_get(before, name, &b);
	if (r < 0)
		return r;
	r = __kvm_stats_snapshot_get(after, name, &a);
	if (r < 0)
		return r;
	*ret = a - b;
	return 0;
}

uint64_t kvm_stats_delta(const struct kvm_stats_snapshot *before,
			 const struct kvm_stats_snapshot *after, const char *name)
{
	uint64_t v = 0;
	int r = __kvm_stats_delta(before, after, name, &v);

	return stat_or_fail(r, v, "delta of", name);
}
