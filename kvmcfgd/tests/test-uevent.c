// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for kvmcfgd's uevent parser and the socket drain it feeds. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uevent.h"
#include "unit-test.h"

/* Build a datagram from NUL-separated pieces; sizeof() keeps the last NUL. */
#define DGRAM(s) s, sizeof(s)

START_TEST(module_add)
{
	static const char msg[] = "add@/module/kvm_amd\0ACTION=add\0DEVPATH=/module/kvm_amd\0"
				  "SUBSYSTEM=module\0SEQNUM=4711";
	const char *mod = NULL;
	Uevent u;

	ck_assert_int_eq(uevent_parse(DGRAM(msg), &u), 0);
	ck_assert_str_eq(u.action, "add");
	ck_assert_str_eq(u.devpath, "/module/kvm_amd");
	ck_assert_str_eq(u.subsystem, "module");
	ck_assert_uint_eq(u.seqnum, 4711);
	ck_assert_int_eq(uevent_module_action(&u, &mod), UEVENT_MODULE_ADD);
	ck_assert_str_eq(mod, "kvm_amd");
}
END_TEST

START_TEST(module_remove)
{
	static const char msg[] = "remove@/module/kvm\0ACTION=remove\0DEVPATH=/module/kvm\0"
				  "SUBSYSTEM=module\0SEQNUM=12";
	const char *mod = NULL;
	Uevent u;

	ck_assert_int_eq(uevent_parse(DGRAM(msg), &u), 0);
	ck_assert_int_eq(uevent_module_action(&u, &mod), UEVENT_MODULE_REMOVE);
	ck_assert_str_eq(mod, "kvm");
}
END_TEST

START_TEST(not_module_events)
{
	/* What a VM creation sends (seen in the fleet box): a misc device change, not a load. */
	static const char vm[] = "change@/devices/virtual/misc/kvm\0ACTION=change\0"
				 "DEVPATH=/devices/virtual/misc/kvm\0SUBSYSTEM=misc\0EVENT=create\0"
				 "PID=99\0SEQNUM=5";
	static const char bind[] = "bind@/module/kvm\0ACTION=bind\0DEVPATH=/module/kvm\0"
				   "SUBSYSTEM=module\0SEQNUM=6";
	static const char nosub[] = "add@/module/kvm\0ACTION=add\0DEVPATH=/module/kvm\0SEQNUM=7";
	static const char deep[] = "add@/module/kvm/holders\0ACTION=add\0"
				   "DEVPATH=/module/kvm/holders\0SUBSYSTEM=module";
	static const char other[] = "add@/devices/foo\0ACTION=add\0DEVPATH=/devices/foo\0"
				    "SUBSYSTEM=module";
	const char *mod = "untouched";
	Uevent u;

	ck_assert_int_eq(uevent_parse(DGRAM(vm), &u), 0);
	ck_assert_int_eq(uevent_module_action(&u, &mod), UEVENT_MODULE_NONE);
	ck_assert_int_eq(uevent_parse(DGRAM(bind), &u), 0);
	ck_assert_int_eq(uevent_module_action(&u, &mod), UEVENT_MODULE_NONE);
	ck_assert_int_eq(uevent_parse(DGRAM(nosub), &u), 0);
	ck_assert_ptr_null(u.subsystem);
	ck_assert_int_eq(uevent_module_action(&u, &mod), UEVENT_MODULE_NONE);
	ck_assert_int_eq(uevent_parse(DGRAM(deep), &u), 0);
	ck_assert_int_eq(uevent_module_action(&u, &mod), UEVENT_MODULE_NONE);
	ck_assert_int_eq(uevent_parse(DGRAM(other), &u), 0);
	ck_assert_int_eq(uevent_module_action(&u, &mod), UEVENT_MODULE_NONE);
	ck_assert_str_eq(mod, "untouched");
}
END_TEST

START_TEST(kvm_device_add)
{
	/* The vendor module's init creating /dev/kvm; the probes wait for it. */
	static const char add[] = "add@/devices/virtual/misc/kvm\0ACTION=add\0"
				  "DEVPATH=/devices/virtual/misc/kvm\0SUBSYSTEM=misc\0MAJOR=10\0"
				  "MINOR=232\0DEVNAME=kvm\0SEQNUM=8";
	static const char change[] = "change@/devices/virtual/misc/kvm\0ACTION=change\0"
				     "DEVPATH=/devices/virtual/misc/kvm\0SUBSYSTEM=misc";
	static const char rm[] = "remove@/devices/virtual/misc/kvm\0ACTION=remove\0"
				 "DEVPATH=/devices/virtual/misc/kvm\0SUBSYSTEM=misc";
	static const char other[] = "add@/devices/virtual/misc/kvmx\0ACTION=add\0"
				    "DEVPATH=/devices/virtual/misc/kvmx\0SUBSYSTEM=misc";
	static const char mod[] = "add@/module/kvm\0ACTION=add\0SUBSYSTEM=module";
	Uevent u;

	ck_assert_int_eq(uevent_parse(DGRAM(add), &u), 0);
	ck_assert(uevent_is_kvm_device_add(&u));
	ck_assert_int_eq(uevent_module_action(&u, NULL), UEVENT_MODULE_NONE);
	ck_assert_int_eq(uevent_parse(DGRAM(change), &u), 0);
	ck_assert(!uevent_is_kvm_device_add(&u));
	ck_assert_int_eq(uevent_parse(DGRAM(rm), &u), 0);
	ck_assert(!uevent_is_kvm_device_add(&u));
	ck_assert_int_eq(uevent_parse(DGRAM(other), &u), 0);
	ck_assert(!uevent_is_kvm_device_add(&u));
	ck_assert_int_eq(uevent_parse(DGRAM(mod), &u), 0);
	ck_assert(!uevent_is_kvm_device_add(&u));
}
END_TEST

START_TEST(malformed)
{
	static const char noat[] = "add/module/kvm\0ACTION=add\0SUBSYSTEM=module";
	static const char noeq[] = "add@/module/kvm\0ACTION=add\0garbage\0SUBSYSTEM=module";
	static const char mismatch[] = "add@/module/kvm\0ACTION=remove\0SUBSYSTEM=module";
	static const char devmis[] =
		"add@/module/kvm\0ACTION=add\0DEVPATH=/module/x\0SUBSYSTEM=module";
	static const char noaction[] = "add@/module/kvm\0SUBSYSTEM=module";
	static const char badseq[] = "add@/module/kvm\0ACTION=add\0SEQNUM=12x";
	static const char hugeseq[] = "add@/module/kvm\0ACTION=add\0SEQNUM=99999999999999999999999";
	static const char udev[] = "libudev\0\xfe\xed\xca\xfe";
	static const char relpath[] = "add@module/kvm\0ACTION=add";
	static const char emptyact[] = "@/module/kvm\0ACTION=\0";
	Uevent u = { .action = "untouched" };

	ck_assert_int_eq(uevent_parse(DGRAM(noat), &u), -EBADMSG);
	ck_assert_int_eq(uevent_parse(DGRAM(noeq), &u), -EBADMSG);
	ck_assert_int_eq(uevent_parse(DGRAM(mismatch), &u), -EBADMSG);
	ck_assert_int_eq(uevent_parse(DGRAM(devmis), &u), -EBADMSG);
	ck_assert_int_eq(uevent_parse(DGRAM(noaction), &u), -EBADMSG);
	ck_assert_int_eq(uevent_parse(DGRAM(badseq), &u), -EBADMSG);
	ck_assert_int_eq(uevent_parse(DGRAM(hugeseq), &u), -EBADMSG);
	ck_assert_int_eq(uevent_parse(DGRAM(udev), &u), -EPROTONOSUPPORT);
	ck_assert_int_eq(uevent_parse(DGRAM(relpath), &u), -EBADMSG);
	ck_assert_int_eq(uevent_parse(DGRAM(emptyact), &u), -EBADMSG);
	/* Unterminated last field: the length cuts the final NUL off. */
	ck_assert_int_eq(uevent_parse("add@/module/kvm\0ACTION=add", 26, &u), -EBADMSG);
	ck_assert_int_eq(uevent_parse("", 0, &u), -EBADMSG);
	ck_assert_str_eq(u.action, "untouched");
}
END_TEST

static unsigned seen_add, seen_other;

static void count(const Uevent *u, void *userdata)
{
	ck_assert_ptr_eq(userdata, &seen_add);
	if (uevent_module_action(u, NULL) == UEVENT_MODULE_ADD)
		seen_add++;
	else
		seen_other++;
}

START_TEST(drain_socket)
{
	static const char add[] =
		"add@/module/kvm\0ACTION=add\0DEVPATH=/module/kvm\0SUBSYSTEM=module";
	static const char junk[] = "no header here";
	static const char misc[] =
		"change@/devices/virtual/misc/kvm\0ACTION=change\0SUBSYSTEM=misc";
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	ck_assert_int_eq(send(sv[1], DGRAM(add), 0), (ssize_t)sizeof(add));
	ck_assert_int_eq(send(sv[1], DGRAM(junk), 0), (ssize_t)sizeof(junk));
	ck_assert_int_eq(send(sv[1], DGRAM(misc), 0), (ssize_t)sizeof(misc));
	ck_assert_int_eq(send(sv[1], DGRAM(add), 0), (ssize_t)sizeof(add));
	seen_add = seen_other = 0;
	/* The junk datagram is skipped, the rest handed over, then EAGAIN ends it. */
	ck_assert_int_eq(uevent_socket_drain(sv[0], false, count, &seen_add), 3);
	ck_assert_uint_eq(seen_add, 2);
	ck_assert_uint_eq(seen_other, 1);

	/* Kernel-only: a local process cannot forge a module load. */
	ck_assert_int_eq(send(sv[1], DGRAM(add), 0), (ssize_t)sizeof(add));
	ck_assert_int_eq(uevent_socket_drain(sv[0], true, count, &seen_add), 0);
	ck_assert_uint_eq(seen_add, 2);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Send on @tx, count what the filtered @rx receives. */
static unsigned passes(int rx, int tx, const char *msg, size_t len)
{
	char buf[256];
	unsigned n = 0;

	ck_assert_int_eq(send(tx, msg, len, 0), (ssize_t)len);
	while (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

START_TEST(socket_filter)
{
	static const char add[] = "add@/module/kvm\0ACTION=add\0SUBSYSTEM=module";
	static const char rm[] = "remove@/module/kvm_amd\0ACTION=remove\0SUBSYSTEM=module";
	static const char vm[] = "change@/devices/virtual/misc/kvm\0ACTION=change\0EVENT=create";
	static const char dev[] = "add@/devices/virtual/net/tap0\0ACTION=add";
	static const char modx[] = "add@/modules/x\0ACTION=add";
	static const char rmx[] = "remove@/module\0";
	static const char shortmsg[] = "add@";
	static const char kvmdev[] = "add@/devices/virtual/misc/kvm\0ACTION=add\0SUBSYSTEM=misc";
	static const char kvmdevx[] = "add@/devices/virtual/misc/kvmx\0ACTION=add";
	static const char kvmrm[] = "remove@/devices/virtual/misc/kvm\0ACTION=remove";
	static const char kvmshort[] = "add@/devices/virtual/misc/kv";
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	ck_assert_int_eq(uevent_socket_attach_filter(sv[0]), 0);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(add)), 1);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(rm)), 1);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(vm)), 0);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(dev)), 0);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(modx)), 0);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(rmx)), 0);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(shortmsg)), 0);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(kvmdev)), 1);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(kvmdevx)), 0);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(kvmrm)), 0);
	ck_assert_uint_eq(passes(sv[0], sv[1], DGRAM(kvmshort)), 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(netlink_socket)
{
	int fd = -1, r;

	r = uevent_socket_open(&fd);
	if (r == -EPERM || r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT) {
		/* Sandboxes without NETLINK_KOBJECT_UEVENT: nothing to assert on. */
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_ge(fd, 0);
	/* Nothing queued (or only real kernel events): never an error. */
	ck_assert_int_ge(uevent_socket_drain(fd, true, count, &seen_add), 0);
	close(fd);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		module_add,   module_remove, not_module_events, kvm_device_add, malformed,
		drain_socket, socket_filter, netlink_socket,	NULL,
	};

	return unit_test_run("uevent", tests);
}
