// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-hold-vm: hold a VM (or only /dev/kvm) open until killed, so the fleet
 * box can check that kvm-config-matrix refuses to reload KVM under a user.
 *
 *   kvm-hold-vm [--dev-only] READY-FILE
 *
 * Creates READY-FILE once the fds are open, then sleeps until a signal.
 * Exit: 1 when /dev/kvm or KVM_CREATE_VM fails, 2 on usage errors.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	bool dev_only = argc == 3 && !strcmp(argv[1], "--dev-only");
	const char *ready = argv[argc - 1];
	int kvm, vm, fd;

	if (argc != 2 && !dev_only) {
		fprintf(stderr, "usage: %s [--dev-only] READY-FILE\n", argv[0]);
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "kvm-hold-vm: /dev/kvm: %m\n");
		return 1;
	}
	if (!dev_only) {
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
		if (vm < 0) {
			fprintf(stderr, "kvm-hold-vm: KVM_CREATE_VM: %m\n");
			return 1;
		}
	}
	fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "kvm-hold-vm: %s: %m\n", ready);
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}
